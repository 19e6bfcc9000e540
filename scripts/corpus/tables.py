"""Maintenance of the corpus files (not run by the make targets).

  tables.py models
      prints the model table of tests/corpus/models.json as markdown (for tests/corpus/README.md).
  tables.py record-expected RESULTS.json
      records a run's cells in tests/corpus/expected.json (the ratchet; other models' entries
      stay): ok cells with their lowest SQNR and size ratio, the others with their cause's reason
      and the substring of the message that identifies it (see CAUSES; a failure no cause matches
      gets an UNCLASSIFIED entry to review by hand, a cell failing as before keeps its entry).
  tables.py readme FULL_RESULTS.json [CI_RESULTS.json]
      writes the README's "Real-model corpus" table (between its corpus-table markers) from a full
      run (target/corpus/results.json), with the time both make targets took.
"""
import json
import math
import re
import sys
import pathlib

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from common import EXPECTED_JSON, ROOT, load_corpus  # noqa: E402

# (pattern in the cell's detail, outcome, reason, message substring that must stay in the detail)
CAUSES = [
    (r"nothing to quantize: .*dynamic mode covers MatMul and Gemm", "refused",
     "int8-dynamic quantizes MatMul and Gemm only (and stores LSTM/GRU weights int8); this model's layers are convolutions",
     "dynamic mode covers MatMul and Gemm"),
    (r"operator `\w+` \(domain `(ai\.onnx\.ml|com\.microsoft)`\) is not supported by pare", "refused",
     "the model uses operators of another domain that pare does not implement (ai.onnx.ml / com.microsoft contrib ops)",
     "is not supported by pare"),
    (r"(nothing to quantize|nothing to prune): the model is quantized already", "refused",
     "the model is quantized already (QDQ, or ConvInteger/MatMulInteger/DynamicQuantizeLSTM): no float32 weight is left to compress",
     "the model is quantized already"),
    (r"nothing to quantize: the model has no Conv, .* with a constant float32 weight", "refused",
     "no float layer weight to quantize: the model has only ai.onnx.ml operators",
     "with a constant float32 weight"),
    (r"nothing to prune: the model has no Conv, .* with a constant float32 weight", "refused",
     "no layer to prune: the model has only ai.onnx.ml operators",
     "with a constant float32 weight"),
    (r"nothing to prune: the model's \d+ prunable layer\(s\) are its first and last", "refused",
     "the model's only prunable layers are its first and last, which pruning keeps by default (the message says how to prune them: \"keep_first_last\": false)",
     "are its first and last, which pruning keeps by default"),
    (r"the model imports opset 0", "fail",
     "pare bug: a model with no default-domain opset import (ai.onnx.ml only) gets 'needs opset 13 … imports opset 0 … use --per-tensor' instead of a clear 'nothing to quantize'",
     "the model imports opset 0"),
    (r"needs opset 13 or later of the default domain", "fail",
     "per-channel QDQ (the default) on a model below opset 13: pare stops instead of upgrading the opset (issue 11 item 1)",
     "needs opset 13 or later of the default domain"),
    (r"the reference model failed on sample", "fail",
     "compress compares on random samples with every unset dim = 1, the model cannot run at that size, and the whole command fails without output (issue 11 items 2, 3)",
     "the reference model failed on sample"),
    (r"two nodes with same node name", "fail",
     "the written model has two nodes with the same name: onnxruntime refuses to load it (issue 11 item 4)",
     "two nodes with same node name"),
    (r"larger than the input", "fail",
     "the written file is larger than the input (issue 11 item 5)",
     "larger than the input"),
    (r"output `logits` differs from onnxruntime", "fail",
     "a model quantized already (QDQ transformer): pare's integer kernels round differently from onnxruntime at quantization steps, 0.02 on a sigmoid output (0.013 against onnxruntime without fusions)",
     "output `logits` differs from onnxruntime"),
]


def model_table():
    corpus = load_corpus()
    rows = ["| id | package@version (registry) | framework | opset | kind | dims | size |", "|---|---|---|---|---|---|---|"]
    for m in corpus["models"]:
        dims = "; ".join(f"{i['name']} {i['dtype']} [{', '.join(str(d) for d in i['dims'])}]" if i["dims"] is not None else i["name"] for i in m["inputs"])
        opset = m["opset"] if m["opset"] is not None else ", ".join(f"{k} {v}" for k, v in m["opsets"].items())
        size = f"{m['size'] / 1e6:.2f} MB" if m["size"] >= 1e5 else f"{m['size'] / 1e3:.1f} kB"
        ci = " (CI)" if m["id"] in corpus["ci_subset"] else ""
        rows.append(f"| {m['id']}{ci} | {m['package']}@{m['version']} ({m['registry']}) | {m['framework']} | {opset} | {m['kind']} | {m['dims']}: {dims} | {size} |")
    print("\n".join(rows))


def as_float(x):
    return {"inf": math.inf, "-inf": -math.inf}.get(x, x) if isinstance(x, str) else x


def recorded_sqnr(cell):
    """The lowest SQNR of a results.json cell as expected.json stores it (JSON has no inf)."""
    if "sqnr_db" not in cell:
        return None
    worst = min((as_float(v) for v in cell["sqnr_db"].values()), default=math.inf)
    return worst if math.isfinite(worst) else ("inf" if worst > 0 else "-inf")


def classify(cell):
    """(outcome, reason, message) of a cell that is not ok."""
    detail = cell.get("detail", "").removeprefix("not recorded in tests/corpus/expected.json: ")
    for pattern, outcome, reason, message in CAUSES:
        if re.search(pattern, detail):
            if outcome == "refused" and cell["status"] != "error":
                continue
            return outcome, reason, message
    stable = re.sub(r"(/[^\s`']+)+", "PATH", detail)[:100]
    return "fail", "UNCLASSIFIED: review", stable


def record_expected(results_path):
    """Records every cell of a run in expected.json; entries of cells the run did not cover stay.
    A cell that was refused/fail before and fails the same way keeps its hand-written reason."""
    results = json.loads(pathlib.Path(results_path).read_text())
    old = json.loads(EXPECTED_JSON.read_text())["cells"] if EXPECTED_JSON.exists() else []
    old_by_key = {(e["model"], e["cell"]): e for e in old}
    ran = {(m["id"], c) for m in results["models"] for c in m["cells"]}
    order = [m["id"] for m in load_corpus()["models"]]
    cells = [e for e in old if (e["model"], e["cell"]) not in ran]
    import run  # noqa: PLC0415 - which cells are measurements only (never recorded)
    for model in results["models"]:
        for column, cell in model["cells"].items():
            if column in run.MEASURED:
                continue
            entry = {"model": model["id"], "cell": column}
            if cell["status"] == "ok":
                entry["outcome"] = "ok"
                if "sqnr_db" in cell:
                    sqnr = recorded_sqnr(cell)
                    entry["sqnr_db"] = round(sqnr, 1) if isinstance(sqnr, float) else sqnr
                    entry["size_ratio"] = round(cell["size"] / cell["input_size"], 3)
            else:
                before = old_by_key.get((model["id"], column))
                if before and before["outcome"] != "ok" and before["message"] in cell.get("detail", ""):
                    outcome, reason, message = before["outcome"], before["reason"], before["message"]
                else:
                    outcome, reason, message = classify(cell)
                entry.update(outcome=outcome, reason=reason, message=message)
            cells.append(entry)
    columns = ["inspect", "run", "int8-weights", "int8-static", "int8-target20", "int8-dynamic", "prune-unstructured", "prune-filter"]
    cells.sort(key=lambda e: (order.index(e["model"]) if e["model"] in order else len(order), columns.index(e["cell"]) if e["cell"] in columns else 99))
    doc = {
        "about": "The ratchet of the real-model corpus (scripts/corpus/run.py): every model x cell's outcome "
                 "(ok; refused: a clear error for a lasting limit; fail: a known bug, issue 11) with its reason, "
                 "and for ok compress cells the lowest SQNR (dB) and the size ratio. `message` is a substring of "
                 "pare's error or of the check's finding. A cell that gets worse (FAIL, REGRESSED) or better "
                 "(IMPROVED) stops the run; record an intended change with "
                 "`scripts/corpus/tables.py record-expected target/corpus/results.json`.",
        "cells": cells,
    }
    EXPECTED_JSON.write_text(json.dumps(doc, indent=1) + "\n")
    counts = {}
    for e in cells:
        counts[e["outcome"]] = counts.get(e["outcome"], 0) + 1
    print(f"wrote {len(cells)} entries to {EXPECTED_JSON}: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))


README_BEGIN = "<!-- corpus-table:begin (generated by scripts/corpus/tables.py readme; do not edit) -->"
README_END = "<!-- corpus-table:end -->"


def minutes(seconds):
    return f"{seconds / 60:.1f} min" if seconds is not None else "not measured"


def readme_section(full, ci):
    """The README's corpus table from a full run's results.json (and the CI subset's, for its time)."""
    corpus = load_corpus()
    meta = {m["id"]: m for m in corpus["models"]}
    columns = ["inspect", "run", "int8-weights", "int8-static", "int8-target20", "int8-dynamic", "prune-unstructured", "prune-filter"]
    reasons = []  # legend: (kind, reason)

    def ref(kind, reason):
        if (kind, reason) not in reasons:
            reasons.append((kind, reason))
        return f"{kind} [{reasons.index((kind, reason)) + 1}]"

    import run  # noqa: PLC0415 - the judge of run.py, against the current expected.json
    expected = run.load_expected()

    def judged(model_id, column, cell):
        """The cell's outcome against today's expected.json (the run may predate the recording)."""
        cell = dict(cell)
        if "sqnr_db" in cell:
            cell["sqnr_db"] = {k: as_float(v) for k, v in cell["sqnr_db"].items()}
        cell["detail"] = cell.get("detail", "").removeprefix("not recorded in tests/corpus/expected.json").removeprefix(": ")
        exp = expected.get((model_id, column))
        cell["outcome"] = run.judge(cell, exp)
        if exp is not None and exp.get("reason"):
            cell["reason"] = exp["reason"]
        return cell

    def text(cell):
        outcome = cell["outcome"]
        if outcome == "ok":
            if "sqnr_db" in cell:
                sqnr = as_float(recorded_sqnr(cell))
                size = f"{cell['size'] / cell['input_size']:.2f}×"
                return ("exact" if sqnr == math.inf else f"{sqnr:.1f} dB") + " " + size
            return "ok"
        if outcome == "refused":
            return ref("refused", cell.get("reason", "?"))
        if outcome == "xfail":
            return ref("fails", cell.get("reason", "?"))
        return f"**{outcome}**"

    counts = {}
    rows = ["| model | package (registry) | exporter | opset | " + " | ".join(columns) + " |",
            "|---|---|---|---|" + "---|" * len(columns)]
    newer = {r["id"]: r for r in ci["models"]} if ci and ci.get("newer") else {}
    for r in full["models"]:
        r = newer.get(r["id"], r)  # a CI run made after the full one has the current rows of its models
        m = meta.get(r["id"], r)
        opset = m.get("opset") if m.get("opset") is not None else ", ".join(f"{k} {v}" for k, v in m.get("opsets", {}).items())
        ci_mark = " (CI)" if r["id"] in corpus["ci_subset"] else ""
        cells = []
        for c in columns:
            if c not in r["cells"]:  # a selective cell (run.py SELECTIVE) not run on this model
                cells.append("")
                continue
            cell = judged(r["id"], c, r["cells"][c])
            counts[cell["outcome"]] = counts.get(cell["outcome"], 0) + 1
            cells.append(text(cell))
        rows.append(f"| {r['id']}{ci_mark} | {m['package']}@{m['version']} ({m['registry']}) | {m['framework']} | {opset} | " + " | ".join(cells) + " |")
    total = sum(counts.values())
    lines = [
        README_BEGIN,
        "",
        f"{len(full['models'])} real pretrained models from PyPI wheels and npm tarballs (pinned with their sha256 in "
        "[tests/corpus/models.json](tests/corpus/models.json)), each run through pare's CLI with default settings "
        "as a newcomer would: `pare inspect`, `pare run` against onnxruntime (max abs diff within 1e-3 of the "
        "output's scale), and `pare compress` with `--quantize int8-weights`, `--quantize int8 --calib CALIB.npz` "
        "(8 realistic samples made per model by scripts/corpus/inputs.py), `--quantize int8-dynamic`, "
        "`--prune unstructured:0.5` and `--prune filter:0.25`. A compress cell is ok when the written file passes "
        "`onnx.checker.check_model(full_check=True)`, loads and runs in onnxruntime with finite outputs, and is no "
        "larger than the input; it shows the lowest SQNR over the outputs (compressed vs original, both in "
        "onnxruntime, on 8 held-out samples) and the size ratio. Refused = pare stopped with a clear error for a "
        "lasting limit; fails = a known bug, recorded so that it is visible.",
        "",
        f"Cells: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) + f" of {total}. "
        f"`make test-corpus` (all models, including the corpus-profile build: {minutes(full.get('make_seconds'))}, "
        f"of which running pare and the checks: {minutes(full.get('seconds'))}); "
        f"`make test-corpus-ci` (the {len(ci['models']) if ci else len(corpus['ci_subset'])} models marked CI, run by `make test`: "
        f"{minutes(ci.get('make_seconds') if ci else None)}, of which running: {minutes(ci.get('seconds') if ci else None)}). "
        "Both on the shared 2-core machine, with the models already downloaded for the full run; "
        "tests/corpus/expected.json is the ratchet: a cell that changes outcome, or whose SQNR or size ratio gets "
        "worse, stops the run.",
        "",
    ] + rows + ["", "Reasons:", ""]
    for i, (kind, reason) in enumerate(reasons, 1):
        lines.append(f"{i}. {kind}: {reason}")
    lines += ["", README_END]
    return "\n".join(lines)


def write_readme(full_path, ci_path):
    full = json.loads(pathlib.Path(full_path).read_text())
    ci = json.loads(pathlib.Path(ci_path).read_text()) if ci_path and pathlib.Path(ci_path).exists() else None
    if ci is not None:
        ci["newer"] = pathlib.Path(ci_path).stat().st_mtime > pathlib.Path(full_path).stat().st_mtime
    readme = ROOT / "README.md"
    text = readme.read_text()
    section = readme_section(full, ci)
    if README_BEGIN in text:
        a = text.index(README_BEGIN)
        b = text.index(README_END) + len(README_END)
        text = text[:a] + section + text[b:]
    else:
        raise SystemExit(f"README.md has no {README_BEGIN!r} marker: add one under a '## Real-model corpus' heading")
    readme.write_text(text)
    print(f"README.md: corpus table of {len(full['models'])} models written")


def main():
    if sys.argv[1:2] == ["models"]:
        model_table()
    elif sys.argv[1:2] == ["record-expected"] and len(sys.argv) == 3:
        record_expected(sys.argv[2])
    elif sys.argv[1:2] == ["readme"] and len(sys.argv) in (3, 4):
        write_readme(sys.argv[2], sys.argv[3] if len(sys.argv) == 4 else None)
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
