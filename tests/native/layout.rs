//! The test layout itself: with `autotests = false` (Cargo.toml) a file that is not a module of
//! tests/native/main.rs or tests/wasm/main.rs is never compiled nor run, so none may exist.

use crate::common::repo_root;

/// The `.rs` files directly in `dir` (relative to tests/), by stem.
fn rust_files(dir: &str) -> Vec<String> {
    let mut stems: Vec<String> = std::fs::read_dir(repo_root().join("tests").join(dir))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    stems.sort();
    stems
}

#[test]
fn every_test_file_is_a_module_of_one_of_the_two_binaries() {
    assert_eq!(rust_files(""), Vec::<String>::new(), "tests/*.rs do not run: make them a module of tests/native or tests/wasm");
    for binary in ["native", "wasm"] {
        let main = std::fs::read_to_string(repo_root().join("tests").join(binary).join("main.rs")).unwrap();
        let declared = |stem: &str| main.lines().any(|l| l == format!("mod {stem};") || l == format!("pub mod {stem};"));
        let missing: Vec<String> = rust_files(binary).into_iter().filter(|s| s != "main" && !declared(s)).collect();
        assert!(missing.is_empty(), "tests/{binary}/: {missing:?} not declared in main.rs, so never run");
    }
}
