"""Writes the small ONNX models tests/npm/errors.test.mjs uses to make pare fail in each way a
user can hit, made with onnx's helpers so they are independent of pare's writer:

  relu.onnx           x[1,4] -> Relu -> y: valid, and with nothing to quantize
  unsupported.onnx    a node of an op no runtime has (NoSuchOp)
  reshape_fail.onnx   Reshape of 4 elements to [3]: valid graph, fails when run
  external.onnx       an Add whose constant lives in external.bin
  bad_tensor.onnx     an Add whose constant [1, 4] float32 has 8 bytes of raw_data (16 needed)
  huge.onnx           Expand of x[1] to 10^8 floats, 12 Negs of it and their Sum: 5.2 GB live at
                      once, more than a wasm32 module's 4 GiB, so pare's module runs out of memory

Usage: python make_error_models.py OUT_DIR
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def model(nodes, inputs, outputs, initializers=(), opset=17):
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(initializers))
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], ir_version=8)


def value(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def main(out):
    os.makedirs(out, exist_ok=True)
    x, y = value("x", [1, 4]), value("y", [1, 4])
    onnx.save(model([helper.make_node("Relu", ["x"], ["y"])], [x], [y]), os.path.join(out, "relu.onnx"))
    onnx.save(model([helper.make_node("NoSuchOp", ["x"], ["y"])], [x], [y]), os.path.join(out, "unsupported.onnx"))
    shape = numpy_helper.from_array(np.array([3], dtype=np.int64), "shape")
    onnx.save(model([helper.make_node("Reshape", ["x", "shape"], ["y"])], [x], [value("y", [3])], [shape]),
              os.path.join(out, "reshape_fail.onnx"))
    w = numpy_helper.from_array(np.arange(4, dtype=np.float32).reshape(1, 4), "w")
    external = model([helper.make_node("Add", ["x", "w"], ["y"])], [x], [y], [w])
    onnx.save_model(external, os.path.join(out, "external.onnx"), save_as_external_data=True,
                    all_tensors_to_one_file=True, location="external.bin", size_threshold=0)
    # A TensorProto built by hand: onnx's helpers would refuse the wrong raw_data length.
    bad = onnx.TensorProto(name="w", data_type=TensorProto.FLOAT, dims=[1, 4], raw_data=b"\0" * 8)
    onnx.save(model([helper.make_node("Add", ["x", "w"], ["y"])], [x], [y], [bad]), os.path.join(out, "bad_tensor.onnx"))
    # One float expanded to 10^8 (400 MB, under pare's per-tensor caps), negated by 12 nodes whose
    # results all live until one Sum reads them: 13 tensors of 400 MB, 5.2 GB in all.
    big = numpy_helper.from_array(np.array([100_000_000], dtype=np.int64), "big")
    negs = [helper.make_node("Neg", ["e"], [f"n{i}"]) for i in range(12)]
    huge = model([helper.make_node("Expand", ["x", "big"], ["e"]), *negs,
                  helper.make_node("Sum", [f"n{i}" for i in range(12)], ["y"])],
                 [value("x", [1])], [value("y", [100_000_000])], [big])
    onnx.save(huge, os.path.join(out, "huge.onnx"))

if __name__ == "__main__":
    main(sys.argv[1])
