"""The Entropy calibration reference (tests/fixtures/entropy_calibration/make_reference.py):
the stored reference.json is what the script computes now (so the Rust test compares pare with
the script, not with a stale file), the reference behaves as the algorithm should on
distributions whose answer is known, and the zero-bin rule has the effect README.md quotes on
the MNIST CNN's ReLU outputs."""
import json
import pathlib
import sys
import unittest

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "fixtures" / "entropy_calibration"))

import make_reference as ref  # noqa: E402

STORED = json.loads((ROOT / "tests/fixtures/entropy_calibration/reference.json").read_text())


class ReferenceTest(unittest.TestCase):
    def test_the_stored_fixture_is_what_the_script_computes(self):
        # Equal up to the CPU: the MNIST activations come from onnxruntime, whose kernels round
        # differently on AVX2 and AVX-512, so a value on a bin edge can change bin (a count ±1)
        # and a threshold its last float32 digits (5.1290884 vs 5.1290894).
        self.assert_close(STORED, json.loads(json.dumps(ref.build())), "reference")

    def assert_close(self, stored, computed, path):
        if isinstance(stored, dict):
            self.assertEqual(sorted(stored), sorted(computed), path)
            for key in stored:
                self.assert_close(stored[key], computed[key], f"{path}.{key}")
        elif isinstance(stored, list):
            self.assertEqual(len(stored), len(computed), path)
            for i, (a, b) in enumerate(zip(stored, computed)):
                self.assert_close(a, b, f"{path}[{i}]")
        elif isinstance(stored, float) or isinstance(computed, float):
            self.assertTrue(abs(stored - computed) <= 1e-4 * max(1.0, abs(stored)), f"{path}: {stored} vs {computed}")
        elif isinstance(stored, int) and not isinstance(stored, bool):
            self.assertLessEqual(abs(stored - computed), 1, f"{path}: {stored} vs {computed}")
        else:
            self.assertEqual(stored, computed, path)

    def test_a_uniform_distribution_keeps_its_range_and_a_thin_tail_is_clipped(self):
        uniform = ref.histogram(np.arange(10_000) / 10_000, 0.0, 1.0)
        self.assertGreater(ref.entropy_threshold(uniform, 0.0, 1.0, 255), 0.95)
        # Exp(1) up to 12.3: the bulk is kept (P(x > 8) = 0.03 %), the thinnest part of the tail
        # is not.
        exponential = STORED["exponential"]
        self.assertTrue(8.0 < exponential["threshold"] < exponential["hi"] - 1.0, exponential["threshold"])

    def test_the_zero_bin_rule_raises_the_mnist_relu_thresholds_six_to_eight_fold(self):
        # README.md: "ReLU zeros otherwise drag the threshold down, 6–8× on the MNIST CNN".
        # Without the rule, the zeros (about half of each ReLU output) dominate P and the best
        # clipping keeps only the bottom ~13 % of the range.
        for name in ["relu1", "relu2", "relu3"]:
            case = STORED[name]
            ratio = case["threshold"] / case["threshold_without_zero_rule"]
            with self.subTest(name):
                self.assertTrue(6.0 <= ratio <= 8.0, f"{name}: {ratio:.2f}×")
                counts = np.array(case["counts"])
                self.assertGreater(counts[0] / counts.sum(), 0.3, "a ReLU output: many exact zeros")
        # No zeros to speak of: the rule changes nothing.
        exponential = STORED["exponential"]
        self.assertEqual(exponential["threshold"], exponential["threshold_without_zero_rule"])


if __name__ == "__main__":
    unittest.main()
