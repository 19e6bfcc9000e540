#!/usr/bin/env python3
"""Shows that the tests issue 18 tightened can fail: each case breaks the code (or, for a check
on a tool outside pare, its environment) in one deliberate way, runs the one test that guards
against it, and expects that test to FAIL. The file is restored afterwards, whatever happens.

    .venv/bin/python scripts/discriminate.py [--only ID ...] [--list]

Prints one line per case and a Markdown table at the end (docs/testing.md quotes it); each
case's full output goes to target/discriminate/ID.log. Exit 1 if
any broken variant passed its test (that test proves nothing) or a mutation no longer applies
(the code moved: update the case). Run it in a scratch worktree: it rebuilds the test binaries
for every case (about 2–5 minutes each natively, more under wasm), so it is not part of
`make test`.
"""
import argparse
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NATIVE = "cargo test --test native -- {}"
WASM_NODE = "wasm-pack --log-level warn test --mode no-install --node -- --test wasm -- {}"

# (id, issue 18 point, what breaks, [(file, old, new)], command that must fail)
CASES = [
    ("per-channel-tolerance", 1, "RelativeToChannelMax uses one scale for the whole tensor",
     [("tests/common/mod.rs",
       "Tolerance::RelativeToChannelMax { axis, r } => (x - y).abs() <= r * channel_scales[channel_of(&shape, axis)(i)],",
       "Tolerance::RelativeToChannelMax { r, .. } => (x - y).abs() <= r * scale,")],
     NATIVE.format("per_channel_tolerance_catches_score_errors")),
    ("qgemm-count", 2, "static mode no longer quantizes Gemm (only the QLinearConv count would still hold)",
     [("src/compress/quantize/static_qdq.rs", '"Conv", "ConvTranspose", "Gemm", "MatMul",', '"Conv", "ConvTranspose", "MatMul",')],
     NATIVE.format("quantized_models_pass_the_checker_and_match_onnxruntime_python_and_node")),
    ("requantize-floor", 3, "integer requantization truncates instead of rounding half to even",
     [("crates/pare-kernels/src/scalar/requantize_q8_scalar.rs", "(clamped.round_ties_even() as i64", "(clamped.floor() as i64")],
     NATIVE.format("static_int8_mnist_runs_on_integer_layers_and_agrees_with_float_simulation")),
    ("binary-scale", 4, "binary weights' per-channel scale is half the mean |w|",
     [("src/compress/binarize/weights.rs", ".sum::<f64>() / n;", ".sum::<f64>() / n * 0.5;")],
     NATIVE.format("binarize::")),
    ("no-shape-inference", 5, "analysis without a run infers no shape (the \"or not\" path)",
     [("src/analysis/shapes.rs", "report.inferred_values = super::infer::infer_missing(&model.graph, &mut shapes);",
       "report.inferred_values = 0 * shapes.len();")],
     NATIVE.format("a_conv_model_gets_its_flops_whether_it_runs_or_not")),
    ("roundtrip-without-ort", 6, "check_roundtrip.py cannot import onnxruntime",
     [("tests/python/check_roundtrip.py", "import onnxruntime as ort", "import onnxruntime_is_missing as ort")],
     NATIVE.format("roundtrip::")),
    ("binaryconv-andnot", 7, "SIMD128 binary GEMM computes b AND NOT a instead of a XOR b (equal when every input is +1)",
     [("crates/pare-kernels/src/simd128/gemm_binary_2x4_simd128.rs", "u8x16_add, v128, v128_load, v128_xor,",
       "u8x16_add, v128, v128_andnot, v128_load, v128_xor,"),
      ("crates/pare-kernels/src/simd128/gemm_binary_2x4_simd128.rs", "i8x16_popcnt(v128_xor(av[r], bv[s]))",
       "i8x16_popcnt(v128_andnot(bv[s], av[r]))")],
     WASM_NODE.format("xnor_conv1_with_mixed_sign_inputs_matches_float_execution")),
    ("entropy-group-edges", 8, "entropy calibration merges bins into levels at integer-division edges (the old rule)",
     [("src/compress/calibrate/range.rs", "let start = (g * i).div_ceil(levels);\n        let end = ((g + 1) * i).div_ceil(levels)",
       "let start = g * i / levels;\n        let end = ((g + 1) * i / levels)")],
     NATIVE.format("entropy_thresholds_match_an_independent_reference")),
    ("errors-kind-unprovoked", 9, "errors.test.mjs no longer provokes invalid-model",
     [("tests/npm/errors.test.mjs",
       'await throwsKind(() => pare.inspect(model("bad_tensor.onnx")), "invalid-model",',
       'if (false) await throwsKind(() => pare.inspect(model("bad_tensor.onnx")), "invalid-model",')],
     "node --test tests/npm/errors.test.mjs"),
    ("decoder-trusts-dims", 9, "the ONNX decoder reserves memory for the element count the dims claim",
     [("src/onnx/tensor.rs", "    let reader = DataReader { p, name: &name, numel, dtype };",
       "    let trusted: Vec<u8> = Vec::with_capacity(numel.min(1 << 30));\n    drop(trusted);\n"
       "    let reader = DataReader { p, name: &name, numel, dtype };")],
     NATIVE.format("robustness::")),
    ("quant-vs-ort-lost-case", 9, "one of the 64 onnxruntime cases is missing (its directory moved away)",
     [], NATIVE.format("quant_vs_ort::")),
    ("bias-scale-indexed", 10, "integer matching indexes a per-channel bias scale list of any length",
     [("src/runtime/integer/rewrite.rs", "_ if values.len() == channels => values.get(c).copied(),\n        _ => None,",
       "_ => Some(values[c]),")],
     NATIVE.format("an_empty_bias_scale_is_not_fused_and_does_not_panic")),
    ("cli-message", 11, "the CLI's 'nothing to quantize' message changes wording",
     [("src/compress/quantize/mod.rs", '#[error("nothing to quantize: {0}")]', '#[error("no layer was quantized: {0}")]')],
     NATIVE.format("cli_compress::")),
    ("web-layers-expectation", 11, "layers_test expects conv1 to be pruned (the old either-way check would pass)",
     [("tests/web/layers_test.mjs", 'assert.deepEqual(Object.keys(sparsity), ["conv2"], "only conv2 pruned");',
       'assert.deepEqual(Object.keys(sparsity), ["conv1", "conv2"], "conv1 and conv2 pruned");')],
     "node tests/web/layers_test.mjs"),
    ("python-no-tests", 12, "tests/python holds no test_*.py",
     [], "mkdir -p /tmp/pare_empty && .venv/bin/python -c \"import sys, unittest; "
         "suite = unittest.defaultTestLoader.discover('/tmp/pare_empty', 'test_*.py'); n = suite.countTestCases(); "
         "sys.exit(2 if n == 0 else 0 if unittest.TextTestRunner().run(suite).wasSuccessful() else 1)\""),
]

def run_case(case):
    ident, point, what, edits, command = case
    originals = {}
    try:
        if ident == "quant-vs-ort-lost-case":
            cases = sorted(p for p in (ROOT / "tests/quant_vs_ort/cases").iterdir() if p.is_dir())
            hidden = cases[0]
            moved = Path("/tmp") / hidden.name
            hidden.rename(moved)
            originals[hidden] = moved
        for file, old, new in edits:
            path = ROOT / file
            text = path.read_text()
            originals.setdefault(path, text)
            if text.count(old) != 1:
                return ident, point, what, "STALE", f"`{old[:60]}` occurs {text.count(old)} times in {file}"
            path.write_text(text.replace(old, new))
        started = time.time()
        done = subprocess.run(command, shell=True, cwd=ROOT, capture_output=True, text=True)
        seconds = time.time() - started
        out = done.stdout + done.stderr
        logs = ROOT / "target" / "discriminate"
        logs.mkdir(parents=True, exist_ok=True)
        (logs / f"{ident}.log").write_text(f"$ {command}\n{out}")
        hints = [l.strip() for l in out.splitlines()
                 if any(k in l for k in ("panicked", "assert", "Error", "error[", "FAILED", "not ok", "failed"))]
        if "could not compile" in out or "error[E" in out:
            # A mutation that does not build proves nothing about the test.
            status = "DOES NOT BUILD (fix the case)"
            hints = [l.strip() for l in out.splitlines() if "error[E" in l] or hints
        else:
            status = "fails (good)" if done.returncode != 0 else "PASSES (bad)"
        return ident, point, what, status, f"{seconds:.0f} s; " + (hints[0][:160] if hints else f"exit {done.returncode}")
    finally:
        for path, saved in originals.items():
            if isinstance(saved, Path):
                saved.rename(path)
            else:
                path.write_text(saved)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--list", action="store_true")
    args = parser.parse_args()
    chosen = [c for c in CASES if not args.only or c[0] in args.only]
    if args.list:
        for c in chosen:
            print(c[0], c[1], c[2])
        return 0
    rows = []
    for case in chosen:
        row = run_case(case)
        print(" | ".join(str(x) for x in row), flush=True)
        rows.append(row)
    print("\n| point | broken variant | test result | evidence |\n|---|---|---|---|")
    for ident, point, what, status, evidence in rows:
        print(f"| {point} | {what} (`{ident}`) | {status} | {evidence.replace('|', '/')} |")
    return 0 if all(r[3] == "fails (good)" for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
