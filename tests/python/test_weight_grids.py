"""`pare compress --quantize ternary | pow2 | kmeans` (issue 13) read by the ONNX reference
tools: each file written for the MNIST CNN fixture passes onnx.checker (full_check), holds the
grid's codes (ternary: −1/0/+1; pow2: 0 or ±2^k with power-of-two scales; kmeans: at most 16
codebook values read through Cast → Gather), and onnxruntime's outputs on 32 held-out digits
match pare's run of the same file (`pare run`) and stay close to the float model's.

Needs the pare binary (PARE_BIN, or target/{release,debug}/pare: see test_int4_weights.py).
"""
import tempfile
import unittest
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper

from test_int4_weights import FIXTURE, pare


def initializers(model):
    return {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}


class WeightGrids(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = Path(cls.tmp.name)
        pixels = np.load(FIXTURE / "heldout_pixels.npy")[:32]
        cls.images = (pixels.reshape(-1, 1, 28, 28) / 255.0).astype(np.float32)
        np.save(cls.dir / "image.npy", cls.images)
        floating = ort.InferenceSession(str(FIXTURE / "model.onnx"), providers=["CPUExecutionProvider"])
        cls.reference = floating.run(None, {"image": cls.images})[0]

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def written(self, kind):
        path = self.dir / f"{kind.replace(':', '_')}.onnx"
        pare("compress", FIXTURE / "model.onnx", "-o", path, "--quantize", kind, "--no-compare")
        model = onnx.load(path)
        onnx.checker.check_model(model, full_check=True)
        return path, model

    def runs_like_pare(self, path, min_agreement):
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        want = session.run(None, {"image": self.images})[0]
        out = self.dir / f"out_{path.stem}"
        pare("run", path, "--input", f"image={self.dir / 'image.npy'}", "--out", out)
        got = np.load(out / "logits.npy")
        err = np.abs(got - want).max() / np.abs(want).max()
        self.assertLess(err, 1e-5, f"{path.stem}: pare vs onnxruntime relative error {err:.2e}")
        agree = (want.argmax(1) == self.reference.argmax(1)).mean()
        self.assertGreaterEqual(agree, min_agreement, f"{path.stem}: top-1 agreement with float {agree}")
        self.assertGreater(np.abs(self.reference - want).max() / np.abs(self.reference).max(), 1e-4, "not the float model")

    def dq_codes(self, model):
        inits = initializers(model)
        found = []
        for node in model.graph.node:
            if node.op_type == "DequantizeLinear" and inits.get(node.input[0]) is not None:
                found.append((inits[node.input[0]], inits[node.input[1]]))
        self.assertEqual(len(found), 4, "every layer's weight")
        return found

    def test_ternary(self):
        path, model = self.written("ternary")
        for codes, scales in self.dq_codes(model):
            self.assertEqual(codes.dtype, np.int8)
            self.assertTrue(set(np.unique(codes)) <= {-1, 0, 1})
            self.assertTrue((scales > 0).all())
        self.runs_like_pare(path, 0.8)

    def test_pow2(self):
        path, model = self.written("pow2")
        for codes, scales in self.dq_codes(model):
            mags = np.abs(codes[codes != 0].astype(np.int32))
            self.assertTrue(((mags & (mags - 1)) == 0).all() and mags.max() <= 64, "codes are 0 or ±2^k")
            self.assertTrue((np.log2(scales) == np.round(np.log2(scales))).all(), "power-of-two scales")
        self.runs_like_pare(path, 0.9)

    def test_kmeans(self):
        # Up to 16 clusters the indices are uint4 (the model taken to opset 21), beyond uint8.
        for kind, clusters, index_type, opset in [("kmeans:16", 16, "uint4", 21), ("kmeans:32", 32, "uint8", 13)]:
            with self.subTest(kind):
                path, model = self.written(kind)
                self.assertEqual(next(o.version for o in model.opset_import if o.domain == ""), opset)
                inits = initializers(model)
                gathers = [n for n in model.graph.node if n.op_type == "Gather"]
                self.assertEqual(len(gathers), 4)
                for g in gathers:
                    codebook = inits[g.input[0]]
                    self.assertEqual(codebook.dtype, np.float32)
                    self.assertLessEqual(codebook.size, clusters)
                    cast = next(n for n in model.graph.node if g.input[1] in n.output)
                    self.assertEqual(cast.op_type, "Cast")
                    indices = inits[cast.input[0]]
                    self.assertEqual(str(indices.dtype), index_type)
                    self.assertLess(int(indices.astype(np.int32).max()), codebook.size)
                self.runs_like_pare(path, 0.9)


if __name__ == "__main__":
    unittest.main()
