//! Whole models with ternary weights (issue 13 item 4): a float ONNX model compressed as
//! `pare compress --quantize ternary` does, then run by pare's `Session` with the row-add
//! ternary kernel (TernaryConv/TernaryGemm, what a wasm session chooses) or forced onto the
//! f32 path (dequantized weights, the f32 SIMD128 GEMM). suite.mjs times both in one run and
//! reports the ratio (`model_ternary_rowadd_vs_f32`).

use pare::compress::quantize::{Mode, QuantizeSpec};
use pare::compress::{Recipe, Step, compress};
use pare::ir::Tensor;
use pare::onnx::{decode_model, encode_model};
use pare::runtime::random_inputs::{RandomInputs, symbolic_dims};
use pare::runtime::{Session, SessionOptions};
use wasm_bindgen::prelude::*;

/// The MNIST CNN of tests/fixtures (float).
#[wasm_bindgen]
pub fn mnist_cnn_onnx() -> Vec<u8> {
    include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/fixtures/mnist_cnn/model.onnx")).to_vec()
}

/// `onnx` (a float model) with ternary weights, as `--quantize ternary` writes it.
#[wasm_bindgen]
pub fn compress_ternary(onnx: &[u8]) -> Result<Vec<u8>, String> {
    let model = decode_model(onnx).map_err(|e| e.to_string())?;
    let recipe = Recipe { steps: vec![Step::Quantize(QuantizeSpec::new(Mode::Ternary))] };
    let (ternary, _) = compress(&model, &recipe, None, &mut |_| {}).map_err(|e| e.to_string())?;
    Ok(encode_model(&ternary))
}

/// A session over a model and random inputs (symbolic dims 1, seed 1).
#[wasm_bindgen]
pub struct ModelRun {
    session: Session,
    feeds: Vec<(String, Tensor)>,
}

#[wasm_bindgen]
impl ModelRun {
    /// `ternary_kernel`: run ternary layers on the row-add kernel (true) or the f32 path.
    #[wasm_bindgen(constructor)]
    pub fn new(onnx: &[u8], ternary_kernel: bool) -> Result<ModelRun, String> {
        let model = decode_model(onnx).map_err(|e| e.to_string())?;
        let options = SessionOptions { ternary_kernel: Some(ternary_kernel), ..SessionOptions::default() };
        let session = Session::with_options(&model, options).map_err(|e| e.to_string())?;
        let specs: Vec<_> = session.required_inputs().cloned().collect();
        let mut random = RandomInputs::new(1);
        for dim in symbolic_dims(&specs) {
            random = random.with_dim(dim, 1);
        }
        let feeds = random.generate(&specs).map_err(|e| e.to_string())?;
        Ok(ModelRun { session, feeds })
    }

    /// Layers on the row-add ternary kernel.
    pub fn ternary_layers(&self) -> usize {
        self.session.ternary_layers().len()
    }

    /// One run; the sum of the first output (to compare the two paths).
    pub fn run(&self) -> Result<f64, String> {
        let out = self.session.run(self.feeds.clone()).map_err(|e| e.to_string())?;
        Ok(out.first().and_then(|(_, t)| t.to_f64_vec().ok()).map_or(0.0, |v| v.iter().sum()))
    }
}
