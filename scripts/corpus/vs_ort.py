"""pare's static INT8 against onnxruntime's quantize_static on the real-model corpus (issue 12).

Usage: vs_ort.py --pare PATH/TO/pare [--only ID,ID…] [--ci] [--out DIR] [--timeout S] [--skip-target]
       vs_ort.py --table RUN.json… [--out DIR]   (one table from several runs' vs_ort.json: a model
                                                 takes its row from the first run that has it)

Needs scripts/corpus/fetch.py and inputs.py to have run. Models: those named by --only, else the
CI subset with --ci, else all; of these, the ones whose int8-static cell is ok in
tests/corpus/expected.json (the others are listed as skipped). Per model, four quantized models:
  ort MinMax    onnxruntime.quantization.quantize_static with QuantFormat.QDQ, per_channel=True,
                calibrate_method=MinMax and onnxruntime's own defaults for everything else:
                activation_type and weight_type QInt8 (int8 activations and weights, S8S8, the
                default of onnxruntime 1.32 for QDQ), reduce_range False, every quantizable op
                type. The model is first run through onnxruntime's documented pre-processing step,
                onnxruntime.quantization.shape_inference.quant_pre_process (symbolic shape
                inference, optimization, ONNX shape inference); where that step fails, the
                original model is quantized and the cell notes it. The calibration data reader
                yields the model's CACHE/inputs/<id>/calib.npz, one sample at a time.
  ort MinMax_rr the same as MinMax with reduce_range=True (7-bit weights): onnxruntime's documented
                remedy where its x86 u8·s8 kernels saturate int16 (CPUs without VNNI, e.g. AVX2),
                and what pare does by default for static INT8.
  ort Entropy   the same with calibrate_method=Entropy. quantize_static gives its entropy
                calibrator 128 histogram bins and 128 quantized bins (extra_options cannot change
                them), so the KL search has one candidate, the full range, unless a later sample
                widens the histogram: mostly it equals MinMax.
  For an opset < 13 model onnxruntime writes per-channel DequantizeLinear nodes (axis) that
  opset does not have, and then cannot load the file; there the model is converted to opset 13
  with onnx.version_converter (what quantize_static does itself for opset < 10) and quantized
  again, and the cell is tagged [opset 13].
  pare default  `pare compress M -o O --quantize int8 --calib calib.npz` (run.py's int8-static).
  pare target   the same with `--min-sqnr 20` (run.py's int8-target20; --skip-target leaves it out).
Each runs in its own process with a timeout (--timeout, default 600 s). Every written file is
measured as run.py measures a compress cell (run.measure_outputs: runs in onnxruntime with
finite outputs where the float model's are finite; SQNR of each output against the float model,
both run in onnxruntime on the 8 held-out samples of heldout.npz, never used for calibration);
a cell shows the lowest output SQNR and the size ratio. pare's files must also pass
onnx.checker's full check and be no larger than the float model (run.check_written); for
onnxruntime's these are only noted, tagged [checker rejects] / [larger]. A failure (exception,
crash, timeout, a file onnxruntime cannot load or run, non-finite outputs) is the cell's value.

Then the two claims of issue 12 are checked (claims() below):
  1. pare's default ≥ onnxruntime's best (max of MinMax and Entropy) on every model where both run;
  2. `--min-sqnr 20` ≥ onnxruntime's best + 10 dB on every model where onnxruntime's best is below
     15 dB (a model where neither onnxruntime method runs is listed, not counted);
with every exception listed.

Writes DIR/vs_ort.json and DIR/vs_ort.md (default target/vs_ort) and prints the table and the
summary. Exits 0 whatever the claims' outcome (the table is the finding).
"""
import argparse
import json
import math
import os
import pathlib
import shutil
import sys
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import run  # noqa: E402
from common import ROOT, inputs_dir, load_corpus, model_path, select  # noqa: E402

# "MinMax_rr": MinMax with reduce_range=True (7-bit weights), onnxruntime's documented remedy for
# the int16 saturation of its u8·s8 kernels on x86 CPUs without VNNI (AVX2).
ORT_METHODS = ["MinMax", "Entropy", "MinMax_rr"]
ORT_COLUMNS = [f"ort {m}" for m in ORT_METHODS]
COLUMNS = ORT_COLUMNS + ["pare default", "pare target"]
PARE_RECIPES = {"pare default": "int8-static", "pare target": "int8-target20"}
TARGET_DB = 20.0
MARGIN_DB = 10.0  # claim 2: the target must beat onnxruntime by this much …
LOW_DB = 15.0  # … where onnxruntime's best is below this


# --- onnxruntime's quantizer, in a child process (it can crash, or take long) -------------------

def ort_child(model, out, calib, method, preprocessed, upgrade):
    """Runs in the child: pre-process (once per model) or quantize. Prints one JSON line."""
    from onnxruntime.quantization import CalibrationDataReader, CalibrationMethod, QuantFormat, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    # Both write temporary files into the current folder: keep them in the model's work folder.
    model, out, calib = (str(pathlib.Path(p).resolve()) for p in (model, out, calib))
    preprocessed = preprocessed and str(pathlib.Path(preprocessed).resolve())
    os.chdir(pathlib.Path(out).parent)
    if method == "preprocess":
        quant_pre_process(model, out)
        print(json.dumps({"ok": True}))
        return

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.samples = iter(run.samples_of(np.load(calib)))

        def get_next(self):
            return next(self.samples, None)

    reduce_range = method.endswith("_rr")
    method = method.removesuffix("_rr")
    source = preprocessed or model
    if upgrade:
        # What onnxruntime's quantizer does itself for opset < 10 (and 16-bit, float8, blocks):
        # onnx's version converter, here to opset 13, the first with per-channel DequantizeLinear.
        import onnx

        converted = onnx.version_converter.convert_version(onnx.load(source), 13)
        source = str(pathlib.Path(out).with_suffix(".opset13.onnx"))
        onnx.save(converted, source)
    quantize_static(
        source,
        out,
        Reader(),
        quant_format=QuantFormat.QDQ,
        per_channel=True,
        calibrate_method=getattr(CalibrationMethod, method),
        reduce_range=reduce_range,
        calibration_providers=["CPUExecutionProvider"],
    )
    print(json.dumps({"ok": True}))


def first_line(text):
    lines = [l.strip() for l in text.strip().splitlines() if l.strip()]
    # A Python traceback's last line is the exception; otherwise the first line says it.
    for l in reversed(lines):
        if not l.startswith(("File ", "Traceback", "^", "~")) and ("Error" in l or "Exception" in l or ":" in l):
            return l[:300]
    return (lines[-1] if lines else "no message")[:300]


def ort_step(model, out, calib, method, preprocessed, timeout, upgrade=False):
    """Runs one child step; returns (None, seconds) or (error text, seconds)."""
    cmd = [sys.executable, __file__, "--child", method, str(model), str(out), str(calib), str(preprocessed or ""),
           "opset13" if upgrade else ""]
    rc, stdout, stderr, secs = run.call(cmd, timeout)
    if rc is None:
        return f"timeout after {timeout} s", secs
    if rc != 0:
        reason = first_line(stderr) if rc > 0 else f"killed by signal {-rc}"
        return reason, secs
    if not pathlib.Path(out).exists():
        return "no file written", secs
    return None, secs


NOTHING = "quantized nothing: no QuantizeLinear/DequantizeLinear in the file"


def quantizes_anything(path):
    import onnx

    model = onnx.load(str(path), load_external_data=False)
    graphs, ops = [model.graph], set()
    while graphs:
        graph = graphs.pop()
        for node in graph.node:
            ops.add(node.op_type)
            graphs += [a.g for a in node.attribute if a.HasField("g")] + [g for a in node.attribute for g in a.graphs]
    return bool(ops & {"QuantizeLinear", "DequantizeLinear"})


def measure_ort(out_file, model_file, heldout, reference):
    """An onnxruntime file measured as run.py measures pare's (run.measure_outputs: the same
    run, finiteness check and SQNR), but what pare must also pass is only noted here: a file that
    onnx.checker rejects or that is larger than the float model is still measured if onnxruntime
    runs it."""
    extra = {"size": out_file.stat().st_size, "input_size": model_file.stat().st_size}
    notes = [n for n in [run.checker_complaint(out_file)] if n]
    if not quantizes_anything(out_file):
        notes.append(NOTHING)
    if extra["size"] > extra["input_size"]:
        notes.append("larger than the float model")
    status, detail = run.measure_outputs(out_file, heldout, reference, extra)
    return {"status": status, "detail": detail, "notes": notes, **extra}


def default_opset(model_file):
    import onnx

    model = onnx.load(str(model_file), load_external_data=False)
    return next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), 0)


def ort_attempt(model_file, out, calib, method, pre, heldout, reference, timeout, upgrade):
    out.unlink(missing_ok=True)
    error, secs = ort_step(model_file, out, calib, method, pre if pre.exists() else None, timeout, upgrade)
    if error is not None:
        return {"status": "fail", "detail": f"onnxruntime: {error}"}, secs
    return measure_ort(out, model_file, heldout, reference), secs


def ort_cells(model_file, calib, heldout, reference, work, timeout):
    cells = {}
    pre = work / "preprocessed.onnx"
    error, secs = ort_step(model_file, pre, calib, "preprocess", None, timeout)
    notes = [] if error is None else [f"quant_pre_process failed ({error}); quantized the original model"]
    old_opset = default_opset(model_file) < 13
    for method in ORT_METHODS:
        out = work / f"ort_{method}.onnx"
        cell, secs = ort_attempt(model_file, out, calib, method, pre, heldout, reference, timeout, False)
        if cell["status"] != "ok" and old_opset:
            # onnxruntime writes per-channel DequantizeLinear (axis) into opset 11/12 models, which
            # it then cannot load; a user would convert the model to opset 13 and try again.
            first = cell.get("detail", "")
            cell, more = ort_attempt(model_file, out, calib, method, pre, heldout, reference, timeout, True)
            secs += more
            cell.setdefault("notes", []).insert(0, f"opset {default_opset(model_file)} failed ({run.short(first, 160)}); converted to opset 13")
        cell["seconds"] = round(secs, 2)
        cell["notes"] = notes + cell.get("notes", [])
        cells[f"ort {method}"] = cell
        out.unlink(missing_ok=True)
        out.with_suffix(".opset13.onnx").unlink(missing_ok=True)
    pre.unlink(missing_ok=True)
    return cells


# --- the claims (pure) -----------------------------------------------------------------------------

def lowest(cell):
    """A cell's lowest output SQNR, or None where it did not produce a measured model."""
    if not cell or cell.get("status") != "ok":
        return None
    value = run.worst_sqnr(cell)
    return None if value is None or math.isnan(value) else value


def ort_best(cells):
    """onnxruntime's better method, leaving out a method that failed or quantized nothing (its
    file is the float model: no quantizer to compare with)."""
    cells = [cells.get(c) for c in ORT_COLUMNS]
    values = [lowest(c) for c in cells if c and NOTHING not in c.get("notes", [])]
    values = [v for v in values if v is not None]
    return max(values) if values else None


def claims(rows):
    """Checks issue 12's two claims on rows of {"id", "cells"}; returns a dict with, per claim,
    the models it applies to and the exceptions (model, pare dB or None, onnxruntime's best dB),
    and the models where no onnxruntime method gave a measured model (ort_fails) or where the one
    that ran quantized nothing (ort_nothing): neither claim is judged there."""
    result = {"default": {"models": [], "exceptions": []}, "target": {"models": [], "exceptions": []}, "ort_fails": [],
              "ort_nothing": []}
    for row in rows:
        cells = row["cells"]
        best = ort_best(cells)
        default = lowest(cells.get("pare default"))
        if best is None:
            nothing = any(NOTHING in cells.get(c, {}).get("notes", []) for c in ORT_COLUMNS)
            result["ort_nothing" if nothing else "ort_fails"].append(row["id"])
            continue
        if default is not None:
            result["default"]["models"].append(row["id"])
            if default < best:
                result["default"]["exceptions"].append((row["id"], default, best))
        if best < LOW_DB and "pare target" in cells:
            target = lowest(cells["pare target"])
            result["target"]["models"].append(row["id"])
            if target is None or target < best + MARGIN_DB:
                result["target"]["exceptions"].append((row["id"], target, best))
    return result


def db(value, digits=1):
    return "—" if value is None else "exact" if value == math.inf else f"{value:.{digits}f} dB"


def summary(result):
    def one(name, claim, text):
        n, bad = len(claim["models"]), claim["exceptions"]
        head = f"{name}: {n - len(bad)} of {n} models {text}"
        if bad:
            head += "; exceptions: " + ", ".join(f"{m} ({db(p, 2)} vs onnxruntime {db(o, 2)})" for m, p, o in bad)
        return head

    lines = [
        one("claim 1 (pare default ≥ onnxruntime's best of MinMax/Entropy, where both run)", result["default"], "hold"),
        one(f"claim 2 (--min-sqnr {TARGET_DB:g} ≥ onnxruntime's best + {MARGIN_DB:g} dB, where that is below {LOW_DB:g} dB)",
            result["target"], "hold"),
    ]
    if result["ort_nothing"]:
        lines.append("onnxruntime quantized nothing (its file is the float model; not counted) on: " + ", ".join(result["ort_nothing"]))
    if result["ort_fails"]:
        lines.append("onnxruntime produced no measurable model with either method on: " + ", ".join(result["ort_fails"]))
    return lines


# --- the table ---------------------------------------------------------------------------------------

NOTE_TAGS = [("quantized nothing", "quantized nothing"), ("opset", "opset 13"), ("quant_pre_process", "not pre-processed"), ("onnx.checker", "checker rejects"), ("larger", "larger")]


def cell_text(cell):
    if cell is None:
        return ""
    if cell.get("status") == "ok":
        ratio = run.size_ratio(cell)
        text = db(lowest(cell)) + (f" {ratio:.2f}×" if ratio is not None else "")
        tags = [tag for key, tag in NOTE_TAGS if any(n.startswith(key) for n in cell.get("notes", []))]
        return text + "".join(f" [{t}]" for t in tags)
    return "fails: " + run.short(cell.get("detail", ""), 70)


def markdown(rows, skipped, lines, command, seconds):
    out = [
        "# pare vs onnxruntime quantize_static (QDQ, per-channel, S8S8) on the real-model corpus",
        "",
        f"`{command}`; {len(rows)} models, {seconds / 60:.1f} min. Lowest output SQNR on the 8 held-out samples "
        "(quantized vs float, both run in onnxruntime) and file size vs the float model.",
        "",
        "| model | ort MinMax | ort Entropy | ort MinMax reduce_range | pare default | pare `--min-sqnr 20` |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        out.append(f"| {row['id']} | " + " | ".join(cell_text(row["cells"].get(c)) for c in COLUMNS) + " |")
    out += [""] + [f"- {l}" for l in lines]
    if skipped:
        out.append("- skipped (int8-static not ok in tests/corpus/expected.json): " + ", ".join(skipped))
    failures = [(row["id"], c, row["cells"][c]) for row in rows for c in COLUMNS if c in row["cells"] and row["cells"][c].get("status") != "ok"]
    notes = [(row["id"], c, n) for row in rows for c in COLUMNS if c in row["cells"] for n in row["cells"][c].get("notes", [])]
    if failures or notes:
        out += ["", "Failures and notes:", ""]
        out += [f"- `{m}` / {c}: {cell.get('detail', '')}" for m, c, cell in failures]
        out += [f"- `{m}` / {c}: {n}" for m, c, n in sorted(set(notes))]
    return "\n".join(out) + "\n"


def unfinite(x):
    """finite()'s inverse for the SQNR values read back from vs_ort.json."""
    if x in ("inf", "-inf", "nan"):
        return float(x)
    if isinstance(x, dict):
        return {k: unfinite(v) for k, v in x.items()}
    if isinstance(x, list):
        return [unfinite(v) for v in x]
    return x


def finite(x):
    if isinstance(x, float) and not math.isfinite(x):
        return "nan" if math.isnan(x) else "inf" if x > 0 else "-inf"
    if isinstance(x, dict):
        return {k: finite(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [finite(v) for v in x]
    return x


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        method, model, out, calib, pre, upgrade = sys.argv[2:8]
        ort_child(model, out, calib, method, pre or None, upgrade == "opset13")
        return
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pare", help="the pare binary")
    parser.add_argument("--table", nargs="+", metavar="RUN_JSON", help="only merge earlier runs' vs_ort.json into one table")
    parser.add_argument("--only", help="comma-separated model ids")
    parser.add_argument("--ci", action="store_true", help="only the CI subset (models.json ci_subset)")
    parser.add_argument("--out", default=str(ROOT / "target" / "vs_ort"), help="where vs_ort.json/.md go")
    parser.add_argument("--timeout", type=int, default=600, help="seconds per quantizer run (each onnxruntime method, each pare command)")
    parser.add_argument("--skip-target", action="store_true", help="leave out pare --min-sqnr 20")
    parser.add_argument("--pare-from", nargs="+", metavar="RESULTS_JSON",
                        help="with --table: take the pare columns from later corpus runs (run.py's results.json, its "
                             "int8-static and int8-target20 cells: the same command and measurement); a later file's cells win")
    args = parser.parse_args()
    if args.table:
        runs = [json.loads(pathlib.Path(f).read_text(), parse_constant=float) for f in args.table]
        rows, seen = [], set()
        for doc in runs:
            for row in doc["models"]:
                if row["id"] not in seen:
                    seen.add(row["id"])
                    rows.append(unfinite(row))
        for results in args.pare_from or []:
            newer = {m["id"]: m["cells"] for m in json.loads(pathlib.Path(results).read_text(), parse_constant=float)["models"]}
            for row in rows:
                for column, recipe in PARE_RECIPES.items():
                    cell = newer.get(row["id"], {}).get(recipe)
                    if cell is not None:
                        row["cells"][column] = unfinite({k: v for k, v in cell.items() if k != "outcome"})
        skipped = sorted({m for doc in runs for m in doc["skipped"]} - seen)
        print(write(pathlib.Path(args.out), rows, skipped, runs[0]["pare"], sum(doc["seconds"] for doc in runs), runs))
        return
    if not args.pare:
        parser.error("--pare is required (or --table)")
    pare = str(pathlib.Path(args.pare).resolve())
    if not os.access(pare, os.X_OK):
        raise SystemExit(f"vs_ort: {pare} is not an executable")
    run.TIMEOUT_COMPRESS = args.timeout
    recipes = dict(run.RECIPES)
    corpus = load_corpus()
    expected = run.load_expected()
    models = select(corpus["models"], args.only, corpus["ci_subset"] if args.ci else None)
    if args.only:  # in the order given (e.g. smallest first, so that a run cut short has the most models)
        models.sort(key=lambda m: args.only.split(",").index(m["id"]))
    skipped = [m["id"] for m in models if expected.get((m["id"], "int8-static"), {}).get("outcome") != "ok"]
    models = [m for m in models if m["id"] not in skipped]
    out_dir = pathlib.Path(args.out)
    started = time.time()
    rows, table = [], ""
    for n, model in enumerate(models, 1):
        mid = model["id"]
        model_file, calib = model_path(mid), inputs_dir(mid) / "calib.npz"
        if not model_file.exists() or not calib.exists():
            raise SystemExit(f"vs_ort: {mid} is not fetched or has no inputs: run scripts/corpus/fetch.py and inputs.py first")
        heldout = run.samples_of(np.load(inputs_dir(mid) / "heldout.npz"))
        reference = run.run_ort(run.ort_session(model_file), heldout)
        work = out_dir / "work" / mid
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        cells = ort_cells(model_file, calib, heldout, reference, work, args.timeout)
        for column, recipe in PARE_RECIPES.items():
            if column == "pare target" and args.skip_target:
                continue
            cells[column] = run.cell_compress(pare, model_file, recipes[recipe], calib, heldout, reference, work)
        shutil.rmtree(work, ignore_errors=True)
        rows.append({"id": mid, "cells": cells})
        print(f"[{n}/{len(models)}] {mid} ({time.time() - started:.0f} s): "
              + "; ".join(f"{c} {cell_text(cells.get(c))}" for c in COLUMNS if c in cells), flush=True)
        table = write(out_dir, rows, skipped, pare, time.time() - started)  # after each model: a long run can be cut short
    print(table)


def write(out_dir, rows, skipped, pare, seconds, runs=()):
    result = claims(rows)
    lines = summary(result)
    command = "scripts/corpus/vs_ort.py " + " ".join(a if " " not in a else repr(a) for a in sys.argv[1:])
    if runs:
        command = "`, then `".join([doc["command"] for doc in runs] + [command])
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "vs_ort.json").write_text(json.dumps(finite({
        "command": command, "pare": pare, "seconds": round(seconds, 1), "date": time.strftime("%Y-%m-%d", time.gmtime()),
        "skipped": skipped, "models": rows, "claims": result, "summary": lines}), indent=1) + "\n")
    table = markdown(rows, skipped, lines, command, seconds)
    (out_dir / "vs_ort.md").write_text(table)
    return table


if __name__ == "__main__":
    main()
