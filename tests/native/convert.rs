//! `pare convert` in onnxruntime: every ONNX backend-test model below opset 13 (and 21) and a
//! generated case per adapter, converted by the CLI, pass onnx.checker's full check and give
//! the reference outputs in onnxruntime (tests/python/check_convert.py; documented exceptions
//! in tests/python/convert_exceptions.txt, a ratchet that fails when one starts to pass).

use crate::common::{python_script, repo_root};

#[test]
fn converted_models_give_the_same_outputs_in_onnxruntime() {
    let work = repo_root().join("target/convert");
    let output = python_script("check_convert.py")
        .arg(env!("CARGO_BIN_EXE_pare"))
        .arg(&work)
        .arg(repo_root().join("tests/python/convert_exceptions.txt"))
        .arg("--table")
        .output()
        .unwrap_or_else(|e| panic!("cannot run check_convert.py: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    println!("{stdout}");
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("target 13:") && stdout.contains("target 21:"), "both targets ran");
}
