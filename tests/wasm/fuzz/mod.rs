//! A deterministic, seeded mutation fuzzer over pare's library entry points: ONNX decode,
//! session preparation, run, compress (a quick weight-quantization recipe), the `.npy`/`.npz`
//! readers and the recipe parser (issue 17). Seeds are small real fixtures (the MNIST CNN and
//! the conformance slice's models, the `.npy` fixtures, recipes); mutations are in `mutate`;
//! resource bombs (gigabyte outputs, 2^40-iteration loops, growing scans) and a deep chain in
//! `bombs`.
//!
//! Every call runs under `catch_unwind` (natively) with a small memory budget for the test's
//! thread (`pare::budget::with_thread_budget`), and must either succeed or fail with a
//! `pare::Error` whose kind and message are set; bombs must fail with kind `too-large`; no
//! single allocation may exceed the budget (the test binaries' counting allocators). Under wasm
//! a panic is a trap that fails the test.
//!
//! Iterations: `PARE_FUZZ_ITERS` (natively; default 150 per target, a few seconds) — `make fuzz`
//! runs 5000. Seed: `PARE_FUZZ_SEED` (default fixed). Runs natively in `cargo test --test native
//! -- fuzz` and under wasm in `make test-wasm-node WASM_TESTS='--test wasm -- fuzz::'`.

mod bombs;
mod mutate;

use std::panic::{AssertUnwindSafe, catch_unwind};

use pare::compress::Recipe;
use pare::error::ErrorKind;
use pare::ir::Tensor;
use pare::onnx::{decode_model, decode_tensor, encode_model};
use pare::runtime::Session;

use crate::common::Rng;

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test;

#[cfg(target_arch = "wasm32")]
use crate::largest_allocation::{largest_allocation, reset_largest_allocation};
#[cfg(not(target_arch = "wasm32"))]
use crate::robustness::{largest_allocation, reset_largest_allocation};

/// The memory budget of the fuzzed calls: every buffer pare sizes from a file stays under it.
const BUDGET: usize = 64 << 20;

const MNIST: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/mnist_cnn/model.onnx"));
const MNIST_INPUT: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/mnist_cnn/test_data_set_0/input_0.pb"));

macro_rules! npy {
    ($($name:literal),*) => { &[$(include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/npy/", $name))),*] };
}
const NPY: &[&[u8]] = npy!("f32_2x3.npy", "i64_5.npy", "bool_2x3.npy", "f16_4.npy", "i32_be_4.npy", "f32_fortran_2x3.npy");

const RECIPES: [&str; 4] = [
    r#"{"steps": [{"quantize": {"mode": "weights"}}]}"#,
    r#"{"steps": [{"prune": {"method": "unstructured", "ratio": 0.5}}, {"quantize": {"mode": "weights", "per_channel": false}}]}"#,
    r#"{"steps": [{"quantize": {"mode": "static", "calibration": "percentile", "percentile": 99.9}}]}"#,
    r#"{"steps": [{"opset": 13}, {"binarize": {"activations": true, "include": ["conv1"]}}]}"#,
];

/// Iterations per fuzz target.
fn iterations() -> usize {
    #[cfg(not(target_arch = "wasm32"))]
    if let Some(n) = std::env::var("PARE_FUZZ_ITERS").ok().and_then(|v| v.parse().ok()) {
        return n;
    }
    if cfg!(target_arch = "wasm32") { 60 } else { 150 }
}

fn seed() -> u64 {
    #[cfg(not(target_arch = "wasm32"))]
    if let Some(n) = std::env::var("PARE_FUZZ_SEED").ok().and_then(|v| v.parse().ok()) {
        return n;
    }
    0x5eed_f022_1700_0017
}

/// A failure must be a `pare::Error` that says what went wrong and of which kind.
fn checked(error: pare::Error) -> ErrorKind {
    let kind = error.kind();
    assert!(!kind.as_str().is_empty() && !error.to_string().is_empty(), "an error without a kind or message: {error:?}");
    kind
}

/// Runs `f` under the test budget, failing on a panic (with `what` to reproduce it) or on an
/// allocation above the budget.
fn guarded<R>(what: &dyn Fn() -> String, f: impl FnOnce() -> R) -> R {
    reset_largest_allocation();
    let result = pare::budget::with_thread_budget(BUDGET, || catch_unwind(AssertUnwindSafe(f)));
    let largest = largest_allocation();
    match result {
        Ok(r) => {
            assert!(largest <= BUDGET, "{}: an allocation of {largest} bytes (budget {BUDGET})", what());
            r
        }
        Err(p) => {
            let message = p.downcast_ref::<String>().cloned().or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()));
            panic!("{}: panicked: {}", what(), message.unwrap_or_default())
        }
    }
}

/// Decode, prepare, run on `inputs` (by position among the fed inputs) and, with `recipe`,
/// compress: the first error's kind, or None when everything worked.
fn pipeline(bytes: &[u8], inputs: &[Tensor], recipe: Option<&Recipe>) -> Option<ErrorKind> {
    let model = match decode_model(bytes) {
        Ok(m) => m,
        Err(e) => return Some(checked(e.into())),
    };
    let _ = encode_model(&model);
    let _ = pare::analysis::summarize(&model);
    if let Some(recipe) = recipe {
        if let Err(e) = pare::compress::compress(&model, recipe, None, &mut |_| {}) {
            checked(e.into());
        }
    }
    let session = match Session::new(&model) {
        Ok(s) => s,
        Err(e) => return Some(checked(e.into())),
    };
    let names: Vec<String> = session.inputs().iter().map(|i| i.name.clone()).collect();
    let feeds = names.into_iter().zip(inputs.iter().cloned()).collect();
    session.run(feeds).err().map(|e| checked(e.into()))
}

/// The seeds: the MNIST CNN with its test input, and a few conformance-slice models with theirs.
fn model_seeds() -> Vec<(&'static str, &'static [u8], Vec<Tensor>)> {
    let mut seeds = vec![("mnist_cnn", MNIST, vec![decode_tensor(MNIST_INPUT).unwrap().1])];
    for case in crate::slice_cases::CASES.iter().step_by(7).take(12) {
        let inputs = case.sets.first().map(|s| s.inputs.iter().filter_map(|(_, b)| decode_tensor(b).ok().map(|t| t.1)).collect()).unwrap_or_default();
        seeds.push((case.name, case.model, inputs));
    }
    seeds
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn fuzz_model_bytes() {
    let seeds = model_seeds();
    let recipe = Recipe::from_json(RECIPES[0]).unwrap();
    let mut rng = Rng(seed());
    let mut outcomes = Outcomes::default();
    for iteration in 0..iterations() {
        let (name, original, inputs) = &seeds[iteration % seeds.len()];
        let mut bytes = mutate::bytes(&mut rng, original);
        for _ in 0..rng.below(3) {
            bytes = mutate::bytes(&mut rng, &bytes);
        }
        // Compress (the slowest entry point) on every eighth mutant.
        let recipe = (iteration % 8 == 0).then_some(&recipe);
        outcomes.add(guarded(&|| format!("byte mutant {iteration} of {name} (seed {:#x})", seed()), || pipeline(&bytes, inputs, recipe)));
    }
    outcomes.check_both("byte mutants");
}

/// How the mutants of one target ended: a fuzzer whose mutants all fail to decode (or all
/// run) only tests one path.
#[derive(Default, Debug)]
struct Outcomes {
    ran: usize,
    not_onnx: usize,
    other_errors: usize,
}

impl Outcomes {
    fn add(&mut self, outcome: Option<ErrorKind>) {
        match outcome {
            None => self.ran += 1,
            Some(ErrorKind::NotOnnx) => self.not_onnx += 1,
            Some(_) => self.other_errors += 1,
        }
    }

    /// Some mutants ran and some failed past decoding.
    fn check_both(&self, what: &str) {
        assert!(self.ran > 0 && self.other_errors > 0, "{what}: {self:?}");
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn fuzz_model_structure() {
    let seeds = model_seeds();
    let recipe = Recipe::from_json(RECIPES[0]).unwrap();
    let mut rng = Rng(seed() ^ 0x57);
    let mut outcomes = Outcomes::default();
    for iteration in 0..iterations() {
        let (name, original, inputs) = &seeds[iteration % seeds.len()];
        let mut model = decode_model(original).unwrap();
        for _ in 0..1 + rng.below(3) {
            mutate::structure(&mut rng, &mut model);
        }
        let bytes = encode_model(&model);
        let recipe = (iteration % 8 == 0).then_some(&recipe);
        outcomes.add(guarded(&|| format!("structural mutant {iteration} of {name} (seed {:#x})", seed()), || pipeline(&bytes, inputs, recipe)));
    }
    outcomes.check_both("structural mutants");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn fuzz_npy_and_npz_readers() {
    let tensors: Vec<(String, Tensor)> = NPY.iter().enumerate().map(|(i, b)| (format!("a{i}"), pare::npy::read_npy(b).unwrap())).collect();
    let npz_seeds = [pare::npz::write_npz(&tensors).unwrap(), pare::npz::write_npz_compressed(&tensors).unwrap()];
    let mut rng = Rng(seed() ^ 0x4e50);
    for iteration in 0..iterations() * 4 {
        let npy = mutate::bytes(&mut rng, NPY[iteration % NPY.len()]);
        guarded(&|| format!("npy mutant {iteration}"), || pare::npy::read_npy(&npy).err().map(|e| checked(e.into())));
        let npz = mutate::bytes(&mut rng, &npz_seeds[iteration % 2]);
        guarded(&|| format!("npz mutant {iteration}"), || pare::npz::read_npz(&npz).err().map(|e| checked(e.into())));
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn fuzz_recipe_parser() {
    let mut rng = Rng(seed() ^ 0x7ec1);
    for iteration in 0..iterations() * 4 {
        let mut text = mutate::text(&mut rng, RECIPES[iteration % RECIPES.len()]);
        if rng.below(2) == 0 {
            text = mutate::text(&mut rng, &text);
        }
        guarded(&|| format!("recipe mutant {iteration}: {text}"), || Recipe::from_json(&text).err().map(|e| checked(e.into())));
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn fuzz_bombs_are_too_large() {
    for (name, model) in bombs::all() {
        let bytes = encode_model(&model);
        assert!(bytes.len() < 512, "{name}: {} bytes", bytes.len());
        let kind = guarded(&|| name.to_string(), || pipeline(&bytes, &[], None));
        assert_eq!(kind, Some(ErrorKind::TooLarge), "{name}");
        // The same bombs through inspect's analysis and compress.
        let recipe = Recipe::from_json(RECIPES[0]).unwrap();
        guarded(&|| format!("{name} (compress)"), || pipeline(&bytes, &[], Some(&recipe)));
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn fuzz_a_long_chain_prepares_and_runs() {
    // 30k nodes: preparation must not recurse per node (a stack overflow) nor scan the graph
    // per node (bench/prepare_scaling.py measures the time; no timing is asserted here).
    let n = 30_000;
    let bytes = encode_model(&bombs::relu_chain(n));
    let model = decode_model(&bytes).unwrap();
    let session = Session::new(&model).unwrap();
    let x = Tensor::from_vec(&[1, 4], vec![-1f32, 0.5, 2.0, -3.0]).unwrap();
    let out = session.run(vec![("t0".into(), x)]).unwrap();
    assert_eq!(out[0].0, format!("t{n}"));
    assert_eq!(out[0].1, Tensor::from_vec(&[1, 4], vec![0f32, 0.5, 2.0, 0.0]).unwrap());
}

/// The bombs through the JavaScript API with the default budget (2 GiB under wasm): a
/// `PareError` of kind `too-large`, not a trap that kills the worker.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen_test]
fn fuzz_bombs_are_too_large_through_the_js_api() {
    use crate::common::js::{bytes, kind, object};
    for (name, model) in bombs::all() {
        let file = bytes(&encode_model(&model));
        let _ = pare::wasm::inspect(file.clone());
        let result = pare::wasm::JsModel::new(file).and_then(|m| m.run(object(&[])));
        assert_eq!(kind(result), "too-large", "{name}");
    }
}
