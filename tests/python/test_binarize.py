"""`pare compress --binarize xnor --calib` (binary activations with calibrated thresholds, issue 13)
read by the ONNX reference tools: the file written for the MNIST CNN fixture passes onnx.checker
(full_check); each binarized layer reads `Where(Less(x, t), −1, +1)` with a constant t > 0 (the
inputs are pooled ReLU outputs: t = 0 would make them constant) and a ±1 int8 weight behind a
DequantizeLinear; onnxruntime's outputs on 32 held-out digits equal `pare run`'s (which runs
those layers on its XOR + popcount kernels) and depend on the input, unlike threshold 0.

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


class CalibratedBinaryActivations(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = Path(cls.tmp.name)
        calib = (np.load(FIXTURE / "calib_pixels.npy").reshape(-1, 1, 28, 28) / 255.0).astype(np.float32)
        np.savez(cls.dir / "calib.npz", image=calib)
        pixels = np.load(FIXTURE / "heldout_pixels.npy")[:32]
        cls.images = (pixels.reshape(-1, 1, 28, 28) / 255.0).astype(np.float32)
        np.save(cls.dir / "image.npy", cls.images)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def written(self, kind):
        path = self.dir / f"{kind.replace(':', '_')}.onnx"
        pare("compress", FIXTURE / "model.onnx", "-o", path, "--binarize", kind, "--calib", self.dir / "calib.npz", "--no-compare")
        model = onnx.load(path)
        onnx.checker.check_model(model, full_check=True)
        return path, model

    def outputs(self, path):
        session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        want = session.run(None, {"image": self.images})[0]
        out = self.dir / f"out_{path.stem}"
        pare("run", path, "--input", f"image={self.dir / 'image.npy'}", "--out", out)
        return want, np.load(out / "logits.npy")

    def test_calibrated_thresholds_are_standard_onnx_and_onnxruntime_equals_pare(self):
        path, model = self.written("xnor")
        inits = {i.name: numpy_helper.to_array(i) for i in model.graph.initializer}
        producer = {o: n for n in model.graph.node for o in n.output}
        layers = [n for n in model.graph.node if n.name in ("conv2", "fc1")]
        self.assertEqual(len(layers), 2)
        for layer in layers:
            select = producer[layer.input[0]]
            self.assertEqual(select.op_type, "Where")
            self.assertEqual((float(inits[select.input[1]]), float(inits[select.input[2]])), (-1.0, 1.0))
            less = producer[select.input[0]]
            self.assertEqual(less.op_type, "Less")
            t = inits[less.input[1]]
            self.assertEqual(t.shape, (), f"{layer.name}: one threshold per tensor")
            self.assertGreater(float(t), 0.0, f"{layer.name}: the threshold is above the ReLU's zeros")
            dq = producer[layer.input[1]]
            self.assertEqual(dq.op_type, "DequantizeLinear")
            self.assertEqual(set(np.unique(inits[dq.input[0]]).tolist()), {-1, 1})
        want, got = self.outputs(path)
        err = np.abs(got - want).max() / np.abs(want).max()
        self.assertLess(err, 1e-5, f"pare vs onnxruntime relative error {err:.2e}")
        # The binary inputs now vary with the digit: the logits do too (threshold 0 makes
        # conv2's and fc1's inputs constant, so every digit gets nearly the same logits).
        zero_path, _ = self.written("xnor:zero")
        zero, _ = self.outputs(zero_path)
        self.assertGreater(want.std(axis=0).mean(), 10 * zero.std(axis=0).mean())


if __name__ == "__main__":
    unittest.main()
