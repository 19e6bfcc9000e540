"""Static INT8 calibration methods on corpus models (issue 12 item 3): for each model, pare's
`--quantize int8 --calib CALIB.npz` with each variant, measured as run.py measures a compress
cell (lowest output SQNR over the outputs, onnxruntime, the model's 8 held-out samples).

Usage: calib_methods.py --pare PATH/TO/pare --only ID,ID… [--variants minmax,auto,…]
Variants: minmax, percentile, mse, entropy, symmetric (minmax with --symmetric), auto.
Needs scripts/corpus/fetch.py and inputs.py to have run (PARE_CORPUS_CACHE).
"""
import argparse
import pathlib
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from common import inputs_dir, model_path  # noqa: E402
from run import measure_outputs, ort_session, run_ort, samples_of  # noqa: E402

VARIANTS = {
    "minmax": ["--calib-method", "minmax"],
    "percentile": ["--calib-method", "percentile"],
    "mse": ["--calib-method", "mse"],
    "entropy": ["--calib-method", "entropy"],
    "symmetric": ["--calib-method", "minmax", "--symmetric"],
    "auto": ["--calib-method", "auto"],
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pare", required=True)
    ap.add_argument("--only", required=True)
    ap.add_argument("--variants", default="minmax,auto")
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
                cmd = [args.pare, "compress", str(model), "-o", str(out), "--quantize", "int8", "--calib", str(inputs / "calib.npz"), "--no-compare", *VARIANTS[name]]
                done = subprocess.run(cmd, capture_output=True, text=True)
                if done.returncode:
                    cells.append(f"{name}: fails ({done.stderr.strip()[:80]})")
                    continue
                extra = {}
                status, detail = measure_outputs(out, heldout, reference, extra)
                cells.append(f"{name}: {min(extra['sqnr_db'].values()):.1f} dB" if status == "ok" else f"{name}: {status} {detail[:60]}")
        print(model_id, " | ".join(cells), flush=True)


if __name__ == "__main__":
    main()
