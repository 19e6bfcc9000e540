"""Times `pare run` (native CLI, release build) against onnxruntime on the same models and inputs.

Usage: bench/pare_vs_ort.py [REPEAT]   (run from the repo root after `cargo build --release`)
For each model: the same seeded random float input (written as .npy) goes to both; onnxruntime
runs with 1 intra-op thread (pare is single-threaded) and with its default threads. Prints a
table of median times and the ratio pare/ort (above 1: pare is slower), then one JSON line.
Timings are noisy on a shared 2-core machine: compare ratios from the same run only.
"""
import json
import pathlib
import re
import subprocess
import sys
import tempfile
import time

import numpy as np
import onnxruntime as ort

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "tests" / "python"))
from wild_reference import MODELS, package_dir  # noqa: E402

ort.set_default_logger_severity(3)
REPEAT = int(sys.argv[1]) if len(sys.argv) > 1 else 10
PARE = pathlib.Path("target/release/pare")


def ort_median(path, feeds, threads):
    options = ort.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    session.run(None, feeds)
    times = []
    for _ in range(REPEAT):
        t = time.perf_counter()
        session.run(None, feeds)
        times.append(time.perf_counter() - t)
    return float(np.median(times))


def pare_median(path, npy_args):
    out = subprocess.run([str(PARE), "run", str(path), *npy_args, "--repeat", str(REPEAT + 1)], capture_output=True, text=True)
    if out.returncode != 0:
        return None
    m = re.search(r"median ([0-9.]+) ?(µs|ms|s)\b", out.stderr)
    if not m:
        raise SystemExit(f"cannot read pare's timing from: {out.stderr}")
    value = float(m.group(1))
    return value * {"µs": 1e-6, "ms": 1e-3, "s": 1.0}[m.group(2)]


def main():
    rows, ratios = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, (package, rel, shapes) in MODELS.items():
            base = package_dir(package)
            if base is None:
                continue
            path = base / rel
            rng = np.random.default_rng(3)
            feeds = {k: rng.random(s, dtype=np.float32) for k, s in shapes.items()}
            args = []
            for k, v in feeds.items():
                f = pathlib.Path(tmp) / f"{k}.npy"
                np.save(f, v)
                args += ["--input", f"{k}={f}"]
            p = pare_median(path, args)
            if p is None:
                rows.append((name, path.stat().st_size, None, None, None))
                continue
            o1 = ort_median(path, feeds, 1)
            on = ort_median(path, feeds, 0)
            rows.append((name, path.stat().st_size, p, o1, on))
            ratios[name] = round(p / o1, 2)
    print(f"{'model':24} {'MB':>6} {'pare ms':>9} {'ort 1t ms':>10} {'ort ms':>8} {'pare/ort1t':>10}")
    for name, size, p, o1, on in rows:
        if p is None:
            print(f"{name:24} {size / 1e6:6.1f}   (pare refuses: unsupported op)")
            continue
        print(f"{name:24} {size / 1e6:6.1f} {p * 1e3:9.1f} {o1 * 1e3:10.1f} {on * 1e3:8.1f} {p / o1:10.2f}")
    print(json.dumps({"pare_over_ort_single_thread": ratios}))


if __name__ == "__main__":
    main()
