"""Checks that a refactoring changed nothing a user sees: two pare binaries (before and after)
run every corpus compress recipe (run.py's RECIPES, defaults only) on the same models, and
the written model files must be byte-identical and the printed text the same (timing lines
aside). Exits non-zero on any difference and lists them.

Usage: identical.py --old PATH/TO/pare --new PATH/TO/pare [--only ID,ID…] [--ci]

Needs the corpus fetched (scripts/corpus/fetch.py, inputs.py), as run.py does.
"""
import argparse
import hashlib
import pathlib
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from common import inputs_dir, load_corpus, model_path, select  # noqa: E402
from run import RECIPES, TIMEOUT_COMPRESS  # noqa: E402

# Lines whose text depends on the clock, not on what pare computed.
TIMING = re.compile(r"^pare: done in |ran in |^pare: step \d+/\d+: ")
# Failures print their kind since issue 16 (`pare: error[not-onnx]: …`); the message is compared.
ERROR_KIND = re.compile(r"^pare: error\[[a-z-]+\]: ", re.M)


def compress(pare, model_file, flags, out):
    """(exit code, stdout, stderr without timing lines, sha256 of the written file or None)."""
    p = subprocess.run([pare, "compress", str(model_file), "-o", str(out), *flags],
                       capture_output=True, text=True, timeout=TIMEOUT_COMPRESS)
    stdout = p.stdout.replace(str(out), "OUT")
    stderr = ERROR_KIND.sub("pare: error: ", p.stderr.replace(str(out), "OUT"))
    stderr = "\n".join(l for l in stderr.splitlines() if not TIMING.search(l))
    digest = hashlib.sha256(out.read_bytes()).hexdigest() if out.exists() else None
    out.unlink(missing_ok=True)
    return p.returncode, stdout, stderr, digest


def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a.splitlines(), b.splitlines())):
        if x != y:
            return f"line {i + 1}: {x!r} → {y!r}"
    return f"{len(a.splitlines())} → {len(b.splitlines())} lines"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--old", required=True)
    parser.add_argument("--new", required=True)
    parser.add_argument("--only", help="comma-separated model ids")
    parser.add_argument("--ci", action="store_true", help="only the CI subset")
    args = parser.parse_args()
    corpus = load_corpus()
    models = select(corpus["models"], args.only, corpus["ci_subset"] if args.ci else None)
    differences = []
    cells = 0
    with tempfile.TemporaryDirectory() as tmp:
        for model in models:
            mid = model["id"]
            model_file = model_path(mid)
            calib = inputs_dir(mid) / "calib.npz"
            for name, flags in RECIPES:
                flags = [f.replace("{calib}", str(calib)) for f in flags]
                old = compress(args.old, model_file, flags, pathlib.Path(tmp) / "old.onnx")
                new = compress(args.new, model_file, flags, pathlib.Path(tmp) / "new.onnx")
                cells += 1
                for what, a, b in (("exit code", old[0], new[0]), ("stdout", old[1], new[1]),
                                   ("stderr", old[2], new[2]), ("model file", old[3], new[3])):
                    if a != b:
                        detail = first_difference(a, b) if isinstance(a, str) else f"{a} → {b}"
                        differences.append(f"{mid} {name}: {what} differs: {detail}")
                print(f"{mid} {name}: {'same' if old == new else 'DIFFERENT'}", flush=True)
    print(f"\n{cells} cells, {len(differences)} differences")
    for d in differences:
        print("  " + d)
    sys.exit(1 if differences else 0)


if __name__ == "__main__":
    main()
