"""Does onnxruntime compute what the quantized file says? pare's static INT8 (`--quantize int8
--calib CALIB.npz`) with its default 7-bit weights and with `--full-range` (8-bit), each run in
onnxruntime's default session (optimized: Q/DQ fused into integer kernels) and with optimizations
off (Q/DQ computed in float, as written). On x86 CPUs without VNNI (AVX2) onnxruntime's u8·s8
kernels add pairs of products in int16 with saturation, and the two runs of an 8-bit file part
(README: "7-bit weights by default for integer kernels").

Usage: saturation.py --pare PATH/TO/pare --only ID,ID… [--variants default,full-range]
Prints per model and variant the lowest output SQNR on the 8 held-out samples (as run.py measures
a compress cell), optimized / unoptimized. Needs scripts/corpus/fetch.py and inputs.py to have run.
"""
import argparse
import pathlib
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from common import inputs_dir, model_path  # noqa: E402
from run import ort_session, run_ort, samples_of, sqnr_db  # noqa: E402

VARIANTS = {"default": [], "full-range": ["--full-range"]}


def lowest(reference, outputs):
    return min(sqnr_db([r[k] for r in reference], [o[k] for o in outputs]) for k in reference[0])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pare", required=True)
    ap.add_argument("--only", required=True)
    ap.add_argument("--variants", default="default,full-range")
    args = ap.parse_args()
    for model_id in args.only.split(","):
        model, inputs = model_path(model_id), inputs_dir(model_id)
        heldout = samples_of(np.load(inputs / "heldout.npz"))
        reference = run_ort(ort_session(model), heldout)
        cells = []
        for name in args.variants.split(","):
            with tempfile.TemporaryDirectory() as tmp:
                out = pathlib.Path(tmp) / "out.onnx"
                cmd = [args.pare, "compress", str(model), "-o", str(out), "--quantize", "int8", "--calib", str(inputs / "calib.npz"), "--no-compare", *VARIANTS[name]]
                done = subprocess.run(cmd, capture_output=True, text=True)
                if done.returncode:
                    cells.append(f"{name}: fails ({done.stderr.strip()[-80:]})")
                    continue
                fused = lowest(reference, run_ort(ort_session(out), heldout))
                plain = lowest(reference, run_ort(ort_session(out, optimize=False), heldout))
                cells.append(f"{name}: {fused:.1f} / {plain:.1f} dB")
        print(model_id, " | ".join(cells), flush=True)


if __name__ == "__main__":
    main()
