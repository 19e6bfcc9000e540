"""scripts/corpus/vs_ort.py's claim check (issue 12), without models, pare or onnxruntime's
quantizer: which models each claim applies to and which are exceptions."""
import math
import pathlib
import sys
import unittest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "corpus"))

import vs_ort  # noqa: E402


def ok(*sqnr):
    return {"status": "ok", "sqnr_db": {f"y{i}": v for i, v in enumerate(sqnr)}, "size": 30, "input_size": 100}


FAILED = {"status": "fail", "detail": "onnxruntime: RuntimeError: boom"}


def row(mid, minmax, entropy, default, target=None):
    cells = {"ort MinMax": minmax, "ort Entropy": entropy, "pare default": default}
    if target is not None:
        cells["pare target"] = target
    return {"id": mid, "cells": cells}


class ReduceRangeTest(unittest.TestCase):
    def test_the_reduce_range_run_counts_as_onnxruntimes_best_when_it_is_better(self):
        cells = {"ort MinMax": ok(6.0), "ort Entropy": ok(6.0), "ort MinMax_rr": ok(21.0), "pare default": ok(20.0)}
        self.assertEqual(vs_ort.ort_best(cells), 21.0)
        self.assertEqual(vs_ort.claims([{"id": "avx2", "cells": cells}])["default"]["exceptions"], [("avx2", 20.0, 21.0)])


class ClaimsTest(unittest.TestCase):
    def test_pare_default_is_compared_with_the_better_onnxruntime_method_on_the_lowest_output(self):
        result = vs_ort.claims([
            row("wins", ok(12.0), ok(14.0), ok(14.5, 30.0)),
            row("loses_to_entropy", ok(12.0), ok(20.0, 25.0), ok(40.0, 18.0)),
        ])
        self.assertEqual(result["default"]["models"], ["wins", "loses_to_entropy"])
        self.assertEqual(result["default"]["exceptions"], [("loses_to_entropy", 18.0, 20.0)])

    def test_a_failed_onnxruntime_method_is_left_out_and_a_model_where_both_fail_is_listed_apart(self):
        result = vs_ort.claims([
            row("entropy_fails", ok(10.0), FAILED, ok(11.0), ok(21.0)),
            row("both_fail", FAILED, FAILED, ok(5.0), ok(25.0)),
        ])
        self.assertEqual(result["default"]["models"], ["entropy_fails"])
        self.assertEqual(result["default"]["exceptions"], [])
        self.assertEqual(result["target"]["exceptions"], [])
        self.assertEqual(result["ort_fails"], ["both_fail"])

    def test_a_failed_pare_default_is_not_a_model_where_both_run(self):
        result = vs_ort.claims([row("pare_fails", ok(10.0), ok(11.0), FAILED)])
        self.assertEqual(result["default"]["models"], [])

    def test_the_target_must_beat_onnxruntime_by_ten_db_only_where_onnxruntime_is_below_fifteen(self):
        result = vs_ort.claims([
            row("low_met", ok(4.0), ok(6.0), ok(7.0), ok(16.0)),
            row("low_missed", ok(4.0), ok(9.5), ok(9.5), ok(19.4)),
            row("high", ok(15.0), ok(14.0), ok(16.0), ok(20.0)),
            row("target_failed", ok(3.0), ok(3.0), ok(3.0), {"status": "fail", "detail": "timeout after 600 s"}),
            row("no_target_run", ok(3.0), ok(3.0), ok(3.0)),
        ])
        self.assertEqual(result["target"]["models"], ["low_met", "low_missed", "target_failed"])
        self.assertEqual(result["target"]["exceptions"], [("low_missed", 19.4, 9.5), ("target_failed", None, 3.0)])

    def test_an_exact_model_counts_as_infinitely_good_and_the_summary_names_every_exception(self):
        result = vs_ort.claims([
            row("exact", ok(math.inf), ok(50.0), ok(math.inf)),
            row("worse", ok(20.0), ok(21.0), ok(19.0)),
        ])
        self.assertEqual(result["default"]["exceptions"], [("worse", 19.0, 21.0)])
        lines = vs_ort.summary(result)
        self.assertIn("1 of 2 models hold", lines[0])
        self.assertIn("worse (19.00 dB vs onnxruntime 21.00 dB)", lines[0])
        self.assertIn("0 of 0 models hold", lines[1])


    def test_an_onnxruntime_file_that_quantized_nothing_is_not_a_quantizer_to_compare_with(self):
        nothing = dict(ok(math.inf), notes=[vs_ort.NOTHING])
        result = vs_ort.claims([
            row("only_nothing", nothing, FAILED, ok(35.0), ok(35.0)),
            row("one_quantized", nothing, ok(12.0), ok(13.0), ok(23.0)),
        ])
        self.assertEqual(result["ort_nothing"], ["only_nothing"])
        self.assertEqual(result["default"]["models"], ["one_quantized"])
        self.assertEqual(result["default"]["exceptions"], [])
        self.assertEqual(result["target"]["models"], ["one_quantized"])


class QuantizesAnythingTest(unittest.TestCase):
    def test_a_dequantize_node_counts_also_inside_a_subgraph(self):
        import tempfile

        import onnx
        from onnx import TensorProto, helper

        def model(op):
            x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])
            y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])
            branch = helper.make_graph([helper.make_node(op, ["x"], ["b"])], "branch", [],
                                       [helper.make_tensor_value_info("b", TensorProto.FLOAT, [1])])
            cond = helper.make_tensor("c", TensorProto.BOOL, [], [True])
            node = helper.make_node("If", ["c"], ["y"], then_branch=branch, else_branch=branch)
            return helper.make_model(helper.make_graph([node], "g", [x], [y], [cond]))

        with tempfile.TemporaryDirectory() as folder:
            for op, expected in (("DequantizeLinear", True), ("Relu", False)):
                path = pathlib.Path(folder) / f"{op}.onnx"
                onnx.save(model(op), str(path))
                self.assertEqual(vs_ort.quantizes_anything(path), expected, op)


class FirstLineTest(unittest.TestCase):
    def test_the_exception_line_of_a_traceback_is_the_message(self):
        stderr = "WARNING: something\nTraceback (most recent call last):\n  File \"x.py\", line 3, in f\n    g()\nValueError: bad axis\n"
        self.assertEqual(vs_ort.first_line(stderr), "ValueError: bad axis")


if __name__ == "__main__":
    unittest.main()
