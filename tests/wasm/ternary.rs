//! Ternary layers under wasm (Node and headless Chromium): the MNIST CNN compressed with
//! `--quantize ternary` (`Mode::Ternary`) runs every layer on the SIMD128 row-add kernel
//! (TernaryConv, TernaryGemm; a wasm session chooses it by default, `ternary_kernel_pays_off`)
//! and matches the same model with dequantized weights on the f32 GEMM, on real digits. The
//! native twin of this check (scalar kernel, forced on) is in tests/native/weight_grids.rs.

use pare::compress::quantize::{Mode, QuantizeSpec};
use pare::compress::{Recipe, Step, compress};
use pare::ir::Tensor;
use pare::npy::read_npy;
use pare::onnx::decode_model;
use pare::runtime::{Session, SessionOptions};
use wasm_bindgen_test::wasm_bindgen_test;

const MNIST: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/mnist_cnn/model.onnx"));
const CALIB: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/mnist_cnn/calib_pixels.npy"));

fn digits(n: usize) -> Tensor {
    let Tensor::U8(pixels) = read_npy(CALIB).unwrap() else { panic!("uint8 pixels expected") };
    let n = n.min(pixels.shape()[0]);
    Tensor::from_vec(&[n, 1, 28, 28], pixels.iter().take(n * 784).map(|&p| f32::from(p) / 255.0).collect()).unwrap()
}

#[wasm_bindgen_test]
fn ternary_mnist_runs_on_the_row_add_kernel_and_matches_the_f32_path() {
    let model = decode_model(MNIST).unwrap();
    let spec = QuantizeSpec::new(Mode::Ternary);
    let (ternary_model, _) = compress(&model, &Recipe { steps: vec![Step::Quantize(spec)] }, None, &mut |_| {}).unwrap();
    let ternary = Session::new(&ternary_model).unwrap();
    let kinds: Vec<(&str, &str)> = ternary.ternary_layers().iter().map(|l| (l.node.as_str(), l.runs_as.as_str())).collect();
    assert_eq!(kinds, [("conv1", "TernaryConv"), ("conv2", "TernaryConv"), ("fc1", "TernaryGemm"), ("fc2", "TernaryGemm")]);
    let f32_path = Session::with_options(&ternary_model, SessionOptions { ternary_kernel: Some(false), ..SessionOptions::default() }).unwrap();
    assert!(f32_path.ternary_layers().is_empty());
    for n in [64, 1] {
        let images = digits(n);
        let a = ternary.run(vec![("image".into(), images.clone())]).unwrap()[0].1.to_f64_vec().unwrap();
        let b = f32_path.run(vec![("image".into(), images)]).unwrap()[0].1.to_f64_vec().unwrap();
        let scale = b.iter().fold(0f64, |m, v| m.max(v.abs()));
        let worst = a.iter().zip(&b).map(|(x, y)| (x - y).abs()).fold(0f64, f64::max);
        assert!(worst <= 1e-5 * scale, "{n} digits: ternary kernel vs f32 path: {worst} on logits up to {scale}");
    }
}
