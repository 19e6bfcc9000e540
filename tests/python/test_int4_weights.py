"""`pare compress --quantize int4-weights` (issue 13) read by the ONNX reference tools: the file
written for the MNIST CNN fixture passes onnx.checker (full_check), onnx's own reader unpacks
its int4 initializers to values within half a scale step of the float weights (so pare packs the
nibbles in the order the spec says), and onnxruntime's outputs on 32 held-out digits match
pare's run of the same file (`pare run`).

onnxruntime runs with session.qdq_matmulnbits_accuracy_level 0: by default it rewrites a
DequantizeLinear -> MatMul into MatMulNBits with int8 activations (test_ort_matmulnbits.py),
which computes something else than the graph (this model's layers are Conv and Gemm, which
onnxruntime 1.32 leaves as written either way).

Learned rounding (`--rounding learned`, GPTQ on calibration digits): the file passes the same
full check, has the same nodes and scales as the round-to-nearest file (only int4 codes
differ, all in [-7, 7]), runs in onnxruntime, and its logits are closer to the float model's on
held-out digits than round-to-nearest's.

Needs the pare binary: PARE_BIN, else the newest of target/release/pare and target/debug/pare
(`cargo build --release --bin pare`; `make test-native` builds target/debug/pare).
"""
import os
import subprocess
import tempfile
import unittest
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests/fixtures/mnist_cnn"


def pare_binary():
    if os.environ.get("PARE_BIN"):
        return Path(os.environ["PARE_BIN"])
    found = [p for p in (ROOT / "target/release/pare", ROOT / "target/debug/pare") if p.exists()]
    if not found:
        raise AssertionError("no pare binary: run `cargo build --release --bin pare` or set PARE_BIN")
    return max(found, key=lambda p: p.stat().st_mtime)


def pare(*args):
    done = subprocess.run([str(pare_binary()), *map(str, args)], capture_output=True, text=True)
    if done.returncode != 0:
        raise AssertionError(f"pare {' '.join(map(str, args))} failed:\n{done.stderr}")
    return done.stdout


class Int4Weights(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = Path(cls.tmp.name)
        cls.path = cls.dir / "int4.onnx"
        pare("compress", FIXTURE / "model.onnx", "-o", cls.path, "--quantize", "int4-weights", "--no-compare")
        pixels = np.load(FIXTURE / "heldout_pixels.npy")[:32]
        cls.images = (pixels.reshape(-1, 1, 28, 28) / 255.0).astype(np.float32)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_the_checker_accepts_it_and_int4_values_decode_near_the_float_weights(self):
        model = onnx.load(self.path)
        onnx.checker.check_model(model, full_check=True)
        self.assertEqual([o.version for o in model.opset_import if o.domain in ("", "ai.onnx")], [21])
        inits = {i.name: i for i in model.graph.initializer}
        floats = {i.name: numpy_helper.to_array(i) for i in onnx.load(FIXTURE / "model.onnx").graph.initializer}
        checked = 0
        for node in model.graph.node:
            if node.op_type != "DequantizeLinear":
                continue
            q_init = inits[node.input[0]]
            self.assertEqual(q_init.data_type, onnx.TensorProto.INT4)
            q = numpy_helper.to_array(q_init).astype(np.float64)
            scale = numpy_helper.to_array(inits[node.input[1]]).astype(np.float64)
            attrs = {a.name: a.i for a in node.attribute}
            axis, block = attrs.get("axis", 1), attrs.get("block_size", 0)
            if block:
                scale = np.repeat(scale, block, axis=axis).take(range(q.shape[axis]), axis=axis)
            else:
                scale = scale.reshape([-1 if d == axis else 1 for d in range(q.ndim)])
            w = floats[node.input[0].removesuffix("_q")]
            self.assertTrue(np.all(np.abs(q) <= 7))
            np.testing.assert_array_less(np.abs(w - q * scale), np.broadcast_to(scale / 2 + 1e-7, q.shape))
            checked += 1
        self.assertEqual(checked, 4)

    def test_onnxruntime_matches_pares_run_of_the_same_file(self):
        options = ort.SessionOptions()
        options.add_session_config_entry("session.qdq_matmulnbits_accuracy_level", "0")
        session = ort.InferenceSession(str(self.path), options, providers=["CPUExecutionProvider"])
        want = session.run(None, {"image": self.images})[0]
        np.save(self.dir / "image.npy", self.images)
        pare("run", self.path, "--input", f"image={self.dir / 'image.npy'}", "--out", self.dir / "out")
        got = np.load(self.dir / "out" / "logits.npy")
        self.assertEqual(got.shape, want.shape)
        err = np.abs(got - want).max() / np.abs(want).max()
        self.assertLess(err, 1e-5, f"pare vs onnxruntime relative error {err:.2e}")
        # Not trivially equal to the float model: the weights are 4-bit.
        floating = ort.InferenceSession(str(FIXTURE / "model.onnx"), providers=["CPUExecutionProvider"])
        reference = floating.run(None, {"image": self.images})[0]
        self.assertGreater(np.abs(reference - want).max() / np.abs(reference).max(), 1e-3)


class LearnedRounding(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dir = Path(cls.tmp.name)
        calib = (np.load(FIXTURE / "calib_pixels.npy")[:64].reshape(-1, 1, 1, 28, 28) / 255.0).astype(np.float32)
        np.savez(cls.dir / "calib.npz", image=calib)
        cls.nearest = cls.dir / "nearest.onnx"
        cls.learned = cls.dir / "learned.onnx"
        pare("compress", FIXTURE / "model.onnx", "-o", cls.nearest, "--quantize", "int4-weights", "--no-compare")
        pare("compress", FIXTURE / "model.onnx", "-o", cls.learned, "--quantize", "int4-weights",
             "--rounding", "learned", "--calib", cls.dir / "calib.npz", "--no-compare", "--report", cls.dir / "report.json")
        pixels = np.load(FIXTURE / "heldout_pixels.npy")[:200]
        cls.images = (pixels.reshape(-1, 1, 28, 28) / 255.0).astype(np.float32)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_the_checker_accepts_it_and_only_int4_codes_differ_from_nearest(self):
        learned = onnx.load(self.learned)
        onnx.checker.check_model(learned, full_check=True)
        nearest = onnx.load(self.nearest)
        self.assertEqual([(n.op_type, list(n.input)) for n in learned.graph.node],
                         [(n.op_type, list(n.input)) for n in nearest.graph.node])
        near_inits = {i.name: i for i in nearest.graph.initializer}
        differ = 0
        for init in learned.graph.initializer:
            a, b = numpy_helper.to_array(init), numpy_helper.to_array(near_inits[init.name])
            self.assertEqual(init.data_type, near_inits[init.name].data_type)
            if init.data_type == onnx.TensorProto.INT4:
                self.assertTrue(np.all(np.abs(a.astype(np.int32)) <= 7))
                differ += int(np.any(a != b))
            else:
                np.testing.assert_array_equal(a, b, err_msg=f"{init.name}: scales and biases are those of nearest")
        self.assertGreater(differ, 0, "learned rounding changed no int4 code")

    def test_onnxruntime_runs_it_and_it_is_closer_to_float_than_nearest(self):
        options = ort.SessionOptions()
        options.add_session_config_entry("session.qdq_matmulnbits_accuracy_level", "0")

        def logits(path):
            session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
            return session.run(None, {"image": self.images})[0].astype(np.float64)

        reference = logits(FIXTURE / "model.onnx")

        def sqnr(out):
            return 10 * np.log10(np.sum(reference ** 2) / np.sum((reference - out) ** 2))

        near, learned = sqnr(logits(self.nearest)), sqnr(logits(self.learned))
        print(f"held-out logits SQNR: nearest {near:.2f} dB, learned {learned:.2f} dB")
        self.assertGreater(learned, near + 1.0)


if __name__ == "__main__":
    unittest.main()
