"""Shared helpers of the real-model corpus scripts (fetch.py, inputs.py, run.py).

The corpus list is tests/corpus/models.json; everything downloaded or generated lives in the
cache folder: $PARE_CORPUS_CACHE, else .cache/corpus in the repository (git-ignored).
"""
import hashlib
import json
import os
import pathlib

ROOT = pathlib.Path(__file__).resolve().parents[2]
MODELS_JSON = ROOT / "tests" / "corpus" / "models.json"
EXPECTED_JSON = ROOT / "tests" / "corpus" / "expected.json"


def cache_dir() -> pathlib.Path:
    return pathlib.Path(os.environ.get("PARE_CORPUS_CACHE") or ROOT / ".cache" / "corpus")


def load_corpus() -> dict:
    return json.loads(MODELS_JSON.read_text())


def model_path(model_id: str) -> pathlib.Path:
    return cache_dir() / "models" / f"{model_id}.onnx"


def asset_path(asset: dict) -> pathlib.Path:
    return cache_dir() / "assets" / f"{asset['id']}{pathlib.PurePosixPath(asset['path']).suffix}"


def inputs_dir(model_id: str) -> pathlib.Path:
    return cache_dir() / "inputs" / model_id


def sha256_of(path: pathlib.Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def select(models: list, only: str | None, subset: list | None = None) -> list:
    """The models named in `only` (comma-separated ids), else those in `subset`, else all."""
    if only:
        wanted = [s for s in only.split(",") if s]
        known = {m["id"] for m in models}
        unknown = [w for w in wanted if w not in known]
        if unknown:
            raise SystemExit(f"unknown model id(s): {', '.join(unknown)} (see {MODELS_JSON})")
        return [m for m in models if m["id"] in wanted]
    if subset is not None:
        return [m for m in models if m["id"] in subset]
    return models
