"""Writes the inputs of the web app test (tests/web/app_test.mjs) into OUT_DIR from the MNIST
fixture, with numpy and onnx (independently of pare), and prints what onnx counts in the model as
JSON: the numbers the page's summary must show, among them each layer's weight statistics and
histogram (`weights`, computed by tests/python/weight_stats.py with numpy).

Usage: python make_inputs.py MODEL.onnx HELDOUT_PIXELS.npy CALIB_PIXELS.npy OUT_DIR
Writes:
  heldout.npz      200 held-out digits as the model takes them (float32 / 255), deflated
                   (np.savez_compressed)
  calib.npz        64 calibration digits the same way, stored (np.savez)
  digits/NN.png    the same 64 calibration digits as 8-bit grayscale PNGs (encoded here: no PIL)
  external.onnx    the model with its weights in external.bin
  custom_op.onnx   a Conv feeding an op pare does not know (com.example Frobnicate)
  symbolic.onnx    the MNIST CNN with its input declared [N, 1, height, width]: random samples at
                   the default size 1 cannot run it, height=28 and width=28 can
  slow.onnx        four 3×3 Convs over a 32×384×384 input (about 11 GFLOPs): opening it (the
                   analysis runs it once) takes long enough to cancel
"""
import json
import os
import struct
import sys
import zlib

import numpy as np
import onnx
from onnx import TensorProto, helper

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from weight_stats import layers as weight_layers  # noqa: E402


def png_gray8(pixels):
    """An 8-bit grayscale PNG of a 2-D uint8 array (no filtering)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    height, width = pixels.shape
    rows = b"".join(b"\x00" + pixels[y].tobytes() for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def main(model_path, heldout_path, calib_path, out):
    model = onnx.load(model_path)
    ops = {}
    for node in model.graph.node:
        ops[node.op_type] = ops.get(node.op_type, 0) + 1
    params = sum(int(np.prod(t.dims)) for t in model.graph.initializer)
    layer_weights = weight_layers(model, 64)  # before saving with external data, which moves the weights out

    heldout = np.load(heldout_path)[:200]
    np.savez_compressed(os.path.join(out, "heldout.npz"), image=heldout.astype(np.float32) / 255)
    calib = np.load(calib_path)[:64]
    np.savez(os.path.join(out, "calib.npz"), image=calib.astype(np.float32) / 255)
    os.makedirs(os.path.join(out, "digits"))
    for i, digit in enumerate(calib):
        with open(os.path.join(out, "digits", f"{i:02d}.png"), "wb") as f:
            f.write(png_gray8(digit[0]))

    onnx.save_model(model, os.path.join(out, "external.onnx"), save_as_external_data=True,
                    all_tensors_to_one_file=True, location="external.bin", size_threshold=0)

    # A Conv (something to quantize) feeding an op pare lacks.
    weight = helper.make_tensor("w", TensorProto.FLOAT, [4, 1, 3, 3], np.linspace(-1, 1, 36, dtype=np.float32))
    nodes = [helper.make_node("Conv", ["x", "w"], ["c"], name="conv"),
             helper.make_node("Frobnicate", ["c"], ["y"], name="frob", domain="com.example")]
    graph = helper.make_graph(nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 8, 8])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4, 6, 6])], [weight])
    opsets = [helper.make_opsetid("", 17), helper.make_opsetid("com.example", 1)]
    onnx.save_model(helper.make_model(graph, opset_imports=opsets), os.path.join(out, "custom_op.onnx"))

    symbolic = onnx.load(model_path)
    dims = symbolic.graph.input[0].type.tensor_type.shape.dim
    dims[2].dim_param = "height"
    dims[3].dim_param = "width"
    onnx.save_model(symbolic, os.path.join(out, "symbolic.onnx"))

    rng = np.random.default_rng(0)
    channels, size = 32, 384
    weights, nodes = [], []
    for i in range(4):
        w = rng.normal(0, 0.05, (channels, channels, 3, 3)).astype(np.float32)
        weights.append(helper.make_tensor(f"w{i}", TensorProto.FLOAT, w.shape, w.flatten()))
        nodes.append(helper.make_node("Conv", [f"a{i}", f"w{i}"], [f"a{i + 1}"], pads=[1, 1, 1, 1], name=f"conv{i}"))
    graph = helper.make_graph(nodes, "slow", [helper.make_tensor_value_info("a0", TensorProto.FLOAT, [1, channels, size, size])],
                              [helper.make_tensor_value_info("a4", TensorProto.FLOAT, [1, channels, size, size])], weights)
    onnx.save_model(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), os.path.join(out, "slow.onnx"))

    print(json.dumps({"ops": ops, "params": params, "nodes": len(model.graph.node), "weights": layer_weights}))


if __name__ == "__main__":
    main(*sys.argv[1:])
