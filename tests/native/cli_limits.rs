//! Hostile sizes on the command line (issue 17, findings 2, 3 and 7): an `.npz` that inflates
//! past the memory budget, sample counts of 2^40, inputs that never end (`/dev/zero`) — each a
//! clear one-line error, never an allocation abort nor gigabytes read.

use std::path::Path;
use std::process::{Command, Output};

use pare::ir::Tensor;

use crate::common::cli::{assert_fails, workdir};
use crate::common::mnist_cnn::fixture;

/// `pare args` with the memory budget `PARE_MAX_MEMORY=budget` (unset when `None`).
fn pare_with_budget(budget: Option<&str>, args: &[&dyn AsRef<std::ffi::OsStr>]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pare"));
    command.args(args).env_remove("PARE_MAX_MEMORY");
    if let Some(b) = budget {
        command.env("PARE_MAX_MEMORY", b);
    }
    command.output().unwrap()
}

/// A failure of `kind` (exit 1, `pare: error[kind]: …` as the last line of stderr); the line.
fn assert_error_kind(o: &Output, kind: &str) -> String {
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(1), "{err}");
    let last = err.trim_end().lines().last().unwrap_or_default().to_string();
    assert!(last.starts_with(&format!("pare: error[{kind}]: ")), "{err}");
    assert!(!err.contains("panicked") && !err.contains("memory allocation"), "{err}");
    last
}

/// An `.npz` of `image` zeros `[samples, 1, 1, 28, 28]` (MNIST's calibration layout), deflated:
/// 25,000 samples are 78 MB inflated from about 80 kB.
fn zeros_npz(path: &Path, samples: usize) {
    let image = Tensor::zeros::<f32>(&[samples, 1, 1, 28, 28]).unwrap();
    std::fs::write(path, pare::npz::write_npz_compressed(&[("image".to_string(), image)]).unwrap()).unwrap();
}

#[test]
fn an_npz_inflating_past_the_memory_budget_is_too_large() {
    let dir = workdir("cli_limits", "npz_bomb");
    let bomb = dir.join("bomb.npz");
    zeros_npz(&bomb, 25_000);
    assert!(std::fs::metadata(&bomb).unwrap().len() < 200_000);
    let model = fixture("model.onnx");
    let out = dir.join("out.onnx");
    let compress = |budget| {
        pare_with_budget(budget, &[&"compress", &model, &"-o", &out, &"--quantize", &"int8", &"--calib", &bomb, &"--no-compare"])
    };
    let last = assert_error_kind(&compress(Some("64M")), "too-large");
    assert!(last.contains("bomb.npz") && last.contains("memory budget of 67108864 bytes"), "{last}");
    assert!(!out.exists());
    let o = pare_with_budget(Some("64M"), &[&"compare", &model, &model, &"--inputs", &bomb, &"--samples", &"2"]);
    assert_error_kind(&o, "too-large");
    // A budget that is not a size is a usage error.
    let o = pare_with_budget(Some("lots"), &[&"inspect", &model]);
    assert!(assert_fails(&o, 2).contains("PARE_MAX_MEMORY"));
}

#[test]
fn huge_sample_counts_are_too_large_not_an_abort() {
    let dir = workdir("cli_limits", "sample_counts");
    let model = fixture("model.onnx");
    let out = dir.join("out.onnx");
    let huge = "1099511627776";
    let o = pare_with_budget(None, &[&"compress", &model, &"-o", &out, &"--quantize", &"int8", &"--calib-random", &huge]);
    let last = assert_error_kind(&o, "too-large");
    assert!(last.contains("making 1099511627776 random samples"), "{last}");
    assert!(!out.exists());
    let o = pare_with_budget(None, &[&"compare", &model, &model, &"--random", &"--samples", &huge]);
    assert_error_kind(&o, "too-large");
    // `run --repeat 2^40` pre-sized its list of times (16 TB: an abort) and would never end
    // (scripts/fuzz/campaign.py found it): a usage error now.
    let err = assert_fails(&pare_with_budget(None, &[&"run", &model, &"--random", &"--repeat", &huge]), 2);
    assert!(err.contains("--repeat is at most 1000000"), "{err}");
}

#[test]
fn endless_and_huge_input_files_fail_fast() {
    let dir = workdir("cli_limits", "endless_inputs");
    let model = fixture("model.onnx");
    let out = dir.join("out.onnx");
    let zero = Path::new("/dev/zero");
    let cases: Vec<(Vec<&dyn AsRef<std::ffi::OsStr>>, &str, &str)> = vec![
        (vec![&"inspect", &zero], "bad-argument", "does not start like an ONNX model"),
        (vec![&"run", &model, &"--input", &zero], "bad-argument", "not a .npy file"),
        (vec![&"compress", &model, &"-o", &out, &"--quantize", &"int8", &"--calib", &zero], "bad-argument", "does not start like a .npz"),
        (vec![&"compress", &model, &"-o", &out, &"--recipe", &zero], "bad-argument", "more than the 4194304 a recipe may have"),
        (vec![&"compare", &model, &model, &"--inputs", &zero], "bad-argument", "does not start like a .npz"),
    ];
    for (args, kind, needle) in cases {
        let last = assert_error_kind(&pare_with_budget(None, &args), kind);
        assert!(last.contains("/dev/zero") && last.contains(needle), "{needle}: {last}");
    }
    // A regular file is never read past the budget: a sparse 64 GiB "model" is too large at once.
    let sparse = dir.join("sparse.onnx");
    std::fs::File::create(&sparse).unwrap().set_len(64 << 30).unwrap();
    let last = assert_error_kind(&pare_with_budget(Some("1G"), &[&"inspect", &sparse]), "too-large");
    assert!(last.contains("68719476736 bytes"), "{last}");
    assert!(!out.exists());
}

/// `y = Add(ConstantOfShape(a), ConstantOfShape(b))`: two constants of shapes `a` and `b`
/// broadcast together, in a file of a few hundred bytes.
fn constant_add_model(a: &[i64], b: &[i64]) -> pare::ir::Model {
    use pare::ir::{AttrTensor, AttrValue, Dim, Graph, Initializer, Model, Node, OpsetImport, ValueInfo, dtype::onnx_code};
    let mut graph = Graph { name: "bomb".into(), ..Graph::default() };
    for (name, dims) in [("shape_a", a), ("shape_b", b)] {
        graph.initializers.push(Initializer::new(name, Tensor::from_vec(&[dims.len()], dims.to_vec()).unwrap()));
    }
    for (shape, out) in [("shape_a", "a"), ("shape_b", "b")] {
        let mut node = Node::new("ConstantOfShape", &[shape], &[out]);
        node.set_attribute("value", AttrValue::Tensor(AttrTensor::new(Tensor::from_vec(&[1], vec![1f32]).unwrap())));
        graph.nodes.push(node);
    }
    graph.nodes.push(Node::new("Add", &["a", "b"], &["y"]));
    graph.outputs.push(ValueInfo::tensor("y", onnx_code::FLOAT, Some(vec![Dim::symbol("n"), Dim::symbol("m")])));
    Model {
        ir_version: 8,
        opset_import: vec![OpsetImport { domain: String::new(), version: 17 }],
        graph,
        ..Model::default()
    }
}

#[test]
fn op_outputs_above_the_memory_budget_are_too_large() {
    let dir = workdir("cli_limits", "op_outputs");
    // A broadcast Add of [65536, 1] and [1, 65536]: 16 GiB of float32 from two tiny constants.
    let broadcast = dir.join("broadcast.onnx");
    std::fs::write(&broadcast, pare::onnx::encode_model(&constant_add_model(&[65536, 1], &[1, 65536]))).unwrap();
    // ConstantOfShape [25000, 25000]: 2.5 GB, above a 1 GiB budget.
    let square = dir.join("square.onnx");
    std::fs::write(&square, pare::onnx::encode_model(&constant_add_model(&[25000, 25000], &[1]))).unwrap();
    for model in [&broadcast, &square] {
        assert!(std::fs::metadata(model).unwrap().len() < 300);
        let last = assert_error_kind(&pare_with_budget(Some("1G"), &[&"run", model]), "too-large");
        assert!(last.contains("1073741824"), "{last}");
    }
}

#[test]
fn an_address_space_limit_lowers_the_default_budget() {
    // Under `ulimit -v 4G` the default budget (half the machine's memory) let a 2.5 GB output
    // through, and its allocation aborted (scripts/fuzz/campaign.py): half the limit now.
    let dir = workdir("cli_limits", "address_space");
    let square = dir.join("square.onnx");
    std::fs::write(&square, pare::onnx::encode_model(&constant_add_model(&[25000, 25000], &[1]))).unwrap();
    let o = Command::new("sh")
        .args(["-c", "ulimit -v 4194304 && exec \"$0\" run \"$1\""])
        .arg(env!("CARGO_BIN_EXE_pare"))
        .arg(&square)
        .env_remove("PARE_MAX_MEMORY")
        .output()
        .unwrap();
    let last = assert_error_kind(&o, "too-large");
    assert!(last.contains("the 2147483648-byte limit"), "{last}");
}
