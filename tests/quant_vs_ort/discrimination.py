"""Shows that the QLinearMatMul cases in cases/ tell onnxruntime's requantization apart from
plausible alternatives: for each case, how many outputs each variant would get wrong.

    ort_f32             float32(acc) · ((a_scale·b_scale)/y_scale in float32), round half even
    f64_product         the same multiplier, product in float64 (numpy's reference does this)
    order_a*(b/y)       multiplier a_scale·(b_scale/y_scale)
    mult_in_scale_type  multiplier computed in the scales' own type (float16 scales)
    half_away           round half away from zero

A variant with 0 everywhere would be indistinguishable from onnxruntime on these cases.

    /tmp/probe-venv/bin/python tests/quant_vs_ort/discrimination.py
"""

from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper

CASES = Path(__file__).resolve().parent / "cases"

for d in sorted(CASES.glob("qlinear_matmul*")):
    model = onnx.load(d / "model.onnx")
    vals = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
    for i, inp in enumerate(model.graph.input):
        vals[inp.name] = numpy_helper.to_array(onnx.load_tensor(d / f"input_{i}.pb"))
    a = vals["a"].astype(np.int64) - vals["a_zero_point"].astype(np.int64)
    b = vals["b"].astype(np.int64) - vals["b_zero_point"].astype(np.int64)
    acc = np.matmul(a, b)
    want = numpy_helper.to_array(onnx.load_tensor(d / "output_0.pb"))
    yz = int(vals["y_zero_point"].ravel()[0])
    info = np.iinfo(want.dtype)
    a_s, b_s, y_s = (vals[k] for k in ("a_scale", "b_scale", "y_scale"))

    def f(v):
        return v.astype(np.float32)

    def finish(v):
        return np.clip(np.rint(v) + yz, info.min, info.max)

    multiplier = (f(a_s) * f(b_s)) / f(y_s)
    variants = {
        "ort_f32": finish(acc.astype(np.float32) * multiplier),
        "f64_product": finish(acc.astype(np.float64) * np.float64(multiplier)),
        "order_a*(b/y)": finish(acc.astype(np.float32) * (f(a_s) * (f(b_s) / f(y_s)))),
        "mult_in_scale_type": finish(acc.astype(np.float32) * ((a_s * b_s) / y_s).astype(np.float32)),
        "half_away": np.clip(np.trunc(acc.astype(np.float32) * multiplier + np.copysign(0.5, acc)) + yz, info.min, info.max),
    }
    print(d.name.ljust(52), " ".join(f"{k}={int((v != want).sum())}" for k, v in variants.items()))
