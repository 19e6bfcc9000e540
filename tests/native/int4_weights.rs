//! INT4 weight-only quantization (`--quantize int4-weights`, issue 13) on the MNIST CNN of
//! tests/fixtures/mnist_cnn: accuracy and output SQNR against the float model on the 1,000
//! held-out digits with pare's own runtime, size against float and int8 weights, the file's
//! form (opset 21, int4 initializers, blocked DequantizeLinear on the Gemm weights), a lossless
//! load/save round trip of the 4-bit initializers, and the CLI's errors for bad block sizes.

use std::process::Command;

use pare::compress::quantize::{IntType, Mode, QuantizeSpec};
use pare::compress::{Recipe, Step, compress};
use pare::ir::{Model, Tensor};
use pare::onnx::{decode_model, encode_model};
use pare::runtime::Session;

use crate::common::mnist_cnn::{accuracy, fixture, heldout_labels, mnist, pixels};

fn quantized(model: &Model, spec: QuantizeSpec) -> Model {
    let recipe = Recipe { steps: vec![Step::Quantize(spec)] };
    compress(model, &recipe, None, &mut |_| {}).unwrap().0
}

fn logits(model: &Model, images: &Tensor) -> Vec<f32> {
    let out = Session::new(model).unwrap().run(vec![("image".into(), images.clone())]).unwrap();
    out[0].1.as_array::<f32>().unwrap().iter().copied().collect()
}

fn sqnr_db(reference: &[f32], got: &[f32]) -> f64 {
    let signal: f64 = reference.iter().map(|&v| f64::from(v) * f64::from(v)).sum();
    let noise: f64 = reference.iter().zip(got).map(|(&a, &b)| (f64::from(a) - f64::from(b)).powi(2)).sum();
    10.0 * (signal / noise).log10()
}

#[test]
fn mnist_int4_weights_keep_accuracy_at_under_a_fifth_of_the_float_size() {
    let model = mnist();
    let images = pixels("heldout_pixels.npy");
    let labels = heldout_labels();
    let float_logits = logits(&model, &images);
    let float_acc = accuracy(&model, &images, &labels);
    let float_bytes = encode_model(&model).len();
    let int8_bytes = encode_model(&quantized(&model, QuantizeSpec::new(Mode::Weights))).len();
    let mut failures = Vec::new();
    // Measured: blocks of 32 21.3 dB, -0.5 pp, 0.62× int8; blocks of 16 22.2 dB, -0.1 pp, 0.74×;
    // per channel 20.0 dB, -0.2 pp, 0.51×. A float32 scale per block of B weights adds 32/B bits
    // to the 4 of each weight: (4 + 32/B) / 8 of the int8 file, plus the float biases.
    for (name, block_size, min_sqnr, max_drop_pp, max_vs_int8) in [
        ("blocks of 32 (default)", None, 20.0, 1.0, 0.65),
        ("blocks of 16", Some(16), 20.0, 1.0, 0.78),
        ("per channel", Some(0), 17.0, 1.5, 0.55),
    ] {
        let q = quantized(&model, QuantizeSpec { block_size, ..QuantizeSpec::new(Mode::Int4Weights) });
        let bytes = encode_model(&q).len();
        let acc = accuracy(&q, &images, &labels);
        let sqnr = sqnr_db(&float_logits, &logits(&q, &images));
        let drop_pp = (float_acc - acc) * 100.0;
        println!(
            "int4 {name:22} top-1 {:.2}% (float {:.2}%, drop {drop_pp:+.2} pp), logits SQNR {sqnr:.2} dB, {bytes} bytes = {:.3}× float, {:.3}× int8 weights",
            acc * 100.0,
            float_acc * 100.0,
            bytes as f64 / float_bytes as f64,
            bytes as f64 / int8_bytes as f64
        );
        if drop_pp > max_drop_pp {
            failures.push(format!("{name}: accuracy drop {drop_pp:.2} pp > {max_drop_pp} pp"));
        }
        if sqnr < min_sqnr {
            failures.push(format!("{name}: logits SQNR {sqnr:.2} dB < {min_sqnr} dB"));
        }
        if bytes as f64 > max_vs_int8 * int8_bytes as f64 || bytes as f64 > 0.2 * float_bytes as f64 {
            failures.push(format!("{name}: {bytes} bytes (int8 weights {int8_bytes}, float {float_bytes})"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_file_is_opset_21_with_int4_initializers_and_round_trips_byte_exact() {
    let q = quantized(&mnist(), QuantizeSpec::new(Mode::Int4Weights));
    assert_eq!(q.opset_version(""), Some(21));
    let four_bit: Vec<_> = q.graph.initializers.iter().filter(|i| i.tensor.type_name() == "int4").collect();
    assert_eq!(four_bit.len(), 4, "every Conv/Gemm weight is int4");
    let blocked: Vec<_> = q
        .graph
        .nodes
        .iter()
        .filter(|n| n.op_type == "DequantizeLinear" && n.attr_int("block_size").unwrap() == Some(32))
        .collect();
    assert_eq!(blocked.len(), 2, "the two Gemm weights are blocked by 32");
    assert!(q.graph.nodes.iter().filter(|n| n.op_type == "DequantizeLinear").all(|n| n.inputs.len() == 2), "symmetric: no zero point");
    // Saved, loaded and saved again: the same bytes, and the same 4-bit values.
    let bytes = encode_model(&q);
    let loaded = decode_model(&bytes).unwrap();
    assert_eq!(encode_model(&loaded), bytes);
    for init in four_bit {
        let back = loaded.graph.initializer(&init.name).unwrap();
        assert_eq!(back.tensor.unpack_4bit(), init.tensor.unpack_4bit(), "{}", init.name);
        let values = back.tensor.unpack_4bit().unwrap().unwrap().to_i64_vec().unwrap();
        assert!(values.iter().all(|v| (-7..=7).contains(v)), "{}: symmetric int4 is in [-7, 7]", init.name);
        assert!(values.iter().any(|&v| v == 7 || v == -7), "{}: the largest weight uses the whole range", init.name);
    }
    // Asymmetric weights are uint4 with a uint4 zero point, and run.
    let spec = QuantizeSpec { symmetric_weights: false, ..QuantizeSpec::new(Mode::Int4Weights) };
    assert_eq!(spec.effective_weight_type(), IntType::Uint4);
    let u = quantized(&mnist(), spec);
    assert!(u.graph.initializers.iter().any(|i| i.tensor.type_name() == "uint4"));
    let images = pixels("heldout_pixels.npy");
    let acc = accuracy(&decode_model(&encode_model(&u)).unwrap(), &images, &heldout_labels());
    assert!(acc > 0.96, "uint4 top-1 {acc}");
}

#[test]
fn the_cli_writes_int4_weights_and_refuses_bad_block_sizes() {
    let dir = std::env::temp_dir().join(format!("pare_int4_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("int4.onnx");
    let model = fixture("model.onnx");
    let run = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_pare"))
            .arg("compress")
            .arg(&model)
            .arg("-o")
            .arg(&out)
            .args(["--quantize", "int4-weights", "--no-compare"])
            .args(extra)
            .output()
            .unwrap()
    };
    let ok = run(&["--block-size", "64"]);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
    let written = decode_model(&std::fs::read(&out).unwrap()).unwrap();
    assert!(written.graph.nodes.iter().any(|n| n.attr_int("block_size").unwrap() == Some(64)));
    // The last Gemm has K = 64: blocks of 128 do not fit it.
    let too_large = run(&["--block-size", "128"]);
    let err = String::from_utf8_lossy(&too_large.stderr);
    assert!(!too_large.status.success() && err.contains("error[bad-argument]") && err.contains("K = 64"), "{err}");
    let not_pow2 = run(&["--block-size", "24"]);
    let err = String::from_utf8_lossy(&not_pow2.stderr);
    assert!(!not_pow2.status.success() && err.contains("power of two"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

// ---- Learned rounding (`"rounding": "learned"`, issue 13 item 2) ----

use pare::compress::StepReport;
use pare::compress::quantize::Rounding;
use pare::ir::{AttrValue, Attribute, Dim, Graph, Initializer, Node, OpsetImport, ValueInfo};
use pare::runtime::Dataset;

fn noise(n: usize, seed: u64) -> Vec<f32> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (s >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0
        })
        .collect()
}

/// `x [1, 4, 10, 10] → Conv 3×3 pad 1 (8 out) → Relu → Conv 3×3 group 2 (6 out) → y`: Conv
/// weights are int4 per output channel.
fn two_convs() -> Model {
    let mut c1 = Node::new("Conv", &["x", "w1", "b1"], &["h"]);
    c1.name = "conv1".into();
    c1.attributes.push(Attribute::new("pads", AttrValue::Ints(vec![1, 1, 1, 1])));
    let relu = Node::new("Relu", &["h"], &["r"]);
    let mut c2 = Node::new("Conv", &["r", "w2"], &["y"]);
    c2.name = "conv2".into();
    c2.attributes.push(Attribute::new("group", AttrValue::Int(2)));
    let dims = [1, 4, 10, 10].iter().map(|&d| Dim::known(d)).collect();
    Model {
        ir_version: 8,
        opset_import: vec![OpsetImport { domain: String::new(), version: 13 }],
        graph: Graph {
            nodes: vec![c1, relu, c2],
            inputs: vec![ValueInfo::tensor("x", 1, Some(dims))],
            outputs: vec![ValueInfo::tensor("y", 1, None)],
            initializers: vec![
                Initializer::new("w1", Tensor::from_vec(&[8, 4, 3, 3], noise(288, 1)).unwrap()),
                Initializer::new("b1", Tensor::from_vec(&[8], noise(8, 2)).unwrap()),
                Initializer::new("w2", Tensor::from_vec(&[6, 4, 3, 3], noise(216, 3)).unwrap()),
            ],
            ..Graph::default()
        },
        ..Model::default()
    }
}

/// Smooth images (neighbouring pixels and channels correlated, as in real images): a few
/// low-frequency patterns mixed at random.
fn smooth_images(count: usize, seed: u64) -> Dataset {
    let samples = (0..count)
        .map(|s| {
            let c = noise(12, seed + s as u64);
            let mut v = Vec::with_capacity(400);
            for ch in 0..4 {
                for y in 0..10 {
                    for x in 0..10 {
                        let (fy, fx) = (y as f32 / 3.0, x as f32 / 4.0);
                        v.push(c[ch] + c[4 + ch % 2] * fy.sin() + c[6 + ch % 3] * fx.cos() + c[9] * (fx + fy).sin() + 0.02 * c[10 + ch % 2]);
                    }
                }
            }
            vec![("x".to_string(), Tensor::from_vec(&[1, 4, 10, 10], v).unwrap())]
        })
        .collect();
    Dataset { samples, random: false }
}

fn outputs(model: &Model, data: &Dataset) -> Vec<f32> {
    let session = Session::new(model).unwrap();
    data.samples
        .iter()
        .flat_map(|s| session.run(s.clone()).unwrap()[0].1.as_array::<f32>().unwrap().iter().copied().collect::<Vec<_>>())
        .collect()
}

fn int4(model: &Model, rounding: Rounding, data: Option<&Dataset>) -> Result<(Model, pare::compress::quantize::QuantizeReport), String> {
    let spec = QuantizeSpec { rounding, ..QuantizeSpec::new(Mode::Int4Weights) };
    let (q, report) = compress(model, &Recipe { steps: vec![Step::Quantize(spec)] }, data, &mut |_| {}).map_err(|e| e.to_string())?;
    match report.steps.into_iter().next() {
        Some(StepReport::Quantize(r)) => Ok((q, r)),
        _ => Err("no quantize report".into()),
    }
}

/// (name, type, shape) of every initializer and (op, inputs) of every node: the file's form.
fn form(model: &Model) -> (Vec<(String, String, Vec<usize>)>, Vec<(String, Vec<String>)>) {
    let inits = model.graph.initializers.iter().map(|i| (i.name.clone(), i.tensor.type_name().to_string(), i.tensor.shape())).collect();
    let nodes = model.graph.nodes.iter().map(|n| (n.op_type.clone(), n.inputs.clone())).collect();
    (inits, nodes)
}

#[test]
fn learned_rounding_lowers_the_output_error_and_keeps_the_int4_form() {
    let model = two_convs();
    let calib = smooth_images(24, 100);
    let (near, _) = int4(&model, Rounding::Nearest, Some(&calib)).unwrap();
    let (learned, report) = int4(&model, Rounding::Learned, Some(&calib)).unwrap();
    // Same DequantizeLinear structure, same int4 initializers and the same scales: only codes differ.
    assert_eq!(form(&near), form(&learned));
    let mut codes_differ = false;
    for init in &near.graph.initializers {
        let other = &learned.graph.initializer(&init.name).unwrap().tensor;
        if init.tensor.type_name() == "int4" {
            codes_differ |= init.tensor.unpack_4bit() != other.unpack_4bit();
        } else {
            assert_eq!(&init.tensor, other, "`{}` (scales, biases) is unchanged", init.name);
        }
    }
    assert!(codes_differ, "learned rounding changed no code");
    // The report: both layers learned, each with a lower output error on the calibration rows.
    let rounding = report.rounding.as_ref().expect("a rounding report");
    assert_eq!(rounding.layers.len(), 2, "{rounding:?}");
    // Never worse than nearest on the model's outputs: measured, and here learned wins.
    let (n, l) = (rounding.output_sqnr_db_nearest.unwrap(), rounding.output_sqnr_db_learned.unwrap());
    assert!(rounding.applied && l > n, "{rounding:?}");
    for layer in &rounding.layers {
        let (n, l) = (layer.output_rel_error_nearest.unwrap(), layer.output_rel_error_learned.unwrap());
        println!("{} {}: output rel. error nearest {n:.3e}, learned {l:.3e} ({} rows)", layer.op_type, layer.node, layer.rows);
        assert_eq!(layer.applied, "learned", "{layer:?}");
        assert!(l < 0.8 * n, "{layer:?}");
        assert!(layer.rows > 0);
    }
    // The model's output on the calibration samples and on held-out ones is closer to float.
    for (what, data) in [("calibration", calib), ("held-out", smooth_images(8, 900))] {
        let reference = outputs(&model, &data);
        let (s_near, s_learned) = (sqnr_db(&reference, &outputs(&near, &data)), sqnr_db(&reference, &outputs(&learned, &data)));
        println!("{what}: output SQNR nearest {s_near:.2} dB, learned {s_learned:.2} dB");
        assert!(s_learned > s_near + 1.0, "{what}: learned {s_learned:.2} dB vs nearest {s_near:.2} dB");
    }
    // Saved and loaded: the same file.
    let bytes = encode_model(&learned);
    assert_eq!(encode_model(&decode_model(&bytes).unwrap()), bytes);
}

#[test]
fn learned_rounding_of_blocked_matmul_weights_beats_nearest() {
    // x [1, 6, 64] (correlated features) · W [64, 16], blocks of 32 along K.
    let mut mm = Node::new("MatMul", &["x", "w"], &["y"]);
    mm.name = "fc".into();
    let dims = [1, 6, 64].iter().map(|&d| Dim::known(d)).collect();
    let model = Model {
        ir_version: 8,
        opset_import: vec![OpsetImport { domain: String::new(), version: 13 }],
        graph: Graph {
            nodes: vec![mm],
            inputs: vec![ValueInfo::tensor("x", 1, Some(dims))],
            outputs: vec![ValueInfo::tensor("y", 1, None)],
            initializers: vec![Initializer::new("w", Tensor::from_vec(&[64, 16], noise(1024, 7)).unwrap())],
            ..Graph::default()
        },
        ..Model::default()
    };
    let mix = noise(4 * 64, 11);
    let samples: Vec<_> = (0..24)
        .map(|s| {
            let z = noise(6 * 4, 500 + s);
            let e = noise(6 * 64, 900 + s);
            let v: Vec<f32> = (0..6 * 64).map(|i| (0..4).map(|f| z[i / 64 * 4 + f] * mix[f * 64 + i % 64]).sum::<f32>() + 0.05 * e[i]).collect();
            vec![("x".to_string(), Tensor::from_vec(&[1, 6, 64], v).unwrap())]
        })
        .collect();
    // 16 samples are 96 rows for 64 features: too few to learn from, nearest is kept.
    let few = Dataset { samples: samples[..16].to_vec(), random: false };
    let (_, report) = int4(&model, Rounding::Learned, Some(&few)).unwrap();
    let layer = &report.rounding.as_ref().unwrap().layers[0];
    assert_eq!(layer.applied, "nearest", "{layer:?}");
    assert!(layer.note.contains("96 calibration rows for 64 input features"), "{layer:?}");
    let calib = Dataset { samples, random: false };
    let (near, _) = int4(&model, Rounding::Nearest, Some(&calib)).unwrap();
    let (learned, report) = int4(&model, Rounding::Learned, Some(&calib)).unwrap();
    assert_eq!(form(&near), form(&learned));
    assert!(learned.graph.nodes.iter().any(|n| n.attr_int("block_size").unwrap() == Some(32)));
    let layer = &report.rounding.as_ref().unwrap().layers[0];
    assert_eq!((layer.applied, layer.rows), ("learned", 144), "{layer:?}");
    let reference = outputs(&model, &calib);
    let (s_near, s_learned) = (sqnr_db(&reference, &outputs(&near, &calib)), sqnr_db(&reference, &outputs(&learned, &calib)));
    println!("blocked MatMul: output SQNR nearest {s_near:.2} dB, learned {s_learned:.2} dB");
    assert!(s_learned > s_near + 3.0, "learned {s_learned:.2} dB vs nearest {s_near:.2} dB");
}

#[test]
fn learned_rounding_without_calibration_is_a_bad_argument_naming_the_fix() {
    let err = int4(&two_convs(), Rounding::Learned, None).unwrap_err();
    assert!(err.contains("learned") && err.contains("--calib FILE.npz") && err.contains("--calib-random N"), "{err}");
    let err = int4(&two_convs(), Rounding::Learned, Some(&Dataset::default())).unwrap_err();
    assert!(err.contains("calibration samples"), "{err}");
    let spec = QuantizeSpec { rounding: Rounding::Learned, ..QuantizeSpec::new(Mode::Int4Weights) };
    let recipe = Recipe { steps: vec![Step::Quantize(spec)] };
    let e = compress(&two_convs(), &recipe, None, &mut |_| {}).unwrap_err();
    assert_eq!(e.kind(), pare::error::ErrorKind::BadArgument, "{e}");
    assert!(recipe.uses_calibration(None), "the CLI and the page make random samples for it");
    // The CLI: --rounding needs a weight-only quantize step, and learned needs samples.
    let dir = std::env::temp_dir().join(format!("pare_lround_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_pare"))
            .arg("compress")
            .arg(fixture("model.onnx"))
            .arg("-o")
            .arg(dir.join("out.onnx"))
            .arg("--no-compare")
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&["--quantize", "int4-weights", "--rounding", "learned"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("calibration samples") && err.contains("--calib"), "{err}");
    let out = run(&["--quantize", "int8", "--rounding", "learned", "--calib-random", "2"]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("--rounding"));
    let out = run(&["--quantize", "int4-weights", "--rounding", "learned", "--calib-random", "4"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let _ = std::fs::remove_dir_all(&dir);
}
