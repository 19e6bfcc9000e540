"""What README.md says of onnxruntime and weight-only MatMul: onnxruntime (CPU, default session
options) rewrites `DequantizeLinear(int8 weight) -> MatMul` with a float input into MatMulNBits,
which quantizes that input to int8 on the fly (session.qdq_matmulnbits_accuracy_level, default
4); with the option at 0 it computes the graph as written. If a new onnxruntime stops doing this,
this test fails and the README's paragraph must change with it.

The model: x [4, 64] @ dequantized int8 weight [64, 32] (per-channel, axis 1, and per-tensor),
at opsets 13 and 21; x has one input channel 1000x the others, as activations with outliers do.
The reference is numpy's float64 product of x and the dequantized weight.
"""
import tempfile
import unittest
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

K, N = 64, 32


def weight_only_matmul(opset, per_channel, rng):
    w = rng.normal(size=(K, N)).astype(np.float32)
    scale = (np.abs(w).max(0) / 127).astype(np.float32) if per_channel else np.float32(np.abs(w).max() / 127)
    q = np.round(w / scale).astype(np.int8)
    zero_point = np.zeros((N,) if per_channel else (), np.int8)
    inits = [numpy_helper.from_array(q, "wq"), numpy_helper.from_array(np.asarray(scale, np.float32), "ws"),
             numpy_helper.from_array(zero_point, "wz")]
    dq = helper.make_node("DequantizeLinear", ["wq", "ws", "wz"], ["w"], **({"axis": 1} if per_channel else {}))
    mm = helper.make_node("MatMul", ["x", "w"], ["y"])
    graph = helper.make_graph([dq, mm], "weight_only", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, K])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, N])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    dequantized = q.astype(np.float64) * np.asarray(scale, np.float64)
    return model, dequantized


def run(model, x, level):
    options = ort.SessionOptions()
    if level is not None:
        options.add_session_config_entry("session.qdq_matmulnbits_accuracy_level", level)
    with tempfile.TemporaryDirectory() as d:
        options.optimized_model_filepath = str(Path(d) / "optimized.onnx")
        session = ort.InferenceSession(model.SerializeToString(), options, providers=["CPUExecutionProvider"])
        ops = [n.op_type for n in onnx.load(options.optimized_model_filepath).graph.node]
    return session.run(None, {"x": x})[0], ops


class OnnxruntimeWeightOnlyMatMul(unittest.TestCase):
    def test_default_options_quantize_the_float_input_and_level_0_does_not(self):
        rng = np.random.default_rng(0)
        for opset in (13, 21):
            for per_channel in (True, False):
                with self.subTest(opset=opset, per_channel=per_channel):
                    model, w = weight_only_matmul(opset, per_channel, rng)
                    x = rng.normal(size=(4, K)).astype(np.float32)
                    x[:, 0] *= 1000
                    want = x.astype(np.float64) @ w
                    scale = np.abs(want).max()
                    got, ops = run(model, x, None)
                    self.assertIn("MatMulNBits", ops)
                    # README: "up to 0.8 % relative error" (measured 2.9e-3 to 8.0e-3 over opsets
                    # 13-21); float32 alone is below 1e-5 here, so 1e-3 separates the two.
                    default_error = np.abs(got - want).max() / scale
                    self.assertGreater(default_error, 1e-3, "default options compute with int8 activations")
                    self.assertLess(default_error, 1e-2, "README quotes up to 0.8 %")
                    exact, _ = run(model, x, "0")
                    self.assertLess(np.abs(exact - want).max() / scale, 1e-5, "level 0 computes the graph as written")


if __name__ == "__main__":
    unittest.main()
