//! Static INT8 with a quality target (`min_sqnr_db`) on a hand-built graph whose answer is
//! known, and the defaults that keep normalization statistics float.
//!
//! The graph: `t = x·W1`, `y = t·W2`, x uniform in [−1, 1]. W1 is the identity with its first
//! column times 1000, so `t` has one channel in ±1000 and seven in ±1; W2 reads only those
//! seven (its first row is zero). Per-tensor uint8 on `t` has a step of 2000/255 ≈ 7.8: the
//! seven small channels round to zero and `y` is lost (SQNR ≈ 0 dB), while x, y and both
//! per-channel weights quantize at ~40 dB. So the one fallback a 25 dB target needs is the
//! activation `t`, and 16 bits suffice for it (step 2000/65535 ≈ 0.03: ~36 dB on the small
//! channels). W1 stays int8; W2, read by a MatMul whose input is now 16-bit, is stored int16:
//! onnxruntime would rewrite an 8-bit one there into MatMulNBits and quantize `t` again to 8 bits.

use pare::compress::quantize::{IntType, Mode, QuantizeSpec};
use pare::compress::{Recipe, Step, StepReport, compress};
use pare::ir::{Dim, Graph, Initializer, Model, Node, Tensor, ValueInfo, dtype::onnx_code};
use pare::runtime::{Dataset, Session};

use crate::common::{python_script, run, write_case};

fn float_value(name: &str, dims: &[i64]) -> ValueInfo {
    ValueInfo::tensor(name, onnx_code::FLOAT, Some(dims.iter().map(|&d| Dim::known(d)).collect()))
}

fn matrix(rows: usize, cols: usize, f: impl Fn(usize, usize) -> f32) -> Tensor {
    Tensor::from_vec(&[rows, cols], (0..rows * cols).map(|i| f(i / cols, i % cols)).collect()).unwrap()
}

/// A small deterministic generator (xorshift), values in [−1, 1].
fn uniform(seed: u64, n: usize) -> Vec<f32> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0
        })
        .collect()
}

fn wide_channel_model() -> Model {
    let mut g = Graph { name: "wide_channel".into(), ..Graph::default() };
    g.inputs.push(float_value("x", &[1, 8]));
    g.outputs.push(float_value("y", &[1, 4]));
    g.initializers.push(Initializer::new("w1", matrix(8, 8, |r, c| if r != c { 0.0 } else if c == 0 { 1000.0 } else { 1.0 })));
    let w2 = uniform(99, 32);
    g.initializers.push(Initializer::new("w2", matrix(8, 4, |r, c| if r == 0 { 0.0 } else { w2[r * 4 + c] })));
    let mut first = Node::new("MatMul", &["x", "w1"], &["t"]);
    first.name = "first".into();
    let mut second = Node::new("MatMul", &["t", "w2"], &["y"]);
    second.name = "second".into();
    g.nodes = vec![first, second];
    crate::common::opset17_model(g)
}

fn samples(first_seed: u64, n: usize) -> Dataset {
    Dataset { samples: (0..n as u64).map(|s| vec![("x".to_string(), Tensor::from_vec(&[1, 8], uniform(first_seed + s, 8)).unwrap())]).collect(), random: false }
}

/// SQNR (dB) of `candidate`'s output `y` against `reference`'s on `data`.
fn sqnr(reference: &Model, candidate: &Model, data: &Dataset) -> f64 {
    let (r, c) = (Session::new(reference).unwrap(), Session::new(candidate).unwrap());
    let (mut signal, mut noise) = (0.0f64, 0.0f64);
    for sample in &data.samples {
        let want = r.run(sample.clone()).unwrap()[0].1.to_f64_vec().unwrap();
        let got = c.run(sample.clone()).unwrap()[0].1.to_f64_vec().unwrap();
        for (a, b) in want.iter().zip(&got) {
            signal += a * a;
            noise += (a - b) * (a - b);
        }
    }
    10.0 * (signal / noise).log10()
}

fn quantize(model: &Model, spec: QuantizeSpec, calibration: &Dataset) -> (Model, pare::compress::quantize::QuantizeReport) {
    let (out, report) = compress(model, &Recipe { steps: vec![Step::Quantize(spec)] }, Some(calibration), &mut |_| {}).unwrap();
    let StepReport::Quantize(q) = report.steps.into_iter().next().unwrap() else { panic!("a quantize step") };
    (out, q)
}

/// The written model passes onnx.checker and onnxruntime computes what pare does on the first
/// unseen sample (check_quantized.py, relative 1e-4).
fn assert_onnxruntime_agrees(written: &Model, unseen: &Dataset, case: &str) {
    let dir = std::env::temp_dir().join(format!("pare_quality_target_{case}_{}", std::process::id()));
    let x = unseen.samples[0][0].1.clone();
    write_case(&dir.join(case), written, &[("x", &x)], r#"{"kind": "relative", "value": 1e-4}"#);
    let out = run(python_script("check_quantized.py").arg(dir.join(case)));
    let v: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    assert_eq!(v["checker"], "ok", "{v}");
    assert!(v["outputs"].as_array().unwrap().iter().all(|o| o["ok"] == true), "{v}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_target_widens_exactly_the_responsible_activation_to_16_bits() {
    let model = wide_channel_model();
    // 64 samples: min/max ranges from fewer clip unseen samples' extremes of y.
    let (calibration, unseen) = (samples(1, 64), samples(1000, 32));

    // Without a target: the wide tensor is quantized and the output is lost.
    let (plain, _) = quantize(&model, QuantizeSpec::new(Mode::Static), &calibration);
    let plain_db = sqnr(&model, &plain, &unseen);
    assert!(plain_db < 10.0, "the premise: default static INT8 loses y ({plain_db:.1} dB)");

    // 16-bit fallbacks are the default (`fallback_16bit` absent).
    let mut spec = QuantizeSpec::new(Mode::Static);
    spec.min_sqnr_db = Some(25.0);
    let (targeted, q) = quantize(&model, spec.clone(), &calibration);
    let t = q.quality_target.as_ref().expect("the report has the quality target");
    let fallbacks: Vec<(&str, &str, &str)> = t.fallbacks.iter().map(|f| (f.kind, f.name.as_str(), f.to)).collect();
    assert_eq!(fallbacks, vec![("activation", "t", "16-bit")], "{t:#?}");
    assert!(t.met, "{t:#?}");
    assert_eq!((t.int8_weight_share, t.int16_weight_share), (64.0 / 96.0, 32.0 / 96.0), "W1 int8, W2 int16");
    assert_eq!(q.int16_weights, vec!["second"]);
    assert!(q.notes.iter().any(|n| n.contains("MatMulNBits")), "{:?}", q.notes);
    assert!(t.trajectory.iter().all(|p| p.fallback_to == "16-bit" || p.fallbacks == 0), "16 bits suffice: no float search {t:#?}");
    assert_eq!(targeted.opset_version(""), Some(21), "16-bit QDQ needs opset 21");
    assert!(q.notes.iter().any(|n| n.contains("upgraded from opset 17 to 21")), "{:?}", q.notes);
    assert_eq!((t.calibration_samples, t.held_out_samples), (48, 16), "a quarter held back");
    assert!(t.sensitivity.starts_with("output"), "5 candidates: output sensitivity ({})", t.sensitivity);
    assert_eq!(q.layers.len(), 2, "both layers have int8 weights");
    let bits: Vec<(&str, u32)> = q.activations.iter().map(|a| (a.tensor.as_str(), a.bits)).collect();
    assert_eq!(bits, vec![("x", 8), ("t", 16), ("y", 8)]);

    // On samples it never saw, the target holds.
    let targeted_db = sqnr(&model, &targeted, &unseen);
    assert!(targeted_db >= 25.0, "unseen samples: {targeted_db:.1} dB");

    // `fallback_16bit: false` (CLI --float-fallback): the same tensor falls back to float, the
    // model keeps its opset and W2 stays int8.
    spec.fallback_16bit = Some(false);
    let (float_kept, f) = quantize(&model, spec, &calibration);
    let ft = f.quality_target.as_ref().unwrap();
    let fallbacks: Vec<(&str, &str, &str)> = ft.fallbacks.iter().map(|f| (f.kind, f.name.as_str(), f.to)).collect();
    assert_eq!(fallbacks, vec![("activation", "t", "float")], "{ft:#?}");
    assert_eq!(float_kept.opset_version(""), Some(17));
    assert!(f.int16_weights.is_empty() && ft.int16_weight_share == 0.0, "{:?}", f.int16_weights);

    // The written model is valid ONNX and onnxruntime agrees with pare on it.
    assert_onnxruntime_agrees(&targeted, &unseen, "targeted");
}

#[test]
fn sixteen_bit_activations_are_a_static_option() {
    // A16W8 (onnxruntime's QUInt16 activations): the wide tensor t keeps y at ~36 dB without
    // any target, the model goes to opset 21, and onnxruntime computes what pare does. Both
    // layers are MatMuls with a 16-bit input, so their weights are int16 too (MatMulNBits).
    let model = wide_channel_model();
    let (calibration, unseen) = (samples(1, 64), samples(1000, 32));
    let mut spec = QuantizeSpec::new(Mode::Static);
    spec.activation_type = IntType::Uint16;
    let (written, q) = quantize(&model, spec, &calibration);
    assert_eq!(written.opset_version(""), Some(21));
    assert!(q.activations.iter().all(|a| a.bits == 16) && q.activations.len() == 3, "{:?}", q.activations);
    assert_eq!(q.int16_weights, vec!["first", "second"]);
    let db = sqnr(&model, &written, &unseen);
    assert!(db > 30.0, "16-bit activations: {db:.1} dB");
    assert_onnxruntime_agrees(&written, &unseen, "a16w8");

    // Where 16 bits have no meaning, a clear error.
    let mut dynamic = QuantizeSpec::new(Mode::Dynamic);
    dynamic.weight_type = IntType::Int16;
    assert!(dynamic.validate().unwrap_err().contains("16-bit weights"));
    let mut weights = QuantizeSpec::new(Mode::Weights);
    weights.activation_type = IntType::Int16;
    assert!(weights.validate().unwrap_err().contains("16-bit activations"));
}

#[test]
fn a_16_bit_layer_keeps_its_bias_exact_in_onnxruntime() {
    // Gemm with a 16-bit input and (MatMulNBits rule) an int16 weight: s_in·s_w ≈ 1e-9, so a
    // bias of ±5 does not fit int32 at that scale. onnxruntime's bias quantization would write it
    // so if pare left it float; pare gives it its own scale, and both runtimes agree.
    let mut g = Graph { name: "gemm_bias".into(), ..Graph::default() };
    g.inputs.push(float_value("x", &[1, 8]));
    g.outputs.push(float_value("y", &[1, 4]));
    let w = uniform(7, 32);
    g.initializers.push(Initializer::new("w", matrix(8, 4, |r, c| w[r * 4 + c])));
    g.initializers.push(Initializer::new("b", Tensor::from_vec(&[4], vec![5.0f32, -4.5, 3.25, -5.0]).unwrap()));
    let mut gemm = Node::new("Gemm", &["x", "w", "b"], &["y"]);
    gemm.name = "gemm".into();
    g.nodes = vec![gemm];
    let model = crate::common::opset17_model(g);
    let (calibration, unseen) = (samples(1, 32), samples(1000, 8));
    let mut spec = QuantizeSpec::new(Mode::Static);
    spec.activation_type = IntType::Uint16;
    let (written, q) = quantize(&model, spec, &calibration);
    assert_eq!(q.int16_weights, vec!["gemm"]);
    let db = sqnr(&model, &written, &unseen);
    assert!(db > 60.0, "16-bit input and weight, exact bias: {db:.1} dB");
    assert_onnxruntime_agrees(&written, &unseen, "gemm");
}

#[test]
fn a_target_beyond_int8_keeps_only_exact_quantization() {
    let model = wide_channel_model();
    let mut spec = QuantizeSpec::new(Mode::Static);
    spec.min_sqnr_db = Some(150.0);
    let (written, q) = quantize(&model, spec, &samples(1, 8));
    let t = q.quality_target.unwrap();
    // Only exact quantization meets 150 dB: the three activations and W2 fall back; W1 (one
    // value per output channel, so per-channel int8 holds it exactly) is quantized again after
    // the search and stays int8: 64 of the 96 weight elements.
    assert!(t.met && t.reached_db.is_none(), "exact outputs: {t:#?}");
    let mut fallbacks: Vec<&str> = t.fallbacks.iter().map(|f| f.name.as_str()).collect();
    fallbacks.sort_unstable();
    assert_eq!(fallbacks, vec!["second", "t", "x", "y"], "{t:#?}");
    assert!(t.fallbacks.iter().all(|f| f.to == "float"), "16 bits cannot reach 150 dB either: the search falls back to float");
    assert!((t.int8_weight_share - 64.0 / 96.0).abs() < 1e-12, "{}", t.int8_weight_share);
    assert!(q.activations.is_empty());
    assert_eq!(q.layers.iter().map(|l| l.node.as_str()).collect::<Vec<_>>(), vec!["first"]);
    assert_eq!(sqnr(&model, &written, &samples(1000, 4)), f64::INFINITY);
}

#[test]
fn a_target_needs_two_samples_and_static_mode() {
    let model = wide_channel_model();
    let mut spec = QuantizeSpec::new(Mode::Static);
    spec.min_sqnr_db = Some(30.0);
    let err = compress(&model, &Recipe { steps: vec![Step::Quantize(spec.clone())] }, Some(&samples(1, 1)), &mut |_| {}).unwrap_err();
    assert_eq!(err.kind().as_str(), "bad-argument", "{err}");
    assert!(err.to_string().contains("at least 2 calibration samples"), "{err}");

    spec.mode = Mode::Weights;
    let err = compress(&model, &Recipe { steps: vec![Step::Quantize(spec)] }, None, &mut |_| {}).unwrap_err();
    assert!(err.to_string().contains("min_sqnr_db needs static mode"), "{err}");
}

/// `max_top1_drop_pct` alone: y has 4 class scores per sample. Default static INT8 rounds the
/// seven small channels of `t` to zero, so y's top-1 class is noise; a bound of 10 % changed rows
/// (in the calibration part and in the 16 held-back samples) keeps exactly `t` float, as the SQNR
/// target does.
#[test]
fn a_top1_target_widens_the_responsible_activation() {
    let model = wide_channel_model();
    let (calibration, unseen) = (samples(1, 64), samples(1000, 64));
    let top1_agreement = |candidate: &Model| {
        let (r, c) = (Session::new(&model).unwrap(), Session::new(candidate).unwrap());
        let argmax = |v: Vec<f64>| (0..v.len()).fold(0, |b, i| if v[i] > v[b] { i } else { b });
        unseen.samples.iter().filter(|s| argmax(r.run((*s).clone()).unwrap()[0].1.to_f64_vec().unwrap()) == argmax(c.run((*s).clone()).unwrap()[0].1.to_f64_vec().unwrap())).count()
    };
    let (plain, _) = quantize(&model, QuantizeSpec::new(Mode::Static), &calibration);
    assert!(top1_agreement(&plain) < 48, "the premise: default static INT8 changes y's class often ({} of 64 agree)", top1_agreement(&plain));

    let mut spec = QuantizeSpec::new(Mode::Static);
    spec.max_top1_drop_pct = Some(10.0);
    spec.fallback_16bit = Some(true);
    let (targeted, q) = quantize(&model, spec, &calibration);
    let t = q.quality_target.as_ref().expect("the report has the quality target");
    assert!(t.met && t.target_db.is_none() && t.max_top1_drop_pct == Some(10.0), "{t:#?}");
    assert!(t.top1_drop_pct.is_some_and(|d| d <= 10.0), "{t:#?}");
    let fallbacks: Vec<(&str, &str)> = t.fallbacks.iter().map(|f| (f.kind, f.name.as_str())).collect();
    assert_eq!(fallbacks, vec![("activation", "t")], "{t:#?}");
    assert_eq!(t.int8_weight_share, 64.0 / 96.0, "W2 follows its 16-bit input");
    assert!(t.trajectory.iter().all(|p| p.top1_drop_pct.is_some()), "every point has its top-1 share");
    assert!(top1_agreement(&targeted) >= 58, "unseen samples: {} of 64 agree", top1_agreement(&targeted));
}

/// A top-1 target on a model whose outputs are not class scores is refused with the reason.
#[test]
fn a_top1_target_needs_class_scores() {
    let mut model = wide_channel_model();
    // y reduced to one value per sample: no classes to rank.
    model.graph.outputs[0] = float_value("s", &[1, 1]);
    let mut sum = Node::new("ReduceSum", &["y"], &["s"]);
    sum.set_attribute("keepdims", pare::ir::AttrValue::Int(1));
    model.graph.initializers.push(Initializer::new("axes", Tensor::from_vec(&[1], vec![1i64]).unwrap()));
    sum.inputs.push("axes".into());
    model.graph.nodes.push(sum);
    let mut spec = QuantizeSpec::new(Mode::Static);
    spec.max_top1_drop_pct = Some(1.0);
    let err = compress(&model, &Recipe { steps: vec![Step::Quantize(spec)] }, Some(&samples(1, 8)), &mut |_| {}).unwrap_err();
    assert!(err.to_string().contains("needs an output of class scores"), "{err}");
}

/// Calibration method `auto` measures minmax, percentile and MSE with affine and
/// with symmetric activations on the calibration samples and uses the best, another than minmax
/// (affine) only when it beats it by the margin: the report lists the six, the one chosen is that
/// one, and the step's calibration is its method. Symmetric activations asked for stay symmetric
/// (three candidates); one sample has nothing to compare on, so it is minmax with a note.
#[test]
fn calibration_method_auto_is_chosen_by_measurement() {
    use pare::compress::quantize::CalibrationMethod;
    let model = wide_channel_model();
    let mut spec = QuantizeSpec::new(Mode::Static);
    assert_eq!(spec.calibration.method, CalibrationMethod::Minmax, "minmax stays the default (README: auto lost 14.5 dB on oww_alexa)");
    spec.calibration.method = CalibrationMethod::Auto;
    let (_, q) = quantize(&model, spec.clone(), &samples(1, 8));
    let choice = q.range_choice.as_ref().expect("auto reports its choice");
    assert_eq!(choice.samples, 8);
    let tried: Vec<(CalibrationMethod, bool)> = choice.candidates.iter().map(|c| (c.method, c.symmetric_activations)).collect();
    assert_eq!(tried.len(), 6, "{tried:?}");
    for m in [CalibrationMethod::Minmax, CalibrationMethod::Percentile, CalibrationMethod::Mse] {
        assert!(tried.contains(&(m, false)) && tried.contains(&(m, true)), "{m:?} both ways: {tried:?}");
    }
    let score = |c: &pare::compress::quantize::range_choice::RangeCandidate| c.sqnr_db.unwrap_or(if c.non_finite { f64::NEG_INFINITY } else { f64::INFINITY });
    let others = choice.candidates[1..].iter().map(score).fold(f64::NEG_INFINITY, f64::max);
    let first = score(&choice.candidates[0]);
    let expected = if others > first + choice.margin_db {
        1 + choice.candidates[1..].iter().position(|c| score(c) == others).unwrap()
    } else {
        0
    };
    assert_eq!(choice.chosen, expected, "minmax unless another beats it by {} dB, then the best: {:?}", choice.margin_db, choice.candidates);
    let chosen = &choice.candidates[choice.chosen];
    assert_eq!(q.calibration.as_ref().unwrap().method, chosen.method, "the step calibrates with the chosen method");
    assert!(q.notes.iter().any(|n| n.starts_with("calibration method auto: ")), "{:?}", q.notes);

    let symmetric = QuantizeSpec { symmetric_activations: true, ..spec.clone() };
    let (_, q) = quantize(&model, symmetric, &samples(1, 8));
    assert!(q.range_choice.unwrap().candidates.iter().all(|c| c.symmetric_activations), "asked symmetric, stays symmetric");

    let (_, q) = quantize(&model, spec, &samples(1, 1));
    assert!(q.range_choice.is_none());
    assert_eq!(q.calibration.unwrap().method, CalibrationMethod::Minmax);
    assert!(q.notes.iter().any(|n| n.contains("auto needs 2 samples or more")), "{:?}", q.notes);
}
