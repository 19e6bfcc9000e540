//! DFQ on hand-built graphs: equalization keeps the function and balances the ranges (plain and
//! depthwise pairs), per-tensor rounding hurts less after it, BN-derived ranges, the data-free
//! path needs no samples, and the clipped-normal mean.

use std::collections::HashMap;

use ndarray::ArrayD;

use super::correct::rounding_error;
use super::layer::Layer;
use super::stats::{Described, clamped_normal_mean};
use super::*;
use crate::compress::quantize::spec::Mode;
use crate::compress::{Recipe, Step, StepReport, compress};
use crate::ir::{AttrValue, Attribute, Dim, Graph, Initializer, Model, Node, OpsetImport, Tensor, ValueInfo};

fn t(shape: &[usize], f: impl Fn(usize) -> f32) -> Tensor {
    let n = shape.iter().product();
    Tensor::F32(ArrayD::from_shape_vec(shape.to_vec(), (0..n).map(f).collect()).unwrap())
}

fn model(nodes: Vec<Node>, inits: Vec<(&str, Tensor)>, output: &str) -> Model {
    let shape = Some([1, 2, 6, 6].iter().map(|&d| Dim::known(d)).collect());
    let graph = Graph {
        nodes,
        initializers: inits.into_iter().map(|(n, t)| Initializer::new(n, t)).collect(),
        inputs: vec![ValueInfo::tensor("x", 1, shape)],
        outputs: vec![ValueInfo::tensor(output, 1, None)],
        ..Graph::default()
    };
    Model { graph, opset_import: vec![OpsetImport { domain: String::new(), version: 17 }], ..Model::default() }
}

fn conv(x: &str, w: &str, b: Option<&str>, y: &str, group: i64, pad: i64) -> Node {
    let inputs: Vec<&str> = [Some(x), Some(w), b].into_iter().flatten().collect();
    let mut node = Node::new("Conv", &inputs, &[y]);
    node.name = y.to_string();
    node.attributes.push(Attribute::new("group", AttrValue::Int(group)));
    node.attributes.push(Attribute::new("pads", AttrValue::Ints(vec![pad; 4])));
    node
}

fn image() -> Tensor {
    t(&[1, 2, 6, 6], |i| ((i * 37 % 11) as f32 - 5.0) / 3.0)
}

fn run(model: &Model) -> ArrayD<f32> {
    let session = crate::runtime::Session::new(model).unwrap();
    let out = session.run(vec![("x".into(), image())]).unwrap();
    let Tensor::F32(y) = &out[0].1 else { panic!("float output") };
    y.clone()
}

/// Channel c of a weight scaled by 10^(c − 2): ranges 100× apart, as in depthwise layers.
fn unbalanced(shape: &[usize], seed: f32) -> Tensor {
    let per = shape[1..].iter().product::<usize>();
    t(shape, |i| ((i as f32 * 0.71 + seed).sin() + 0.1) * 10f32.powi((i / per) as i32 % 5 - 2))
}

/// x → Conv(4, 3×3) → Relu → Conv(3, 1×1).
fn conv_relu_conv() -> Model {
    model(
        vec![conv("x", "w1", Some("b1"), "c1", 1, 1), Node::new("Relu", &["c1"], &["r1"]), conv("r1", "w2", Some("b2"), "y", 1, 0)],
        vec![
            ("w1", unbalanced(&[4, 2, 3, 3], 0.0)),
            ("b1", t(&[4], |i| 0.1 * i as f32)),
            ("w2", t(&[3, 4, 1, 1], |i| (i as f32 * 1.3).cos())),
            ("b2", t(&[3], |_| 0.5)),
        ],
        "y",
    )
}

/// x → Conv(4, 1×1) → Relu → depthwise Conv(4, 3×3, group 4) → Relu → Conv(3, 1×1).
fn depthwise_block() -> Model {
    model(
        vec![
            conv("x", "w1", Some("b1"), "c1", 1, 0),
            Node::new("Relu", &["c1"], &["r1"]),
            conv("r1", "w2", Some("b2"), "c2", 4, 1),
            Node::new("Relu", &["c2"], &["r2"]),
            conv("r2", "w3", None, "y", 1, 0),
        ],
        vec![
            ("w1", t(&[4, 2, 1, 1], |i| (i as f32 * 0.9).sin() + 0.2)),
            ("b1", t(&[4], |i| 0.05 * i as f32)),
            ("w2", unbalanced(&[4, 1, 3, 3], 1.0)),
            ("b2", t(&[4], |i| 0.01 * i as f32)),
            ("w3", t(&[3, 4, 1, 1], |i| (i as f32 * 0.4).cos())),
        ],
        "y",
    )
}

fn assert_close(a: &ArrayD<f32>, b: &ArrayD<f32>, tol: f32) {
    assert_eq!(a.shape(), b.shape());
    let scale = a.iter().fold(0f32, |m, v| m.max(v.abs()));
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() <= tol * scale.max(1.0), "{x} vs {y}");
    }
}

/// Equalizes `model` in place; returns the report.
fn equalized(model: &mut Model) -> DfqReport {
    let mut dfq = DfqReport::default();
    let mut names = Names::of_model(model);
    rescale(&mut model.graph, &mut HashMap::new(), &mut names, &mut dfq, Steps::ALL);
    dfq
}

/// Per input channel i of `second`: (range of `first`'s output channel i, range of `second`'s
/// input channel i).
fn ranges(model: &Model, first: usize, second: usize) -> Vec<(f64, f64)> {
    let lookup = GraphLookup::new(&model.graph);
    let (a, b) = (Layer::load(&model.graph, &lookup, first).unwrap(), Layer::load(&model.graph, &lookup, second).unwrap());
    (0..a.out_channels()).map(|i| (a.out_range(i), b.in_range(i))).collect()
}

#[test]
fn equalization_keeps_the_function_and_makes_both_ranges_the_geometric_mean() {
    let original = conv_relu_conv();
    let before = ranges(&original, 0, 2);
    let mut m = original.clone();
    let dfq = equalized(&mut m);
    assert_eq!(dfq.equalized.len(), 1);
    assert_eq!(dfq.equalized[0].through, "Relu");
    assert_close(&run(&original), &run(&m), 1e-5);
    for ((r1, r2), (e1, e2)) in before.iter().zip(ranges(&m, 0, 2)) {
        let target = (r1 * r2).sqrt();
        assert!((e1 - target).abs() <= 1e-4 * target && (e2 - target).abs() <= 1e-4 * target, "{r1} {r2} → {e1} {e2}, want {target}");
    }
    assert!(dfq.equalized[0].scale_max / dfq.equalized[0].scale_min > 10.0, "the unbalanced channels moved: {:?}", dfq.equalized[0]);
}

#[test]
fn depthwise_chains_equalize_both_pairs_and_keep_the_function() {
    let original = depthwise_block();
    let mut m = original.clone();
    let dfq = equalized(&mut m);
    assert_eq!(dfq.equalized.len(), 2, "{:?}", dfq.equalized);
    assert_eq!(dfq.equalized[0].second_groups, 4, "the depthwise layer is the second of the first pair");
    assert!(dfq.equalization_rounds > 1, "a chain needs more than one round");
    assert_close(&run(&original), &run(&m), 1e-5);
    // Converged: each pair's ranges meet (within the convergence tolerance of a chain).
    for (first, second) in [(0, 2), (2, 4)] {
        for (r1, r2) in ranges(&m, first, second) {
            assert!((r1 - r2).abs() <= 1e-2 * r1.max(r2), "pair {first}→{second}: {r1} vs {r2}");
        }
    }
}

/// The model with every Conv weight rounded per tensor to int8, all 8 bits (float compute).
fn rounded_per_tensor(model: &Model) -> Model {
    let mut spec = QuantizeSpec::new(Mode::Static);
    spec.per_channel = false;
    spec.reduce_range = Some(false);
    let mut m = model.clone();
    for init in &mut m.graph.initializers {
        if !init.name.starts_with('w') {
            continue;
        }
        let Tensor::F32(w) = &init.tensor else { continue };
        let params = crate::compress::quantize::params::QuantParams::for_weight(w, crate::compress::quantize::weight::weight_scheme(&spec), None);
        let error = rounding_error(w, &params, &spec);
        init.tensor = Tensor::F32(w + &error.mapv(|e| e as f32));
    }
    m
}

fn sqnr(reference: &ArrayD<f32>, other: &ArrayD<f32>) -> f64 {
    let signal: f64 = reference.iter().map(|&v| f64::from(v).powi(2)).sum();
    let noise: f64 = reference.iter().zip(other).map(|(&a, &b)| f64::from(a - b).powi(2)).sum();
    10.0 * (signal / noise.max(1e-30)).log10()
}

#[test]
fn per_tensor_rounding_costs_less_after_equalization() {
    for original in [conv_relu_conv(), depthwise_block()] {
        let reference = run(&original);
        let plain = sqnr(&reference, &run(&rounded_per_tensor(&original)));
        let mut m = original.clone();
        equalized(&mut m);
        let after = sqnr(&reference, &run(&rounded_per_tensor(&m)));
        assert!(after > plain + 6.0, "per-tensor SQNR {plain:.1} dB before equalization, {after:.1} dB after");
    }
}

#[test]
fn a_relu6_pair_is_left_alone_and_said_so() {
    let mut m = conv_relu_conv();
    m.graph.nodes[1] = Node::new("Clip", &["c1", "lo", "hi"], &["r1"]);
    m.graph.initializers.push(Initializer::new("lo", t(&[], |_| 0.0)));
    m.graph.initializers.push(Initializer::new("hi", t(&[], |_| 6.0)));
    let lookup = GraphLookup::new(&m.graph);
    let (pairs, notes) = equalize::find_pairs(&m.graph, &lookup);
    assert!(pairs.is_empty());
    assert!(notes[0].contains("ReLU6"), "{notes:?}");
}

fn batch_norm_model() -> Model {
    let mut bn = Node::new("BatchNormalization", &["c1", "g", "be", "mu", "var"], &["n1"]);
    bn.name = "bn".into();
    let mut m = model(
        vec![conv("x", "w1", None, "c1", 1, 1), bn, Node::new("Relu", &["n1"], &["r1"]), Node::new("GlobalAveragePool", &["r1"], &["y"])],
        vec![
            ("w1", t(&[3, 2, 3, 3], |i| (i as f32 * 0.37).sin())),
            ("g", t(&[3], |i| [0.5, -2.0, 1.0][i])),
            ("be", t(&[3], |i| [1.0, 0.5, -4.0][i])),
            ("mu", t(&[3], |_| 0.1)),
            ("var", t(&[3], |_| 2.0)),
        ],
        "y",
    );
    m.graph.nodes[1].attributes.push(Attribute::new("epsilon", AttrValue::Float(1e-5)));
    m
}

fn data_free_recipe(per_channel: bool) -> Recipe {
    let mut spec = QuantizeSpec::new(Mode::Static);
    spec.data_free = true;
    spec.per_channel = per_channel;
    Recipe { steps: vec![Step::Quantize(spec)] }
}

fn dfq_of(report: &crate::compress::CompressReport) -> &DfqReport {
    report
        .steps
        .iter()
        .find_map(|s| match s {
            StepReport::Quantize(q) => q.dfq.as_ref(),
            _ => None,
        })
        .expect("a data-free quantize step reports dfq")
}

#[test]
fn ranges_after_a_batch_norm_come_from_its_statistics_and_others_from_samples() {
    let (_, report) = compress(&batch_norm_model(), &data_free_recipe(false), None, &mut |_| {}).unwrap();
    let dfq = dfq_of(&report);
    assert_eq!(dfq.batch_norm_stats, 1);
    let relu = dfq.ranges.iter().find(|r| r.tensor == "r1").expect("the Relu output is quantized");
    assert_eq!(relu.source, "batch_norm");
    // max over channels of β + 6|γ| = max(1 + 3, 0.5 + 12, −4 + 6) = 12.5; the Relu clamps at 0.
    assert!((relu.max - 12.5).abs() < 1e-5 && relu.min == 0.0, "{relu:?}");
    let input = dfq.ranges.iter().find(|r| r.tensor == "x").expect("the model input is in the plan");
    assert_eq!(input.source, "kept_float", "no data says the input's range");
    // With the user's samples the input is quantized from them.
    let x = t(&[3, 1, 2, 6, 6], |i| (i as f32 * 0.13).sin() * 3.0);
    let data = crate::runtime::Dataset { samples: (0..3).map(|k| vec![("x".to_string(), match &x { Tensor::F32(a) => Tensor::F32(a.index_axis(ndarray::Axis(0), k).to_owned()), _ => unreachable!() })]).collect(), random: false };
    let (_, report) = compress(&batch_norm_model(), &data_free_recipe(false), Some(&data), &mut |_| {}).unwrap();
    let dfq = dfq_of(&report);
    let input = dfq.ranges.iter().find(|r| r.tensor == "x").unwrap();
    assert_eq!(input.source, "samples");
    assert!(input.max > 2.0, "the samples' range, not random [-1, 1]: {input:?}");
    assert!(dfq.samples.contains("3 calibration sample(s) given"), "{}", dfq.samples);
}

#[test]
fn the_data_free_path_needs_no_calibration_and_the_plain_one_does() {
    let recipe = data_free_recipe(false);
    assert_eq!(recipe.calibration_step(None), None, "data-free static quantization reads no samples");
    let (quantized, report) = compress(&depthwise_block(), &recipe, None, &mut |_| {}).unwrap();
    assert_eq!(dfq_of(&report).equalized.len(), 2);
    assert!(quantized.graph.nodes.iter().any(|n| n.op_type == "QuantizeLinear"), "activations are quantized");
    let plain = Recipe { steps: vec![Step::Quantize(QuantizeSpec::new(Mode::Static))] };
    assert!(plain.calibration_step(None).is_some());
    let err = compress(&depthwise_block(), &plain, None, &mut |_| {}).unwrap_err();
    assert!(err.to_string().contains("calibration"), "{err}");
}

#[test]
fn biases_after_a_batch_norm_are_corrected_for_the_rounding_of_the_next_layer() {
    let mut m = batch_norm_model();
    // A layer reading the Relu: its input statistics come from the BN.
    m.graph.nodes[3] = conv("r1", "w2", None, "y", 1, 0);
    m.graph.initializers.push(Initializer::new("w2", unbalanced(&[2, 3, 1, 1], 0.3)));
    let (_, report) = compress(&m, &data_free_recipe(false), None, &mut |_| {}).unwrap();
    let dfq = dfq_of(&report);
    let corrected = dfq.bias_corrections.iter().find(|c| c.input == "r1").expect("the layer after the Relu is corrected");
    assert!(corrected.max_abs_shift > 0.0 && corrected.max_abs_shift.is_finite(), "{corrected:?}");
}

#[test]
fn the_clipped_normal_mean_matches_numeric_integration() {
    for (mean, std, lo, hi) in [(0.5, 1.0, 0.0, f64::INFINITY), (-1.0, 2.0, 0.0, 6.0), (3.0, 0.5, f64::NEG_INFINITY, f64::INFINITY), (5.0, 2.0, 0.0, 6.0)] {
        let steps = 200_000;
        let (a, b) = (mean - 12.0 * std, mean + 12.0 * std);
        let h = (b - a) / steps as f64;
        let numeric: f64 = (0..steps)
            .map(|k| {
                let z = a + (k as f64 + 0.5) * h;
                let p = (-0.5 * ((z - mean) / std).powi(2)).exp() / (std * (2.0 * std::f64::consts::PI).sqrt());
                z.clamp(lo, hi) * p * h
            })
            .sum();
        let closed = clamped_normal_mean(mean, std, lo, hi);
        assert!((numeric - closed).abs() < 1e-5, "N({mean}, {std}²) clamped to [{lo}, {hi}]: {closed} vs {numeric}");
    }
    let d = Described { stats: stats::ChannelStats { mean: vec![0.0], std: vec![1.0] }, lo: 0.0, hi: f64::INFINITY };
    assert!((d.expected()[0] - 1.0 / (2.0 * std::f64::consts::PI).sqrt()).abs() < 1e-6);
    assert_eq!(d.range(), (0.0, 6.0));
}

#[test]
fn ranges_through_hard_swish_and_hard_sigmoid_follow_the_function() {
    let graph = Graph {
        nodes: vec![Node::new("HardSwish", &["n"], &["h"]), Node::new("HardSigmoid", &["n"], &["g"]), Node::new("Tanh", &["n"], &["t"])],
        ..Graph::default()
    };
    let stats = HashMap::from([("n".to_string(), stats::ChannelStats { mean: vec![0.0, 1.0], std: vec![1.0, 0.5] })]);
    let described = stats::describe(&graph, &stats);
    let ranges = stats::function_ranges(&graph, &described);
    // Channels span [−6, 6] and [−2, 4]: HardSwish's minimum −0.375 at −1.5, maximum hs(6) = 6.
    assert_eq!(ranges["h"].range, (-0.375, 6.0));
    // HardSigmoid 0.2x + 0.5 clamped to [0, 1].
    assert_eq!(ranges["g"].range, (0.0, 1.0));
    // E[HardSigmoid(z)] for z ~ N(0, 1) is 0.5 by symmetry; E[HardSwish(z)] > E[Relu(z)]·0 and finite.
    assert!((ranges["g"].expected[0] - 0.5).abs() < 1e-6, "{:?}", ranges["g"]);
    assert!(ranges["h"].expected[0] > 0.0 && ranges["h"].expected[0] < 1.0, "{:?}", ranges["h"]);
    assert!(!ranges.contains_key("t"), "an unknown function gets no range");
}
