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
    let float = Session::with_options(&xnor, SessionOptions { integer: false }).unwrap();
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
