//! The `.pare` container (docs/container.md) through `pare pack` / `pare decode` and the library:
//! every model we have decodes byte-identical (the ONNX conformance models, the fixtures, Silero
//! VAD from the venv, pare's own INT8 and pruned outputs, and the real-model corpus cache when it
//! was fetched); damaged containers (truncated, bit flips, wrong magic or version, trailing bytes)
//! are errors of kind bad-container and write nothing; non-ONNX input to `pack` is not-onnx.

use std::path::{Path, PathBuf};

use pare::error::ErrorKind;

use crate::common::cli::{assert_fails, pare, stderr, stdout, workdir};
use crate::common::{Rng, local_models, read, repo_root};

fn models() -> Vec<PathBuf> {
    let mut files = local_models();
    files.push(repo_root().join("tests/fixtures/prune_resnet/model.onnx"));
    files
}

/// The real-model corpus cache (scripts/corpus/fetch.py: $PARE_CORPUS_CACHE, else .cache/corpus),
/// when it has been fetched (`make test-corpus`); empty otherwise.
fn corpus_cache_models() -> Vec<PathBuf> {
    let cache = std::env::var_os("PARE_CORPUS_CACHE").map(PathBuf::from).unwrap_or_else(|| repo_root().join(".cache/corpus"));
    let Ok(entries) = std::fs::read_dir(cache.join("models")) else { return Vec::new() };
    let mut files: Vec<PathBuf> = entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "onnx")).collect();
    files.sort();
    files
}

fn round_trip(path: &Path) -> (usize, usize) {
    let original = read(path);
    let packed = pare::container::pack(&original).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let decoded = pare::container::unpack(&packed.container).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(decoded == original, "{}: decoded bytes differ", path.display());
    (original.len(), packed.container.len())
}

#[test]
fn every_model_decodes_byte_identical() {
    let files = models();
    assert!(files.len() > 1700, "expected the conformance models, the fixtures and Silero VAD");
    let (mut onnx, mut container) = (0, 0);
    for path in &files {
        let (a, b) = round_trip(path);
        onnx += a;
        container += b;
    }
    println!("{} models: {onnx} bytes of ONNX in {container} bytes of containers", files.len());
    assert!(container < onnx, "the containers are not smaller in total");
    let cached = corpus_cache_models();
    for path in &cached {
        let (a, b) = round_trip(path);
        println!("{}: {a} → {b} bytes", path.file_name().unwrap().to_string_lossy());
    }
    println!("corpus cache: {} models", cached.len());
}

/// `pare compress` writes INT8 and pruned models; their containers decode to the same bytes, and
/// pruning + INT8 packs far smaller than INT8 alone (the sparse coder).
#[test]
fn compressed_models_pack_and_decode_through_the_cli() {
    let dir = workdir("container", "cli");
    let mnist = repo_root().join("tests/fixtures/mnist_cnn/model.onnx");
    let mut sizes = Vec::new();
    for (name, recipe) in [("float", &[][..]), ("int8", &["--quantize", "int8-weights"][..]), ("pruned_int8", &["--prune", "unstructured:0.5", "--quantize", "int8-weights"][..])] {
        let model = if recipe.is_empty() {
            mnist.clone()
        } else {
            let out = dir.join(format!("{name}.onnx"));
            let mut args = vec!["compress", mnist.to_str().unwrap(), "-o", out.to_str().unwrap(), "--no-compare"];
            args.extend_from_slice(recipe);
            let o = pare(&args);
            assert!(o.status.success(), "{}", stderr(&o));
            out
        };
        let packed = dir.join(format!("{name}.pare"));
        let decoded = dir.join(format!("{name}.decoded.onnx"));
        let o = pare(&["pack", model.to_str().unwrap(), packed.to_str().unwrap()]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(stdout(&o).contains("smaller"), "{}", stdout(&o));
        let o = pare(&["decode", packed.to_str().unwrap(), decoded.to_str().unwrap()]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(read(&decoded) == read(&model), "{name}: decoded bytes differ");
        sizes.push((name, read(&model).len(), read(&packed).len()));
    }
    println!("{sizes:?}");
    let (float, int8, pruned) = (sizes[0].2, sizes[1].2, sizes[2].2);
    assert!(int8 * 3 < float, "INT8 container {int8} vs float container {float}");
    assert!(pruned * 10 < int8 * 8, "pruned INT8 container {pruned} vs INT8 {int8}");
    let o = pare(&["pack", dir.join("int8.onnx").to_str().unwrap(), dir.join("j.pare").to_str().unwrap(), "--json"]);
    let report: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(report["containerBytes"].as_u64(), Some(int8 as u64));
}

#[test]
fn damaged_containers_are_bad_container_errors_never_a_model() {
    let original = read(&repo_root().join("tests/fixtures/mnist_cnn/model.onnx"));
    let container = pare::container::pack(&original).unwrap().container;
    let kind = |bytes: &[u8]| match pare::container::unpack(bytes) {
        Ok(decoded) => panic!("decoded {} bytes (same as the model: {})", decoded.len(), decoded == original),
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::BadContainer, "{e}");
            e.to_string()
        }
    };
    for cut in (1..container.len()).step_by(97) {
        assert!(kind(&container[..cut]).contains("truncated"), "cut {cut}");
    }
    let mut rng = Rng(0x5EED);
    for _ in 0..2000 {
        let mut bad = container.clone();
        let at = rng.below(bad.len());
        bad[at] ^= 1 << rng.below(8);
        kind(&bad);
    }
    let mut bad = container.clone();
    bad[1] = b'Q';
    assert!(kind(&bad).contains("not a .pare container"));
    let mut bad = container.clone();
    bad[pare::container::MAGIC.len()] = 9;
    assert!(kind(&bad).contains("version 9"));
    let mut bad = container.clone();
    bad.extend_from_slice(b"x");
    kind(&bad);
    assert!(kind(&original).contains("not a .pare container"));

    // Through the CLI: exit code 1, `error[bad-container]`, and no output file.
    let dir = workdir("container", "damaged");
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path.to_str().unwrap().to_string()
    };
    let mut flipped = container.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x10;
    let mut version = container.clone();
    version[pare::container::MAGIC.len()] = 2;
    for (name, bytes, needle) in [
        ("truncated.pare", &container[..container.len() - 3], "truncated"),
        ("flipped.pare", &flipped[..], "checksum"),
        ("version.pare", &version[..], "version 2"),
    ] {
        let input = write(name, bytes);
        let out = dir.join("out.onnx");
        let err = assert_fails(&pare(&["decode", &input, out.to_str().unwrap()]), 1);
        assert!(err.contains("error[bad-container]") && err.contains(needle), "{name}: {err}");
        assert!(!out.exists(), "{name}: an output was written");
    }
    let err = assert_fails(&pare(&["decode", repo_root().join("tests/fixtures/mnist_cnn/model.onnx").to_str().unwrap(), dir.join("o.onnx").to_str().unwrap()]), 1);
    assert!(err.contains("error[bad-container]") && err.contains("not a .pare container"), "{err}");
    let not_onnx = write("notes.txt", b"\xff\xfe these are not a model");
    let err = assert_fails(&pare(&["pack", &not_onnx, dir.join("n.pare").to_str().unwrap()]), 1);
    assert!(err.contains("error[not-onnx]"), "{err}");
    let err = assert_fails(&pare(&["pack", &not_onnx]), 2);
    assert!(err.contains("MODEL.onnx OUT.pare"), "{err}");
    // A .pare given where a model is expected says what it is.
    let packed = write("m.pare", &container);
    let err = assert_fails(&pare(&["inspect", &packed]), 1);
    assert!(err.contains("error[not-onnx]") && err.contains("pare decode"), "{err}");
}
