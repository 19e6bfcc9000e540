"""Reference outputs for real pretrained models shipped inside PyPI packages ("models in the wild").

Usage: wild_reference.py OUT_DIR
For each model found in the venv, writes OUT_DIR/<name>/model.path (the model file's path) and
OUT_DIR/<name>/test_data_set_0/{input_N,output_N}.pb computed by onnxruntime (CPU). Inputs are
deterministic (seed 3): image-like values in [0, 1) at a fixed realistic size. Models whose
package is missing are skipped and listed. Called by tests/native/wild_models.rs.

Models (all real, pretrained; packages pinned in scripts/requirements.txt, installed --no-deps):
  ddddocr 1.6.1:              common_det.onnx (20 MB YOLOX-style detector, 416×416),
                              common.onnx (54 MB CNN + LSTM OCR), common_old.onnx (ORT-quantized,
                              uses the contrib op DynamicQuantizeLSTM: expected to be refused clearly)
  rapidocr-onnxruntime 1.4.4: PP-OCRv4 det (DBNet, Resize/ConvTranspose), rec (SVTR, attention),
                              mobile v2.0 cls (MobileNetV3)
  nudenet 3.4.2:              320n.onnx (YOLOv8n detector)
"""
import importlib.util
import pathlib
import sys

import numpy as np
import onnxruntime as ort
from onnx import numpy_helper

ort.set_default_logger_severity(3)

# name → (package, relative path, {input name: shape}) ; shapes fill the dynamic dims.
MODELS = {
    "ddddocr_det": ("ddddocr", "common_det.onnx", {"images": (1, 3, 416, 416)}),
    "ddddocr_ocr": ("ddddocr", "common.onnx", {"input1": (1, 1, 64, 256)}),
    "ddddocr_ocr_quantized": ("ddddocr", "common_old.onnx", {"input1": (1, 1, 64, 256)}),
    "ppocr_v4_det": ("rapidocr_onnxruntime", "models/ch_PP-OCRv4_det_infer.onnx", {"x": (1, 3, 320, 320)}),
    "ppocr_v4_rec": ("rapidocr_onnxruntime", "models/ch_PP-OCRv4_rec_infer.onnx", {"x": (1, 3, 48, 320)}),
    "ppocr_mobile_cls": ("rapidocr_onnxruntime", "models/ch_ppocr_mobile_v2.0_cls_infer.onnx", {"x": (1, 3, 48, 192)}),
    "nudenet_320n": ("nudenet", "320n.onnx", {"images": (1, 3, 320, 320)}),
}


def package_dir(name):
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return pathlib.Path(spec.submodule_search_locations[0])


def main():
    out = pathlib.Path(sys.argv[1])
    missing = []
    for name, (package, rel, shapes) in MODELS.items():
        base = package_dir(package)
        if base is None or not (base / rel).exists():
            missing.append(name)
            continue
        path = base / rel
        target = out / name
        data = target / "test_data_set_0"
        data.mkdir(parents=True, exist_ok=True)
        (target / "model.path").write_text(str(path))
        rng = np.random.default_rng(3)
        feeds = {k: rng.random(s, dtype=np.float32) for k, s in shapes.items()}
        try:
            session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
            outputs = session.run(None, feeds)
        except Exception as e:  # noqa: BLE001 - recorded for the Rust test to show
            (target / "ort_error.txt").write_text(str(e))
            outputs = []
            session = None
        order = [i.name for i in session.get_inputs()] if session else list(shapes)
        for i, k in enumerate(order):
            (data / f"input_{i}.pb").write_bytes(numpy_helper.from_array(feeds[k], k).SerializeToString())
        for i, value in enumerate(outputs):
            (data / f"output_{i}.pb").write_bytes(numpy_helper.from_array(value, f"output_{i}").SerializeToString())
    print(f"wild models: {len(MODELS) - len(missing)} prepared, missing packages for: {missing}")


if __name__ == "__main__":
    main()
