//! The real models of tests/native/real_models.rs, embedded in the test binary so that they run under
//! wasm (Node and headless Chromium via `make test`) as well as natively: the MNIST CNN trained on
//! real digits, and the six pretrained Silero VAD models (copied from the pinned silero-vad
//! package into tests/fixtures/silero_vad/models by scripts/setup.sh). pare must match the
//! onnxruntime outputs stored next to them within 1e-4 (max abs difference).

use pare::onnx::{decode_model, decode_tensor};
use pare::runtime::Session;

use crate::common::{Tolerance, compare};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test;

const MAX_ABS: f64 = 1e-4;

struct DataSet {
    inputs: &'static [&'static [u8]],
    outputs: &'static [&'static [u8]],
}

struct RealModel {
    name: &'static str,
    model: &'static [u8],
    sets: &'static [DataSet],
}

macro_rules! fixture {
    ($($part:expr),+) => {
        include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/", $($part),+))
    };
}

/// One data set of the folder `$folder$name`: `input_I.pb` for each listed I, `output_O.pb` for
/// each listed O.
macro_rules! data_set {
    ($folder:literal, $name:literal, $set:literal, [$($i:literal),*], [$($o:literal),*]) => {
        DataSet {
            inputs: &[$(fixture!($folder, $name, "/test_data_set_", $set, "/input_", $i, ".pb")),*],
            outputs: &[$(fixture!($folder, $name, "/test_data_set_", $set, "/output_", $o, ".pb")),*],
        }
    };
}

/// A Silero VAD variant with `n` data sets of three inputs (or two) and two outputs (or three).
macro_rules! silero {
    ($name:literal, [$($set:literal),*], $inputs:tt, $outputs:tt) => {
        RealModel {
            name: $name,
            model: fixture!("silero_vad/models/", $name, ".onnx"),
            sets: &[$(data_set!("silero_vad/", $name, $set, $inputs, $outputs)),*],
        }
    };
}

const MODELS: &[RealModel] = &[
    RealModel {
        name: "mnist_cnn",
        model: fixture!("mnist_cnn/model.onnx"),
        sets: &[data_set!("", "mnist_cnn", 0, [0], [0])],
    },
    silero!("silero_vad", [0, 1, 2, 3], [0, 1, 2], [0, 1]),
    silero!("silero_vad_16k_op15", [0, 1, 2, 3], [0, 1, 2], [0, 1]),
    silero!("silero_vad_16k_sequence", [0, 1, 2], [0, 1, 2], [0, 1, 2]),
    silero!("silero_vad_half", [0, 1, 2], [0, 1], [0, 1]),
    silero!("silero_vad_op18_ifless", [0, 1, 2, 3], [0, 1, 2], [0, 1]),
    silero!("silero_vad_openvino_16k", [0, 1, 2], [0, 1], [0, 1]),
];

fn run(model: &RealModel) -> Result<(), String> {
    let decoded = decode_model(model.model).map_err(|e| format!("decode: {e}"))?;
    let session = Session::new(&decoded).map_err(|e| format!("prepare: {e}"))?;
    let names: Vec<String> = decoded.graph.feed_inputs().map(|v| v.name.clone()).collect();
    for (k, set) in model.sets.iter().enumerate() {
        if set.inputs.len() != names.len() {
            return Err(format!("data set {k} has {} inputs, the model {}", set.inputs.len(), names.len()));
        }
        let mut inputs = Vec::new();
        for (name, bytes) in names.iter().zip(set.inputs) {
            inputs.push((name.clone(), decode_tensor(bytes).map_err(|e| e.to_string())?.1));
        }
        let outputs = session.run(inputs).map_err(|e| format!("data set {k}: {e}"))?;
        if outputs.len() != set.outputs.len() {
            return Err(format!("data set {k}: {} outputs, expected {}", outputs.len(), set.outputs.len()));
        }
        for ((name, got), bytes) in outputs.iter().zip(set.outputs) {
            let want = decode_tensor(bytes).map_err(|e| e.to_string())?.1;
            compare(got, &want, Tolerance::MaxAbs(MAX_ABS)).map_err(|e| format!("data set {k}: `{name}`: {e}"))?;
        }
    }
    Ok(())
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn mnist_cnn_and_silero_vad_match_onnxruntime_within_1e_4() {
    let failures: Vec<String> = MODELS.iter().filter_map(|m| run(m).err().map(|e| format!("{}: {e}", m.name))).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(MODELS.len(), 7);
}
