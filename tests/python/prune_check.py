"""Checks pruned models with the reference tools: onnx.checker (full_check) and onnxruntime.

Usage: prune_check.py MODEL.onnx...
For each model prints one JSON line {"path", "ok", "error", "output_shapes"} and writes the
inputs it fed (seed 1, values in [0, 1), unknown dims = 1) to MODEL.onnx.input_N.npy and
onnxruntime's outputs to MODEL.onnx.output_N.npy, so the Rust test (tests/native/prune.rs) can run
pare on the same inputs and compare.
"""
import json
import sys

import numpy as np
import onnx
import onnxruntime as ort

ort.set_default_logger_severity(3)
TYPES = {1: np.float32, 7: np.int64, 6: np.int32}


def check(path):
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(1)
    feeds = {}
    initializers = {i.name for i in model.graph.initializer}
    for i, value in enumerate(v for v in model.graph.input if v.name not in initializers):
        t = value.type.tensor_type
        shape = [d.dim_value if d.dim_value > 0 else 1 for d in t.shape.dim]
        feeds[value.name] = rng.random(shape).astype(TYPES.get(t.elem_type, np.float32))
        np.save(f"{path}.input_{i}.npy", feeds[value.name])
    outputs = session.run(None, feeds)
    for i, out in enumerate(outputs):
        np.save(f"{path}.output_{i}.npy", out)
    return [list(o.shape) for o in outputs]


for path in sys.argv[1:]:
    try:
        print(json.dumps({"path": path, "ok": True, "error": "", "output_shapes": check(path)}))
    except Exception as e:  # noqa: BLE001 - reported to the Rust test
        print(json.dumps({"path": path, "ok": False, "error": str(e)[:2000], "output_shapes": []}))
