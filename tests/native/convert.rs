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

/// ddddocr's OCR model (PyPI `ddddocr`, opset 12) declares its output `[1, seqlen]`, but its
/// Reshape computes `[seq, 1, classes]` (onnxruntime warns when it runs). onnx.checker sees the
/// contradiction from opset 14 on: the upgrade redeclares it as rank 3 with unknown sizes, and
/// the file passes
/// onnx.checker's full check and runs in onnxruntime.
#[test]
fn an_output_rank_the_graph_contradicts_is_redeclared_when_upgrading() {
    let path = crate::common::venv_path("ddddocr/common.onnx");
    let mut model = pare::onnx::decode_model(&std::fs::read(&path).unwrap()).unwrap();
    let declared = |m: &pare::ir::Model| m.graph.outputs[0].tensor_type().and_then(|(_, s)| s.map(<[_]>::len));
    assert_eq!(declared(&model), Some(2), "the exporter's stale [1, seqlen]");
    let report = pare::convert::upgrade(&mut model, 21).unwrap();
    assert_eq!(declared(&model), Some(3), "{report:?}");
    assert_eq!(report.redeclared_output_shapes.len(), 1);
    assert!(report.redeclared_output_shapes[0].contains("was declared [1, seqlen] (rank 2) but the graph computes rank 3"), "{:?}", report.redeclared_output_shapes);
    assert!(report.summary().contains("1 contradicted output shape(s) redeclared"));
    let out = crate::common::repo_root().join("target/convert/ddddocr_ocr_21.onnx");
    std::fs::create_dir_all(out.parent().unwrap()).unwrap();
    std::fs::write(&out, pare::onnx::encode_model(&model)).unwrap();
    let script = "import sys, numpy as np, onnx, onnxruntime as ort\n\
                  onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)\n\
                  s = ort.InferenceSession(sys.argv[1], providers=['CPUExecutionProvider'])\n\
                  y = s.run(None, {s.get_inputs()[0].name: np.random.rand(1, 1, 64, 128).astype(np.float32)})[0]\n\
                  assert y.ndim == 3, y.shape\n";
    let checked = std::process::Command::new(crate::common::venv_python()).arg("-c").arg(script).arg(&out).output().unwrap();
    assert!(checked.status.success(), "{}{}", String::from_utf8_lossy(&checked.stdout), String::from_utf8_lossy(&checked.stderr));
    // A model whose outputs agree with their producers keeps every declared shape.
    let mut mnist = pare::onnx::decode_model(&std::fs::read(crate::common::repo_root().join("tests/fixtures/mnist_cnn/model.onnx")).unwrap()).unwrap();
    let before = mnist.graph.outputs.clone();
    assert!(pare::convert::upgrade(&mut mnist, 21).unwrap().redeclared_output_shapes.is_empty());
    assert_eq!(mnist.graph.outputs, before);
}
