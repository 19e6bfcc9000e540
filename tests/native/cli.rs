//! The `pare` binary end to end, on small models built here with pare's own IR and encoder.

use std::path::{Path, PathBuf};

use pare::ir::{Dim, Graph, Model, Node, Tensor, ValueInfo, dtype::onnx_code};
use pare::npy::{read_npy, write_npy};

use crate::common::cli::{assert_fails, pare_mixed as pare, stderr, stdout, workdir};

fn batch_by_4(name: &str) -> ValueInfo {
    ValueInfo::tensor(name, onnx_code::FLOAT, Some(vec![Dim::symbol("batch"), Dim::known(4)]))
}

/// One Relu per (input, output) pair, all `float32 [batch, 4]`.
fn relu_model(pairs: &[(&str, &str)]) -> Model {
    let mut graph = Graph { name: "relus".into(), ..Graph::default() };
    for (input, output) in pairs {
        graph.inputs.push(batch_by_4(input));
        graph.outputs.push(batch_by_4(output));
        graph.nodes.push(Node::new("Relu", &[input], &[output]));
    }
    crate::common::opset17_model(graph)
}

fn write_model(dir: &Path, model: &Model) -> PathBuf {
    let path = dir.join("model.onnx");
    std::fs::write(&path, pare::onnx::encode_model(model)).unwrap();
    path
}

fn write_tensor(dir: &Path, file: &str, tensor: &Tensor) -> PathBuf {
    let path = dir.join(file);
    std::fs::write(&path, write_npy(tensor).unwrap()).unwrap();
    path
}

fn x_values() -> Tensor {
    Tensor::from_vec(&[2, 4], vec![-1.0f32, 2.0, -3.0, 4.0, 0.5, -0.5, 0.0, 7.25]).unwrap()
}

#[test]
fn run_writes_outputs_as_npy_and_prints_a_summary() {
    let dir = workdir("cli", "run_npy");
    let model = write_model(&dir, &relu_model(&[("x", "y")]));
    let x = write_tensor(&dir, "x.npy", &x_values());
    let out = dir.join("out");
    let o = pare(&[&"run", &model, &"--input", &format!("x={}", x.display()), &"--out", &out]);
    assert!(o.status.success(), "{}", stderr(&o));
    let y = read_npy(&std::fs::read(out.join("y.npy")).unwrap()).unwrap();
    let want = Tensor::from_vec(&[2, 4], vec![0.0f32, 2.0, 0.0, 4.0, 0.5, 0.0, 0.0, 7.25]).unwrap();
    assert_eq!(y, want);
    let line = stdout(&o);
    assert!(line.starts_with("y  float32 [2, 4]  min 0  max 7.25  mean 1.71875"), "{line}");
    assert!(stderr(&o).contains("ran in"), "{}", stderr(&o));
    // A one-input model also takes the file without a name.
    let o = pare(&[&"run", &model, &"--input", &x]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn random_inputs_are_seeded_and_follow_dims() {
    let dir = workdir("cli", "run_random");
    let model = write_model(&dir, &relu_model(&[("x", "y")]));
    let run = |seed: &str, out: &str| {
        let o = pare(&[&"run", &model, &"--random", &"--seed", &seed, &"--dim", &"batch=3", &"--out", &dir.join(out)]);
        assert!(o.status.success(), "{}", stderr(&o));
        read_npy(&std::fs::read(dir.join(out).join("y.npy")).unwrap()).unwrap()
    };
    let first = run("7", "a");
    assert_eq!(first.shape(), vec![3, 4]);
    assert_eq!(first, run("7", "b"));
    assert_ne!(first, run("8", "c"));
    let values = first.to_f64_vec().unwrap();
    assert!(values.iter().all(|v| (0.0..1.0).contains(v)));
}

#[test]
fn random_fills_only_the_inputs_not_given() {
    let dir = workdir("cli", "run_partial_random");
    let model = write_model(&dir, &relu_model(&[("a", "ya"), ("b", "yb")]));
    let a = write_tensor(&dir, "a.npy", &x_values());
    let out = dir.join("out");
    let o = pare(&[&"run", &model, &"--input", &format!("a={}", a.display()), &"--random", &"--out", &out]);
    assert!(o.status.success(), "{}", stderr(&o));
    // `b` shares the symbolic dim `batch` with `a`, so it takes a's batch size.
    let yb = read_npy(&std::fs::read(out.join("yb.npy")).unwrap()).unwrap();
    assert_eq!(yb.shape(), vec![2, 4]);
}

#[test]
fn output_names_are_sanitized_and_disambiguated() {
    let dir = workdir("cli", "run_names");
    let model = write_model(&dir, &relu_model(&[("a", "out/a"), ("b", "out:a")]));
    let out = dir.join("out");
    let o = pare(&[&"run", &model, &"--random", &"--out", &out]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut files: Vec<String> =
        std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    files.sort();
    assert_eq!(files, vec!["out_a.npy", "out_a_1.npy"]);
}

#[test]
fn a_missing_input_names_it_and_its_expected_shape() {
    let dir = workdir("cli", "run_missing");
    let model = write_model(&dir, &relu_model(&[("x", "y")]));
    let err = assert_fails(&pare(&[&"run", &model]), 1);
    assert!(err.starts_with("pare: error[bad-input]: input `x` is missing"), "{err}");
    assert!(err.contains("float32 [batch, 4]"), "{err}");
}

#[test]
fn bad_input_files_are_explained() {
    let dir = workdir("cli", "run_bad_file");
    let model = write_model(&dir, &relu_model(&[("x", "y")]));
    let junk = dir.join("junk.npy");
    std::fs::write(&junk, b"definitely not numpy").unwrap();
    let err = assert_fails(&pare(&[&"run", &model, &"--input", &format!("x={}", junk.display())]), 1);
    assert!(err.contains("junk.npy") && err.contains("not a .npy file"), "{err}");
    assert!(err.starts_with("pare: error[bad-input]: input `x`: `"), "the kind is printed, the context kept: {err}");
    let missing = dir.join("nowhere.npy");
    let err = assert_fails(&pare(&[&"run", &model, &"--input", &format!("x={}", missing.display())]), 1);
    assert!(err.starts_with("pare: error[bad-argument]: cannot read `") && err.contains("nowhere.npy"), "{err}");
    let ints = write_tensor(&dir, "ints.npy", &Tensor::from_vec(&[2, 4], vec![1i32; 8]).unwrap());
    let err = assert_fails(&pare(&[&"run", &model, &"--input", &format!("x={}", ints.display())]), 1);
    assert!(err.contains("int32") && err.contains("float32 [batch, 4]"), "{err}");
    let wrong_shape = write_tensor(&dir, "wide.npy", &Tensor::zeros::<f32>(&[2, 5]).unwrap());
    let err = assert_fails(&pare(&[&"run", &model, &"--input", &format!("x={}", wrong_shape.display())]), 1);
    assert!(err.contains("[2, 5]"), "{err}");
    let not_a_model = assert_fails(&pare(&[&"run", &junk]), 1);
    assert!(not_a_model.starts_with("pare: error[not-onnx]: `") && not_a_model.contains("not an ONNX model"), "{not_a_model}");
}

#[test]
fn command_line_mistakes_exit_2_with_one_line() {
    let dir = workdir("cli", "usage");
    let model = write_model(&dir, &relu_model(&[("x", "y")]));
    let err = assert_fails(&pare(&[&"run", &model, &"--inptu", &"x=a.npy"]), 2);
    assert!(err.contains("unknown option `--inptu`") && err.contains("did you mean --input?"), "{err}");
    let err = assert_fails(&pare(&[&"inspect", &model, &"--frobnicate"]), 2);
    assert!(err.contains("--frobnicate"), "{err}");
    let err = assert_fails(&pare(&[&"run", &model, &"--input", &"nope=x.npy"]), 2);
    assert!(err.contains("no input `nope`") && err.contains("`x`"), "{err}");
    let err = assert_fails(&pare(&[&"run", &model, &"--random", &"--dim", &"bach=2"]), 2);
    assert!(err.contains("`bach`") && err.contains("batch"), "{err}");
    assert_fails(&pare(&[&"run", &model, &"--seed", &"3"]), 2);
    assert_fails(&pare(&[&"run", &model, &"--random", &"--repeat", &"zero"]), 2);
    let err = assert_fails(&pare(&[&"run", &model, &"--random", &"--threads", &"0"]), 2);
    assert!(err.contains("--threads expects a number of threads (1 or more), got `0`"), "{err}");
    let err = assert_fails(&pare(&[&"compare", &model, &model, &"--threads", &"1.5"]), 2);
    assert!(err.contains("got `1.5`"), "{err}");
    assert_fails(&pare(&[&"run"]), 2);
    assert_fails(&pare(&[&"compress-everything"]), 2);
}

#[test]
fn help_is_available_everywhere() {
    for args in [vec!["--help"], vec!["help"], vec!["help", "run"], vec!["run", "--help"], vec!["inspect", "-h"]] {
        let list: Vec<&dyn AsRef<std::ffi::OsStr>> = args.iter().map(|a| a as &dyn AsRef<std::ffi::OsStr>).collect();
        let o = pare(&list);
        assert!(o.status.success(), "{args:?}");
        assert!(stdout(&o).contains("Usage"), "{args:?}");
    }
    let o = pare(&[&"run", &"--help"]);
    assert!(stdout(&o).contains("a_b.npy and a_b_1.npy"), "the naming rule is documented");
}

#[test]
fn inspect_prints_tables_and_json() {
    let dir = workdir("cli", "inspect");
    let model = write_model(&dir, &relu_model(&[("x", "y")]));
    let o = pare(&[&"inspect", &model, &"--dim", &"batch=8"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    for needle in [
        "input      x: float32 [batch, 4]  (analysed as [8, 4])",
        "observed by running",
        "ops by FLOPs",
        "lint",
        "flops-not-latency",
    ] {
        assert!(text.contains(needle), "missing `{needle}` in\n{text}");
    }
    let o = pare(&[&"inspect", &model, &"--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let json: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert_eq!(json["shapes"]["source"], "observed");
    assert_eq!(json["totals"]["flops"], 4);
    assert_eq!(json["nodes"][0]["op_type"], "Relu");
    assert_eq!(json["summary"]["inputs"][0]["name"], "x");
}

#[test]
fn whole_input_shapes_can_be_given() {
    let dir = workdir("cli", "shape_option");
    let model = write_model(&dir, &relu_model(&[("x", "y")]));
    let out = dir.join("out");
    let o = pare(&[&"run", &model, &"--random", &"--shape", &"x=5,4", &"--out", &out]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(read_npy(&std::fs::read(out.join("y.npy")).unwrap()).unwrap().shape(), vec![5, 4]);
    let o = pare(&[&"inspect", &model, &"--shape", &"x=6x4"]);
    assert!(stdout(&o).contains("(analysed as [6, 4])"), "{}", stdout(&o));
    let err = assert_fails(&pare(&[&"inspect", &model, &"--shape", &"x=6,5"]), 2);
    assert!(err.contains("does not fit its declared shape [batch, 4]"), "{err}");
    let err = assert_fails(&pare(&[&"run", &model, &"--shape", &"x=6,4"]), 2);
    assert!(err.contains("--shape applies to random inputs"), "{err}");
    assert_fails(&pare(&[&"inspect", &model, &"--shape", &"x=six"]), 2);
}
