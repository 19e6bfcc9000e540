#!/usr/bin/env python3
"""Graph preparation scaling (issue 17): time `pare inspect`, `pare run` and `pare compress` on
Relu chains (inspect0 is `inspect --no-run`; int8 is static INT8 with `--calib-random 2`,
calibration and the comparison included; dynamic is `--quantize int8-dynamic`, which ends with
"nothing to quantize" on a chain without weights after planning every node).

Builds a chain input -> Relu -> Relu -> ... -> output of N nodes (N = 10k, 20k, 40k, 80k, 200k by
default) into target/prepare_scaling/relu_N.onnx with the onnx helper, then times the CLI on
each and prints the seconds and the growth ratio between consecutive sizes divided by the size
ratio (about 1 for linear preparation, about 2 per doubling for quadratic). Not a pass/fail test:
times depend on the machine.

Usage: .venv/bin/python bench/prepare_scaling.py [--pare target/corpus/pare] [N ...]
"""
import argparse
import os
import subprocess
import sys
import time

import onnx
from onnx import TensorProto, helper


def chain(n, path):
    """A Relu chain of n nodes on a [1, 16] float input, written to path."""
    nodes = [helper.make_node("Relu", [f"t{i}"], [f"t{i + 1}"], name=f"relu{i}") for i in range(n)]
    graph = helper.make_graph(
        nodes, f"relu_chain_{n}",
        [helper.make_tensor_value_info("t0", TensorProto.FLOAT, [1, 16])],
        [helper.make_tensor_value_info(f"t{n}", TensorProto.FLOAT, [1, 16])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, path)


def timed(cmd, timeout):
    start = time.perf_counter()
    try:
        r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, "timeout"
    seconds = time.perf_counter() - start
    last = (r.stderr.decode(errors="replace").strip().splitlines() or [""])[-1]
    return seconds, ("ok" if r.returncode == 0 else f"exit {r.returncode}: {last[:100]}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--pare", default="target/corpus/pare")
    p.add_argument("--timeout", type=float, default=120)
    p.add_argument("sizes", nargs="*", type=int, default=[10_000, 20_000, 40_000, 80_000, 200_000])
    a = p.parse_args()
    out = "target/prepare_scaling"
    os.makedirs(out, exist_ok=True)
    print(f"{'nodes':>8} {'command':>8} {'seconds':>9} {'ratio/size':>10}  status")
    previous = {}
    for n in a.sizes:
        path = f"{out}/relu_{n}.onnx"
        if not os.path.exists(path):
            chain(n, path)
        for name, cmd in [("inspect0", [a.pare, "inspect", path, "--no-run"]),
                          ("inspect", [a.pare, "inspect", path]),
                          ("run", [a.pare, "run", path, "--random"]),
                          ("int8", [a.pare, "compress", path, "-o", f"{out}/out.onnx", "--quantize", "int8",
                                    "--calib-random", "2"]),
                          ("dynamic", [a.pare, "compress", path, "-o", f"{out}/out.onnx", "--quantize", "int8-dynamic"])]:
            seconds, status = timed(cmd, a.timeout)
            growth = ""
            if seconds is not None and name in previous:
                pn, ps = previous[name]
                growth = f"{(seconds / ps) / (n / pn):.2f}"
            if seconds is not None:
                previous[name] = (n, seconds)
            shown = f"{seconds:.3f}" if seconds is not None else f">{a.timeout:.0f}"
            print(f"{n:>8} {name:>8} {shown:>9} {growth:>10}  {status}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
