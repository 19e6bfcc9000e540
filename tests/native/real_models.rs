//! Real models run by pare match onnxruntime within 1e-4 (max abs difference):
//! the MNIST CNN trained on real digits (tests/fixtures/mnist_cnn, committed with its training
//! script) and the pretrained Silero VAD models from the PyPI package silero-vad (read from the
//! venv; reference outputs in tests/fixtures/silero_vad, made by the script there).

use pare::onnx::decode_model;

use crate::common::{Tolerance, read, repo_root, run_data_sets, venv_path};

const MAX_ABS: f64 = 1e-4;

#[test]
fn mnist_cnn_matches_onnxruntime() {
    let dir = repo_root().join("tests/fixtures/mnist_cnn");
    let model = decode_model(&read(&dir.join("model.onnx"))).unwrap();
    let worst = run_data_sets(&model, &dir, Tolerance::MaxAbs(MAX_ABS)).unwrap();
    println!("mnist_cnn: max abs diff vs onnxruntime {worst:e}");
}

#[test]
fn silero_vad_models_match_onnxruntime() {
    let fixtures = repo_root().join("tests/fixtures/silero_vad");
    let mut dirs: Vec<_> = std::fs::read_dir(&fixtures).unwrap().flatten().map(|e| e.path()).filter(|p| p.join("test_data_set_0").is_dir()).collect();
    dirs.sort();
    assert_eq!(dirs.len(), 6, "expected the six Silero VAD variants of silero-vad 6.2.3");
    let mut failures = Vec::new();
    for dir in dirs {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let model_path = venv_path(&format!("silero_vad/data/{name}.onnx"));
        let outcome = decode_model(&read(&model_path))
            .map_err(|e| e.to_string())
            .and_then(|model| run_data_sets(&model, &dir, Tolerance::MaxAbs(MAX_ABS)));
        match outcome {
            Ok(worst) => println!("{name}: max abs diff vs onnxruntime {worst:e}"),
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
