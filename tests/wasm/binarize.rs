//! Binarized layers under wasm (Node and headless Chromium): the MNIST CNN with binary weights
//! and inputs (`compress::binarize`, `activations: true`) runs conv2 and fc1 on the SIMD128
//! XOR + popcount kernel (BinaryConv, BinaryGemm) and matches the graph run as written in float,
//! on real digits. The native twin of this check is tests/native/binarize.rs.

use pare::compress::binarize::BinarizeSpec;
use pare::compress::{Recipe, Step, compress};
use pare::ir::Tensor;
use pare::npy::read_npy;
use pare::onnx::decode_model;
use pare::runtime::{Session, SessionOptions};
use wasm_bindgen_test::wasm_bindgen_test;

const MNIST: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/mnist_cnn/model.onnx"));
const CALIB: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/mnist_cnn/calib_pixels.npy"));

#[wasm_bindgen_test]
fn xnor_mnist_runs_on_binary_kernels_and_matches_float_execution() {
    let model = decode_model(MNIST).unwrap();
    let spec = BinarizeSpec { activations: true, ..BinarizeSpec::default() };
    let (xnor, _) = compress(&model, &Recipe { steps: vec![Step::Binarize(spec)] }, None, &mut |_| {}).unwrap();
    let binary = Session::new(&xnor).unwrap();
    let kinds: Vec<&str> = binary.integer_layers().iter().map(|l| l.runs_as.as_str()).collect();
    assert_eq!(kinds, ["BinaryConv", "BinaryGemm"]);
    let float = Session::with_options(&xnor, SessionOptions { integer: false, ..SessionOptions::default() }).unwrap();
    let Tensor::U8(pixels) = read_npy(CALIB).unwrap() else { panic!("uint8 pixels expected") };
    let n = 64.min(pixels.shape()[0]);
    let values: Vec<f32> = pixels.iter().take(n * 784).map(|&p| f32::from(p) / 255.0).collect();
    let images = Tensor::from_vec(&[n, 1, 28, 28], values).unwrap();
    let a = binary.run(vec![("image".into(), images.clone())]).unwrap()[0].1.to_f64_vec().unwrap();
    let b = float.run(vec![("image".into(), images)]).unwrap()[0].1.to_f64_vec().unwrap();
    let scale = b.iter().fold(0f64, |m, v| m.max(v.abs()));
    let worst = a.iter().zip(&b).map(|(x, y)| (x - y).abs()).fold(0f64, f64::max);
    assert!(worst <= 1e-4 * scale, "binary kernels vs float graph: {worst} on logits up to {scale}");
}

/// The same digits centred (pixel − 0.5, so the image itself has negatives and positives) through
/// the MNIST CNN with conv1 binarized, weights and inputs, and the rest in float: conv1 reads a
/// mixed-sign image, so the SIMD128 BinaryConv's XOR + popcount, its zero padding and its
/// per-channel α run on both signs end to end, which the pooled ReLU inputs of conv2 and fc1
/// (never negative, so always +1) cannot show. Only conv1: a binarized fc2 would read relu3's
/// output (never negative) and give the same logits for every image, hiding any error upstream.
/// Compared with the graph as written, in float.
#[wasm_bindgen_test]
fn xnor_conv1_with_mixed_sign_inputs_matches_float_execution() {
    let model = decode_model(MNIST).unwrap();
    let spec = BinarizeSpec { activations: true, include: Some(vec!["conv1".into()]), ..BinarizeSpec::default() };
    let (xnor, _) = compress(&model, &Recipe { steps: vec![Step::Binarize(spec)] }, None, &mut |_| {}).unwrap();
    let binary = Session::new(&xnor).unwrap();
    let kinds: Vec<(&str, &str)> = binary.integer_layers().iter().map(|l| (l.node.as_str(), l.runs_as.as_str())).collect();
    assert_eq!(kinds, [("conv1", "BinaryConv")]);
    let float = Session::with_options(&xnor, SessionOptions { integer: false, ..SessionOptions::default() }).unwrap();
    let Tensor::U8(pixels) = read_npy(CALIB).unwrap() else { panic!("uint8 pixels expected") };
    let n = 64.min(pixels.shape()[0]);
    let values: Vec<f32> = pixels.iter().take(n * 784).map(|&p| f32::from(p) / 255.0 - 0.5).collect();
    let negative = values.iter().filter(|v| **v < 0.0).count();
    // Mostly background (−0.5) with strokes (> 0): both signs in every image's binary input.
    assert!(negative > values.len() / 2 && negative < values.len() * 95 / 100, "{negative} of {} negative", values.len());
    let images = Tensor::from_vec(&[n, 1, 28, 28], values).unwrap();
    let a = binary.run(vec![("image".into(), images.clone())]).unwrap()[0].1.to_f64_vec().unwrap();
    let b = float.run(vec![("image".into(), images)]).unwrap()[0].1.to_f64_vec().unwrap();
    let top1 = |v: &[f64]| v.chunks(10).map(|r| r.iter().enumerate().fold((0, f64::MIN), |m, (i, &x)| if x > m.1 { (i, x) } else { m }).0).collect::<Vec<_>>();
    // Discrimination: the logits depend on the image (a constant output would match anything).
    let classes: std::collections::HashSet<usize> = top1(&b).into_iter().collect();
    assert!(classes.len() >= 5, "the float logits pick only {classes:?} over {n} digits");
    let scale = b.iter().fold(0f64, |m, v| m.max(v.abs()));
    let worst = a.iter().zip(&b).map(|(x, y)| (x - y).abs()).fold(0f64, f64::max);
    // conv1's binary dot product is exact (K = 9 signs); its float twin sums 9 products of ±α, an
    // error of a few ulps of conv1's outputs, which the float layers after it carry to the logits
    // with their own f32 rounding (conv2's and fc1's sums over 288 and 3136 terms: ~√K·2⁻²⁴
    // relative each, ~1e-6). 1e-4 of the logits' magnitude bounds that with a wide margin while a
    // wrong sign, tap or α moves logits by their own size.
    assert!(worst <= 1e-4 * scale, "binary conv1 vs float graph with mixed-sign inputs: {worst} on logits up to {scale}");
    assert_eq!(top1(&a), top1(&b), "top-1 of every digit");
}
