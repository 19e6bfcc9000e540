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
