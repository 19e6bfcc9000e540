"""Corpus models derived from a pinned corpus model by a fixed transform (models.json `derived`).

No package found so far ships a small model with float16 weights, so the corpus derives one:
  f16_weights   every float32 initializer becomes float16, followed by a Cast back to float32
                (weights stored in half precision, compute in float32: the layout of
                "keep_io_types" float16 exports where the runtime lacks half kernels).
The result is deterministic (pinned onnx); fetch.py checks its sha256 like any other model.
"""
import onnx
from onnx import helper, numpy_helper


def f16_weights(model: onnx.ModelProto) -> onnx.ModelProto:
    graph = model.graph
    casts = []
    used = {n.name for n in graph.node} | {o for n in graph.node for o in n.output} | {i.name for i in graph.initializer}
    converted = set()
    for init in graph.initializer:
        if init.data_type != onnx.TensorProto.FLOAT:
            continue
        original = init.name
        half_name = f"{original}__f16"
        while half_name in used:
            half_name += "_"
        used.add(half_name)
        init.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(init).astype("float16"), half_name))
        # The Cast produces the original name, so every consumer stays as it was.
        casts.append(helper.make_node("Cast", [half_name], [original], to=onnx.TensorProto.FLOAT, name=f"{half_name}_cast"))
        converted.add(original)
    inputs = [i for i in graph.input if i.name not in converted]
    del graph.input[:]
    graph.input.extend(inputs)
    nodes = casts + list(graph.node)
    del graph.node[:]
    graph.node.extend(nodes)
    model.producer_name = f"{model.producer_name} + pare corpus f16_weights".strip(" +")
    onnx.checker.check_model(model, full_check=True)
    return model


TRANSFORMS = {"f16_weights": f16_weights}


def derive(source_bytes: bytes, transform: str) -> bytes:
    model = onnx.load_from_string(source_bytes)
    return TRANSFORMS[transform](model).SerializeToString(deterministic=True)
