"""Checks models written by tests/native/quantize.rs: each case directory holds model.onnx, the
inputs (inputs/<name>.npy), pare's outputs (pare/<index>.npy) and tolerance.json
({"kind": "output_step" | "relative", "value": x}).

For each case: onnx.checker (full_check), onnxruntime (CPU, default optimizations) runs it,
the outputs are compared with pare's, and the optimized graph onnxruntime builds (level
EXTENDED, saved to a file) is scanned for the fused integer kernels (QLinearConv, QGemm…),
which shows the QDQ placement is what onnxruntime expects. Prints one JSON object per case.

Usage: check_quantized.py CASE_DIR...
"""
import json
import pathlib
import sys

import numpy as np
import onnx
import onnxruntime as ort


def output_step(model, output_name):
    """Scale of the DequantizeLinear that writes `output_name` (one quantization step)."""
    inits = {i.name: onnx.numpy_helper.to_array(i) for i in model.graph.initializer}
    for node in model.graph.node:
        if node.op_type == "DequantizeLinear" and node.output[0] == output_name:
            return float(np.max(inits[node.input[1]]))
    return None


def check(case):
    model_path = case / "model.onnx"
    model = onnx.load(str(model_path))
    result = {"case": case.name}
    onnx.checker.check_model(model, full_check=True)
    result["checker"] = "ok"
    feeds = {p.stem: np.load(p) for p in sorted((case / "inputs").glob("*.npy"))}
    sess = ort.InferenceSession(str(model_path), providers=["CPUExecutionProvider"])
    outputs = sess.run(None, feeds)
    tolerance = json.loads((case / "tolerance.json").read_text())
    worst = []
    for i, (info, ref) in enumerate(zip(sess.get_outputs(), outputs)):
        got = np.load(case / "pare" / f"{i}.npy")
        if got.shape != ref.shape:
            raise SystemExit(f"{case.name}: output {info.name} shape {got.shape} vs onnxruntime {ref.shape}")
        diff = float(np.max(np.abs(got.astype(np.float64) - ref.astype(np.float64)))) if ref.size else 0.0
        if tolerance["kind"] == "output_step":
            step = output_step(model, info.name)
            allowed = tolerance["value"] * step if step is not None else 1e-4 * max(float(np.max(np.abs(ref))), 1.0)
        else:
            allowed = tolerance["value"] * max(float(np.max(np.abs(ref))), 1e-2)
        worst.append({"output": info.name, "max_abs_diff": diff, "allowed": allowed, "ok": diff <= allowed})
    result["outputs"] = worst

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    optimized = case / "ort_optimized.onnx"
    options.optimized_model_filepath = str(optimized)
    ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
    ops = {}
    for node in onnx.load(str(optimized)).graph.node:
        ops[node.op_type] = ops.get(node.op_type, 0) + 1
    result["ort_optimized_ops"] = ops
    return result


def main():
    for arg in sys.argv[1:]:
        print(json.dumps(check(pathlib.Path(arg))), flush=True)


if __name__ == "__main__":
    main()
