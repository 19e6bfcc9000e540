"""Checks `pare convert` in onnxruntime (called by tests/native/convert.rs).

Usage: check_convert.py PARE_BINARY WORK_DIR EXCEPTIONS_FILE [--table]

Two sets of models, each converted by pare to opset 13 and to opset 21 when it is older:
1. Every model of the ONNX backend tests shipped in the onnx wheel (node, pytorch-converted,
   pytorch-operator, simple) below the target, with its test_data_set_0 inputs and expected
   outputs (the spec's reference implementation's results).
2. Generated cases, one or more per adapter of src/convert/adapters (made here, seeded): old-opset
   models using the attribute or semantics that changed; the reference is onnxruntime running
   the original model, or numpy where onnxruntime does not run the old opset (6).

A case passes when the converted file passes onnx.checker (full_check), loads in onnxruntime and
gives the reference outputs (rtol 1e-3, atol 1e-5, the backend tests' tolerance order). A case
that fails must be listed in EXCEPTIONS_FILE (`name target: reason`); a listed case that passes
is an error too, so the list only shrinks. The official converter (onnx.version_converter) runs
on the same cases for comparison; its failures are counted, never asserted.

Prints one line per target (`target 13: N converted, P pass, E exceptions`) and, with --table,
a markdown table for the README. Exits 1 listing unexpected failures and stale exceptions.
"""
import glob
import os
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper, version_converter

ort.set_default_logger_severity(4)
RTOL, ATOL = 1e-3, 1e-5
TARGETS = (13, 21)


def default_opset(model):
    for o in model.opset_import:
        if o.domain in ("", "ai.onnx"):
            return o.version
    return None


# --- the ONNX backend test models --------------------------------------------------------------
def backend_cases():
    root = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data")
    for kind in ("node", "pytorch-converted", "pytorch-operator", "simple"):
        for directory in sorted(glob.glob(os.path.join(root, kind, "*"))):
            path = os.path.join(directory, "model.onnx")
            data = os.path.join(directory, "test_data_set_0")
            if not (os.path.exists(path) and os.path.isdir(data)):
                continue
            model = onnx.load(path)
            inputs = [read_pb(p) for p in sorted(glob.glob(os.path.join(data, "input_*.pb")), key=pb_index)]
            outputs = [read_pb(p) for p in sorted(glob.glob(os.path.join(data, "output_*.pb")), key=pb_index)]
            if inputs is None or any(x is None for x in inputs + outputs):
                continue
            feeds = {}
            names = [i.name for i in model.graph.input if i.name not in {t.name for t in model.graph.initializer}]
            if len(names) != len(inputs):
                continue
            feeds = dict(zip(names, inputs))
            yield os.path.basename(directory), model, feeds, outputs


def pb_index(path):
    return int(os.path.basename(path).split("_")[1].split(".")[0])


def read_pb(path):
    tensor = onnx.TensorProto()
    with open(path, "rb") as f:
        data = f.read()
    try:
        tensor.ParseFromString(data)
        return numpy_helper.to_array(tensor)
    except Exception:
        return None  # sequences, optionals, maps: not plain tensors


# --- generated cases ---------------------------------------------------------------------------
rng = np.random.default_rng(0)


def f32(*shape):
    return rng.standard_normal(shape).astype(np.float32)


def make(name, opset, nodes, inputs, outputs, initializers=(), reference=None):
    """A case: (name, model, feeds, expected or None → onnxruntime on the original)."""
    graph = helper.make_graph(
        nodes,
        name,
        [helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(v.dtype), v.shape) for n, v in inputs.items()],
        [helper.make_tensor_value_info(n, TensorProto.INT64 if n == "i" else TensorProto.FLOAT, None) for n in outputs],
        [numpy_helper.from_array(v, n) for n, v in initializers],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="check_convert")
    model.ir_version = ir_for(opset)
    return name, model, dict(inputs), reference


def ir_for(opset):
    table = {6: 3, 7: 3, 8: 3, 9: 4, 10: 5, 11: 6, 12: 7, 13: 7, 14: 7, 15: 8, 16: 8, 17: 8, 18: 8, 19: 9, 20: 9, 21: 10}
    return table[opset]


def node(op, inputs, outputs, **attrs):
    return helper.make_node(op, inputs, outputs, **attrs)


def generated_cases():
    x4 = f32(2, 3, 4, 5)
    x3 = f32(2, 3, 4)
    small = f32(1, 2, 2, 3)
    cases = [
        make("clip6_both", 10, [node("Clip", ["x"], ["y"], min=-0.5, max=0.7)], {"x": x4}, ["y"]),
        make("clip6_max_only", 9, [node("Clip", ["x"], ["y"], max=0.3)], {"x": x4}, ["y"]),
        make("clip6_none", 10, [node("Clip", ["x"], ["y"])], {"x": x4}, ["y"]),
        make("pad2_constant", 10, [node("Pad", ["x"], ["y"], pads=[0, 0, 1, 2, 0, 0, 2, 1], value=1.5)], {"x": x4}, ["y"]),
        make("pad2_reflect", 10, [node("Pad", ["x"], ["y"], pads=[0, 0, 1, 1, 0, 0, 1, 1], mode="reflect")], {"x": x4}, ["y"]),
        make("pad2_edge", 9, [node("Pad", ["x"], ["y"], pads=[0, 1, 0, 0, 0, 1, 0, 0], mode="edge")], {"x": x4}, ["y"]),
        make("slice1_axes", 9, [node("Slice", ["x"], ["y"], starts=[1, -3], ends=[3, 100], axes=[2, 3])], {"x": x4}, ["y"]),
        make("slice1_no_axes", 9, [node("Slice", ["x"], ["y"], starts=[0, 1], ends=[1, 3])], {"x": x4}, ["y"]),
        make("topk1", 9, [node("TopK", ["x"], ["v", "i"], k=2, axis=1)], {"x": x3}, ["v", "i"]),
        make("split2_sizes", 11, [node("Split", ["x"], ["a", "b"], axis=3, split=[2, 3])], {"x": x4}, ["a", "b"]),
        make("split2_equal", 11, [node("Split", ["x"], ["a", "b"], axis=2)], {"x": x4}, ["a", "b"]),
        make("squeeze11", 11, [node("Unsqueeze", ["x"], ["u"], axes=[0, -1]), node("Squeeze", ["u"], ["y"], axes=[0])], {"x": x3}, ["y"]),
        make("squeeze11_all", 11, [node("Squeeze", ["x"], ["y"])], {"x": f32(1, 3, 1, 2)}, ["y"]),
        make("reducesum11", 11, [node("ReduceSum", ["x"], ["y"], axes=[1, -1], keepdims=0)], {"x": x4}, ["y"]),
        make("reducemean11", 11, [node("ReduceMean", ["x"], ["y"], axes=[2])], {"x": x4}, ["y"]),
        make("reducemax11_all", 11, [node("ReduceMax", ["x"], ["y"], keepdims=0)], {"x": x4}, ["y"]),
        make("reducel2_11", 11, [node("ReduceL2", ["x"], ["y"], axes=[0, 2])], {"x": x4}, ["y"]),
        make("softmax11_axis1_rank4", 11, [node("Softmax", ["x"], ["y"], axis=1)], {"x": x4}, ["y"]),
        make("softmax11_default_rank3", 11, [node("Softmax", ["x"], ["y"])], {"x": x3}, ["y"]),
        make("softmax11_last", 11, [node("Softmax", ["x"], ["y"], axis=-1)], {"x": x4}, ["y"]),
        make("logsoftmax11_axis2", 11, [node("LogSoftmax", ["x"], ["y"], axis=2)], {"x": x4}, ["y"]),
        make("hardmax11_axis1", 11, [node("Hardmax", ["x"], ["y"], axis=1)], {"x": x3}, ["y"]),
        make("softmax11_axis0", 11, [node("Softmax", ["x"], ["y"], axis=0)], {"x": x3}, ["y"]),
        make("upsample7_nearest", 7, [node("Upsample", ["x"], ["y"], scales=[1.0, 1.0, 2.0, 3.0])], {"x": small}, ["y"]),
        make("upsample7_linear", 7, [node("Upsample", ["x"], ["y"], mode="linear", scales=[1.0, 1.0, 2.0, 2.0])], {"x": small}, ["y"]),
        make(
            "upsample9_input",
            9,
            [node("Upsample", ["x", "s"], ["y"], mode="nearest")],
            {"x": small},
            ["y"],
            [("s", np.array([1, 1, 3, 2], np.float32))],
        ),
        make(
            "resize10_nearest",
            10,
            [node("Resize", ["x", "s"], ["y"], mode="nearest")],
            {"x": small},
            ["y"],
            [("s", np.array([1, 1, 1.5, 2.5], np.float32))],
        ),
        make(
            "resize10_linear",
            10,
            [node("Resize", ["x", "s"], ["y"], mode="linear")],
            {"x": small},
            ["y"],
            [("s", np.array([1, 1, 2, 1.5], np.float32))],
        ),
        make(
            "dropout7_mask_used",
            9,
            [node("Dropout", ["x"], ["y", "m"], ratio=0.25), node("Add", ["y", "m"], ["z"])],
            {"x": x3},
            ["z"],
        ),
        make("dropout7_mask_unused", 9, [node("Dropout", ["x"], ["y", "m"], ratio=0.5)], {"x": x3}, ["y"]),
        make("scatter9", 9, [node("Scatter", ["x", "i", "u"], ["y"], axis=1)], {"x": f32(3, 4)}, ["y"],
             [("i", np.array([[1, 0], [3, 2], [0, 0]], np.int64)), ("u", f32(3, 2))]),
        make("batchnorm7_spatial", 7, [node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"], spatial=1)], {"x": x4}, ["y"],
             [("s", f32(3)), ("b", f32(3)), ("m", f32(3)), ("v", np.abs(f32(3)) + 0.5)]),
        make("topk10_then_softmax", 10, [node("Softmax", ["x"], ["s"], axis=1), node("TopK", ["s", "k"], ["v", "i"], axis=2)],
             {"x": x3}, ["v", "i"], [("k", np.array([2], np.int64))]),
    ]
    # Subgraph: an If whose branches use opset-11 attribute forms.
    then_graph = helper.make_graph([node("Squeeze", ["x"], ["t"], axes=[0]), node("Softmax", ["t"], ["o"], axis=0)], "then", [],
                                   [helper.make_tensor_value_info("o", TensorProto.FLOAT, [3, 4])])
    else_graph = helper.make_graph([node("ReduceSum", ["x"], ["o2"], axes=[0], keepdims=0)], "else", [],
                                   [helper.make_tensor_value_info("o2", TensorProto.FLOAT, [3, 4])])
    cases.append(make("if11_bodies", 11, [node("If", ["c"], ["y"], then_branch=then_graph, else_branch=else_graph)],
                      {"x": f32(1, 3, 4), "c": np.array(True)}, ["y"]))
    cases.append(make("if11_bodies_else", 11, [node("If", ["c"], ["y"], then_branch=then_graph, else_branch=else_graph)],
                      {"x": f32(1, 3, 4), "c": np.array(False)}, ["y"]))
    # RoiAlign-10 (default coordinates changed at 16), GridSample-16 (mode names at 20),
    # GroupNormalization-18 (per-group scale at 21), DFT-17 (axis input at 20).
    rois = np.array([[0.5, 0.5, 3.0, 3.5], [0, 0, 2, 2]], np.float32)
    cases.append(make("roialign10", 10, [node("RoiAlign", ["x", "r", "b"], ["y"], output_height=2, output_width=2, sampling_ratio=2)],
                      {"x": f32(1, 2, 5, 5)}, ["y"], [("r", rois), ("b", np.array([0, 0], np.int64))]))
    grid = (rng.random((1, 3, 4, 2)).astype(np.float32) * 2 - 1)
    cases.append(make("gridsample16_bilinear", 16, [node("GridSample", ["x", "g"], ["y"], mode="bilinear")],
                      {"x": f32(1, 2, 4, 5)}, ["y"], [("g", grid)]))
    cases.append(make("gridsample16_bicubic", 16, [node("GridSample", ["x", "g"], ["y"], mode="bicubic", align_corners=1)],
                      {"x": f32(1, 2, 4, 5)}, ["y"], [("g", grid)]))
    cases.append(make("groupnorm18", 18, [node("GroupNormalization", ["x", "s", "b"], ["y"], num_groups=2, epsilon=1e-5)],
                      {"x": f32(2, 6, 3, 3)}, ["y"], [("s", np.array([0.5, 2.0], np.float32)), ("b", np.array([0.1, -0.3], np.float32))]))
    cases.append(make("dft17_axis", 17, [node("DFT", ["x"], ["y"], axis=1, onesided=0)], {"x": f32(2, 8, 1)}, ["y"]))
    # Opset 6, which onnxruntime does not run: the reference is numpy.
    a, b = f32(2, 3, 4, 5), f32(3, 4)
    cases.append(make("add6_legacy_broadcast_axis1", 6, [node("Add", ["a", "b"], ["y"], broadcast=1, axis=1)], {"a": a}, ["y"],
                      [("b", b)], reference=[a + b.reshape(3, 4, 1)]))
    c = f32(5)
    cases.append(make("mul6_legacy_broadcast_trailing", 6, [node("Mul", ["a", "c"], ["y"], broadcast=1)], {"a": a}, ["y"],
                      [("c", c)], reference=[a * c]))
    slope = np.array([0.1, 0.2, 0.3], np.float32)
    cases.append(make("prelu6_channel_slope", 6, [node("PRelu", ["a", "s"], ["y"])], {"a": a}, ["y"], [("s", slope)],
                      reference=[np.where(a >= 0, a, a * slope.reshape(3, 1, 1))]))
    bias = np.array([0.5, -1.0, 2.0], np.float32)
    cases.append(make("imagescaler8", 8, [node("ImageScaler", ["a"], ["y"], scale=0.5, bias=[0.5, -1.0, 2.0])], {"a": a}, ["y"],
                      reference=[a * 0.5 + bias.reshape(1, 3, 1, 1)]))
    return cases


# --- running -------------------------------------------------------------------------------------
def run_ort(model_bytes, feeds):
    session = ort.InferenceSession(model_bytes, providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    return session.run(None, {n: feeds[n] for n in names})


def close(got, want):
    if len(got) != len(want):
        return f"{len(got)} outputs, expected {len(want)}"
    for i, (g, w) in enumerate(zip(got, want)):
        g, w = np.asarray(g), np.asarray(w)
        if g.shape != w.shape:
            return f"output {i}: shape {g.shape}, expected {w.shape}"
        if g.dtype.kind in "fc":
            if not np.allclose(g, w.astype(g.dtype), rtol=RTOL, atol=ATOL, equal_nan=True):
                return f"output {i}: max abs diff {np.nanmax(np.abs(g.astype(np.float64) - w.astype(np.float64))):.3g}"
        elif not np.array_equal(g, w):
            return f"output {i}: values differ"
    return None


def check_case(pare, work, name, model, feeds, expected, target):
    """None when pare's conversion is right, else the reason."""
    source = os.path.join(work, f"{name}.onnx")
    converted = os.path.join(work, f"{name}.{target}.onnx")
    onnx.save(model, source)
    result = subprocess.run([pare, "convert", source, "-o", converted, "--opset", str(target)], capture_output=True, text=True)
    if result.returncode != 0:
        return "pare: " + result.stderr.strip().replace("\n", " ")
    converted_model = onnx.load(converted)
    if default_opset(converted_model) != target:
        return f"opset {default_opset(converted_model)} written"
    try:
        onnx.checker.check_model(converted_model, full_check=True)
    except Exception as e:  # noqa: BLE001
        return "checker: " + str(e).splitlines()[0]
    try:
        got = run_ort(converted_model.SerializeToString(), feeds)
    except Exception as e:  # noqa: BLE001
        return "onnxruntime: " + str(e).splitlines()[0][:200]
    return close(got, expected)


def official(model, feeds, expected, target):
    try:
        converted = version_converter.convert_version(model, target)
        got = run_ort(converted.SerializeToString(), feeds)
    except Exception:  # noqa: BLE001
        return "fails"
    return "wrong" if close(got, expected) else "ok"


def main():
    pare, work, exceptions_path = sys.argv[1:4]
    table = "--table" in sys.argv
    os.makedirs(work, exist_ok=True)
    exceptions = {}
    with open(exceptions_path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                key, reason = line.split(":", 1)
                exceptions[key.strip()] = reason.strip()
    # The reference is onnxruntime on the original model where it runs it (so the comparison
    # measures the conversion, not onnxruntime against the spec's reference implementation),
    # else the expected outputs (backend tests) or numpy (generated opset-6 cases).
    cases = []
    for name, model, feeds, expected in backend_cases():
        try:
            cases.append((name, model, feeds, run_ort(model.SerializeToString(), feeds), True))
        except Exception:  # noqa: BLE001
            cases.append((name, model, feeds, expected, False))
    for name, model, feeds, reference in generated_cases():
        ort_runs = reference is None
        if ort_runs:
            reference = run_ort(model.SerializeToString(), feeds)
        # onnx.checker wants every graph output's shape: take it from the reference.
        for output, value in zip(model.graph.output, reference):
            output.type.tensor_type.shape.CopyFrom(helper.make_tensor_type_proto(1, np.shape(value)).tensor_type.shape)
        cases.append(("gen_" + name, model, feeds, reference, ort_runs))

    problems, rows = [], []
    for target in TARGETS:
        counts = {"converted": 0, "pass": 0, "exception": 0, "ort_cannot": 0, "official_fails": 0, "official_wrong": 0}
        for name, model, feeds, expected, ort_runs_original in cases:
            opset = default_opset(model)
            if opset is None or opset >= target:
                continue
            counts["converted"] += 1
            key = f"{name} {target}"
            why = check_case(pare, work, name, model, feeds, expected, target)
            verdict = official(model, feeds, expected, target)
            if verdict == "fails":
                counts["official_fails"] += 1
            elif verdict == "wrong":
                counts["official_wrong"] += 1
            if why is not None and not ort_runs_original and why.startswith("onnxruntime:"):
                # Neither the original nor the converted model runs in onnxruntime (an op or a
                # type it does not implement): nothing to compare, counted apart.
                counts["ort_cannot"] += 1
                continue
            if why is None:
                counts["pass"] += 1
                if key in exceptions:
                    problems.append(f"{key}: stale exception (now passes): remove it from {exceptions_path}")
            elif key in exceptions:
                counts["exception"] += 1
            else:
                problems.append(f"{key}: {why}")
        print(
            f"target {target}: {counts['converted']} models below it, {counts['pass']} pass, "
            f"{counts['exception']} documented exceptions, {counts['ort_cannot']} that onnxruntime runs neither before nor after; official converter: "
            f"{counts['official_fails']} fail, {counts['official_wrong']} give wrong outputs"
        )
        rows.append((target, counts))
    if table:
        print("| target | models below it | pass | documented exceptions | onnxruntime runs neither | official converter fails / wrong |")
        print("|---|---|---|---|---|---|")
        for target, c in rows:
            print(
                f"| {target} | {c['converted']} | {c['pass']} | {c['exception']} | {c['ort_cannot']} "
                f"| {c['official_fails']} / {c['official_wrong']} |"
            )
    for p in problems:
        print("FAIL", p)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
