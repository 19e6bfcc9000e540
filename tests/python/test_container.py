"""The .pare container (docs/container.md) read back by the ONNX reference tools: the MNIST CNN
compressed with `pare compress --quantize int8-weights`, packed with `pare pack` and decoded with
`pare decode`, is the same file byte for byte; it passes onnx.checker (full_check) and
onnxruntime's outputs on 32 held-out digits equal those of the file before packing. A truncated
container fails with `error[bad-container]` and writes nothing.

Needs the pare binary: PARE_BIN, else the newest of target/release/pare and target/debug/pare.
"""
import subprocess
import tempfile
import unittest
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort

from test_int4_weights import FIXTURE, pare_binary


def pare(*args, check=True):
    done = subprocess.run([str(pare_binary()), *map(str, args)], capture_output=True, text=True)
    if check and done.returncode != 0:
        raise AssertionError(f"pare {' '.join(map(str, args))} failed:\n{done.stderr}")
    return done


class Container(unittest.TestCase):
    def test_int8_model_survives_pack_and_decode(self):
        with tempfile.TemporaryDirectory() as tmp:
            tmp = Path(tmp)
            int8, packed, decoded = tmp / "int8.onnx", tmp / "int8.pare", tmp / "decoded.onnx"
            pare("compress", FIXTURE / "model.onnx", "-o", int8, "--quantize", "int8-weights", "--no-compare")
            pare("pack", int8, packed)
            pare("decode", packed, decoded)
            self.assertEqual(decoded.read_bytes(), int8.read_bytes())
            self.assertLess(packed.stat().st_size, int8.stat().st_size)
            onnx.checker.check_model(onnx.load(str(decoded)), full_check=True)
            pixels = np.load(FIXTURE / "heldout_pixels.npy")[:32]
            images = (pixels.reshape(-1, 1, 28, 28) / 255.0).astype(np.float32)
            outputs = [ort.InferenceSession(str(p), providers=["CPUExecutionProvider"]).run(None, {"image": images})[0] for p in (int8, decoded)]
            np.testing.assert_array_equal(outputs[0], outputs[1])

            truncated = tmp / "truncated.pare"
            truncated.write_bytes(packed.read_bytes()[:-5])
            done = pare("decode", truncated, tmp / "never.onnx", check=False)
            self.assertEqual(done.returncode, 1, done.stderr)
            self.assertIn("error[bad-container]", done.stderr)
            self.assertFalse((tmp / "never.onnx").exists())


if __name__ == "__main__":
    unittest.main()
