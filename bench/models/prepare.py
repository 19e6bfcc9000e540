"""Prepares the whole-model benchmark (bench/models/run.mjs): for each model, the float file,
an INT8 static QDQ copy made by pare's CLI (random calibration: the benchmark measures speed,
not accuracy) and a seeded input (.npy). Writes target/bench-models/manifest.json.

Models: the MNIST CNN of tests/fixtures/mnist_cnn and real pretrained detectors from PyPI
packages in the venv (tests/python/wild_reference.py lists where they live): YOLOv8n (nudenet,
320×320) and ddddocr's YOLOX-style detector (416×416). Per-channel weights where the model's
opset allows (13+), per-tensor otherwise.

Usage: bench/models/prepare.py   (from the repo root, after `cargo build --release --bin pare`)
"""
import json
import pathlib
import subprocess
import sys

import numpy as np
import onnx

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "python"))
from wild_reference import MODELS, package_dir  # noqa: E402

OUT = ROOT / "target" / "bench-models"
PARE = ROOT / "target" / "release" / "pare"


def model_list():
    yield "mnist_cnn", ROOT / "tests/fixtures/mnist_cnn/model.onnx", {"image": (1, 1, 28, 28)}
    for name in ["nudenet_320n", "ddddocr_det"]:
        package, relative, shapes = MODELS[name]
        base = package_dir(package)
        if base is None:
            print(f"prepare: {name} skipped (package {package} not installed)", file=sys.stderr)
            continue
        yield name, base / relative, shapes


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(3)
    manifest = []
    for name, path, shapes in model_list():
        opset = next(o.version for o in onnx.load(str(path), load_external_data=False).opset_import if o.domain in ("", "ai.onnx"))
        int8 = OUT / f"{name}.int8.onnx"
        shape_args = [a for n, s in shapes.items() for a in ("--shape", f"{n}={','.join(map(str, s))}")]
        granularity = "--per-channel" if opset >= 13 else "--per-tensor"
        cmd = [str(PARE), "compress", str(path), "-o", str(int8), "--quantize", "int8", granularity,
               "--calib-random", "4", "--no-compare", *shape_args]
        subprocess.run(cmd, check=True, capture_output=True)
        inputs = {}
        for input_name, shape in shapes.items():
            file = OUT / f"{name}.{input_name}.npy"
            np.save(file, rng.random(shape, dtype=np.float32))
            inputs[input_name] = str(file)
        manifest.append({"name": name, "f32": str(path), "int8": str(int8), "inputs": inputs})
        print(f"prepare: {name} (opset {opset}, {granularity[2:]}) → {int8.name}", file=sys.stderr)
    (OUT / "manifest.json").write_text(json.dumps(manifest, indent=1))


if __name__ == "__main__":
    main()
