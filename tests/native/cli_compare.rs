//! `pare compare` end to end on the MNIST CNN fixture: against itself and against a copy with
//! every weight scaled by 1.01, on held-out digits written as an .npz by pare's own writer, or
//! on seeded random samples; and the mistakes a user can make, each reported in one line.

use std::path::{Path, PathBuf};
use std::process::Output;

use pare::ir::{Dim, Graph, Model, Node, OpsetImport, Tensor, ValueInfo, dtype::onnx_code};

use crate::common::cli::{assert_fails as fails, pare_mixed as pare, stdout, workdir};
use crate::common::mnist_cnn::{fixture, mnist};

fn write_model(dir: &Path, file: &str, model: &Model) -> PathBuf {
    let path = dir.join(file);
    std::fs::write(&path, pare::onnx::encode_model(model)).unwrap();
    path
}

/// The MNIST model with every float initializer multiplied by 1.01.
fn perturbed_mnist(dir: &Path) -> PathBuf {
    let mut model = mnist();
    for init in &mut model.graph.initializers {
        if let Tensor::F32(a) = &mut init.tensor {
            a.mapv_inplace(|v| v * 1.01);
        }
    }
    write_model(dir, "perturbed.onnx", &model)
}

/// The first `count` held-out digits as `image` [count, 1, 28, 28] in [0, 1], written as .npz.
fn digits_npz(dir: &Path, count: usize) -> PathBuf {
    let pixels = pare::npy::read_npy(&std::fs::read(fixture("heldout_pixels.npy")).unwrap()).unwrap();
    let values: Vec<f32> = pixels.to_f64_vec().unwrap()[..count * 784].iter().map(|&p| (p / 255.0) as f32).collect();
    let images = Tensor::from_vec(&[count, 1, 28, 28], values).unwrap();
    let path = dir.join("digits.npz");
    std::fs::write(&path, pare::npz::write_npz(&[("image".into(), images)]).unwrap()).unwrap();
    path
}

fn succeeds(o: &Output) -> String {
    assert_eq!(o.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&o.stderr));
    stdout(o)
}

#[test]
fn a_model_against_itself_on_random_samples_is_exact() {
    let model = fixture("model.onnx");
    let text = succeeds(&pare(&[&"compare", &model, &model]));
    assert!(text.contains("8 samples: random inputs, seed 0"), "{text}");
    let logits = text.lines().find(|l| l.starts_with("logits")).unwrap_or_else(|| panic!("{text}"));
    let cells: Vec<&str> = logits.split_whitespace().collect();
    assert_eq!(cells[1..6], ["0", "0", "1.000000", "exact", "100.0%"], "{logits}");
    assert!(text.contains("9 intermediate tensors compared; in execution order:"), "{text}");
}

#[test]
fn json_report_on_npz_digits_shows_the_perturbation() {
    let dir = workdir("cli_compare", "json_npz");
    let (model, perturbed, npz) = (fixture("model.onnx"), perturbed_mnist(&dir), digits_npz(&dir, 6));
    let out = succeeds(&pare(&[&"compare", &model, &perturbed, &"--inputs", &npz, &"--json"]));
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["samples"], 6);
    assert_eq!(json["candidate"], perturbed.to_str().unwrap());
    assert_eq!(json["input_source"], format!("from {}", npz.display()));
    let logits = &json["outputs"][0];
    assert_eq!(logits["name"], "logits");
    assert_eq!(logits["metrics"]["exact"], false);
    let db = logits["metrics"]["sqnr_db"].as_f64().unwrap();
    assert!(db > 20.0 && db < 40.0, "{db}");
    assert_eq!(logits["agreement"]["rows"], 6);
    let conv1 = &json["intermediates"][0];
    assert_eq!(conv1["name"], "conv1");
    assert!((conv1["metrics"]["sqnr_db"].as_f64().unwrap() - 40.0).abs() < 0.01, "{conv1}");
    assert_eq!(json["intermediates"].as_array().unwrap().len(), 9);

    // The same model twice: SQNR is null with `exact` true.
    let out = succeeds(&pare(&[&"compare", &model, &model, &"--inputs", &npz, &"--samples", &"2", &"--json"]));
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["samples"], 2);
    assert_eq!(json["input_source"], format!("the first 2 of 6 in {}", npz.display()));
    assert_eq!(json["outputs"][0]["metrics"]["sqnr_db"], serde_json::Value::Null);
    assert_eq!(json["outputs"][0]["metrics"]["exact"], true);
}

#[test]
fn random_samples_follow_seed_and_count() {
    let dir = workdir("cli_compare", "random");
    let (model, perturbed) = (fixture("model.onnx"), perturbed_mnist(&dir));
    let run = |seed: &str| {
        let out = pare(&[&"compare", &model, &perturbed, &"--random", &"--seed", &seed, &"--samples", &"3", &"--json"]);
        serde_json::from_str::<serde_json::Value>(&succeeds(&out)).unwrap()
    };
    let (a, b, c) = (run("1"), run("1"), run("2"));
    assert_eq!(a["samples"], 3);
    assert_eq!(a["input_source"], "random inputs, seed 1");
    assert_eq!(a, b, "the same seed gives the same report");
    assert_ne!(a["outputs"][0]["metrics"]["max_abs"], c["outputs"][0]["metrics"]["max_abs"]);
}

/// A chain of 12 Relus: 11 intermediates, more than the table shows by default.
fn relu_chain(dir: &Path) -> PathBuf {
    let mut graph = Graph { name: "chain".into(), ..Graph::default() };
    let value = |i: usize| {
        if i == 0 {
            "x".to_string()
        } else if i == 12 {
            "y".to_string()
        } else {
            format!("v{i}")
        }
    };
    for i in 0..12 {
        graph.nodes.push(Node::new("Relu", &[value(i).as_str()], &[value(i + 1).as_str()]));
    }
    graph.inputs.push(ValueInfo::tensor("x", onnx_code::FLOAT, Some(vec![Dim::symbol("N"), Dim::known(3)])));
    graph.outputs.push(ValueInfo::tensor("y", onnx_code::FLOAT, Some(vec![Dim::symbol("N"), Dim::known(3)])));
    let model = Model {
        ir_version: 8,
        opset_import: vec![OpsetImport { domain: String::new(), version: 17 }],
        graph,
        ..Model::default()
    };
    write_model(dir, "chain.onnx", &model)
}

#[test]
fn the_table_shows_the_worst_ten_unless_asked_for_all() {
    let dir = workdir("cli_compare", "worst");
    let chain = relu_chain(&dir);
    let text = succeeds(&pare(&[&"compare", &chain, &chain, &"--samples", &"2", &"--dim", &"N=4"]));
    assert!(text.contains("11 intermediate tensors compared; the 10 with the lowest SQNR:"), "{text}");
    assert_eq!(text.lines().filter(|l| l.starts_with('v')).count(), 10, "{text}");
    // Classifier-like (last dim 3): top-1 only, top-5 needs more than 5 classes.
    let y = text.lines().find(|l| l.starts_with("y ")).unwrap();
    assert!(y.contains("100.0% (8/8)") && y.trim_end().ends_with('-'), "{y}");
    let all = succeeds(&pare(&[&"compare", &chain, &chain, &"--all-intermediates"]));
    assert!(all.contains("11 intermediate tensors compared; in execution order:"), "{all}");
    assert_eq!(all.lines().filter(|l| l.starts_with('v')).count(), 11, "{all}");
}

#[test]
fn mistakes_are_reported_in_one_line() {
    let dir = workdir("cli_compare", "mistakes");
    let model = fixture("model.onnx");
    let npz = digits_npz(&dir, 2);

    let err = fails(&pare(&[&"compare", &model]), 2);
    assert!(err.contains("takes two models"), "{err}");
    let err = fails(&pare(&[&"compare", &model, &model, &"--inputs", &npz, &"--seed", &"3"]), 2);
    assert!(err.contains("--seed is for random samples; it cannot go with --inputs"), "{err}");
    let err = fails(&pare(&[&"compare", &model, &model, &"--samples", &"0"]), 2);
    assert!(err.contains("--samples expects a positive integer"), "{err}");
    let err = fails(&pare(&[&"compare", &model, &model, &"--dim", &"batch=2"]), 2);
    assert!(err.contains("dim `batch` is set but no input declares it"), "{err}");

    // An .npz whose array is not named after the input.
    let wrong = dir.join("wrong.npz");
    let images = Tensor::zeros::<f32>(&[2, 1, 28, 28]).unwrap();
    std::fs::write(&wrong, pare::npz::write_npz(&[("pixels".into(), images)]).unwrap()).unwrap();
    let err = fails(&pare(&[&"compare", &model, &model, &"--inputs", &wrong]), 1);
    assert!(err.contains("array `pixels` does not match any model input"), "{err}");
    let err = fails(&pare(&[&"compare", &model, &model, &"--inputs", &model]), 1);
    assert!(err.contains("not a .npz file"), "{err}");

    // Models that cannot be compared.
    let chain = relu_chain(&dir);
    let err = fails(&pare(&[&"compare", &model, &chain, &"--inputs", &npz]), 1);
    assert!(err.contains("the models take different inputs"), "{err}");
}
