//! Decode → encode → decode is lossless for every model we have: the ONNX conformance models,
//! the MNIST fixture and the Silero VAD models. Checked twice: in Rust (the re-decoded IR encodes to
//! the same bytes) and in Python against the original file
//! (tests/python/check_roundtrip.py: canonical protobuf equality, and onnxruntime runs the
//! re-encoded file with bit-identical outputs).

use std::path::PathBuf;

use pare::onnx::{decode_model, encode_model};

use crate::common::{local_models, python_script, read, repo_root};

fn corpus() -> Vec<PathBuf> {
    local_models()
}

#[test]
fn every_model_round_trips_losslessly() {
    let out_dir = repo_root().join("target/roundtrip");
    std::fs::create_dir_all(&out_dir).unwrap();
    let mut manifest = String::new();
    let files = corpus();
    assert!(files.len() > 1700, "expected the conformance models, the MNIST fixture and Silero VAD");
    for (i, path) in files.iter().enumerate() {
        let original = read(path);
        let model = decode_model(&original).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let encoded = encode_model(&model);
        let again = decode_model(&encoded).unwrap_or_else(|e| panic!("{}: re-decode: {e}", path.display()));
        // IR equality, bit for bit (`==` on the IR would call NaN attributes unequal): the second
        // decode must encode to the very same bytes.
        assert!(encode_model(&again) == encoded, "{}: IR differs after decode → encode → decode", path.display());
        let target = out_dir.join(format!("{i:04}.onnx"));
        std::fs::write(&target, &encoded).unwrap();
        manifest.push_str(&format!("{}\t{}\n", path.display(), target.display()));
    }
    let manifest_path = out_dir.join("manifest.tsv");
    std::fs::write(&manifest_path, manifest).unwrap();

    let output =
        python_script("check_roundtrip.py").arg(&manifest_path).output().unwrap_or_else(|e| panic!("cannot run check_roundtrip.py: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    // The counts README.md quotes ("checks 1,772 models", "… it can run the original of (1,397)"):
    // the pinned onnx wheel's node tests, the fixtures and Silero VAD; and the pinned onnxruntime
    // runs 1,397 originals (the rest use ops or types it lacks, or inputs random_feeds cannot
    // make). A new wheel or a change in what runs moves these: update README.md with them.
    let counts = |what: &str| -> usize {
        let summary = stdout.lines().find(|l| l.starts_with("roundtrip: ")).unwrap_or_else(|| panic!("no summary line:\n{stdout}"));
        let before = summary.split(what).next().unwrap();
        before.trim().rsplit(' ').next().unwrap().parse().unwrap_or_else(|e| panic!("`{summary}`: {e}"))
    };
    assert_eq!(files.len(), 1772, "models in the corpus (README.md: 1,772)");
    assert_eq!(counts(" models lossless-checked"), files.len(), "{stdout}");
    assert_eq!(counts(" run by onnxruntime"), 1397, "models onnxruntime ran before and after (README.md: 1,397)");
}
