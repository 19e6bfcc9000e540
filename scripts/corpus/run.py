"""Runs pare's CLI on every corpus model the way a newcomer would, with onnxruntime as reference.

Usage: run.py --pare PATH/TO/pare [--only ID,ID…] [--ci] [--cells CELL,CELL…] [--out DIR] [--keep] [--started EPOCH]

Needs scripts/corpus/fetch.py and inputs.py to have run (the make targets do). Per model:
  inspect             `pare inspect M`
  run                 `pare run M --input NAME=FILE.npy… --out DIR` on held-out samples; each output
                      against onnxruntime (max abs diff; must be within 1e-3 of max(1, max |ref|))
  int8-weights        `pare compress M -o O --quantize int8-weights`
  int8-static         `pare compress M -o O --quantize int8 --calib CALIB.npz`
  int8-target20       the same with `--min-sqnr 20` (issue 12's quality target); only on the models
                      recorded for it (the CI subset), or all selected ones with --cells int8-target20
  int8-dynamic        `pare compress M -o O --quantize int8-dynamic`
  prune-unstructured  `pare compress M -o O --prune unstructured:0.5`
  prune-filter        `pare compress M -o O --prune filter:0.25`
No other flag: defaults only, no calibration data for the prune steps. Every written file must
pass onnx.checker.check_model(full_check=True), load and run in onnxruntime on the held-out
inputs with finite outputs wherever the original's are finite, and be no larger than the input;
the SQNR (dB) of each output against the original model, both run in onnxruntime, is recorded.

tests/corpus/expected.json is the ratchet: it records every cell's outcome (ok, refused = pare
stopped with a clear, documented error, fail = a known bug) with its reason, and for ok compress
cells the lowest SQNR and the size ratio. A cell is then
  ok / refused / xfail   as recorded (xfail: still failing the documented way);
  FAIL        a crash, timeout, undocumented error, invalid or larger file, onnxruntime cannot
              load or run it, non-finite outputs, run output different from onnxruntime — where
              expected.json says ok, or fails otherwise than documented, or has no entry;
  REGRESSED   ok, but its SQNR is more than SQNR_SLACK_DB below, or its size ratio more than
              SIZE_SLACK above, the recorded one;
  IMPROVED    recorded as refused/fail and passes now.
The last three stop the run: record an intended change with `tables.py record-expected`.

Writes DIR/results.json and DIR/results.md (default target/corpus) and exits non-zero on any
FAIL, REGRESSED or IMPROVED cell.
"""
import argparse
import json
import math
import os
import pathlib
import re
import shutil
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from common import EXPECTED_JSON, ROOT, inputs_dir, load_corpus, model_path, select  # noqa: E402

RECIPES = [
    ("int8-weights", ["--quantize", "int8-weights"]),
    ("int8-static", ["--quantize", "int8", "--calib", "{calib}"]),
    ("int8-target20", ["--quantize", "int8", "--calib", "{calib}", "--min-sqnr", "20"]),
    ("int8-dynamic", ["--quantize", "int8-dynamic"]),
    ("prune-unstructured", ["--prune", "unstructured:0.5"]),
    ("prune-filter", ["--prune", "filter:0.25"]),
    ("prune-unstructured-calib", ["--prune", "unstructured:0.5", "--calib", "{calib}"]),
    ("prune-filter-calib", ["--prune", "filter:0.25", "--calib", "{calib}"]),
    # The same with channels chosen by reconstruction error (issue 12 item 5; opt-in).
    ("prune-filter-calib-recon", ["--recipe", str(ROOT / "scripts/corpus/recipes/prune_filter_reconstruction.json"), "--calib", "{calib}"]),
    ("kmeans16", ["--quantize", "kmeans:16"]),
]
COLUMNS = ["inspect", "run"] + [name for name, _ in RECIPES]
# Cells that run only on the models recorded for them in expected.json (or when --cells names
# them): the quality-target search measures many models and takes minutes on the detectors.
SELECTIVE = {"int8-target20"}
# Cells that run only when --cells names them and are never recorded: measurements for the
# README (pruning with calibration, least-squares correction by default, on the corpus CNNs;
# k-means 16 with its uint4 indices at opset 21 on every model).
MEASURED = {"prune-unstructured-calib", "prune-filter-calib", "prune-filter-calib-recon", "kmeans16"}
TIMEOUT_INSPECT = 300
TIMEOUT_RUN = 300
TIMEOUT_COMPRESS = 1200
RUN_SAMPLES = 2  # held-out samples `pare run` is checked on (one process per sample)
RUN_TOLERANCE = 1e-3


def ort_session(path, optimize=True):
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    if not optimize:
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


QUANTIZED_OPS = {"DequantizeLinear", "QLinearConv", "QLinearMatMul", "ConvInteger", "MatMulInteger"}


def own_spread(model_file, heldout, reference):
    """For a model that is quantized already: per output, how far onnxruntime's optimized run is
    from its unoptimized one on the samples `pare run` is checked on. Fusing Q/DQ into integer
    kernels moves results by whole quantization steps, so pare may differ from onnxruntime by as
    much as onnxruntime differs from itself. Empty for float models."""
    import onnx

    graph = onnx.load(str(model_file), load_external_data=False).graph
    if not any(n.op_type in QUANTIZED_OPS for n in graph.node):
        return {}
    plain = run_ort(ort_session(model_file, optimize=False), heldout[:RUN_SAMPLES])
    spread = {}
    for fused, unfused in zip(reference, plain):
        for name, value in fused.items():
            d = float(np.max(np.abs(np.asarray(value, np.float64) - np.asarray(unfused[name], np.float64)))) if np.size(value) else 0.0
            spread[name] = max(spread.get(name, 0.0), d)
    return spread


def as_array(value):
    """onnxruntime's output as an array (ZipMap's list of dicts becomes rows of values)."""
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return np.array([[row[k] for k in sorted(row)] for row in value], dtype=np.float64)
    return np.asarray(value)


def samples_of(npz):
    count = len(npz[npz.files[0]])
    return [{k: np.asarray(npz[k][i]) for k in npz.files} for i in range(count)]


def run_ort(session, samples):
    names = [o.name for o in session.get_outputs()]
    return [dict(zip(names, (as_array(v) for v in session.run(None, feeds)))) for feeds in samples]


def sqnr_db(ref, out):
    ref = np.concatenate([np.asarray(r, np.float64).ravel() for r in ref])
    out = np.concatenate([np.asarray(o, np.float64).ravel() for o in out])
    noise = np.sum((ref - out) ** 2)
    signal = np.sum(ref ** 2)
    if noise == 0:
        return math.inf
    if signal == 0:
        return -math.inf
    return float(10 * np.log10(signal / noise))


def pare_message(stderr):
    """pare's error line(s): the last non-empty lines of stderr, without progress lines."""
    lines = [l for l in stderr.strip().splitlines() if l.strip() and not l.startswith("pare: step ")]
    return " | ".join(lines[-3:])[:1500]


def call(cmd, timeout):
    started = time.time()
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, "", f"timeout after {timeout} s", time.time() - started
    return p.returncode, p.stdout, p.stderr, time.time() - started


def failed_call(rc, stderr):
    """The cell for a pare command that did not exit 0."""
    if rc is None:
        return {"status": "fail", "detail": stderr}
    if rc == 101 or "panicked" in stderr:
        return {"status": "fail", "detail": f"crash (exit {rc}): {pare_message(stderr)}"}
    if rc < 0:
        return {"status": "fail", "detail": f"killed by signal {-rc}: {pare_message(stderr)}"}
    return {"status": "error", "detail": pare_message(stderr)}


def output_files(names):
    """`pare run --out` file names: characters other than A-Z a-z 0-9 . _ - become _, and names
    that then collide (ignoring case) get _1, _2, … (see `pare run --help`)."""
    seen = {}
    files = []
    for name in names:
        base = re.sub(r"[^A-Za-z0-9._-]", "_", name)
        key = base.lower()
        if key in seen:
            seen[key] += 1
            base = f"{base}_{seen[key]}"
        else:
            seen[key] = 0
        files.append(f"{base}.npy")
    return files


def cell_inspect(pare, model_file):
    rc, _, err, secs = call([pare, "inspect", str(model_file)], TIMEOUT_INSPECT)
    cell = {"status": "ok", "detail": ""} if rc == 0 else failed_call(rc, err)
    cell["seconds"] = round(secs, 2)
    return cell


def cell_run(pare, model_file, heldout, reference, work):
    spread = own_spread(model_file, heldout, reference)
    worst = {}
    started = time.time()
    for i, feeds in enumerate(heldout[:RUN_SAMPLES]):
        folder = work / f"run{i}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        cmd = [pare, "run", str(model_file)]
        for j, (name, value) in enumerate(feeds.items()):
            np.save(folder / f"in{j}.npy", value)
            cmd += ["--input", f"{name}={folder / f'in{j}.npy'}"]
        cmd += ["--out", str(folder / "out")]
        rc, _, err, _ = call(cmd, TIMEOUT_RUN)
        if rc != 0:
            cell = failed_call(rc, err)
            cell["seconds"] = round(time.time() - started, 2)
            return cell
        names = list(reference[i])
        for name, file in zip(names, output_files(names)):
            path = folder / "out" / file
            if not path.exists():
                return {"status": "fail", "detail": f"pare run wrote no {file} for output `{name}`", "seconds": round(time.time() - started, 2)}
            got = np.load(path)
            ref = reference[i][name]
            if got.shape != ref.shape and got.size == ref.size:
                got = got.reshape(ref.shape)
            if got.shape != ref.shape:
                return {"status": "fail", "detail": f"output `{name}`: pare shape {list(got.shape)}, onnxruntime {list(ref.shape)}", "seconds": round(time.time() - started, 2)}
            if not np.all(np.isfinite(got.astype(np.float64))[np.isfinite(ref.astype(np.float64))]):
                return {"status": "fail", "detail": f"output `{name}`: non-finite values where onnxruntime's are finite", "seconds": round(time.time() - started, 2)}
            diff = float(np.max(np.abs(got.astype(np.float64) - ref.astype(np.float64)))) if ref.size else 0.0
            scale = max(1.0, float(np.max(np.abs(ref)))) if ref.size else 1.0
            prev = worst.get(name, (0.0, scale))
            worst[name] = (max(prev[0], diff), max(prev[1], scale))
    cell = {"status": "ok", "max_abs_diff": {k: v[0] for k, v in worst.items()}, "seconds": round(time.time() - started, 2)}
    bad = {k: v for k, v in worst.items() if v[0] > max(RUN_TOLERANCE * v[1], spread.get(k, 0.0))}
    if bad:
        name, (diff, scale) = max(bad.items(), key=lambda kv: kv[1][0] / kv[1][1])
        cell["status"] = "fail"
        own = f"; onnxruntime optimized vs unoptimized: {spread[name]:.3g}" if name in spread else ""
        cell["detail"] = f"output `{name}` differs from onnxruntime by {diff:.3g} (max |ref| {scale:.3g}{own})"
    else:
        cell["detail"] = "max abs diff " + ", ".join(f"{k}: {v[0]:.2g}" for k, v in worst.items())
        if spread:
            cell["detail"] += " (quantized model: onnxruntime optimized vs unoptimized differ by " + ", ".join(f"{k}: {v:.2g}" for k, v in spread.items()) + ")"
    return cell


def check_written(out_file, model_file, heldout, reference):
    """Checks a file pare compress wrote; returns (status, detail, extra)."""
    extra = {"size": out_file.stat().st_size, "input_size": model_file.stat().st_size}
    complaint = checker_complaint(out_file)
    if complaint:
        return "fail", complaint, extra
    status, detail = measure_outputs(out_file, heldout, reference, extra)
    if status != "ok":
        return status, detail, extra
    if extra["size"] > extra["input_size"]:
        return "fail", f"larger than the input: {extra['input_size']} → {extra['size']} bytes ({extra['size'] / extra['input_size']:.2f}×)", extra
    return "ok", "", extra


def checker_complaint(out_file):
    """onnx.checker.check_model(full_check=True)'s complaint about a file, or None."""
    import onnx

    try:
        onnx.checker.check_model(str(out_file), full_check=True)
    except Exception as e:  # noqa: BLE001 - any checker complaint is the finding
        return f"onnx.checker full_check: {str(e).strip().splitlines()[0][:400]}"
    return None


def measure_outputs(out_file, heldout, reference, extra):
    """Runs a written model in onnxruntime on the held-out samples: (status, detail), with the SQNR
    of each output against the original's (reference) in extra["sqnr_db"] when all are finite
    where the original's are."""
    try:
        session = ort_session(out_file)
    except Exception as e:  # noqa: BLE001
        return "fail", f"onnxruntime cannot load it: {str(e).strip()[:400]}"
    try:
        outputs = run_ort(session, heldout)
    except Exception as e:  # noqa: BLE001
        return "fail", f"onnxruntime cannot run it: {str(e).strip()[:400]}"
    sqnr = {}
    for name in reference[0]:
        if name not in outputs[0]:
            return "fail", f"output `{name}` is missing"
        refs = [r[name] for r in reference]
        outs = [o[name] for o in outputs]
        for r, o in zip(refs, outs):
            if np.asarray(o).shape != np.asarray(r).shape:
                return "fail", f"output `{name}` has shape {list(np.shape(o))}, the original {list(np.shape(r))}"
            finite = np.isfinite(np.asarray(r, np.float64))
            if not np.all(np.isfinite(np.asarray(o, np.float64))[finite]):
                return "fail", f"output `{name}` has non-finite values where the original's are finite"
        sqnr[name] = sqnr_db(refs, outs)
    extra["sqnr_db"] = sqnr
    return "ok", ""


def cell_compress(pare, model_file, flags, calib, heldout, reference, work):
    out_file = work / "out.onnx"
    out_file.unlink(missing_ok=True)
    cmd = [pare, "compress", str(model_file), "-o", str(out_file)] + [f.format(calib=calib) for f in flags]
    rc, _, err, secs = call(cmd, TIMEOUT_COMPRESS)
    if rc != 0:
        cell = failed_call(rc, err)
        if out_file.exists():
            cell.setdefault("notes", []).append("a file was written although the command failed")
        cell["seconds"] = round(secs, 2)
        out_file.unlink(missing_ok=True)
        return cell
    if not out_file.exists():
        return {"status": "fail", "detail": "exit 0 but no file written", "seconds": round(secs, 2)}
    status, detail, extra = check_written(out_file, model_file, heldout, reference)
    cell = {"status": status, "detail": detail, "seconds": round(secs, 2), **extra}
    warnings = [l.strip() for l in err.splitlines() if "warning" in l.lower()]
    if warnings:
        cell["warnings"] = warnings[:5]
    return cell


def load_expected():
    if not EXPECTED_JSON.exists():
        return {}
    doc = json.loads(EXPECTED_JSON.read_text())
    return {(e["model"], e["cell"]): e for e in doc["cells"]}


SQNR_SLACK_DB = 1.0  # an ok cell whose lowest SQNR drops more than this below expected.json regressed
SIZE_SLACK = 0.005  # … or whose size ratio grows more than this


def worst_sqnr(cell):
    """The lowest SQNR over a compress cell's outputs (inf: exact), or None for inspect/run."""
    if "sqnr_db" not in cell:
        return None
    return min(cell["sqnr_db"].values(), default=math.inf)


def size_ratio(cell):
    return cell["size"] / cell["input_size"] if "size" in cell and cell.get("input_size") else None


def judge(cell, expected):
    """Final outcome of a cell against tests/corpus/expected.json, the ratchet of every cell:
    ok, refused / xfail (documented), or one that stops the run: FAIL (a cell expected ok fails,
    or fails otherwise than documented, or is not in expected.json), REGRESSED (ok, but its
    SQNR or size ratio is worse than recorded) or IMPROVED (a documented cell passes now:
    update expected.json)."""
    if expected is None:
        return "FAIL"
    if cell["status"] == "ok":
        if expected["outcome"] != "ok":
            return "IMPROVED"
        sqnr, want = worst_sqnr(cell), expected.get("sqnr_db")
        if want is not None and sqnr is not None:
            want = math.inf if want == "inf" else -math.inf if want == "-inf" else want
            if sqnr < want - SQNR_SLACK_DB:
                return "REGRESSED"
        ratio, want = size_ratio(cell), expected.get("size_ratio")
        if want is not None and ratio is not None and ratio > want + SIZE_SLACK:
            return "REGRESSED"
        return "ok"
    if expected["outcome"] == "ok":
        return "FAIL"
    matches = expected["message"] in cell.get("detail", "")
    if expected["outcome"] == "refused":
        return "refused" if cell["status"] == "error" and matches else "FAIL"
    return "xfail" if matches else "FAIL"


STOPS = ("FAIL", "REGRESSED", "IMPROVED")  # outcomes that make the run exit non-zero


def short(text, n=90):
    text = text.replace("|", "/").replace("\n", " ")
    return text if len(text) <= n else text[: n - 1] + "…"


def cell_text(cell):
    outcome = cell["outcome"]
    if outcome == "ok":
        if "sqnr_db" in cell:
            worst = min(cell["sqnr_db"].values()) if cell["sqnr_db"] else math.inf
            size = f" {cell['size'] / cell['input_size']:.2f}×"
            return ("exact" if worst == math.inf else f"{worst:.1f} dB") + size
        if "max_abs_diff" in cell:
            return f"ok ({max(cell['max_abs_diff'].values(), default=0):.1e})"
        return "ok"
    if outcome == "refused":
        return "refused: " + short(cell["reason"], 60)
    if outcome == "xfail":
        return "xfail: " + short(cell["reason"], 60)
    if outcome == "IMPROVED":
        return "IMPROVED (passes now: update expected.json)"
    if outcome == "REGRESSED":
        return "**REGRESSED**: " + short(cell.get("detail", ""))
    return "**FAIL**: " + short(cell.get("detail", ""))


def markdown(results, total_seconds, pare):
    lines = [
        "# pare on the real-model corpus",
        "",
        f"pare binary: `{pare}`; {len(results)} models; {total_seconds / 60:.1f} min. Cells: `run` = max abs diff "
        "against onnxruntime; compress cells = the lowest SQNR over the outputs (both models run in onnxruntime "
        "on held-out inputs) and the size ratio; refused / xfail = documented in tests/corpus/expected.json.",
        "",
        "| model | framework | opset | " + " | ".join(COLUMNS) + " |",
        "|---|---|---|" + "---|" * len(COLUMNS),
    ]
    for r in results:
        cells = [cell_text(r["cells"][c]) if c in r["cells"] else "" for c in COLUMNS]
        lines.append(f"| {r['id']} | {r['framework']} | {r['opset']} | " + " | ".join(cells) + " |")
    counts = {}
    for r in results:
        for c in r["cells"]:
            counts[r["cells"][c]["outcome"]] = counts.get(r["cells"][c]["outcome"], 0) + 1
    lines += ["", "Outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())), ""]
    fails = [(r["id"], c, r["cells"][c]) for r in results for c in COLUMNS if c in r["cells"] and r["cells"][c]["outcome"] in ("FAIL", "xfail") + STOPS]
    if fails:
        lines += ["## Failures (FAIL, xfail, REGRESSED, IMPROVED) with the full message", ""]
        for mid, col, cell in fails:
            lines.append(f"- `{mid}` / {col} ({cell['outcome']}): {cell.get('detail', '')}")
        lines.append("")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pare", required=True, help="the pare binary to test")
    parser.add_argument("--only", help="comma-separated model ids")
    parser.add_argument("--ci", action="store_true", help="only the CI subset (models.json ci_subset)")
    parser.add_argument("--out", default=str(ROOT / "target" / "corpus"), help="where results.json/.md go")
    parser.add_argument("--started", type=float, help="when the make target started (epoch seconds): its time goes into results.json")
    parser.add_argument("--cells", help="comma-separated cells to run (default: all of " + ", ".join(COLUMNS) + ")")
    parser.add_argument("--keep", action="store_true", help="keep the written files (DIR/work/<id>/<cell>/)")
    args = parser.parse_args()
    pare = str(pathlib.Path(args.pare).resolve())
    if not os.access(pare, os.X_OK):
        raise SystemExit(f"run: {pare} is not an executable")
    corpus = load_corpus()
    models = select(corpus["models"], args.only, corpus["ci_subset"] if args.ci else None)
    expected = load_expected()
    columns = COLUMNS if not args.cells else [c for c in COLUMNS if c in args.cells.split(",")]
    if args.cells and len(columns) != len(args.cells.split(",")):
        raise SystemExit(f"run: --cells names an unknown cell; cells: {', '.join(COLUMNS)}")
    out_dir = pathlib.Path(args.out)
    work_root = out_dir / "work"
    started = time.time()
    results = []
    for n, model in enumerate(models, 1):
        mid = model["id"]
        model_file = model_path(mid)
        calib = inputs_dir(mid) / "calib.npz"
        if not model_file.exists() or not calib.exists():
            raise SystemExit(f"run: {mid} is not fetched or has no inputs: run scripts/corpus/fetch.py and inputs.py first")
        heldout = samples_of(np.load(inputs_dir(mid) / "heldout.npz"))
        reference = run_ort(ort_session(model_file), heldout)
        work = work_root / mid
        shutil.rmtree(work, ignore_errors=True)
        cells = {}
        if "inspect" in columns:
            cells["inspect"] = cell_inspect(pare, model_file)
        if "run" in columns:
            cells["run"] = cell_run(pare, model_file, heldout, reference, work / "run")
        for name, flags in RECIPES:
            if name not in columns:
                continue
            named = bool(args.cells) and name in args.cells.split(",")
            if (name in SELECTIVE and (mid, name) not in expected and not named) or (name in MEASURED and not named):
                continue
            folder = work / name
            folder.mkdir(parents=True, exist_ok=True)
            cells[name] = cell_compress(pare, model_file, flags, calib, heldout, reference, folder)
            if args.keep and (folder / "out.onnx").exists():
                continue
            (folder / "out.onnx").unlink(missing_ok=True)
        for col, cell in cells.items():
            exp = expected.get((mid, col))
            cell["outcome"] = judge(cell, exp)
            if col in MEASURED:
                cell["outcome"] = "measured" if cell["status"] == "ok" or worst_sqnr(cell) is not None else cell["outcome"]
            elif exp is None:
                cell["detail"] = "not recorded in tests/corpus/expected.json" + (f": {cell['detail']}" if cell.get("detail") else "")
            if exp is not None and exp.get("reason"):
                cell["reason"] = exp["reason"]
            if cell["outcome"] == "REGRESSED":
                cell["detail"] = (f"SQNR {worst_sqnr(cell):.1f} dB (recorded {exp.get('sqnr_db')}), "
                                  f"size ratio {size_ratio(cell):.3f} (recorded {exp.get('size_ratio')})")
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
        row = {k: model[k] for k in ("id", "registry", "package", "version", "framework", "opset", "kind", "dims", "size")}
        row["cells"] = cells
        results.append(row)
        summary = " ".join(f"{c}={cells[c]['outcome']}" for c in columns if c in cells)
        print(f"[{n}/{len(models)}] {mid} ({time.time() - started:.0f} s): {summary}", flush=True)
        for c in cells:
            if cells[c]["outcome"] in STOPS:
                print(f"    {c}: {cells[c]['outcome']}: {cells[c].get('detail', '')}", flush=True)
    ran = {r["id"] for r in results}
    unknown = [k for k in expected if k[0] not in {m["id"] for m in corpus["models"]} or k[1] not in COLUMNS]
    total = time.time() - started
    out_dir.mkdir(parents=True, exist_ok=True)

    def finite(x):
        if isinstance(x, float) and not math.isfinite(x):
            return "inf" if x > 0 else "-inf"
        if isinstance(x, dict):
            return {k: finite(v) for k, v in x.items()}
        if isinstance(x, list):
            return [finite(v) for v in x]
        return x

    (out_dir / "results.json").write_text(json.dumps(finite({"pare": pare, "seconds": round(total, 1), **({"make_seconds": round(time.time() - args.started, 1)} if args.started else {}), "models": results}), indent=1) + "\n")
    (out_dir / "results.md").write_text(markdown(results, total, pare))
    bad = [(r["id"], c, r["cells"][c]["outcome"]) for r in results for c in r["cells"] if r["cells"][c]["outcome"] in STOPS]
    counts = {}
    for r in results:
        for c in r["cells"]:
            counts[r["cells"][c]["outcome"]] = counts.get(r["cells"][c]["outcome"], 0) + 1
    print(f"corpus: {len(results)} models × {len(columns)} cells in {total / 60:.1f} min: "
          + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) + f"; table in {out_dir / 'results.md'}")
    if unknown:
        print(f"corpus: expected.json names unknown models or cells: {unknown}")
    if bad or unknown:
        for mid, col, outcome in bad:
            print(f"corpus: {outcome}: {mid} / {col}")
        print("corpus: if these changes are intended, record them: .venv/bin/python scripts/corpus/tables.py "
              f"record-expected {out_dir / 'results.json'} (then review the diff of tests/corpus/expected.json)")
        sys.exit(1)
    del ran


if __name__ == "__main__":
    main()
