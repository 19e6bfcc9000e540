"""Checks pare's re-encoded ONNX files against the originals (called by tests/native/roundtrip.rs).

Usage: check_roundtrip.py MANIFEST
MANIFEST lines: <original path>\t<re-encoded path>

For each pair:
1. Lossless: both files parse, and after canonicalization they are equal. Canonical form:
   every TensorProto is rebuilt from its numpy value (pare writes raw_data where the original
   may use float_data etc. — the same values), fields equal to their default are dropped
   (pare writes absent optional strings as absent), and AttributeProto.type is ignored when the
   original omits it (pare always writes it).
2. Runnable: if onnxruntime can load the original, it loads the re-encoded file too and gives
   bit-identical outputs on the same random inputs.
Prints one summary line (roundtrip.rs reads its two counts and asserts them); exits 1 listing
the failures. onnxruntime is required: without it the script fails rather than skip step 2.
"""
import struct
import sys

import numpy as np
import onnx
from onnx import numpy_helper
from google.protobuf.message import Message

# No fallback when onnxruntime is missing: the run half is half of what this script checks, so a
# missing onnxruntime fails the check instead of skipping it.
import onnxruntime as ort

ort.set_default_logger_severity(4)


def is_repeated(field):
    return field.is_repeated if hasattr(field, "is_repeated") else field.label == field.LABEL_REPEATED


def bits(field, value):
    """Floats by bit pattern, so NaN attributes compare equal to themselves."""
    if field.type == field.TYPE_FLOAT:
        return struct.pack("<f", value)
    if field.type == field.TYPE_DOUBLE:
        return struct.pack("<d", value)
    return value


def canon(msg, attribute_type_known=True):
    """Message → nested tuples with defaults dropped and tensors normalized to values."""
    if isinstance(msg, onnx.TensorProto):
        try:
            arr = numpy_helper.to_array(msg)
            value = (str(arr.dtype), arr.shape, arr.tobytes() if arr.dtype != object else tuple(arr.ravel().tolist()))
        except Exception:  # types numpy cannot hold: compare the raw proto
            value = msg.SerializeToString(deterministic=True)
        return ("tensor", msg.name, msg.doc_string, tuple((p.key, p.value) for p in msg.metadata_props), msg.data_type, tuple(msg.dims), value)
    out = []
    for field, value in msg.ListFields():
        if isinstance(msg, onnx.AttributeProto) and field.name == "type" and not attribute_type_known:
            continue
        if is_repeated(field):
            if not value:
                continue
            if field.type == field.TYPE_MESSAGE:
                items = []
                for v in value:
                    known = v.HasField("type") if isinstance(v, onnx.AttributeProto) else True
                    items.append(canon(v, known))
                out.append((field.name, tuple(items)))
            else:
                out.append((field.name, tuple(bits(field, v) for v in value)))
        elif field.type == field.TYPE_MESSAGE:
            out.append((field.name, canon(value)))
        else:
            if value == field.default_value or (field.type in (field.TYPE_STRING, field.TYPE_BYTES) and not value):
                continue
            out.append((field.name, bits(field, value)))
    return tuple(out)


def strip_attribute_types(original, reencoded):
    """Old files omit AttributeProto.type; drop it on the re-encoded side where the original has none."""
    def walk(a, b):
        for na, nb in zip(a.node, b.node):
            for aa, ab in zip(na.attribute, nb.attribute):
                if not aa.HasField("type"):
                    ab.ClearField("type")
                if aa.HasField("g"):
                    walk(aa.g, ab.g)
                for ga, gb in zip(aa.graphs, ab.graphs):
                    walk(ga, gb)
    walk(original.graph, reencoded.graph)


def random_feeds(session, seed=0):
    rng = np.random.default_rng(seed)
    feeds = {}
    for i in session.get_inputs():
        shape = [d if isinstance(d, int) and d >= 0 else 1 for d in i.shape]
        t = i.type
        if "float16" in t:
            feeds[i.name] = rng.standard_normal(shape).astype(np.float16)
        elif "double" in t:
            feeds[i.name] = rng.standard_normal(shape)
        elif "float" in t:
            feeds[i.name] = rng.standard_normal(shape).astype(np.float32)
        elif "bool" in t:
            feeds[i.name] = rng.integers(0, 2, shape).astype(bool)
        elif "string" in t:
            feeds[i.name] = np.array(["a"] * int(np.prod(shape)), dtype=object).reshape(shape)
        else:
            dtype = {"tensor(int8)": np.int8, "tensor(uint8)": np.uint8, "tensor(int16)": np.int16, "tensor(uint16)": np.uint16,
                     "tensor(int32)": np.int32, "tensor(int64)": np.int64, "tensor(uint32)": np.uint32, "tensor(uint64)": np.uint64}.get(t)
            if dtype is None:
                return None
            feeds[i.name] = rng.integers(0, 3, shape).astype(dtype)
    return feeds


def same_outputs(a, b):
    if len(a) != len(b):
        return False
    for x, y in zip(a, b):
        x, y = np.asarray(x), np.asarray(y)
        if x.dtype != y.dtype or x.shape != y.shape:
            return False
        if x.dtype.kind == "f":
            if not np.array_equal(x, y, equal_nan=True):
                return False
        elif not np.array_equal(x, y):
            return False
    return True


def main():
    pairs = [line.rstrip("\n").split("\t") for line in open(sys.argv[1]) if line.strip()]
    failures, ran_ort = [], 0
    for original_path, reencoded_path in pairs:
        original = onnx.load(original_path, load_external_data=False)
        reencoded = onnx.load(reencoded_path, load_external_data=False)
        strip_attribute_types(original, reencoded)
        if canon(original) != canon(reencoded):
            failures.append(f"{original_path}: re-encoded model differs after canonicalization")
            continue
        try:
            s1 = ort.InferenceSession(original_path, providers=["CPUExecutionProvider"])
        except Exception:
            continue  # onnxruntime cannot run the original either
        try:
            s2 = ort.InferenceSession(reencoded_path, providers=["CPUExecutionProvider"])
        except Exception as e:
            failures.append(f"{reencoded_path}: onnxruntime loads the original but not the re-encoded file: {e}")
            continue
        feeds = random_feeds(s1)
        if feeds is None:
            continue
        try:
            o1 = s1.run(None, feeds)
        except Exception:
            continue
        o2 = s2.run(None, feeds)
        ran_ort += 1
        if not same_outputs(o1, o2):
            failures.append(f"{reencoded_path}: onnxruntime outputs differ from the original's")
    print(f"roundtrip: {len(pairs)} models lossless-checked, {ran_ort} run by onnxruntime, {len(failures)} failures")
    for f in failures[:50]:
        print("  " + f)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
