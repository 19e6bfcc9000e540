"""Per-layer weight statistics with onnx and numpy, independently of pare: the reference for
pare's `weights` analysis (tests/native/weight_stats.rs, tests/web/app_test.mjs).

For every Conv, ConvTranspose, Gemm and MatMul whose weight (input 1, else input 0) is an
initializer, or the output of a DequantizeLinear of an initializer (dequantized here with numpy:
(q - zero_point) in int64, to float32, times the float32 scale, per tensor or along `axis`),
prints one JSON object per model: {"layers": [{name, op_type, weight, shape, count, dtype, min,
max, mean, std, zeros, levels, stored_levels, edges, counts}]} (floats as strings, see `exact`), with
  - the values taken as float64 (so numpy bins them in float64, as pare does);
  - std the population standard deviation (ddof=0), levels = min(len(np.unique), 257), and
    stored_levels the same over the stored integers of a dequantized weight (else null);
  - edges, counts = np.histogram(values, bins=BINS): numpy's rule, every bin half-open
    [e_i, e_i+1) except the last, which includes max.

Usage: python weight_stats.py BINS MODEL.onnx [MODEL.onnx ...]   (one JSON line per model)
"""
import json
import sys

import numpy as np
import onnx
from onnx import numpy_helper

LAYER_OPS = {"Conv", "ConvTranspose", "Gemm", "MatMul"}


def exact(x):
    """A float as the shortest text that reads back to the same double (JSON readers need
    not round correctly; Rust's str::parse does)."""
    return repr(float(x))


def dequantize(node, inits):
    q = inits[node.input[0]]
    scale = inits[node.input[1]].astype(np.float32)
    zp = inits[node.input[2]] if len(node.input) > 2 and node.input[2] else np.zeros_like(scale, dtype=np.int64)
    axis = next((a.i for a in node.attribute if a.name == "axis"), 1)
    if scale.size > 1:
        shape = [1] * q.ndim
        shape[axis] = -1
        scale = scale.reshape(shape)
        zp = zp.reshape(shape)
    centered = (q.astype(np.int64) - zp.astype(np.int64)).astype(np.float32)
    return node.input[0], q, (centered * scale).astype(np.float32)


def layers(model, bins):
    graph = model.graph
    inits = {t.name: numpy_helper.to_array(t) for t in graph.initializer}
    producers = {o: n for n in graph.node for o in n.output}
    out = []
    for node in graph.node:
        if node.op_type not in LAYER_OPS:
            continue
        candidates = [1] if node.op_type.startswith("Conv") else [1, 0]
        found = None
        for i in candidates:
            name = node.input[i]
            if name in inits:
                found = (name, inits[name], inits[name])
            elif name in producers and producers[name].op_type == "DequantizeLinear" and producers[name].input[0] in inits:
                found = dequantize(producers[name], inits)
            if found:
                break
        if not found:
            continue
        weight, stored, values = found
        v = values.astype(np.float64).ravel()
        counts, edges = np.histogram(v, bins=bins)
        out.append({
            "name": node.name,
            "op_type": node.op_type,
            "weight": weight,
            "shape": list(stored.shape),
            "count": int(stored.size),
            "dtype": str(stored.dtype),
            "min": exact(v.min()),
            "max": exact(v.max()),
            "mean": exact(v.mean()),
            "std": exact(v.std()),
            "zeros": int(np.count_nonzero(v == 0)),
            "levels": int(min(len(np.unique(v)), 257)),
            "stored_levels": int(min(len(np.unique(stored)), 257)) if stored is not values else None,
            "edges": [exact(e) for e in edges],
            "counts": [int(c) for c in counts],
        })
    return out


def main(bins, *paths):
    for path in paths:
        print(json.dumps({"model": path, "layers": layers(onnx.load(path), int(bins))}))


if __name__ == "__main__":
    main(*sys.argv[1:])
