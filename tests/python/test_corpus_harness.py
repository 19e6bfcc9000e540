"""The real-model corpus harness's own logic (scripts/corpus/run.py), without models or pare:
how cells are judged against tests/corpus/expected.json (the ratchet), `pare run` output file
names, SQNR, and that models.json and expected.json are consistent."""
import json
import math
import pathlib
import sys
import unittest

import numpy as np

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "corpus"))

import run  # noqa: E402
from common import EXPECTED_JSON, MODELS_JSON  # noqa: E402


class JudgeTest(unittest.TestCase):
    OK = {"outcome": "ok"}

    def test_a_cell_recorded_ok_must_stay_ok_and_a_cell_not_recorded_stops_the_run(self):
        self.assertEqual(run.judge({"status": "ok"}, self.OK), "ok")
        self.assertEqual(run.judge({"status": "error", "detail": "pare: error: x"}, self.OK), "FAIL")
        self.assertEqual(run.judge({"status": "fail", "detail": "larger than the input"}, self.OK), "FAIL")
        self.assertEqual(run.judge({"status": "ok"}, None), "FAIL")

    def test_an_ok_cell_regresses_when_its_sqnr_drops_or_its_size_grows_beyond_the_slack(self):
        expected = {"outcome": "ok", "sqnr_db": 30.0, "size_ratio": 0.3}
        cell = lambda sqnr, size: {"status": "ok", "sqnr_db": {"y": sqnr, "z": 99.0}, "size": size, "input_size": 1000}
        self.assertEqual(run.judge(cell(29.5, 300), expected), "ok")
        self.assertEqual(run.judge(cell(40.0, 250), expected), "ok")  # better numbers are fine
        self.assertEqual(run.judge(cell(28.0, 300), expected), "REGRESSED")
        self.assertEqual(run.judge(cell(30.0, 310), expected), "REGRESSED")
        exact = {"outcome": "ok", "sqnr_db": "inf", "size_ratio": 1.0}
        self.assertEqual(run.judge({"status": "ok", "sqnr_db": {"y": math.inf}, "size": 1000, "input_size": 1000}, exact), "ok")
        self.assertEqual(run.judge({"status": "ok", "sqnr_db": {"y": 80.0}, "size": 1000, "input_size": 1000}, exact), "REGRESSED")

    def test_a_documented_refusal_must_be_an_error_with_the_documented_message(self):
        refused = {"outcome": "refused", "reason": "r", "message": "is not supported by pare"}
        self.assertEqual(run.judge({"status": "error", "detail": "pare: error: operator `X` is not supported by pare"}, refused), "refused")
        self.assertEqual(run.judge({"status": "error", "detail": "pare: error: something else"}, refused), "FAIL")
        # A crash or an invalid file is never a refusal, even with the same words.
        self.assertEqual(run.judge({"status": "fail", "detail": "crash: is not supported by pare"}, refused), "FAIL")

    def test_a_documented_failure_stays_expected_only_while_it_fails_the_same_way(self):
        known = {"outcome": "fail", "reason": "r", "message": "two nodes with same node name"}
        self.assertEqual(run.judge({"status": "fail", "detail": "onnxruntime cannot load it: two nodes with same node name (a)"}, known), "xfail")
        self.assertEqual(run.judge({"status": "fail", "detail": "larger than the input"}, known), "FAIL")

    def test_a_documented_cell_that_passes_now_is_an_improvement_to_record(self):
        for outcome in ("refused", "fail"):
            self.assertEqual(run.judge({"status": "ok"}, {"outcome": outcome, "reason": "r", "message": "m"}), "IMPROVED")
        self.assertIn("IMPROVED", run.STOPS)
        self.assertIn("REGRESSED", run.STOPS)


class HelpersTest(unittest.TestCase):
    def test_run_output_file_names_follow_pare_run(self):
        self.assertEqual(run.output_files(["logits", "save_infer_model/scale_0.tmp_1", "StatefulPartitionedCall:0"]),
                         ["logits.npy", "save_infer_model_scale_0.tmp_1.npy", "StatefulPartitionedCall_0.npy"])
        self.assertEqual(run.output_files(["a:b", "a/b", "A_B"]), ["a_b.npy", "a_b_1.npy", "A_B_2.npy"])

    def test_sqnr(self):
        ref = [np.array([1.0, -1.0, 2.0])]
        self.assertEqual(run.sqnr_db(ref, ref), math.inf)
        self.assertAlmostEqual(run.sqnr_db(ref, [np.array([1.1, -1.0, 2.0])]), 10 * math.log10(6 / 0.01), places=6)

    def test_zipmap_outputs_become_arrays(self):
        got = run.as_array([{1: 0.25, 0: 0.75}, {0: 0.5, 1: 0.5}])
        np.testing.assert_array_equal(got, [[0.75, 0.25], [0.5, 0.5]])


class CorpusFilesTest(unittest.TestCase):
    def test_models_json_is_pinned_and_expected_json_names_known_cells(self):
        corpus = json.loads(MODELS_JSON.read_text())
        ids = [m["id"] for m in corpus["models"]]
        self.assertEqual(len(ids), len(set(ids)), "model ids are unique")
        self.assertGreaterEqual(len(ids), 30)
        for m in corpus["models"] + corpus["assets"]:
            self.assertRegex(m["sha256"], r"^[0-9a-f]{64}$")
            self.assertIn(m["registry"], ("pypi", "npm"))
        self.assertTrue(set(corpus["ci_subset"]) <= set(ids))
        expected = json.loads(EXPECTED_JSON.read_text())["cells"]
        keys = [(e["model"], e["cell"]) for e in expected]
        self.assertEqual(len(keys), len(set(keys)), "one entry per cell")
        for e in expected:
            self.assertIn(e["model"], ids)
            self.assertIn(e["cell"], run.COLUMNS)
            self.assertIn(e["outcome"], ("ok", "refused", "fail"))
            if e["outcome"] != "ok":
                self.assertTrue(e["reason"] and e["message"])
                self.assertNotIn("UNCLASSIFIED", e["reason"], "every failure has a reason")
        # The ratchet covers every cell of every model; a selective cell (run.py SELECTIVE) at
        # least the CI subset, the models make test runs it on.
        # Measurement cells (run.py MEASURED) are never recorded.
        self.assertFalse({k for k in keys if k[1] in run.MEASURED}, "measurement cells are not recorded")
        everywhere = [c for c in run.COLUMNS if c not in run.SELECTIVE and c not in run.MEASURED]
        self.assertEqual({k for k in keys if k[1] not in run.SELECTIVE}, {(i, c) for i in ids for c in everywhere})
        for c in run.SELECTIVE:
            self.assertTrue({(i, c) for i in corpus["ci_subset"]} <= set(keys), f"{c} is recorded for every CI model")


if __name__ == "__main__":
    unittest.main()
