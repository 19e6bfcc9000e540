"""`pare compress --quantize int8 --data-free` (issue 12, DFQ) read by the ONNX reference tools:
on a small MobileNet-style block built here (Conv → BatchNormalization → Relu → depthwise Conv →
BatchNormalization → Relu → Conv → BatchNormalization, channels 100× apart in scale, running statistics measured on N(0, 1) images as
training would leave them), the file
written with no calibration data at all passes onnx.checker (full_check), runs in onnxruntime
with outputs close to the float model's, and its report says which pairs were equalized and
where each activation range came from.

Needs the pare binary: PARE_BIN, else the newest of target/release/pare and target/debug/pare.
"""
import json
import subprocess
import tempfile
import unittest
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

from test_int4_weights import pare_binary


def block_model():
    rng = np.random.default_rng(3)
    inits, nodes = [], []

    def const(name, array):
        inits.append(numpy_helper.from_array(np.asarray(array, np.float32), name))
        return name

    def bn(x, y, c, tag):
        gamma = rng.uniform(0.5, 2.0, c) * np.where(np.arange(c) % 3 == 0, 20.0, 1.0)
        nodes.append(helper.make_node(
            "BatchNormalization",
            [x, const(f"{tag}_g", gamma), const(f"{tag}_b", rng.uniform(-1, 2, c)), const(f"{tag}_m", rng.normal(0, 0.1, c)),
             const(f"{tag}_v", rng.uniform(0.5, 2.0, c))],
            [y], name=tag, epsilon=1e-5))

    spread = lambda c: (10.0 ** rng.uniform(-1, 1, c)).reshape(c, 1, 1, 1)
    nodes.append(helper.make_node("Conv", ["x", const("w1", rng.normal(0, 0.3, (16, 3, 1, 1)) * spread(16))], ["c1"], name="expand"))
    bn("c1", "n1", 16, "bn1")
    nodes.append(helper.make_node("Relu", ["n1"], ["r1"]))
    nodes.append(helper.make_node("Conv", ["r1", const("w2", rng.normal(0, 0.3, (16, 1, 3, 3)) * spread(16))], ["c2"],
                                  name="depthwise", group=16, pads=[1, 1, 1, 1]))
    bn("c2", "n2", 16, "bn2")
    nodes.append(helper.make_node("Relu", ["n2"], ["r2"]))
    nodes.append(helper.make_node("Conv", ["r2", const("w3", rng.normal(0, 0.3, (8, 16, 1, 1)))], ["c3"], name="project"))
    bn("c3", "y", 8, "bn3")

    def build(outputs):
        graph = helper.make_graph(nodes, "dfq_block", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 16, 16])],
                                  [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in outputs], inits)
        return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], ir_version=8)

    # Running statistics as training would leave them: each BN's mean and variance are those of
    # its input on N(0, 1) images (set in order, since each depends on the BNs before it).
    data = np.random.default_rng(5).normal(0, 1, (32, 1, 3, 16, 16)).astype(np.float32)
    by_name = {i.name: n for n, i in enumerate(inits)}
    for conv_out, tag in [("c1", "bn1"), ("c2", "bn2"), ("c3", "bn3")]:
        session = ort.InferenceSession(build([conv_out]).SerializeToString(), providers=["CPUExecutionProvider"])
        values = np.concatenate([session.run(None, {"x": x})[0] for x in data])
        inits[by_name[f"{tag}_m"]] = numpy_helper.from_array(values.mean(axis=(0, 2, 3)).astype(np.float32), f"{tag}_m")
        inits[by_name[f"{tag}_v"]] = numpy_helper.from_array(values.var(axis=(0, 2, 3)).astype(np.float32), f"{tag}_v")
    model = build(["y"])
    model.graph.output[0].CopyFrom(helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 8, 16, 16]))
    return model


class DataFree(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        d = Path(cls.tmp.name)
        cls.original, cls.out, cls.report = d / "block.onnx", d / "dfq.onnx", d / "report.json"
        onnx.save(block_model(), cls.original)
        cmd = [str(pare_binary()), "compress", str(cls.original), "-o", str(cls.out), "--quantize", "int8", "--data-free",
               "--per-tensor", "--no-compare", "--report", str(cls.report)]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} failed:\n{done.stderr}")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_the_checker_accepts_it_and_onnxruntime_runs_it_close_to_the_float_model(self):
        onnx.checker.check_model(onnx.load(self.out), full_check=True)
        x = np.random.default_rng(0).normal(0, 1, (1, 3, 16, 16)).astype(np.float32)
        ref = ort.InferenceSession(str(self.original), providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
        out = ort.InferenceSession(str(self.out), providers=["CPUExecutionProvider"]).run(None, {"x": x})[0]
        self.assertTrue(np.all(np.isfinite(out)))
        sqnr = 10 * np.log10(np.sum(ref.astype(np.float64) ** 2) / np.sum((ref.astype(np.float64) - out) ** 2))
        self.assertGreater(sqnr, 15.0, "data-free per-tensor INT8 of the block")
        ops = [n.op_type for n in onnx.load(self.out).graph.node]
        self.assertIn("QuantizeLinear", ops)
        self.assertNotIn("BatchNormalization", ops)

    def test_the_report_lists_equalized_pairs_and_range_sources(self):
        report = json.loads(self.report.read_text())
        steps = [s for s in report["report"]["steps"] if "dfq" in json.dumps(s)]
        self.assertTrue(steps, "a quantize step with a dfq report")
        dfq = next(v for s in steps for v in s.values() if isinstance(v, dict) and "dfq" in v)["dfq"]
        self.assertEqual(dfq["batch_norm_stats"], 3)
        self.assertEqual([(p["first"], p["second"]) for p in dfq["equalized"]][:2], [("expand", "depthwise"), ("depthwise", "project")])
        sources = {r["tensor"]: r["source"] for r in dfq["ranges"]}
        self.assertEqual(sources.get("r1"), "batch_norm")
        self.assertEqual(sources.get("x"), "kept_float", "no data says the model input's range")
        self.assertTrue(dfq["bias_corrections"], "layers after a BN get an analytic bias correction")


if __name__ == "__main__":
    unittest.main()
