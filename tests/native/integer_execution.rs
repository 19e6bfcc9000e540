//! Integer execution of statically quantized (QDQ) models, on the MNIST CNN of
//! tests/fixtures/mnist_cnn (trained on real digits) quantized by pare with its 200
//! calibration digits, evaluated on the 1,000 held-out digits:
//!
//! - the session runs every Conv and fc1 as integer layers (QLinearConv, QLinearGemm) and the
//!   MaxPool/Flatten between them on 8-bit values; fc2, which writes the float model output,
//!   runs in float on the dequantized relu3;
//! - integer and float-simulated execution (`integer: false`: the QDQ graph as written) agree
//!   on every top-1 of the 1,000 digits, and their logits within what one step of relu3 allows
//!   (README.md);
//! - observers still see every layer's float output name (dequantized), so per-layer
//!   comparison works on integer sessions.
//!
//! Agreement with onnxruntime's fused integer kernels is checked by tests/native/quantize.rs
//! (its sessions run integer by default).

use pare::compress::quantize::{Mode, QuantizeSpec};
use pare::compress::{Recipe, Step, compress};
use pare::ir::{Model, Tensor};
use pare::onnx::decode_model;
use pare::runtime::{Session, SessionOptions};

use crate::common::{argmax, logits, read, repo_root};
use crate::common::mnist_cnn::{calibration, heldout_labels, mnist, pixels};

fn quantized(spec: QuantizeSpec) -> Model {
    compress(&mnist(), &Recipe { steps: vec![Step::Quantize(spec)] }, Some(&calibration()), &mut |_| {}).unwrap().0
}

/// How far apart two runs' logits may be when each value of fc2's input (relu3, on its
/// quantization grid) differs by at most one step between them: step(relu3) · max over output
/// channels j of Σ_k |W_jk|, W being fc2's dequantized weight. fc2 writes the model output, which
/// static quantization leaves float, so fc2 itself adds no rounding of its own to compare.
fn logits_bound(model: &Model) -> f32 {
    let g = &model.graph;
    let producer = |name: &str| g.nodes.iter().find(|n| n.outputs.iter().any(|o| o == name)).unwrap();
    let values = |name: &str| g.initializer(name).unwrap().tensor.to_f64_vec().unwrap();
    let fc2 = producer("logits");
    assert_eq!(fc2.op_type, "Gemm", "the model output is fc2's own float result");
    let x_dq = producer(&fc2.inputs[0]);
    assert_eq!(x_dq.op_type, "DequantizeLinear", "fc2 reads relu3 rounded");
    let step = values(&x_dq.inputs[1])[0];
    let w_dq = producer(&fc2.inputs[1]);
    assert_eq!(w_dq.op_type, "DequantizeLinear");
    let (q, scales) = (values(&w_dq.inputs[0]), values(&w_dq.inputs[1]));
    let shape = g.initializer(&w_dq.inputs[0]).unwrap().tensor.shape();
    let trans_b = fc2.attr_int("transB").unwrap().unwrap_or(0) != 0;
    let (outputs, inner) = if trans_b { (shape[0], shape[1]) } else { (shape[1], shape[0]) };
    let at = |j: usize, k: usize| if trans_b { q[j * inner + k] } else { q[k * outputs + j] };
    let scale = |j: usize| if scales.len() == 1 { scales[0] } else { scales[j] };
    let worst = (0..outputs).map(|j| (0..inner).map(|k| at(j, k).abs()).sum::<f64>() * scale(j)).fold(0.0, f64::max);
    (step * worst) as f32
}

#[test]
fn static_int8_mnist_runs_on_integer_layers_and_agrees_with_float_simulation() {
    let held_out = pixels("heldout_pixels.npy");
    let labels = heldout_labels();
    for (name, per_channel, symmetric_activations) in
        [("per-channel", true, false), ("per-tensor", false, false), ("symmetric activations", true, true)]
    {
        let mut spec = QuantizeSpec::new(Mode::Static);
        spec.per_channel = per_channel;
        spec.symmetric_activations = symmetric_activations;
        let model = quantized(spec);
        let integer = Session::new(&model).unwrap();
        let simulated = Session::with_options(&model, SessionOptions { integer: false, ..SessionOptions::default() }).unwrap();
        assert!(simulated.integer_layers().is_empty());
        let runs_as: Vec<(String, String)> =
            integer.integer_layers().iter().map(|l| (l.op_type.clone(), l.runs_as.clone())).collect();
        let count = |op: &str, as_op: &str| runs_as.iter().filter(|(o, a)| o == op && a == as_op).count();
        assert_eq!(count("Conv", "QLinearConv"), 2, "{name}: {runs_as:?}");
        // fc1; fc2 writes the model output, which stays float, so it runs in float on the
        // dequantized relu3.
        assert_eq!(count("Gemm", "QLinearGemm"), 1, "{name}: {runs_as:?}");
        assert_eq!(count("MaxPool", "MaxPool"), 2, "{name}: {runs_as:?}");

        let (a, b) = (logits(&integer, &held_out), logits(&simulated, &held_out));
        let bound = logits_bound(&model);
        let worst = a.iter().flatten().zip(b.iter().flatten()).map(|(x, y)| (x - y).abs()).fold(0f32, f32::max);
        let agree = a.iter().zip(&b).filter(|(x, y)| argmax(x) == argmax(y)).count();
        let correct = |l: &[Vec<f32>]| l.iter().zip(&labels).filter(|(row, label)| argmax(row) as i64 == **label).count();
        let (acc_int, acc_sim) = (correct(&a), correct(&b));
        println!(
            "{name:22} integer layers {}: top-1 {acc_int}/1000 vs float-simulated {acc_sim}/1000, agreement {agree}/1000, \
             max logit diff {worst:.2e} (bound {bound:.2e})",
            runs_as.len()
        );
        // README.md: "agree with float simulation of the same QDQ graph on every top-1, and their
        // logits within what one step of fc2's input allows". Both paths compute the same int8
        // values layer by layer except where a float accumulation lands within rounding error of
        // a requantization boundary (x.5 steps); there the two round to neighbouring values, one
        // step apart (`observers_see_every_float_layer_output_of_an_integer_session` checks each
        // layer). fc2 is float in both, so the logits differ by at most fc2's weights times one
        // step of relu3 in every input (`logits_bound`); the 1e-3 slack covers float summation
        // order over fc2's 64 products.
        assert_eq!(agree, 1000, "{name}: integer and simulated top-1 disagree on {} of 1000 digits", 1000 - agree);
        assert_eq!(acc_int, acc_sim, "{name}: integer and simulated accuracy differ");
        assert!(worst <= bound * (1.0 + 1e-3), "{name}: integer vs simulated logits differ by {worst} (bound {bound})");
    }
}

#[test]
fn observers_see_every_float_layer_output_of_an_integer_session() {
    let model = quantized(QuantizeSpec::new(Mode::Static));
    let integer = Session::new(&model).unwrap();
    let simulated = Session::with_options(&model, SessionOptions { integer: false, ..SessionOptions::default() }).unwrap();
    let Tensor::F32(all) = pixels("heldout_pixels.npy") else { unreachable!() };
    let one = Tensor::F32(all.slice(ndarray::s![..1, .., .., ..]).to_owned().into_dyn());
    let (_, seen_int) = integer.run_capture(vec![("image".into(), one.clone())]).unwrap();
    let (_, seen_sim) = simulated.run_capture(vec![("image".into(), one)]).unwrap();
    // Integer layers requantize their output (and so apply a folded Relu); the simulated
    // session's counterpart is the same value after its QuantizeLinear → DequantizeLinear.
    let after_qdq = |layer: &str| {
        let q = model.graph.nodes.iter().find(|n| n.op_type == "QuantizeLinear" && n.inputs[0] == layer).unwrap();
        let dq = model.graph.nodes.iter().find(|n| n.op_type == "DequantizeLinear" && n.inputs[0] == q.outputs[0]).unwrap();
        let step = model.graph.initializer(&q.inputs[1]).unwrap().tensor.to_f64_vec().unwrap()[0];
        (dq.outputs[0].clone(), step)
    };
    for layer in ["relu1", "pool1", "relu2", "pool2", "flat", "relu3"] {
        let (reference, step) = after_qdq(layer);
        let find = |seen: &[(String, Tensor)], name: &str| seen.iter().find(|(n, _)| n == name).map(|(_, t)| t.to_f64_vec().unwrap());
        let (Some(int), Some(sim)) = (find(&seen_int, layer), find(&seen_sim, &reference)) else {
            panic!("{layer} not observed in the integer session or {reference} in the simulated one")
        };
        assert_eq!(int.len(), sim.len(), "{layer}");
        let worst = int.iter().zip(&sim).map(|(a, b)| (a - b).abs()).fold(0f64, f64::max) / step;
        assert!(worst <= 1.001, "{layer}: integer is {worst} steps away from the simulated {reference}");
    }
}

#[test]
fn a_float_model_and_weight_only_quantization_stay_in_float() {
    let model = decode_model(&read(&repo_root().join("tests/fixtures/mnist_cnn/model.onnx"))).unwrap();
    assert!(Session::new(&model).unwrap().integer_layers().is_empty());
    let weights_only = quantized(QuantizeSpec::new(Mode::Weights));
    assert!(Session::new(&weights_only).unwrap().integer_layers().is_empty());
}

/// `x_q [4, 256] (every byte in each row) → DQ → Sigmoid → Q → DQ;  DQ(x_q)·DQ(sigmoid) → Q`:
/// SiLU as static quantization writes it, plus a HardSwish, a Clip with constant bounds and
/// a broadcast Add of a [256] constant.
fn silu_graph() -> Model {
    use pare::ir::{Dim, Graph, Initializer, Node, OpsetImport, ValueInfo, dtype::onnx_code};
    let scalar = |name: &str, v: f32| Initializer::new(name, Tensor::scalar(v));
    let zp = |name: &str, v: i8| Initializer::new(name, Tensor::scalar(v));
    let dq = |x: &str, s: &str, z: &str, y: &str| Node::new("DequantizeLinear", &[x, s, z], &[y]);
    let q = |x: &str, s: &str, z: &str, y: &str| Node::new("QuantizeLinear", &[x, s, z], &[y]);
    let bias: Vec<i8> = (0..256).map(|i| (i as i32 - 128) as i8).collect();
    let mut leaky = Node::new("LeakyRelu", &["x"], &["leaky"]);
    leaky.set_attribute("alpha", pare::ir::AttrValue::Float(0.3));
    let graph = Graph {
        name: "silu".into(),
        nodes: vec![
            dq("x_q", "sx", "zx", "x"),
            Node::new("Sigmoid", &["x"], &["sig"]),
            q("sig", "ss", "zs", "sig_q"),
            dq("sig_q", "ss", "zs", "sig_dq"),
            Node::new("Mul", &["x", "sig_dq"], &["silu"]),
            q("silu", "sy", "zy", "silu_q"),
            dq("silu_q", "sy", "zy", "silu_dq"),
            Node::new("HardSwish", &["silu_dq"], &["hs"]),
            q("hs", "sy", "zy", "hs_q"),
            dq("hs_q", "sy", "zy", "hs_dq"),
            Node::new("Clip", &["hs_dq", "lo", "hi"], &["clip"]),
            q("clip", "sy", "zy", "clip_q"),
            dq("clip_q", "sy", "zy", "clip_dq"),
            dq("bias_q", "sb", "zb", "bias"),
            Node::new("Add", &["clip_dq", "bias"], &["sum"]),
            q("sum", "sy", "zy", "sum_q"),
            dq("sum_q", "sy", "zy", "sum_dq"),
            leaky,
            q("leaky", "sy", "zy", "leaky_q"),
            dq("leaky_q", "sy", "zy", "leaky_dq"),
        ],
        initializers: vec![
            scalar("sx", 0.05),
            zp("zx", 3),
            scalar("ss", 1.0 / 255.0),
            zp("zs", -128),
            scalar("sy", 0.04),
            zp("zy", -20),
            scalar("lo", -0.5),
            scalar("hi", 2.0),
            Initializer::new("bias_q", Tensor::from_vec(&[256], bias).unwrap()),
            scalar("sb", 0.01),
            zp("zb", 0),
        ],
        inputs: vec![ValueInfo::tensor("x_q", onnx_code::INT8, Some(vec![Dim::known(4), Dim::known(256)]))],
        outputs: ["sum_dq", "leaky_dq"]
            .iter()
            .map(|n| ValueInfo::tensor(*n, onnx_code::FLOAT, None))
            .collect(),
        ..Graph::default()
    };
    Model { opset_import: vec![OpsetImport { domain: String::new(), version: 17 }], graph, ..Model::default() }
}

#[test]
fn elementwise_ops_between_quantized_values_become_tables_equal_to_float_simulation() {
    let model = silu_graph();
    let integer = Session::new(&model).unwrap();
    let simulated = Session::with_options(&model, SessionOptions { integer: false, ..SessionOptions::default() }).unwrap();
    let kinds: Vec<&str> = integer.integer_layers().iter().map(|l| l.runs_as.as_str()).collect();
    assert_eq!(
        kinds,
        ["QLinearLookup", "QLinearLookup2", "QLinearLookup", "QLinearLookup", "QLinearLookup2", "QLinearLookup"],
        "Sigmoid, Mul, HardSwish, Clip, Add (broadcast constant), LeakyRelu"
    );
    // Every byte, in rows shifted so the broadcast Add sees each pair of values.
    let bytes: Vec<i8> = (0..4 * 256).map(|i| ((i * 7 + i / 256 * 61) % 256) as u8 as i8).collect();
    let x = Tensor::from_vec(&[4, 256], bytes).unwrap();
    let a = integer.run(vec![("x_q".into(), x.clone())]).unwrap();
    let b = simulated.run(vec![("x_q".into(), x)]).unwrap();
    for ((name, got), (_, want)) in a.iter().zip(&b) {
        assert_eq!(got.to_f64_vec().unwrap(), want.to_f64_vec().unwrap(), "{name}: tables differ from float simulation");
    }
}

/// A QDQ Conv whose int32 bias has a scale list of the wrong length (an empty one for 4 output
/// channels), as a broken or hostile file may hold: the session must not panic; the layer stays
/// in float and runs as written, where DequantizeLinear itself refuses the bad scale.
#[test]
fn an_empty_bias_scale_is_not_fused_and_does_not_panic() {
    use pare::ir::{Dim, Graph, Initializer, Node, OpsetImport, ValueInfo, dtype::onnx_code};
    let f32s = |name: &str, shape: &[usize], v: Vec<f32>| Initializer::new(name, Tensor::from_vec(shape, v).unwrap());
    let graph = Graph {
        name: "bad_bias".into(),
        nodes: vec![
            Node::new("DequantizeLinear", &["x_q", "sx", "zx"], &["x"]),
            Node::new("DequantizeLinear", &["w_q", "sw", "zw"], &["w"]),
            Node::new("DequantizeLinear", &["b_q", "sb"], &["b"]),
            Node::new("Conv", &["x", "w", "b"], &["y"]),
            Node::new("QuantizeLinear", &["y", "sy", "zy"], &["y_q"]),
        ],
        initializers: vec![
            f32s("sx", &[], vec![0.1]),
            Initializer::new("zx", Tensor::scalar(0u8)),
            Initializer::new("w_q", Tensor::from_vec(&[4, 1, 1, 1], vec![1i8, 2, 3, 4]).unwrap()),
            f32s("sw", &[], vec![0.5]),
            Initializer::new("zw", Tensor::scalar(0i8)),
            Initializer::new("b_q", Tensor::from_vec(&[4], vec![1i32, 2, 3, 4]).unwrap()),
            f32s("sb", &[0], vec![]),
            f32s("sy", &[], vec![0.2]),
            Initializer::new("zy", Tensor::scalar(0u8)),
        ],
        inputs: vec![ValueInfo::tensor("x_q", onnx_code::UINT8, Some(vec![Dim::known(1), Dim::known(1), Dim::known(2), Dim::known(2)]))],
        outputs: vec![ValueInfo::tensor("y_q", onnx_code::UINT8, None)],
        ..Graph::default()
    };
    let model = Model { opset_import: vec![OpsetImport { domain: String::new(), version: 17 }], graph, ..Model::default() };
    let session = Session::new(&model).unwrap();
    assert!(session.integer_layers().is_empty(), "{:?}", session.integer_layers());
    // Running it: the float path reaches DequantizeLinear(b_q, sb), whose 1-D scale makes it
    // per-axis on its default axis 1, which the rank-1 bias lacks: an error naming that node and
    // the axis, not a panic and not a result.
    let x = Tensor::from_vec(&[1, 1, 2, 2], vec![1u8, 2, 3, 4]).unwrap();
    let err = session.run(vec![("x_q".into(), x)]).expect_err("a bias scale of length 0 for 4 values must not run");
    let message = err.to_string();
    assert!(message.contains("`DequantizeLinear → b`") && message.contains("axis 1 is out of range"), "{message}");
}
