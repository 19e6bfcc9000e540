"""Maintenance of the corpus files (not run by the make targets).

  tables.py models
      prints the model table of tests/corpus/models.json as markdown (for tests/corpus/README.md).
  tables.py record-expected RESULTS.json
      writes tests/corpus/expected.json from a run's results: one entry per FAIL or xfail cell,
      with its cause's reason and the substring of the message that identifies it (see CAUSES;
      a failure no cause matches gets an UNCLASSIFIED entry to review by hand). Used to start the
      list; afterwards entries are only removed (run.py reports stale ones).
"""
import json
import re
import sys
import pathlib

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from common import EXPECTED_JSON, load_corpus  # noqa: E402

# (pattern in the cell's detail, outcome, reason, message substring that must stay in the detail)
CAUSES = [
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
    (r"operator `\w+` \(domain `(ai\.onnx\.ml|com\.microsoft)`\) is not supported by pare", "refused",
     "the model uses operators of another domain that pare does not implement (ai.onnx.ml / com.microsoft contrib ops)",
     "is not supported by pare"),
    (r"nothing to quantize: .*dynamic mode covers MatMul and Gemm", "refused",
     "int8-dynamic quantizes MatMul and Gemm only, and this model has none (only convolutions)",
     "dynamic mode covers MatMul and Gemm"),
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


def record_expected(results_path):
    results = json.loads(pathlib.Path(results_path).read_text())
    cells = []
    for model in results["models"]:
        for column, cell in model["cells"].items():
            if cell["outcome"] not in ("FAIL", "xfail", "refused"):
                continue
            detail = cell.get("detail", "")
            for pattern, outcome, reason, message in CAUSES:
                if re.search(pattern, detail):
                    if outcome == "refused" and cell["status"] != "error":
                        continue
                    cells.append({"model": model["id"], "cell": column, "outcome": outcome, "reason": reason, "message": message})
                    break
            else:
                stable = re.sub(r"(/[^\s`']+)+", "PATH", detail)[:100]
                cells.append({"model": model["id"], "cell": column, "outcome": "fail", "reason": "UNCLASSIFIED: review", "message": stable})
    doc = {
        "about": "Documented exceptions of the real-model corpus (scripts/corpus/run.py): cells expected to be "
                 "refused (a clear error, a lasting limit) or to fail (a known bug, issue 11). `message` is a "
                 "substring of pare's error or of the check's finding. A listed cell that passes is an error "
                 "(stale exception: remove it), so this list only shrinks.",
        "cells": cells,
    }
    EXPECTED_JSON.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {len(cells)} entries to {EXPECTED_JSON}")


def main():
    if sys.argv[1:2] == ["models"]:
        model_table()
    elif sys.argv[1:2] == ["record-expected"] and len(sys.argv) == 3:
        record_expected(sys.argv[2])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
