#!/usr/bin/env python3
"""A hostile-user campaign against the `pare` CLI (issue 17): model mutants and argument
mutants, each run under a 4 GB address-space limit (`ulimit -v`) and a 30 s timeout, recording
the exit code or signal, hangs and the peak RSS (the child's ru_maxrss from wait4).

Model mutants: the fixtures' models (MNIST CNN, the pruning ResNet, Silero VAD, conformance
slice models) truncated, bit/byte-flipped, with varints rewritten to 0xff runs, chunks
duplicated or removed, run through inspect / run / compress / compare / convert. Argument
mutants: bad --compare-inputs, -o equal to the input (directly, via `..`, a symlink, a hard
link), /dev/zero as inputs, calibration or recipe, huge --calib-random / --samples / --dim /
--shape / --repeat, and the resource bombs of the issue (ConstantOfShape 25000², broadcast Add
[65536,1]+[1,65536], Expand 30k², Loop of 2^40 iterations, a growing Loop scan output, a
200k-node Relu chain), built with the onnx helper.

Prints a table: commands, aborts/signals, hangs, max peak MB for inputs under 12 MB, the
exit-code histogram; details in target/fuzz-campaign/results.json.

Usage: .venv/bin/python scripts/fuzz/campaign.py [--pare target/corpus/pare] [--commands 3000]
       [--max-minutes 30] [--seed 17]
"""
import argparse
import collections
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
LIMIT_BYTES = 4 << 30
TIMEOUT = 30.0
SMALL = 12 << 20


# ----- the bombs -----------------------------------------------------------------------------

def save(graph, path, opset=17):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    onnx.save(model, path)


def constant_of_shape(shape_name, out):
    return helper.make_node("ConstantOfShape", [shape_name], [out],
                            value=helper.make_tensor("v", TensorProto.FLOAT, [1], [1.0]))


def ints(name, values):
    return numpy_helper.from_array(np.array(values, dtype=np.int64), name)


def out(name):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, None)


def bomb_add(a, b, path):
    g = helper.make_graph([constant_of_shape("sa", "a"), constant_of_shape("sb", "b"),
                           helper.make_node("Add", ["a", "b"], ["y"])], "bomb", [], [out("y")],
                          [ints("sa", a), ints("sb", b)])
    save(g, path)


def bomb_expand(side, path):
    g = helper.make_graph([helper.make_node("Expand", ["one", "shape"], ["y"])], "expand", [], [out("y")],
                          [numpy_helper.from_array(np.ones([1], np.float32), "one"), ints("shape", [side, side])])
    save(g, path)


def bomb_loop(trips, scan_elements, path):
    body_nodes = [helper.make_node("Identity", ["cond_in"], ["cond_out"]),
                  helper.make_node("Identity", ["v_in"], ["v_out"])]
    body_outputs = [helper.make_tensor_value_info("cond_out", TensorProto.BOOL, []), out("v_out")]
    if scan_elements:
        body_nodes += [helper.make_node("Constant", [], ["ss"], value=helper.make_tensor("s", TensorProto.INT64, [1], [scan_elements])),
                       constant_of_shape("ss", "scan_out")]
        body_outputs.append(out("scan_out"))
    body = helper.make_graph(body_nodes, "body",
                             [helper.make_tensor_value_info("i", TensorProto.INT64, []),
                              helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
                              helper.make_tensor_value_info("v_in", TensorProto.FLOAT, [1])], body_outputs)
    outputs = ["v", "scans"] if scan_elements else ["v"]
    g = helper.make_graph([helper.make_node("Loop", ["trips", "", "v0"], outputs, body=body)], "loop", [],
                          [out(o) for o in outputs],
                          [numpy_helper.from_array(np.array(trips, np.int64), "trips"),
                           numpy_helper.from_array(np.zeros([1], np.float32), "v0")])
    save(g, path)


def relu_chain(n, path):
    nodes = [helper.make_node("Relu", [f"t{i}"], [f"t{i + 1}"]) for i in range(n)]
    g = helper.make_graph(nodes, "chain", [helper.make_tensor_value_info("t0", TensorProto.FLOAT, [1, 16])],
                          [helper.make_tensor_value_info(f"t{n}", TensorProto.FLOAT, [1, 16])])
    save(g, path)


def bombs(work):
    made = {}
    for name, build in [("square", lambda p: bomb_add([25000, 25000], [1], p)),
                        ("broadcast", lambda p: bomb_add([65536, 1], [1, 65536], p)),
                        ("expand", lambda p: bomb_expand(30000, p)),
                        ("loop_2_40", lambda p: bomb_loop(1 << 40, 0, p)),
                        ("loop_scan", lambda p: bomb_loop(1 << 20, 65536, p)),
                        ("chain_200k", lambda p: relu_chain(200_000, p))]:
        path = os.path.join(work, f"bomb_{name}.onnx")
        if not os.path.exists(path):
            build(path)
        made[name] = path
    return made


# ----- mutations -----------------------------------------------------------------------------

def mutate(rng, data):
    b = bytearray(data)
    if not b:
        return bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 64)))
    at = rng.randrange(len(b))
    kind = rng.randrange(7)
    if kind == 0:
        del b[at:]
    elif kind == 1:
        b[at] ^= 1 << rng.randrange(8)
    elif kind == 2:
        b[at] = rng.getrandbits(8)
    elif kind == 3:
        run = rng.randint(1, 10)
        b[at:at + run] = b"\xff" * run + b"\x01"
    elif kind == 4:
        n = rng.randint(1, min(64, len(b) - at))
        chunk = b[at:at + n]
        to = rng.randrange(len(b) + 1)
        b[to:to] = chunk
    elif kind == 5:
        del b[at:at + rng.randint(1, 256)]
    else:
        for _ in range(rng.randint(1, 8)):
            b[rng.randrange(len(b))] = rng.getrandbits(8)
    return bytes(b)


EXTREMES = [0, -1, 1, 2, 1 << 20, 1 << 40, (1 << 63) - 1]
OPS = ["Relu", "Add", "Conv", "MatMul", "Reshape", "Expand", "Tile", "ConstantOfShape", "Concat", "Gather", "Pad",
       "Resize", "Loop", "Range", "Slice", "Transpose"]


def structural(rng, data):
    """One structural edit with the onnx helper: a node removed, duplicated or retyped, an input
    rewired (maybe into a cycle), an int attribute or an input dim made extreme, an initializer's
    dims rewritten."""
    model = onnx.load_from_string(data)
    g = model.graph
    nodes = list(g.node)
    if not nodes:
        return data
    n = rng.choice(nodes)
    kind = rng.randrange(7)
    if kind == 0:
        g.node.remove(n)
    elif kind == 1:
        g.node.insert(rng.randrange(len(nodes) + 1), n)
    elif kind == 2:
        n.op_type = rng.choice(OPS)
    elif kind == 3 and n.input:
        other = rng.choice(nodes)
        if other.output:
            n.input[rng.randrange(len(n.input))] = other.output[0]
    elif kind == 4:
        ints_attrs = [a for a in n.attribute if a.type in (onnx.AttributeProto.INT, onnx.AttributeProto.INTS)]
        if ints_attrs:
            a = rng.choice(ints_attrs)
            if a.type == onnx.AttributeProto.INT:
                a.i = rng.choice(EXTREMES)
            elif a.ints:
                a.ints[rng.randrange(len(a.ints))] = rng.choice(EXTREMES)
    elif kind == 5 and g.input:
        dims = g.input[0].type.tensor_type.shape.dim
        if dims:
            d = dims[rng.randrange(len(dims))]
            d.dim_value = rng.choice(EXTREMES[:-1])
    elif g.initializer:
        t = rng.choice(list(g.initializer))
        if t.dims:
            t.dims[rng.randrange(len(t.dims))] = rng.choice(EXTREMES)
    return model.SerializeToString()


def seeds():
    paths = ["tests/fixtures/mnist_cnn/model.onnx", "tests/fixtures/prune_resnet/model.onnx",
             "tests/fixtures/silero_vad/models/silero_vad_16k_op15.onnx"]
    slice_dir = "tests/fixtures/wasm_slice"
    for name in sorted(os.listdir(os.path.join(ROOT, slice_dir))):
        p = os.path.join(slice_dir, name, "model.onnx")
        if os.path.exists(os.path.join(ROOT, p)):
            paths.append(p)
    return [os.path.join(ROOT, p) for p in paths if os.path.exists(os.path.join(ROOT, p))]


# ----- commands ------------------------------------------------------------------------------

def model_commands(model, outdir):
    o = os.path.join(outdir, "out.onnx")
    return [["inspect", model], ["inspect", model, "--json"], ["run", model, "--random", "--out", outdir],
            ["compress", model, "-o", o, "--quantize", "int8-weights"],
            ["compress", model, "-o", o, "--quantize", "int8", "--calib-random", "2"],
            ["compare", model, model, "--random", "--samples", "2"],
            ["convert", model, "-o", o, "--opset", "17"]]


def argument_commands(rng, work, outdir, bomb):
    mnist = os.path.join(work, "mnist.onnx")
    calib = os.path.join(work, "calib.npz")
    garbage = os.path.join(work, "garbage.npz")
    o = os.path.join(outdir, "out.onnx")
    huge = rng.choice(["1099511627776", "9223372036854775807", "18446744073709551616", "-1", "0", "1e9", "abc",
                       "4294967296", "100000000"])
    choice = rng.randrange(14)
    if choice == 0:
        return ["compress", mnist, "-o", o, "--quantize", "int8-weights", "--compare-inputs",
                rng.choice([garbage, "/dev/zero", mnist, os.path.join(work, "missing.npz"), calib, "/dev/null"])]
    if choice == 1:
        target = rng.choice([mnist, os.path.join(work, "sub", "..", "mnist.onnx"), os.path.join(work, "link.onnx"),
                             os.path.join(work, "hard.onnx"), calib])
        return ["compress", mnist, "-o", target, "--quantize", "int8", "--calib", calib]
    if choice == 2:
        return ["compress", mnist, "-o", o, "--quantize", "int8-weights", "--report", rng.choice([mnist, calib])]
    if choice == 3:
        return ["run", mnist, "--input", "image=/dev/zero"]
    if choice == 4:
        return ["compress", mnist, "-o", o, "--quantize", "int8", "--calib", rng.choice(["/dev/zero", garbage, mnist])]
    if choice == 5:
        return ["compress", mnist, "-o", o, "--recipe", rng.choice(["/dev/zero", garbage, mnist])]
    if choice == 6:
        return ["compress", mnist, "-o", o, "--quantize", "int8", "--calib-random", huge]
    if choice == 7:
        return ["compare", mnist, mnist, "--random", "--samples", huge]
    if choice == 8:
        return ["run", mnist, "--random", "--dim", f"N={huge}"]
    if choice == 9:
        return ["run", mnist, "--random", "--shape", f"image={huge},1,28,28"]
    if choice == 10:
        return ["run", mnist, "--random", "--repeat", huge]
    if choice == 11:
        return ["compare", mnist, mnist, "--inputs", rng.choice(["/dev/zero", garbage, calib, mnist])]
    if choice == 12:
        model = rng.choice(list(bomb.values()))
        return rng.choice(model_commands(model, outdir))
    flags = ["--random", "--json", "--seed", huge, "--dim", f"x={huge}", "--top", huge, "--no-run", "--samples", huge,
             "--all-intermediates", "--opset", rng.choice(["1", "7", "22", "99", huge]), "-o", o]
    return [rng.choice(["inspect", "run", "compare", "compress", "convert", "sensitivity"]), mnist] + rng.sample(flags, rng.randint(1, 6))


def setup(work):
    os.makedirs(os.path.join(work, "sub"), exist_ok=True)
    mnist = os.path.join(work, "mnist.onnx")
    shutil.copy(os.path.join(ROOT, "tests/fixtures/mnist_cnn/model.onnx"), mnist)
    for name, make in [("link.onnx", lambda p: os.symlink(mnist, p)), ("hard.onnx", lambda p: os.link(mnist, p))]:
        p = os.path.join(work, name)
        if not os.path.lexists(p):
            make(p)
    pixels = np.load(os.path.join(ROOT, "tests/fixtures/mnist_cnn/calib_pixels.npy"))
    np.savez(os.path.join(work, "calib.npz"), image=pixels[:4].reshape(4, 1, 1, 28, 28))
    with open(os.path.join(work, "garbage.npz"), "wb") as f:
        f.write(os.urandom(4096))


# ----- running -------------------------------------------------------------------------------

def limit():
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT_BYTES, LIMIT_BYTES))


def run_one(pare, args, env, stats):
    """One command under /usr/bin/time (its %M is the command's own peak RSS; wait4 on a child
    forked from this Python process would count the interpreter's pages too)."""
    start = time.monotonic()
    p = subprocess.Popen(["/usr/bin/time", "-o", stats, "-f", "%x %M", pare] + args, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, preexec_fn=limit, env=env, start_new_session=True)
    hang = False
    try:
        _, stderr = p.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        hang = True
        os.killpg(p.pid, signal.SIGKILL)
        _, stderr = p.communicate()
    stderr = stderr.decode(errors="replace")
    code, peak_kb = p.returncode, 0
    try:
        lines = open(stats).read().split("\n")
        for line in lines:
            if line.startswith("Command terminated by signal"):
                code = -int(line.split()[-1])
        last = [l for l in lines if l and l[0].isdigit() or l.startswith("-")][-1].split()
        if code >= 0:
            code = int(last[0])
        peak_kb = int(last[1])
    except (OSError, IndexError, ValueError):
        pass
    return {"code": code, "hang": hang, "peak_mb": peak_kb / 1024, "seconds": time.monotonic() - start,
            "stderr": stderr[-300:]}


def input_size(args):
    sizes = [os.path.getsize(a) for a in args if os.path.isfile(a) and not a.startswith("/dev/")]
    return max(sizes, default=0)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--pare", default=os.path.join(ROOT, "target/corpus/pare"))
    p.add_argument("--commands", type=int, default=3000)
    p.add_argument("--max-minutes", type=float, default=30)
    p.add_argument("--seed", type=int, default=17)
    a = p.parse_args()
    rng = random.Random(a.seed)
    work = os.path.join(ROOT, "target/fuzz-campaign")
    mutants = os.path.join(work, "mutants")
    outdir = os.path.join(work, "out")
    os.makedirs(mutants, exist_ok=True)
    setup(work)
    bomb = bombs(work)
    seed_bytes = [(s, open(s, "rb").read()) for s in seeds()]
    env = dict(os.environ)
    env.pop("PARE_MAX_MEMORY", None)
    results = []
    deadline = time.monotonic() + a.max_minutes * 60
    for i in range(a.commands):
        if time.monotonic() > deadline:
            break
        shutil.rmtree(outdir, ignore_errors=True)
        os.makedirs(outdir)
        if i % 3 != 2:  # two thirds model mutants, one third argument mutants
            name, data = seed_bytes[rng.randrange(len(seed_bytes))]
            for _ in range(rng.randint(1, 3)):
                try:
                    data = structural(rng, data) if rng.random() < 0.6 else mutate(rng, data)
                except Exception:  # a mutant onnx cannot parse any more: mutate its bytes
                    data = mutate(rng, data)
            model = os.path.join(mutants, f"m{i % 50}.onnx")
            with open(model, "wb") as f:
                f.write(data)
            args = rng.choice(model_commands(model, outdir))
            label = f"mutant of {os.path.basename(os.path.dirname(name))}"
        else:
            args = argument_commands(rng, work, outdir, bomb)
            label = "arguments"
        size = input_size(args)
        r = run_one(a.pare, args, env, os.path.join(work, "time.txt"))
        r.update({"args": args, "label": label, "input_bytes": size})
        # The shared MNIST copy must survive every command (same-file outputs are refused).
        if open(os.path.join(work, "mnist.onnx"), "rb").read() != open(os.path.join(ROOT, "tests/fixtures/mnist_cnn/model.onnx"), "rb").read():
            r["input_damaged"] = True
            shutil.copy(os.path.join(ROOT, "tests/fixtures/mnist_cnn/model.onnx"), os.path.join(work, "mnist.onnx"))
        # Keep the mutant of anything worth a look (abort, hang, more than 1 GB).
        if label != "arguments" and (r["code"] < 0 or r["hang"] or r["peak_mb"] > 1024):
            kept = os.path.join(work, "kept")
            os.makedirs(kept, exist_ok=True)
            shutil.copy(model, os.path.join(kept, f"command{i}.onnx"))
            r["kept"] = os.path.join(kept, f"command{i}.onnx")
        results.append(r)
        if (i + 1) % 100 == 0:
            print(f"{i + 1} commands", file=sys.stderr, flush=True)

    aborts = [r for r in results if r["code"] < 0 or r["code"] == 134 or r["code"] == 101
              or "panicked" in r["stderr"] or "memory allocation" in r["stderr"]]
    aborts = [r for r in aborts if not r["hang"]]
    hangs = [r for r in results if r["hang"]]
    damaged = [r for r in results if r.get("input_damaged")]
    small = [r for r in results if r["input_bytes"] < SMALL]
    peak = max(small, key=lambda r: r["peak_mb"], default=None)
    histogram = collections.Counter("hang" if r["hang"] else str(r["code"]) for r in results)
    print()
    print("| measure | value |")
    print("|---|---|")
    print(f"| commands | {len(results)} ({sum(r['label'] != 'arguments' for r in results)} model mutants, "
          f"{sum(r['label'] == 'arguments' for r in results)} argument mutants) |")
    print(f"| aborts / signals / panics | {len(aborts)} |")
    print(f"| hangs (> {TIMEOUT:.0f} s) | {len(hangs)} |")
    print(f"| inputs damaged | {len(damaged)} |")
    if peak:
        print(f"| max peak RSS, inputs < 12 MB | {peak['peak_mb']:.0f} MB (`pare {' '.join(os.path.relpath(x, ROOT) if x.startswith(ROOT) else x for x in peak['args'])}`) |")
    print(f"| exit codes | {', '.join(f'{k}: {v}' for k, v in sorted(histogram.items()))} |")
    for r in (aborts + hangs)[:20]:
        print("  ", "HANG" if r["hang"] else f"exit {r['code']}", " ".join(r["args"]), r["stderr"].strip().splitlines()[-1:] if r["stderr"] else "")
    top = sorted(small, key=lambda r: -r["peak_mb"])[:5]
    for r in top:
        print(f"   peak {r['peak_mb']:.0f} MB, {r['seconds']:.1f} s:", " ".join(os.path.relpath(x, ROOT) if x.startswith(ROOT) else x for x in r["args"]))
    with open(os.path.join(work, "results.json"), "w") as f:
        json.dump(results, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
