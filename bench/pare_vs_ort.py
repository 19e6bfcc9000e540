"""Times `pare run` (native CLI, release build) against onnxruntime on the same models and inputs.

Usage: bench/pare_vs_ort.py [REPEAT] [THREADS]   (run from the repo root after `cargo build --release`;
PARE_BIN=target/corpus/pare times another build)
For each model: the same seeded random float input (written as .npy) goes to both, each run with
1 thread (`pare run --threads 1`, onnxruntime intra_op_num_threads=1) and with THREADS threads
(default: the machine's cores; `--threads THREADS` and intra_op_num_threads=THREADS). Prints a
table of median times and the ratios pare/ort at the same thread count (above 1: pare is
slower), then one JSON line. Timings are noisy on a shared 2-core machine: compare ratios from
the same run only.
"""
import json
import os
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
THREADS = int(sys.argv[2]) if len(sys.argv) > 2 else (os.cpu_count() or 1)
PARE = pathlib.Path(os.environ.get("PARE_BIN", "target/release/pare"))


def ort_median(path, feeds, threads):
    options = ort.SessionOptions()
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


def pare_median(path, npy_args, threads):
    command = [str(PARE), "run", str(path), *npy_args, "--repeat", str(REPEAT + 1), "--threads", str(threads)]
    out = subprocess.run(command, capture_output=True, text=True)
    if out.returncode != 0:
        return None
    m = re.search(r"median ([0-9.]+) ?(µs|ms|s)\b", out.stderr)
    if not m:
        raise SystemExit(f"cannot read pare's timing from: {out.stderr}")
    value = float(m.group(1))
    return value * {"µs": 1e-6, "ms": 1e-3, "s": 1.0}[m.group(2)]


def main():
    rows, ratios, ratios_threads = [], {}, {}
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
            p1 = pare_median(path, args, 1)
            if p1 is None:
                rows.append((name, path.stat().st_size, None, None, None, None))
                continue
            o1 = ort_median(path, feeds, 1)
            pn = pare_median(path, args, THREADS)
            on = ort_median(path, feeds, THREADS)
            rows.append((name, path.stat().st_size, p1, o1, pn, on))
            ratios[name] = round(p1 / o1, 2)
            ratios_threads[name] = round(pn / on, 2)
    n = f"{THREADS}t"
    print(f"{'model':24} {'MB':>6} {'pare 1t ms':>10} {'ort 1t ms':>10} {'pare/ort':>8} {'pare ' + n + ' ms':>11} {'ort ' + n + ' ms':>10} {'pare/ort':>8}")
    for name, size, p1, o1, pn, on in rows:
        if p1 is None:
            print(f"{name:24} {size / 1e6:6.1f}   (pare refuses: unsupported op)")
            continue
        print(f"{name:24} {size / 1e6:6.1f} {p1 * 1e3:10.1f} {o1 * 1e3:10.1f} {p1 / o1:8.2f} {pn * 1e3:11.1f} {on * 1e3:10.1f} {pn / on:8.2f}")
    print(json.dumps({"pare_over_ort_single_thread": ratios, "threads": THREADS, "pare_over_ort_threads": ratios_threads}))


if __name__ == "__main__":
    main()
