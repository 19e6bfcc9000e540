//! `compare_models` on the real MNIST CNN fixture (tests/fixtures/mnist_cnn): against itself
//! (exact), against a copy with every weight scaled by 1.01 (small, known error), and models
//! that cannot be compared.

use super::*;
use crate::ir::{Dim, Tensor, ValueInfo, dtype::onnx_code};
use crate::runtime::Dataset;

use crate::fixtures::mnist;

fn fixture(name: &str) -> Vec<u8> {
    crate::fixtures::fixture(&format!("mnist_cnn/{name}"))
}

/// The first `count` held-out digits, scaled to [0, 1] as the model expects.
fn digits(model: &Model, count: usize) -> Vec<InputSet> {
    let pixels = crate::npy::read_npy(&fixture("heldout_pixels.npy")).unwrap();
    let values: Vec<f32> = pixels.to_f64_vec().unwrap()[..count * 784].iter().map(|&p| (p / 255.0) as f32).collect();
    let stacked = Tensor::from_vec(&[count, 1, 28, 28], values).unwrap();
    Dataset::from_stacked(vec![("image".into(), stacked)], &declared_inputs(&model.graph)).unwrap().samples
}

/// Every float initializer multiplied by `factor`.
fn scaled(model: &Model, factor: f32) -> Model {
    let mut out = model.clone();
    for init in &mut out.graph.initializers {
        if let Tensor::F32(a) = &mut init.tensor {
            a.mapv_inplace(|v| v * factor);
        }
    }
    out
}

fn options() -> CompareOptions {
    CompareOptions { intermediates: true, input_source: "16 held-out digits".into() }
}

const INTERMEDIATES: [&str; 9] = ["conv1", "relu1", "pool1", "conv2", "relu2", "pool2", "flat", "fc1", "relu3"];

#[test]
fn a_model_against_itself_is_exact() {
    let model = mnist();
    let report = compare_models(&model, &model, &digits(&model, 16), &options()).unwrap();
    assert_eq!((report.samples, report.input_source.as_str()), (16, "16 held-out digits"));
    let [logits] = &report.outputs[..] else { panic!("{:?}", report.outputs) };
    assert_eq!((logits.name.as_str(), logits.dtype.as_str(), &logits.shape[..]), ("logits", "float32", &[1, 10][..]));
    assert!(logits.metrics.exact && logits.metrics.sqnr_db.is_none(), "{:?}", logits.metrics);
    assert_eq!(logits.metrics.elements, 160);
    let agreement = logits.agreement.as_ref().unwrap();
    assert_eq!((agreement.rows, agreement.top1_matches, agreement.top5_matches), (16, 16, Some(16)));
    let names: Vec<&str> = report.intermediates.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, INTERMEDIATES, "the reference's execution order");
    assert!(report.intermediates.iter().all(|t| t.metrics.exact && t.metrics.max_abs == 0.0));
    assert!(report.intermediates_skipped.is_empty());
}

#[test]
fn weights_scaled_by_1_01_give_a_small_known_error() {
    let model = mnist();
    let perturbed = scaled(&model, 1.01);
    let inputs = digits(&model, 16);
    let mut calls = Vec::new();
    let report = compare_models_with_progress(&model, &perturbed, &inputs, &options(), &mut |done, total| {
        calls.push((done, total))
    })
    .unwrap();
    assert_eq!(calls, (1..=16).map(|d| (d, 16)).collect::<Vec<_>>());
    eprintln!("{}", render_text(&report, &TextOptions { worst_intermediates: None }));

    // conv1 = conv(x, 1.01·w1) + 1.01·b1 = 1.01 · conv1_ref: the error is 1% of the signal, so
    // SQNR = 10·log10(1 / 0.01²) = 40 dB and the cosine is 1, up to float32 rounding.
    let conv1 = &report.intermediates[0];
    assert_eq!(conv1.name, "conv1");
    let db = conv1.metrics.sqnr_db.unwrap();
    assert!((db - 40.0).abs() < 0.01, "conv1 SQNR {db}");
    assert!(conv1.metrics.cosine.unwrap() > 1.0 - 1e-9, "{:?}", conv1.metrics.cosine);
    assert_eq!(conv1.shape, vec![1, 16, 28, 28]);
    assert_eq!(conv1.metrics.elements, 16 * 16 * 28 * 28);

    // Each layer compounds the 1%: the logits lose more, but remain close.
    let logits = &report.outputs[0];
    let db = logits.metrics.sqnr_db.unwrap();
    assert!(!logits.metrics.exact && db > 20.0 && db < 40.0, "logits SQNR {db}");
    assert!(logits.metrics.max_abs > 0.0 && logits.metrics.mean_abs < logits.metrics.max_abs);
    let agreement = logits.agreement.as_ref().unwrap();
    assert!(agreement.top1_rate >= 0.9, "{agreement:?}");
    assert_eq!(report.intermediates.len(), INTERMEDIATES.len());
    assert!(report.intermediates.iter().all(|t| !t.metrics.exact));

    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["outputs"][0]["agreement"]["top1_matches"], agreement.top1_matches);
    assert_eq!(json["intermediates"][0]["name"], "conv1");
}

#[test]
fn intermediates_match_by_name_and_can_be_turned_off() {
    let model = mnist();
    let inputs = digits(&model, 2);
    // The candidate renames conv2's output: it is no longer shared.
    let mut renamed = model.clone();
    for node in &mut renamed.graph.nodes {
        for name in node.inputs.iter_mut().chain(node.outputs.iter_mut()) {
            if name == "conv2" {
                *name = "conv2_DequantizeLinear_Output".into();
            }
        }
    }
    let report = compare_models(&model, &renamed, &inputs, &options()).unwrap();
    let names: Vec<&str> = report.intermediates.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["conv1", "relu1", "pool1", "relu2", "pool2", "flat", "fc1", "relu3"]);

    let outputs_only = CompareOptions { intermediates: false, ..options() };
    let report = compare_models(&model, &renamed, &inputs, &outputs_only).unwrap();
    assert!(report.intermediates.is_empty() && !report.intermediates_compared);
    assert!(report.outputs[0].metrics.exact);
}

#[test]
fn models_that_cannot_be_compared_say_why() {
    let model = mnist();
    let inputs = digits(&model, 2);
    assert_eq!(compare_models(&model, &model, &[], &options()).unwrap_err(), CompareError::NoInputs);

    let mut other_input = model.clone();
    other_input.graph.inputs[0].name = "pixels".into();
    other_input.graph.nodes[0].inputs[0] = "pixels".into();
    let err = compare_models(&model, &other_input, &inputs, &options()).unwrap_err().to_string();
    assert_eq!(
        err,
        "the models take different inputs: the reference takes `image` (float32 [N, 1, 28, 28]) but the candidate has no such input"
    );

    let mut double_input = model.clone();
    double_input.graph.inputs[0] = ValueInfo::tensor(
        "image",
        onnx_code::DOUBLE,
        double_input.graph.inputs[0].tensor_type().unwrap().1.map(<[_]>::to_vec),
    );
    let err = compare_models(&model, &double_input, &inputs, &options()).unwrap_err().to_string();
    assert_eq!(
        err,
        "the models take different inputs: input `image` is float32 in the reference but float64 in the candidate"
    );

    let mut renamed_output = model.clone();
    renamed_output.graph.outputs[0].name = "scores".into();
    renamed_output.graph.nodes.last_mut().unwrap().outputs[0] = "scores".into();
    let err = compare_models(&model, &renamed_output, &inputs, &options()).unwrap_err().to_string();
    assert_eq!(
        err,
        "the models have different outputs: the reference gives `logits` but the candidate has no such output"
    );

    let mut wider = model.clone();
    wider.graph.outputs[0] =
        ValueInfo::tensor("logits", onnx_code::FLOAT, Some(vec![Dim::symbol("N"), Dim::known(12)]));
    let err = compare_models(&model, &wider, &inputs, &options()).unwrap_err().to_string();
    assert_eq!(err, "output `logits` has shape [N, 10] in the reference but [N, 12] in the candidate (as declared)");

    // Shapes that only differ at run time: the candidate's last Gemm gives 12 classes.
    let mut twelve = model.clone();
    twelve.graph.outputs[0] = ValueInfo::tensor("logits", onnx_code::FLOAT, None);
    let w4 = twelve.graph.initializer_mut("w4").unwrap();
    w4.tensor = Tensor::zeros::<f32>(&[12, 64]).unwrap();
    twelve.graph.initializer_mut("b4").unwrap().tensor = Tensor::zeros::<f32>(&[12]).unwrap();
    let err = compare_models(&model, &twelve, &inputs, &options()).unwrap_err().to_string();
    assert_eq!(
        err,
        "output `logits` has shape [1, 10] in the reference but [1, 12] in the candidate on sample 0 (counting from 0)"
    );

    // A candidate that fails to run is named as such.
    let mut broken = model.clone();
    broken.graph.initializer_mut("w2").unwrap().tensor = Tensor::zeros::<f32>(&[32, 7, 3, 3]).unwrap();
    let err = compare_models(&model, &broken, &inputs, &options()).unwrap_err().to_string();
    assert!(err.starts_with("the candidate model failed on sample 0 (counting from 0): node"), "{err}");
}

#[test]
fn random_input_sets_differ_per_sample_and_start_at_the_seed() {
    let model = mnist();
    let random = RandomInputs::new(7);
    let sets = random_input_sets(&model, &random, 3).unwrap();
    assert_eq!(sets.len(), 3);
    assert_eq!(sets[0], random.generate(&declared_inputs(&model.graph)).unwrap());
    assert_ne!(sets[0], sets[1]);
    assert_ne!(sets[1], sets[2]);
    assert_eq!(sets[0][0].1.shape(), vec![1, 1, 28, 28]);
    assert_eq!(random_input_sets(&model, &random, 3).unwrap(), sets, "seeded: the same every time");
}

/// Static INT8 folds each Relu into the quantized range: the Conv then writes the Relu's output
/// name, holding the values before the Relu, and only its DequantizeLinear holds what the Relu
/// gave (an integer layer's output is already clamped; a float one's is not). Intermediates are
/// compared after the DequantizeLinear: compared by name alone, relu1 showed a negative SQNR on a
/// model whose logits are within 30 dB.
#[test]
fn quantized_intermediates_are_compared_after_their_dequantize_linear() {
    use crate::compress::quantize::{Mode, QuantizeSpec};
    use crate::compress::{Recipe, Step, compress};
    let model = mnist();
    let calibration = Dataset { samples: digits(&model, 32), random: false };
    let recipe = Recipe { steps: vec![Step::Quantize(QuantizeSpec::new(Mode::Static))] };
    let (mut quantized, _) = compress(&model, &recipe, Some(&calibration), &mut |_| {}).unwrap();
    // conv1 reads the image unrounded (as when the quality target keeps an input float): it
    // can no longer run as an integer layer, whose output would already be the clamped value.
    let conv1 = quantized.graph.nodes.iter().position(|n| n.op_type == "Conv").unwrap();
    quantized.graph.nodes[conv1].inputs[0] = "image".into();
    let relu1_producer = quantized.graph.nodes.iter().find(|n| n.outputs.iter().any(|o| o == "relu1")).unwrap();
    assert_eq!(relu1_producer.op_type, "Conv", "the Relu was folded: the Conv writes `relu1`");
    let report = compare_models(&model, &quantized, &digits(&model, 16), &options()).unwrap();
    let sqnr = |name: &str| report.intermediates.iter().find(|t| t.name == name).and_then(|t| t.metrics.sqnr_db).unwrap();
    assert!(report.outputs[0].metrics.sqnr_db.unwrap() > 30.0, "{:?}", report.outputs[0].metrics);
    for name in ["relu1", "relu2", "relu3"] {
        assert!(sqnr(name) > 25.0, "{name}: {} dB", sqnr(name));
    }
}

#[test]
fn the_report_is_the_same_bits_on_one_two_and_three_threads() {
    // Samples run in parallel natively; each sample's sums are merged in sample order.
    let model = mnist();
    let perturbed = scaled(&model, 1.01);
    let inputs = digits(&model, 7);
    let run = |threads| {
        crate::kernels::parallel::on_threads(threads, || {
            let mut seen = Vec::new();
            let report =
                compare_models_with_progress(&model, &perturbed, &inputs, &options(), &mut |done, total| seen.push((done, total)))
                    .unwrap();
            (report, seen)
        })
        .unwrap()
    };
    let (one, progress) = run(1);
    assert_eq!(progress, (1..=7).map(|d| (d, 7)).collect::<Vec<_>>(), "progress after every sample, in order");
    assert!(one.outputs[0].metrics.sqnr_db.is_some_and(|v| v > 20.0 && v < 60.0), "{:?}", one.outputs[0].metrics);
    assert_eq!(one.intermediates.len(), INTERMEDIATES.len());
    for threads in [2, 3] {
        let (other, _) = run(threads);
        assert_eq!(other, one, "{threads} threads");
    }
}
