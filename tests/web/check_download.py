"""Checks a model the page wrote the way the corpus checks the CLI's (scripts/corpus/run.py
`check_written`): onnx.checker full_check, onnxruntime loads it and runs it on the corpus's
held-out samples of the original, every output has the original's shape and is finite where the
original's is, and the file is no larger than the input. Prints one JSON line (status, detail,
SQNR per output) and exits 1 unless the status is "ok".

Usage: check_download.py ORIGINAL.onnx DOWNLOADED.onnx HELDOUT.npz
"""
import json
import pathlib
import sys

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "scripts" / "corpus"))
from run import check_written, ort_session, run_ort, samples_of  # noqa: E402


def main():
    original, downloaded, heldout_file = (pathlib.Path(a) for a in sys.argv[1:4])
    heldout = samples_of(np.load(heldout_file))
    reference = run_ort(ort_session(original), heldout)
    status, detail, extra = check_written(downloaded, original, heldout, reference)
    print(json.dumps({"status": status, "detail": detail, "sqnr_db": extra.get("sqnr_db"), "size": extra["size"], "input_size": extra["input_size"]}))
    sys.exit(0 if status == "ok" else 1)


if __name__ == "__main__":
    main()
