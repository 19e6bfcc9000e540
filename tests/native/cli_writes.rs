//! What the CLI writes (issue 17, finding 1): an output that is an input — through `..`, a
//! symlink or a hard link — is refused before any work with the input untouched; a command that
//! fails leaves no output and no temporary file behind; `run --out` writes every `.npy` or none.

use std::path::{Path, PathBuf};

use pare::ir::{Dim, Graph, Model, Node, Tensor, ValueInfo, dtype::onnx_code};

use crate::common::cli::{assert_fails, pare_mixed as pare, stderr, workdir};
use crate::common::mnist_cnn::fixture;

/// The files in `dir`, sorted by name (temporary files included: they start with `.`).
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

/// The MNIST model copied into `dir` (so that a bug cannot touch the fixture), and its bytes.
fn model_copy(dir: &Path) -> (PathBuf, Vec<u8>) {
    let model = dir.join("model.onnx");
    std::fs::copy(fixture("model.onnx"), &model).unwrap();
    let bytes = std::fs::read(&model).unwrap();
    (model, bytes)
}

#[test]
fn an_output_that_is_an_input_is_refused_before_any_work_and_the_input_is_untouched() {
    let dir = workdir("cli_writes", "output_is_input");
    let (model, bytes) = model_copy(&dir);
    std::fs::create_dir(dir.join("sub")).unwrap();
    std::os::unix::fs::symlink(&model, dir.join("link.onnx")).unwrap();
    std::fs::hard_link(&model, dir.join("hard.onnx")).unwrap();
    let calib = dir.join("calib.npz");
    let image = Tensor::from_vec(&[2, 1, 1, 28, 28], vec![0.5f32; 2 * 784]).unwrap();
    std::fs::write(&calib, pare::npz::write_npz(&[("image".to_string(), image)]).unwrap()).unwrap();
    let calib_bytes = std::fs::read(&calib).unwrap();
    let calib_link = dir.join("calib_link.onnx");
    std::os::unix::fs::symlink(&calib, &calib_link).unwrap();
    // A --compare-inputs file that cannot be read: the refusal must come first (exit 2, not the
    // bad-input error of reading it), so nothing was done before it.
    let missing = dir.join("missing.npz");
    let via_parent = dir.join("sub/../model.onnx");
    let m = model.to_str().unwrap();
    let compress = |flags: &[&dyn AsRef<std::ffi::OsStr>]| {
        let mut args: Vec<&dyn AsRef<std::ffi::OsStr>> = vec![&"compress", &m, &"--quantize", &"int8-weights", &"--compare-inputs", &missing];
        args.extend_from_slice(flags);
        pare(&args)
    };
    let hard = dir.join("hard.onnx");
    let link = dir.join("link.onnx");
    let out = dir.join("out.onnx");
    let hard_to_out = dir.join("out_hard.json");
    std::fs::write(&out, b"previous").unwrap();
    std::fs::hard_link(&out, &hard_to_out).unwrap();
    let cases: Vec<(Vec<&dyn AsRef<std::ffi::OsStr>>, &str)> = vec![
        (vec![&"-o", &via_parent], "-o `"),
        (vec![&"-o", &link], "-o `"),
        (vec![&"-o", &hard], "-o `"),
        (vec![&"-o", &calib_link, &"--calib", &calib], "the same file as --calib"),
        (vec![&"-o", &out, &"--report", &link], "--report"),
        (vec![&"-o", &out, &"--report", &hard_to_out], "another output"),
    ];
    for (flags, needle) in cases {
        let o = compress(&flags);
        let err = assert_fails(&o, 2);
        assert!(err.contains("same file") && err.contains(needle), "{err}");
    }
    // `convert` and `run --out` too.
    let o = pare(&[&"convert", &model, &"-o", &link, &"--opset", &"17"]);
    assert!(assert_fails(&o, 2).contains("same file"), "{}", stderr(&o));
    let relus = dir.join("relus.onnx");
    std::fs::write(&relus, pare::onnx::encode_model(&relu_model(&["y"]))).unwrap();
    let input = dir.join("y.npy");
    let input_bytes = pare::npy::write_npy(&Tensor::from_vec(&[1, 4], vec![1f32, -2.0, 3.0, -4.0]).unwrap()).unwrap();
    std::fs::write(&input, &input_bytes).unwrap();
    let o = pare(&[&"run", &relus, &"--input", &format!("x0={}", input.display()), &"--out", &dir]);
    assert!(assert_fails(&o, 2).contains("same file as --input"), "{}", stderr(&o));

    assert_eq!(std::fs::read(&model).unwrap(), bytes, "the model is untouched");
    assert_eq!(std::fs::read(&calib).unwrap(), calib_bytes, "the calibration file is untouched");
    assert_eq!(std::fs::read(&out).unwrap(), b"previous");
    assert_eq!(std::fs::read(&input).unwrap(), input_bytes, "the run input is untouched");
    assert!(!listing(&dir).iter().any(|n| n.starts_with('.')), "no temporary file: {:?}", listing(&dir));
}

#[test]
fn a_failed_compress_leaves_no_output_behind() {
    let dir = workdir("cli_writes", "failed_compress");
    let (model, _) = model_copy(&dir);
    let bad = dir.join("bad.npz");
    std::fs::write(&bad, b"PK\x05\x06 not really a zip").unwrap();
    let out = dir.join("out.onnx");
    let o = pare(&[&"compress", &model, &"-o", &out, &"--quantize", &"int8-weights", &"--compare-inputs", &bad]);
    assert_fails(&o, 1);
    // The report cannot be written (its folder does not exist): the model is not written either.
    let report = dir.join("no/such/folder/report.json");
    let o = pare(&[&"compress", &model, &"-o", &out, &"--quantize", &"int8-weights", &"--no-compare", &"--report", &report]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).trim_end().lines().last().unwrap().contains("cannot write") && stderr(&o).contains("report.json"), "{}", stderr(&o));
    assert_eq!(listing(&dir), vec!["bad.npz", "model.onnx"], "nothing left behind");
    // The same command with a good report path writes both.
    let report = dir.join("report.json");
    let o = pare(&[&"compress", &model, &"-o", &out, &"--quantize", &"int8-weights", &"--no-compare", &"--report", &report]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(listing(&dir), vec!["bad.npz", "model.onnx", "out.onnx", "report.json"]);
}

#[test]
fn run_out_writes_every_output_or_none() {
    let dir = workdir("cli_writes", "run_out");
    let model = dir.join("two.onnx");
    std::fs::write(&model, pare::onnx::encode_model(&relu_model(&["first", "second"]))).unwrap();
    let out = dir.join("out");
    std::fs::create_dir_all(out.join("second.npy")).unwrap();
    let o = pare(&[&"run", &model, &"--random", &"--dim", &"batch=1", &"--out", &out]);
    let err = assert_fails(&o, 1);
    assert!(err.contains("second.npy") && err.contains("directory"), "{err}");
    assert_eq!(listing(&out), vec!["second.npy"], "first.npy is not written when second.npy cannot be");
    // A folder that does not exist is created, and removed again when the command fails.
    let fresh = dir.join("fresh/nested");
    std::fs::write(&model, pare::onnx::encode_model(&relu_and_bfloat16_model())).unwrap();
    let o = pare(&[&"run", &model, &"--random", &"--dim", &"batch=1", &"--out", &fresh]);
    assert!(assert_fails(&o, 1).contains("bfloat16"), "{}", stderr(&o));
    assert!(!dir.join("fresh").exists());
    std::fs::write(&model, pare::onnx::encode_model(&relu_model(&["first", "second"]))).unwrap();
    let o = pare(&[&"run", &model, &"--random", &"--dim", &"batch=1", &"--out", &fresh]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(listing(&fresh), vec!["first.npy", "second.npy"]);
}

fn batch_by_4(name: &str, dtype: i32) -> ValueInfo {
    ValueInfo::tensor(name, dtype, Some(vec![Dim::symbol("batch"), Dim::known(4)]))
}


/// One Relu per output, input `x0`, `x1`… `float32 [batch, 4]`.
fn relu_model(outputs: &[&str]) -> Model {
    let mut graph = Graph { name: "relus".into(), ..Graph::default() };
    for (i, output) in outputs.iter().enumerate() {
        let input = format!("x{i}");
        graph.inputs.push(batch_by_4(&input, onnx_code::FLOAT));
        graph.outputs.push(batch_by_4(output, onnx_code::FLOAT));
        graph.nodes.push(Node::new("Relu", &[input.as_str()], &[output]));
    }
    crate::common::opset17_model(graph)
}

/// `first` = Relu(x), `second` = Cast(x) to bfloat16, which `.npy` cannot hold.
fn relu_and_bfloat16_model() -> Model {
    let mut graph = Graph { name: "bf16".into(), ..Graph::default() };
    graph.inputs.push(batch_by_4("x", onnx_code::FLOAT));
    graph.outputs.push(batch_by_4("first", onnx_code::FLOAT));
    graph.outputs.push(batch_by_4("second", onnx_code::BFLOAT16));
    graph.nodes.push(Node::new("Relu", &["x"], &["first"]));
    let mut cast = Node::new("Cast", &["x"], &["second"]);
    cast.set_attribute("to", pare::ir::AttrValue::Int(i64::from(onnx_code::BFLOAT16)));
    graph.nodes.push(cast);
    crate::common::opset17_model(graph)
}
