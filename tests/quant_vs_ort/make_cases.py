"""Builds the pare-vs-onnxruntime bit-exactness cases for the quantization ops.

Each case is a one-node ONNX model plus inputs, and the outputs onnxruntime's CPU provider
computes for them, written to cases/<name>/ as model.onnx, input_<i>.pb, output_<i>.pb.
tests/native/quant_vs_ort.rs replays every case with pare and requires identical results
(same dtype, same shape, same bits).

The cases aim at what differs between implementations: ties at .5 (scales that are powers of
two), accumulators beyond 2^24 (where int32 → float32 rounds), saturation, per-channel and
per-column parameters, blocked quantization, batching, padding modes, groups and depthwise
convolution, and weights held as initializers (onnxruntime then prepacks them and, for int8
weights with zero weight zero points, switches to its symmetric convolution kernels).

Run with the venv that has onnx and onnxruntime (the versions used are written to
cases/versions.txt):

    /tmp/probe-venv/bin/python tests/quant_vs_ort/make_cases.py
"""

from __future__ import annotations

import shutil
import zlib
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto as TP
from onnx import helper, numpy_helper

OUT = Path(__file__).resolve().parent / "cases"
RNG = np.random.default_rng(0)


def reseed(group: str) -> None:
    """Each group of cases draws from its own seeded generator, so adding a case to one group
    leaves the data of the others unchanged."""
    global RNG
    RNG = np.random.default_rng(zlib.crc32(group.encode()))

NP_TO_ONNX = {
    np.dtype(np.float32): TP.FLOAT,
    np.dtype(np.float16): TP.FLOAT16,
    np.dtype(np.uint8): TP.UINT8,
    np.dtype(np.int8): TP.INT8,
    np.dtype(np.uint16): TP.UINT16,
    np.dtype(np.int16): TP.INT16,
    np.dtype(np.int32): TP.INT32,
}


def case(name, op, inputs, outputs, attrs=None, opset=21, initializers=()):
    """inputs: ordered list of (name, array or None for an omitted optional input);
    initializers: names among them stored as initializers instead of graph inputs;
    outputs: list of (name, onnx element type)."""
    node_inputs = [n if a is not None else "" for n, a in inputs]
    node = helper.make_node(op, node_inputs, [n for n, _ in outputs], **(attrs or {}))
    graph_inputs, inits, feeds = [], [], {}
    for n, a in inputs:
        if a is None:
            continue
        if n in initializers:
            inits.append(numpy_helper.from_array(a, n))
        else:
            graph_inputs.append(helper.make_tensor_value_info(n, NP_TO_ONNX[a.dtype], list(a.shape)))
            feeds[n] = a
    graph = helper.make_graph(
        [node], name, graph_inputs, [helper.make_tensor_value_info(n, t, None) for n, t in outputs], initializer=inits
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    results = session.run(None, feeds)

    d = OUT / name
    d.mkdir(parents=True)
    onnx.save(model, d / "model.onnx")
    for i, n in enumerate(i.name for i in graph_inputs):
        onnx.save_tensor(numpy_helper.from_array(feeds[n], n), d / f"input_{i}.pb")
    for i, ((n, _), r) in enumerate(zip(outputs, results)):
        onnx.save_tensor(numpy_helper.from_array(np.asarray(r), n), d / f"output_{i}.pb")


def u8(shape, lo=0, hi=256):
    return RNG.integers(lo, hi, size=shape, dtype=np.int64).astype(np.uint8)


def i8(shape, lo=-128, hi=128):
    return RNG.integers(lo, hi, size=shape, dtype=np.int64).astype(np.int8)


def f32(*values):
    return np.array(values, dtype=np.float32)


def scalar(v, dtype):
    return np.array(v, dtype=dtype)


# ---------------------------------------------------------------- QuantizeLinear
def quantize_cases():
    reseed("quantize_cases")
    # Exact ties: multiples of 0.5·scale with a power-of-two scale, plus saturation, NaN, ±inf.
    ties = (np.arange(-300, 300, dtype=np.float32) * 0.5 + 0.0).astype(np.float32) * np.float32(0.25)
    extremes = f32(np.nan, np.inf, -np.inf, 1e30, -1e30, 3.4e38, -0.0, 1e-45)
    x = np.concatenate([ties, extremes, RNG.normal(0, 30, 200).astype(np.float32)])
    for out_dtype, zp in [(np.uint8, 128), (np.int8, -3), (np.uint16, 30000), (np.int16, -7)]:
        t = NP_TO_ONNX[np.dtype(out_dtype)]
        case(
            f"quantize_per_tensor_{np.dtype(out_dtype).name}",
            "QuantizeLinear",
            [("x", x), ("y_scale", scalar(0.25, np.float32)), ("y_zero_point", scalar(zp, out_dtype))],
            [("y", t)],
        )
    # Non power-of-two scale: rounding of the quotient itself matters.
    case(
        "quantize_scale_one_tenth",
        "QuantizeLinear",
        [("x", (np.arange(-2000, 2000, dtype=np.float32) * np.float32(0.05)).astype(np.float32)),
         ("y_scale", scalar(0.1, np.float32)), ("y_zero_point", scalar(0, np.int8))],
        [("y", TP.INT8)],
    )
    case(
        "quantize_no_zero_point_opset13",
        "QuantizeLinear",
        [("x", RNG.normal(0, 100, (3, 50)).astype(np.float32)), ("y_scale", scalar(0.7, np.float32))],
        [("y", TP.UINT8)],
        opset=13,
    )
    case(
        "quantize_per_axis",
        "QuantizeLinear",
        [("x", RNG.normal(0, 10, (2, 3, 4, 5)).astype(np.float32)), ("y_scale", f32(0.5, 0.03, 0.125)),
         ("y_zero_point", np.array([0, 100, 255], np.uint8))],
        [("y", TP.UINT8)],
        attrs={"axis": 1},
        opset=13,
    )
    case(
        "quantize_per_axis_negative_axis_int16",
        "QuantizeLinear",
        [("x", RNG.normal(0, 1000, (4, 6)).astype(np.float32)), ("y_scale", (RNG.random(6) * 0.1 + 0.01).astype(np.float32)),
         ("y_zero_point", np.arange(-3, 3).astype(np.int16))],
        [("y", TP.INT16)],
        attrs={"axis": -1},
    )
    case(
        "quantize_blocked_with_remainder",
        "QuantizeLinear",
        [("x", RNG.normal(0, 10, (3, 7, 2)).astype(np.float32)), ("y_scale", (RNG.random((3, 3, 2)) + 0.05).astype(np.float32)),
         ("y_zero_point", i8((3, 3, 2), -20, 20))],
        [("y", TP.INT8)],
        attrs={"axis": 1, "block_size": 3},
    )
    case(
        "quantize_output_dtype_uint16",
        "QuantizeLinear",
        [("x", RNG.normal(0, 10000, 64).astype(np.float32)), ("y_scale", scalar(0.5, np.float32))],
        [("y", TP.UINT16)],
        attrs={"output_dtype": TP.UINT16},
    )
    case(
        "quantize_float16",
        "QuantizeLinear",
        [("x", (RNG.normal(0, 50, 300)).astype(np.float16)), ("y_scale", scalar(0.3, np.float16)),
         ("y_zero_point", scalar(5, np.int8))],
        [("y", TP.INT8)],
        opset=19,
    )
    # From opset 23 the division happens in the scale's type unless `precision` says otherwise.
    x16 = RNG.normal(0, 50, 300).astype(np.float16)
    for suffix, attrs in [("", {}), ("_precision_float", {"precision": TP.FLOAT}), ("_precision_float16", {"precision": TP.FLOAT16})]:
        case(
            f"quantize_float16_opset23{suffix}",
            "QuantizeLinear",
            [("x", x16), ("y_scale", scalar(0.3, np.float16)), ("y_zero_point", scalar(5, np.int8))],
            [("y", TP.INT8)],
            attrs=attrs,
            opset=23,
        )
    case(
        "quantize_float32_x_float16_scale_opset23",
        "QuantizeLinear",
        [("x", RNG.normal(0, 50, 300).astype(np.float32)), ("y_scale", scalar(0.3, np.float16)), ("y_zero_point", scalar(5, np.int8))],
        [("y", TP.INT8)],
        opset=23,
    )


# -------------------------------------------------------------- DequantizeLinear
def dequantize_cases():
    reseed("dequantize_cases")
    case(
        "dequantize_uint8_per_tensor",
        "DequantizeLinear",
        [("x", np.arange(256, dtype=np.uint8)), ("x_scale", scalar(0.0173, np.float32)), ("x_zero_point", scalar(131, np.uint8))],
        [("y", TP.FLOAT)],
    )
    case(
        "dequantize_int8_per_axis",
        "DequantizeLinear",
        [("x", i8((3, 4, 5))), ("x_scale", f32(0.1, 3.3, 1e-3, 7.0)), ("x_zero_point", np.array([0, -5, 127, -128], np.int8))],
        [("y", TP.FLOAT)],
        attrs={"axis": 1},
        opset=13,
    )
    case(
        "dequantize_int32_no_zero_point",
        "DequantizeLinear",
        [("x", np.array([0, 1, -1, 2**24 + 1, -(2**31), 2**31 - 1, 123456789], np.int32)), ("x_scale", scalar(0.37, np.float32))],
        [("y", TP.FLOAT)],
        opset=13,
    )
    case(
        "dequantize_uint16_int16",
        "DequantizeLinear",
        [("x", RNG.integers(0, 65536, 100).astype(np.uint16)), ("x_scale", scalar(0.001, np.float32)),
         ("x_zero_point", scalar(40000, np.uint16))],
        [("y", TP.FLOAT)],
    )
    case(
        "dequantize_int16_blocked",
        "DequantizeLinear",
        [("x", RNG.integers(-32768, 32768, (2, 9)).astype(np.int16)), ("x_scale", (RNG.random((2, 3)) + 0.01).astype(np.float32)),
         ("x_zero_point", RNG.integers(-100, 100, (2, 3)).astype(np.int16))],
        [("y", TP.FLOAT)],
        attrs={"axis": 1, "block_size": 4},
    )
    case(
        "dequantize_float16_scale",
        "DequantizeLinear",
        [("x", u8(200)), ("x_scale", scalar(0.0137, np.float16)), ("x_zero_point", scalar(77, np.uint8))],
        [("y", TP.FLOAT16)],
        opset=19,
    )


    # Opset 23: `output_dtype`, and the output type sets the precision of the product.
    x = RNG.integers(-32768, 32768, 300).astype(np.int16)
    for suffix, scale, attrs, out in [
        ("float16_scale", scalar(0.0137, np.float16), {}, TP.FLOAT16),
        ("float32_scale_to_float16", scalar(0.0137, np.float32), {"output_dtype": TP.FLOAT16}, TP.FLOAT16),
        ("float16_scale_to_float32", scalar(0.0137, np.float16), {"output_dtype": TP.FLOAT}, TP.FLOAT),
    ]:
        case(
            f"dequantize_opset23_{suffix}",
            "DequantizeLinear",
            [("x", x), ("x_scale", scale), ("x_zero_point", scalar(-9, np.int16))],
            [("y", out)],
            attrs=attrs,
            opset=23,
        )


# ---------------------------------------------------------- DynamicQuantizeLinear
def dynamic_cases():
    reseed("dynamic_cases")
    outs = [("y", TP.UINT8), ("y_scale", TP.FLOAT), ("y_zero_point", TP.UINT8)]
    for name, x in [
        ("normal", RNG.normal(0, 3, (4, 50)).astype(np.float32)),
        ("all_positive", (RNG.random(100) * 7 + 1).astype(np.float32)),
        ("all_negative", (-RNG.random(100) * 0.3 - 0.01).astype(np.float32)),
        ("all_zero", np.zeros(10, np.float32)),
        ("ties", (np.arange(-255, 256, dtype=np.float32) * np.float32(0.5))),
        ("wide_range", f32(-1e6, 3.5, 1e-3, 2.5e5, 0.0)),
    ]:
        case(f"dynamic_quantize_{name}", "DynamicQuantizeLinear", [("x", x)], outs, opset=11)


# ------------------------------------------------------------------ MatMulInteger
def matmul_integer_cases():
    reseed("matmul_integer_cases")
    case(
        "matmul_integer_u8_u8_scalar_zero_points",
        "MatMulInteger",
        [("A", u8((5, 17))), ("B", u8((17, 9))), ("a_zero_point", scalar(255, np.uint8)), ("b_zero_point", scalar(3, np.uint8))],
        [("Y", TP.INT32)],
        opset=10,
    )
    case(
        "matmul_integer_u8_i8_per_column",
        "MatMulInteger",
        [("A", u8((2, 3, 33))), ("B", i8((33, 8))), ("a_zero_point", scalar(128, np.uint8)), ("b_zero_point", i8(8))],
        [("Y", TP.INT32)],
        opset=10,
    )
    case(
        "matmul_integer_i8_i8_batched_broadcast",
        "MatMulInteger",
        [("A", i8((2, 1, 4, 6))), ("B", i8((3, 6, 5))), ("a_zero_point", scalar(-128, np.int8)), ("b_zero_point", scalar(127, np.int8))],
        [("Y", TP.INT32)],
        opset=10,
    )
    case(
        "matmul_integer_extremes_no_zero_points",
        "MatMulInteger",
        [("A", np.full((3, 1000), 255, np.uint8)), ("B", np.full((1000, 4), 255, np.uint8))],
        [("Y", TP.INT32)],
        opset=10,
    )
    case(
        "matmul_integer_vector_times_matrix",
        "MatMulInteger",
        [("A", u8(7)), ("B", u8((7, 3))), ("a_zero_point", scalar(9, np.uint8)), ("b_zero_point", scalar(200, np.uint8))],
        [("Y", TP.INT32)],
        opset=10,
    )


# ------------------------------------------- accumulators where int32 → float32 rounds
def targets_near_ties(shift=18):
    """Accumulator values T = m·2^shift + 2^(shift−1) + d in [2^25, 2^26), where float32 has a
    spacing of 4: for d = ±1, ±2 float32(T) is exactly the tie m + 0.5 (which rounds to even)
    while T itself is not, so T·2^−shift rounds differently in float32 and in float64."""
    targets = []
    for m in range(128, 254, 7):
        for d in (1, 2) if m % 2 == 0 else (-1, -2):
            targets.append(m * (1 << shift) + (1 << (shift - 1)) + d)
    return targets


def column_for_target(k, target):
    """k + 1 uint8 weights w with 255·Σw[:k] + w[k] = target (multiplied by 255, …, 255, 1)."""
    total, rest = divmod(target, 255)
    base, extra = divmod(total, k)
    values = np.full(k, base, np.int64)
    values[:extra] += 1
    RNG.shuffle(values)
    assert values.max() <= 255 and 255 * values.sum() + rest == target
    return np.append(values, rest).astype(np.uint8)


def multiplier_order_targets():
    """float32 scales where (a·b)/y and a·(b/y) differ in the last bit, and accumulators whose
    products with the two multipliers round to different integers."""
    for i in range(1, 10000):
        a_s, b_s, y_s = np.float32(0.01 + i * 1e-5), np.float32(0.037), np.float32(0.53)
        m1, m2 = (a_s * b_s) / y_s, a_s * (b_s / y_s)
        if m1 == m2:
            continue
        acc = np.arange(1, 200000, dtype=np.int64)
        r1 = np.rint(acc.astype(np.float32) * m1)
        r2 = np.rint(acc.astype(np.float32) * m2)
        hits = acc[(r1 != r2) & (r1 < 250)]
        if len(hits) >= 4:
            return (a_s, b_s, y_s), [int(v) for v in hits[:8]]
    raise ValueError("no scales found")


def float16_multiplier_targets():
    """float16 scales whose multiplier differs between float16 and float32 arithmetic, and
    accumulators (|acc| ≤ 16,000) that round differently with the two."""
    acc = np.arange(-16000, 16000, dtype=np.int64)
    for i in range(1, 5000):
        a_s, b_s, y_s = np.float16(0.01 + i * 1e-4), np.float16(0.037), np.float16(0.53)
        m16 = np.float32((a_s * b_s) / y_s)
        m32 = (np.float32(a_s) * np.float32(b_s)) / np.float32(y_s)
        if m16 == m32:
            continue
        r16, r32 = np.rint(acc.astype(np.float32) * m16), np.rint(acc.astype(np.float32) * m32)
        hits = acc[(r16 != r32) & (np.abs(r32) < 120)]
        if len(hits) >= 3:
            return (a_s, b_s, y_s), [int(v) for v in hits[:8]]
    raise ValueError("no scales found")


def accumulator_rounding_cases():
    reseed("accumulator_rounding_cases")
    # float16 scales (opset 21): onnxruntime widens them and computes the multiplier in float32.
    (a_s, b_s, y_s), targets = float16_multiplier_targets()
    b = np.array([divmod(t, 127) for t in targets], np.int8).T  # acc = 127·q + r
    names = ["a", "a_scale", "a_zero_point", "b", "b_scale", "b_zero_point", "y_scale", "y_zero_point"]
    vals = [np.array([[127, 1]], np.int8), np.array(a_s), scalar(0, np.int8), b, np.array(b_s), scalar(0, np.int8),
            np.array(y_s), scalar(0, np.int8)]
    case("qlinear_matmul_float16_scales_multiplier_in_float32", "QLinearMatMul", list(zip(names, vals)), [("y", TP.INT8)], opset=21)

    # The multiplier is (a_scale·b_scale)/y_scale in float32, in that order.
    (a_s, b_s, y_s), targets = multiplier_order_targets()
    k = 60
    b = np.stack([column_for_target(k, t) for t in targets], axis=1)
    a = np.append(np.full(k, 255, np.uint8), 1).astype(np.uint8).reshape(1, k + 1)
    names = ["a", "a_scale", "a_zero_point", "b", "b_scale", "b_zero_point", "y_scale", "y_zero_point"]
    vals = [a, np.array(a_s, np.float32), scalar(0, np.uint8), b, np.array(b_s, np.float32),
            scalar(0, np.uint8), np.array(y_s, np.float32), scalar(0, np.uint8)]
    case("qlinear_matmul_multiplier_order", "QLinearMatMul", list(zip(names, vals)), [("y", TP.UINT8)], opset=10)

    k = 1100
    targets = targets_near_ties()
    b = np.stack([column_for_target(k, t) for t in targets], axis=1)  # [k + 1, n]
    a = np.append(np.full(k, 255, np.uint8), 1).astype(np.uint8).reshape(1, k + 1)
    names = ["a", "a_scale", "a_zero_point", "b", "b_scale", "b_zero_point", "y_scale", "y_zero_point"]
    vals = [a, np.array(1.0, np.float32), scalar(0, np.uint8), b, np.array(1.0, np.float32),
            scalar(0, np.uint8), np.array(2.0**18, np.float32), scalar(0, np.uint8)]
    case("qlinear_matmul_accumulator_rounds_to_tie", "QLinearMatMul", list(zip(names, vals)), [("y", TP.UINT8)], opset=10)
    # The same through QLinearConv: a 1×1 kernel over k + 1 channels, one output channel per target.
    w = b.T.reshape(len(targets), k + 1, 1, 1)
    x = np.broadcast_to(a.reshape(1, k + 1, 1, 1), (1, k + 1, 2, 2)).copy()
    names = ["x", "x_scale", "x_zero_point", "w", "w_scale", "w_zero_point", "y_scale", "y_zero_point"]
    vals = [x, np.array(1.0, np.float32), scalar(0, np.uint8), w, np.array(1.0, np.float32),
            scalar(0, np.uint8), np.array(2.0**18, np.float32), scalar(0, np.uint8)]
    case("qlinear_conv_accumulator_rounds_to_tie", "QLinearConv", list(zip(names, vals)), [("y", TP.UINT8)], opset=10)


# ------------------------------------------------------------------ QLinearMatMul
def qlinear_matmul_cases():
    reseed("qlinear_matmul_cases")
    names = ["a", "a_scale", "a_zero_point", "b", "b_scale", "b_zero_point", "y_scale", "y_zero_point"]

    def qmm(name, a, az, b, bz, yz, scales, opset=10, initializers=(), sdtype=np.float32):
        a_s, b_s, y_s = scales
        vals = [a, np.array(a_s, sdtype), az, b, np.array(b_s, sdtype), bz, np.array(y_s, sdtype), yz]
        case(name, "QLinearMatMul", list(zip(names, vals)), [("y", NP_TO_ONNX[yz.dtype])], opset=opset, initializers=initializers)

    # Power-of-two scales: ties at .5 in the requantization.
    # Multiplier 1/2 and small accumulators: every odd accumulator is a tie at .5.
    qmm("qlinear_matmul_u8_ties", u8((8, 4), 119, 138), scalar(128, np.uint8), u8((4, 8), 119, 138), scalar(128, np.uint8),
        scalar(128, np.uint8), (0.5, 0.25, 0.25))
    qmm("qlinear_matmul_i8_ties", i8((6, 3), -9, 10), scalar(0, np.int8), i8((3, 7), -9, 10), scalar(0, np.int8),
        scalar(-1, np.int8), (2.0, 0.125, 0.5))
    qmm("qlinear_matmul_u8_i8_generic_scales", u8((9, 40)), scalar(3, np.uint8), i8((40, 17)), scalar(0, np.int8), scalar(100, np.uint8),
        (0.0137, 0.0042, 0.09))
    qmm("qlinear_matmul_i8_i8_batched", i8((2, 5, 12)), scalar(-7, np.int8), i8((2, 12, 6)), scalar(0, np.int8), scalar(-1, np.int8),
        (0.02, 0.015, 0.05))
    qmm("qlinear_matmul_u8_per_column_b", u8((4, 20)), scalar(90, np.uint8), i8((20, 6)), np.zeros(6, np.int8), scalar(128, np.uint8),
        (0.1, list(RNG.random(6) * 0.01 + 0.001), 0.2))
    # Large K: accumulators beyond 2^24, so the int32 → float32 conversion rounds.
    qmm("qlinear_matmul_large_accumulators", np.full((2, 600), 255, np.uint8), scalar(0, np.uint8), u8((600, 5), 200, 256),
        scalar(0, np.uint8), scalar(0, np.uint8), (1.0, 1.0, 140000.0))
    qmm("qlinear_matmul_saturating", u8((3, 8)), scalar(0, np.uint8), u8((8, 3)), scalar(0, np.uint8), scalar(250, np.uint8),
        (1.0, 1.0, 0.5))
    qmm("qlinear_matmul_b_initializer", u8((6, 24)), scalar(20, np.uint8), i8((24, 10)), scalar(0, np.int8), scalar(5, np.uint8),
        (0.03, 0.007, 0.04), initializers=("b", "b_scale", "b_zero_point", "a_zero_point", "a_scale", "y_scale", "y_zero_point"))
    qmm("qlinear_matmul_opset21_float32", u8((3, 4, 7)), scalar(11, np.uint8), u8((7, 5)), scalar(13, np.uint8), scalar(17, np.uint8),
        (0.05, 0.125, 0.3), opset=21)
    qmm("qlinear_matmul_opset21_float16_scales", i8((4, 9)), scalar(2, np.int8), i8((9, 4)), scalar(-3, np.int8), scalar(1, np.int8),
        (0.0215, 0.1133, 0.371), opset=21, sdtype=np.float16)


# ------------------------------------------------------------------- ConvInteger
def conv_integer_cases():
    reseed("conv_integer_cases")
    case(
        "conv_integer_pads_strides",
        "ConvInteger",
        [("x", u8((2, 3, 7, 6))), ("w", u8((4, 3, 3, 2))), ("x_zero_point", scalar(120, np.uint8)), ("w_zero_point", scalar(7, np.uint8))],
        [("y", TP.INT32)],
        attrs={"pads": [1, 0, 2, 1], "strides": [2, 1]},
        opset=10,
    )
    case(
        "conv_integer_group_dilation",
        "ConvInteger",
        [("x", u8((1, 4, 9, 9))), ("w", u8((6, 2, 3, 3))), ("x_zero_point", scalar(255, np.uint8))],
        [("y", TP.INT32)],
        attrs={"group": 2, "dilations": [2, 1], "pads": [2, 1, 1, 0]},
        opset=10,
    )
    case(
        "conv_integer_1d_same_lower",
        "ConvInteger",
        [("x", u8((2, 2, 11))), ("w", u8((3, 2, 4))), ("x_zero_point", scalar(1, np.uint8)), ("w_zero_point", scalar(250, np.uint8))],
        [("y", TP.INT32)],
        attrs={"auto_pad": "SAME_LOWER", "strides": [2]},
        opset=10,
    )
    case(
        "conv_integer_u8_i8_weights",
        "ConvInteger",
        [("x", u8((1, 5, 6, 6))), ("w", i8((3, 5, 2, 2))), ("x_zero_point", scalar(128, np.uint8)), ("w_zero_point", scalar(-2, np.int8))],
        [("y", TP.INT32)],
        attrs={"auto_pad": "SAME_UPPER"},
        opset=10,
    )


# ------------------------------------------------------------------- QLinearConv
def qlinear_conv_cases():
    reseed("qlinear_conv_cases")
    names = ["x", "x_scale", "x_zero_point", "w", "w_scale", "w_zero_point", "y_scale", "y_zero_point", "B"]
    params = ("x_scale", "x_zero_point", "w", "w_scale", "w_zero_point", "y_scale", "y_zero_point", "B")

    def qconv(name, x, xz, w, wz, yz, scales, bias=None, attrs=None, constant=False):
        x_s, w_s, y_s = scales
        w_s = np.array(w_s, np.float32)
        vals = [x, np.array(x_s, np.float32), xz, w, w_s, wz, np.array(y_s, np.float32), yz, bias]
        inputs = list(zip(names, vals))
        if bias is None:
            inputs = inputs[:8]
        case(name, "QLinearConv", inputs, [("y", NP_TO_ONNX[yz.dtype])], attrs=attrs, opset=10,
             initializers=params if constant else ())

    # u8/u8, power-of-two scales: many ties.
    qconv("qlinear_conv_u8_ties", u8((1, 3, 8, 8)), scalar(128, np.uint8), u8((4, 3, 3, 3)), scalar(128, np.uint8),
          scalar(128, np.uint8), (0.5, 0.5, 64.0), attrs={"pads": [1, 1, 1, 1]})
    qconv("qlinear_conv_u8_i8_per_channel_bias", u8((2, 4, 7, 7)), scalar(100, np.uint8), i8((6, 4, 3, 3)), np.zeros(6, np.int8),
          scalar(110, np.uint8), (0.021, list(RNG.random(6) * 0.01 + 0.002), 0.17),
          bias=RNG.integers(-5000, 5000, 6).astype(np.int32), attrs={"strides": [2, 2], "pads": [0, 1, 1, 0]})
    qconv("qlinear_conv_i8_symmetric_constant", i8((1, 8, 6, 6)), scalar(-5, np.int8), i8((16, 8, 3, 3)), np.zeros(16, np.int8),
          scalar(3, np.int8), (0.05, list(RNG.random(16) * 0.02 + 0.001), 0.08),
          bias=RNG.integers(-20000, 20000, 16).astype(np.int32), attrs={"pads": [1, 1, 1, 1]}, constant=True)
    qconv("qlinear_conv_u8_i8_symmetric_constant", u8((1, 16, 5, 5)), scalar(128, np.uint8), i8((8, 16, 1, 1)), scalar(0, np.int8),
          scalar(128, np.uint8), (0.04, 0.003, 0.05), constant=True)
    qconv("qlinear_conv_depthwise", u8((1, 6, 9, 9)), scalar(7, np.uint8), u8((6, 1, 3, 3)), scalar(9, np.uint8),
          scalar(12, np.uint8), (0.03, 0.02, 0.01), attrs={"group": 6, "pads": [1, 1, 1, 1]})
    qconv("qlinear_conv_depthwise_int8_constant", i8((1, 8, 7, 7)), scalar(1, np.int8), i8((8, 1, 3, 3)), np.zeros(8, np.int8),
          scalar(-4, np.int8), (0.03, list(RNG.random(8) * 0.05 + 0.01), 0.02), attrs={"group": 8, "auto_pad": "SAME_UPPER"},
          constant=True)
    qconv("qlinear_conv_groups_dilations", u8((2, 6, 10, 8)), scalar(0, np.uint8), u8((4, 3, 2, 3)), scalar(255, np.uint8),
          scalar(200, np.uint8), (0.011, 0.013, 0.5), attrs={"group": 2, "dilations": [3, 2], "strides": [1, 2]})
    qconv("qlinear_conv_1d", i8((2, 3, 20)), scalar(0, np.int8), i8((5, 3, 4)), scalar(0, np.int8), scalar(0, np.int8),
          (0.1, 0.1, 0.3), attrs={"auto_pad": "SAME_LOWER", "strides": [3]})
    qconv("qlinear_conv_3d", u8((1, 2, 4, 5, 6)), scalar(50, np.uint8), u8((3, 2, 2, 3, 2)), scalar(60, np.uint8),
          scalar(70, np.uint8), (0.02, 0.03, 0.4), attrs={"pads": [1, 0, 1, 0, 1, 1]})
    # Accumulators beyond 2^24 (K = 64·3·3 = 576, all 255·255).
    qconv("qlinear_conv_large_accumulators", np.full((1, 64, 5, 5), 255, np.uint8), scalar(0, np.uint8),
          u8((2, 64, 3, 3), 250, 256), scalar(0, np.uint8), scalar(0, np.uint8), (1.0, 1.0, 150000.0))
    qconv("qlinear_conv_saturating_int8", i8((1, 2, 5, 5)), scalar(0, np.int8), i8((2, 2, 3, 3)), scalar(0, np.int8),
          scalar(10, np.int8), (1.0, 1.0, 2.0), attrs={"pads": [1, 1, 1, 1]})


def main():
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir()
    quantize_cases()
    dequantize_cases()
    dynamic_cases()
    matmul_integer_cases()
    qlinear_matmul_cases()
    conv_integer_cases()
    qlinear_conv_cases()
    accumulator_rounding_cases()
    (OUT / "versions.txt").write_text(
        f"onnx {onnx.__version__}\nonnxruntime {ort.__version__}\nnumpy {np.__version__}\n"
    )
    print(f"wrote {len(list(OUT.iterdir())) - 1} cases to {OUT}")


if __name__ == "__main__":
    main()
