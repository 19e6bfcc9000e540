"""Regenerates the recurrent-layer fixtures in this folder (run from anywhere):

    python make_fixtures.py        # needs onnx, onnxruntime, numpy

Each case is a folder under cases/ in the ONNX node-test format (model.onnx, test_data_set_0/input_N.pb,
output_N.pb). Expected outputs come from onnxruntime's CPU kernels. onnxruntime has no
layout=1 (batch-major) kernels, so those cases are computed with layout=0 on transposed
inputs and the outputs transposed back; float16/float64 cases are computed in float32.
The cases cover what the ONNX node tests leave out: reverse and bidirectional directions,
sequence_lens, initial states, peepholes, every activation function with its alpha/beta,
clip, input_forget, linear_before_reset, layout and the optional outputs.
"""

import os
import shutil

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cases")
GATES = {"RNN": 1, "GRU": 3, "LSTM": 4}
# Inputs after X, W, R: B, sequence_lens, initial_h (and for LSTM initial_c, P).
OPTIONAL_INPUTS = {"RNN": ["B", "L", "h0"], "GRU": ["B", "L", "h0"], "LSTM": ["B", "L", "h0", "c0", "P"]}
OUTPUTS = {"RNN": ["Y", "Y_h"], "GRU": ["Y", "Y_h"], "LSTM": ["Y", "Y_h", "Y_c"]}
NP_TO_ONNX = {np.float32: TensorProto.FLOAT, np.float64: TensorProto.DOUBLE, np.float16: TensorProto.FLOAT16, np.int32: TensorProto.INT32}


def make_model(op, inputs, outputs, attrs, dtype, opset=22):
    node = helper.make_node(op, [name if value is not None else "" for name, value in inputs], outputs, **attrs)
    graph_inputs = [
        helper.make_tensor_value_info(name, NP_TO_ONNX[value.dtype.type], value.shape)
        for name, value in inputs
        if value is not None
    ]
    graph_outputs = [helper.make_tensor_value_info(o, NP_TO_ONNX[dtype], None) for o in outputs if o]
    graph = helper.make_graph([node], "g", graph_inputs, graph_outputs)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def run_ort(op, inputs, outputs, attrs):
    model = make_model(op, inputs, outputs, attrs, np.float32)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    feeds = {name: value for name, value in inputs if value is not None}
    return session.run(None, feeds)


def case(name, op, seq=3, batch=2, input_size=3, hidden=4, direction="forward", use=(), lens=None,
         attrs=None, layout=0, dtype=np.float32, outputs=None, seed=0):
    rng = np.random.default_rng(seed)
    dirs = 2 if direction == "bidirectional" else 1
    g = GATES[op]
    values = {
        "X": rng.standard_normal((seq, batch, input_size)),
        "W": rng.standard_normal((dirs, g * hidden, input_size)) * 0.5,
        "R": rng.standard_normal((dirs, g * hidden, hidden)) * 0.5,
        "B": rng.standard_normal((dirs, 2 * g * hidden)) * 0.5,
        "L": np.array(lens if lens is not None else [seq] * batch, dtype=np.int32),
        "h0": rng.standard_normal((dirs, batch, hidden)),
        "c0": rng.standard_normal((dirs, batch, hidden)),
        "P": rng.standard_normal((dirs, 3 * hidden)) * 0.5,
    }
    for k in values:
        if k != "L":
            values[k] = values[k].astype(dtype)
    names = ["X", "W", "R"] + OPTIONAL_INPUTS[op]
    node_inputs = [(n, values[n] if (n in ("X", "W", "R") or n in use) else None) for n in names]
    while node_inputs[-1][1] is None:
        node_inputs.pop()
    outs = list(outputs if outputs is not None else OUTPUTS[op])
    attrs = dict(attrs or {}, hidden_size=hidden, direction=direction)

    f32 = [(n, v.astype(np.float32) if v is not None and v.dtype != np.int32 else v) for n, v in node_inputs]
    expected = run_ort(op, f32, outs, attrs)
    expected = [e.astype(dtype) for e in expected]

    if layout == 1:
        attrs["layout"] = 1
        node_inputs = [(n, batch_major_input(n, v)) for n, v in node_inputs]
        named = [o for o in outs if o]
        expected = [batch_major_output(o, e) for o, e in zip(named, expected)]

    model = make_model(op, node_inputs, outs, attrs, dtype)
    folder = os.path.join(HERE, name)
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(os.path.join(folder, "test_data_set_0"))
    onnx.save(model, os.path.join(folder, "model.onnx"))
    fed = [(n, v) for n, v in node_inputs if v is not None]
    for i, (n, v) in enumerate(fed):
        save(os.path.join(folder, "test_data_set_0", f"input_{i}.pb"), v, n)
    for i, (o, e) in enumerate(zip([o for o in outs if o], expected)):
        save(os.path.join(folder, "test_data_set_0", f"output_{i}.pb"), e, o)


def batch_major_input(name, v):
    if v is None:
        return None
    if name == "X":
        return np.ascontiguousarray(v.transpose(1, 0, 2))
    if name in ("h0", "c0"):
        return np.ascontiguousarray(v.transpose(1, 0, 2))
    return v


def batch_major_output(name, v):
    if name == "Y":
        return np.ascontiguousarray(v.transpose(2, 0, 1, 3))
    return np.ascontiguousarray(v.transpose(1, 0, 2))


def save(path, value, name):
    with open(path, "wb") as f:
        f.write(numpy_helper.from_array(value, name).SerializeToString())


ALL = ("B", "L", "h0", "c0", "P")
ACTIVATION_SETS = {
    "RNN": [
        (["Relu"], [], []),
        (["Affine"], [0.7], [0.2]),
        (["LeakyRelu"], [0.3], []),
        (["ThresholdedRelu"], [0.1], []),
        (["ScaledTanh"], [1.5], [0.5]),
        (["HardSigmoid"], [0.3], [0.4]),
        (["Elu"], [0.8], []),
        (["Softsign"], [], []),
        (["Softplus"], [], []),
        (["Sigmoid"], [], []),
    ],
    "GRU": [
        (["HardSigmoid", "Softsign"], [0.3], [0.4]),
        (["Sigmoid", "Elu"], [0.5], []),
    ],
    "LSTM": [
        (["HardSigmoid", "ScaledTanh", "Softsign"], [0.3, 1.2], [0.4, 0.7]),
        (["Sigmoid", "LeakyRelu", "Affine", "Sigmoid", "Tanh", "Softplus"], [0.2, 0.9], [0.1]),
    ],
}


def main():
    shutil.rmtree(HERE, ignore_errors=True)
    for op in ("RNN", "GRU", "LSTM"):
        low = op.lower()
        for direction in ("forward", "reverse", "bidirectional"):
            case(f"{low}_{direction}_all_inputs", op, direction=direction, use=ALL, lens=[3, 2], seed=1)
            case(f"{low}_{direction}_ragged_lengths", op, seq=4, batch=3, direction=direction, use=("L",), lens=[4, 1, 0], seed=2)
        case(f"{low}_bidirectional_batch_major", op, direction="bidirectional", use=ALL, lens=[2, 3], layout=1, seed=3)
        case(f"{low}_clip", op, direction="bidirectional", use=("B", "h0"), attrs={"clip": 0.4}, seed=4)
        case(f"{low}_float64", op, use=ALL, dtype=np.float64, seed=5)
        case(f"{low}_float16", op, use=("B", "h0"), dtype=np.float16, seed=6)
        case(f"{low}_only_last_state", op, direction="reverse", use=("B",), outputs=["", "Y_h"], seed=7)
        case(f"{low}_large_batch", op, seq=5, batch=6, input_size=5, hidden=8, direction="bidirectional", use=("B", "L", "h0"), lens=[5, 4, 3, 2, 1, 5], seed=8)
        for k, (names, alphas, betas) in enumerate(ACTIVATION_SETS[op]):
            attrs = {"activations": names}
            if alphas:
                attrs["activation_alpha"] = alphas
            if betas:
                attrs["activation_beta"] = betas
            direction = "bidirectional" if len(names) == 2 * {"RNN": 1, "GRU": 2, "LSTM": 3}[op] else "forward"
            case(f"{low}_activations_{k}_{'_'.join(n.lower() for n in names[:3])}", op, direction=direction, use=("B", "h0"), attrs=attrs, seed=10 + k)
    case("lstm_input_forget", "LSTM", direction="bidirectional", use=ALL, attrs={"input_forget": 1}, seed=20)
    case("lstm_peepholes_clip", "LSTM", use=ALL, attrs={"clip": 0.5}, lens=[3, 1], seed=21)
    case("gru_linear_before_reset", "GRU", direction="bidirectional", use=ALL, lens=[1, 3], attrs={"linear_before_reset": 1}, seed=22)
    case("gru_linear_before_reset_batch_major", "GRU", use=("B", "h0"), attrs={"linear_before_reset": 1}, layout=1, seed=23)


if __name__ == "__main__":
    main()
