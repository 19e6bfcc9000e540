"""Static INT8 calibration methods on corpus models (issue 12 item 3): for each model, pare's
`--quantize int8 --calib CALIB.npz` with each variant, measured as run.py measures a compress
cell (lowest output SQNR over the outputs, onnxruntime, the model's 8 held-out samples).

Usage: calib_methods.py --pare PATH/TO/pare --only ID,ID… [--variants minmax,auto,…] [--unoptimized-too]
Variants: minmax, percentile, mse, entropy, symmetric (minmax with --symmetric), auto, default
(no flag), full-range (8-bit weights, --full-range); and a16w8 (--quantize a16w8), target20
(--min-sqnr 20), target20-16bit (the same with "fallback_16bit": true, via a recipe file).
Each cell prints the SQNR (dB) and the file's size ratio to the input.

--unoptimized-too also runs each file with onnxruntime's optimizations off (Q/DQ computed in
float, as written) and prints "optimized / unoptimized": on x86 CPUs without VNNI (AVX2) the
fused u8·s8 kernels saturate int16 pair sums with 8-bit weights and the two part (README: "7-bit
weights by default for integer kernels"; `--variants default,full-range --unoptimized-too`).
Needs scripts/corpus/fetch.py and inputs.py to have run (PARE_CORPUS_CACHE).
"""
import argparse
import json
import pathlib
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from common import inputs_dir, model_path  # noqa: E402
from run import measure_outputs, ort_session, run_ort, samples_of, sqnr_db  # noqa: E402

VARIANTS = {
    "minmax": ["--calib-method", "minmax"],
    "percentile": ["--calib-method", "percentile"],
    "mse": ["--calib-method", "mse"],
    "entropy": ["--calib-method", "entropy"],
    "symmetric": ["--calib-method", "minmax", "--symmetric"],
    "auto": ["--calib-method", "auto"],
    "default": [],
    "full-range": ["--full-range"],
    # Not calibration methods, but measured the same way (issue 12's 16-bit work):
    "a16w8": ["--quantize", "a16w8"],
    "target20": ["--min-sqnr", "20"],
}
# Variants that need a recipe file (no CLI flag): the quantize step as JSON.
RECIPES = {
    "target20-16bit": {"mode": "static", "min_sqnr_db": 20, "fallback_16bit": True},
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pare", required=True)
    ap.add_argument("--only", required=True)
    ap.add_argument("--variants", default="minmax,auto")
    ap.add_argument("--unoptimized-too", action="store_true")
    args = ap.parse_args()
    variants = args.variants.split(",")
    for model_id in args.only.split(","):
        model = model_path(model_id)
        inputs = inputs_dir(model_id)
        heldout = samples_of(np.load(inputs / "heldout.npz"))
        reference = run_ort(ort_session(model), heldout)
        cells = []
        for name in variants:
            with tempfile.TemporaryDirectory() as tmp:
                out = pathlib.Path(tmp) / "out.onnx"
                if name in RECIPES:
                    recipe = pathlib.Path(tmp) / "recipe.json"
                    recipe.write_text(json.dumps({"steps": [{"quantize": RECIPES[name]}]}))
                    how = ["--recipe", str(recipe)]
                else:
                    how = VARIANTS[name] if "--quantize" in VARIANTS[name] else ["--quantize", "int8", *VARIANTS[name]]
                cmd = [args.pare, "compress", str(model), "-o", str(out), "--calib", str(inputs / "calib.npz"), "--no-compare", *how]
                done = subprocess.run(cmd, capture_output=True, text=True)
                if done.returncode:
                    cells.append(f"{name}: fails ({done.stderr.strip()[:80]})")
                    continue
                extra = {}
                status, detail = measure_outputs(out, heldout, reference, extra)
                if status != "ok":
                    cells.append(f"{name}: {status} {detail[:60]}")
                    continue
                text = f"{min(extra['sqnr_db'].values()):.1f}"
                if args.unoptimized_too:
                    plain = run_ort(ort_session(out, optimize=False), heldout)
                    text += f" / {min(sqnr_db([r[k] for r in reference], [p[k] for p in plain]) for k in reference[0]):.1f}"
                text += f" dB {out.stat().st_size / model.stat().st_size:.2f}x"
                cells.append(f"{name}: {text}")
        print(model_id, " | ".join(cells), flush=True)


if __name__ == "__main__":
    main()
