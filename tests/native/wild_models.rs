//! Real pretrained models from PyPI packages (OCR detectors and recognizers, a YOLOv8n
//! detector; see tests/python/wild_reference.py) run in pare and match onnxruntime:
//! |pare − ort| ≤ 1e-3 · max(max|ort|, 0.01) per output. A model using an onnxruntime-only contrib op
//! must be refused with a message that names the op.

use std::time::Instant;

use pare::onnx::decode_model;

use crate::common::{Tolerance, python_script, read, repo_root, run_data_sets};

#[test]
fn pretrained_models_from_pypi_packages_match_onnxruntime() {
    let out = repo_root().join("target/wild");
    let status = python_script("wild_reference.py").arg(&out).status().unwrap_or_else(|e| panic!("cannot run wild_reference.py: {e}"));
    assert!(status.success(), "wild_reference.py failed");

    let mut dirs: Vec<_> = std::fs::read_dir(&out).unwrap().flatten().map(|e| e.path()).filter(|p| p.is_dir()).collect();
    dirs.sort();
    assert!(dirs.len() >= 7, "expected 7 models from ddddocr, rapidocr-onnxruntime and nudenet; found {}", dirs.len());
    let mut failures = Vec::new();
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let model_path = std::fs::read_to_string(dir.join("model.path")).unwrap();
        let started = Instant::now();
        let model = match decode_model(&read(model_path.trim().as_ref())) {
            Ok(m) => m,
            Err(e) => {
                failures.push(format!("{name}: decode: {e}"));
                continue;
            }
        };
        let outcome = run_data_sets(&model, &dir, Tolerance::RelativeToMax(1e-3));
        let seconds = started.elapsed().as_secs_f64();
        if name == "ddddocr_ocr_quantized" {
            // Uses com.microsoft DynamicQuantizeLSTM, which only onnxruntime implements.
            match outcome {
                Err(e) if e.contains("DynamicQuantizeLSTM") && e.contains("not supported") => {
                    println!("{name}: refused as expected: {e}")
                }
                other => failures.push(format!("{name}: expected a clear refusal naming DynamicQuantizeLSTM, got {other:?}")),
            }
            continue;
        }
        match outcome {
            Ok(worst) => println!("{name}: max abs diff vs onnxruntime {worst:.3e} ({seconds:.2} s incl. load, debug-or-release build)"),
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
