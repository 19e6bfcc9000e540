//! A slice of the ONNX node conformance suite, embedded in the test binary so that it runs where
//! there is no file system: under wasm in Node and in headless Chromium (`make test` runs
//! `wasm-pack test --node` and `--headless --chrome`), and natively with `cargo test`.
//!
//! Same path as tests/native/conformance.rs: decode the model and the tensors, run a `Session`, compare
//! with the ONNX backend tolerance (rtol 1e-3, atol 1e-7). The cases are listed in
//! tests/fixtures/wasm_slice/cases.txt and copied from the onnx==1.22.0 wheel by generate.py
//! next to them.
//!
//! Gate: while the ops are still being written on other branches, a case whose ops the registry
//! lacks is skipped, but only if it is named in `AWAITING_OPS`. Once every op has landed, empty
//! `AWAITING_OPS`: from then on every case must run and pass.

use std::collections::BTreeSet;

use pare::ir::{Graph, Tensor};
use pare::onnx::{decode_model, decode_tensor};
use pare::ops::{Registry, standard_registry};
use pare::runtime::Session;

use crate::common::{Tolerance, compare};
use crate::slice_cases::{CASES, SliceCase};

#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test;

/// Cases allowed to be skipped because some op of theirs has not landed on main yet.
/// Empty this list after merging the op branches (a case that is supported runs regardless).
const AWAITING_OPS: &[&str] = &[];

/// Test output: stdout natively, the console under wasm (shown with `-- --nocapture` or on failure).
macro_rules! say {
    ($($arg:tt)*) => {{
        #[cfg(target_arch = "wasm32")]
        wasm_bindgen_test::console_log!($($arg)*);
        #[cfg(not(target_arch = "wasm32"))]
        println!($($arg)*);
    }};
}

fn op_types(graph: &Graph, out: &mut BTreeSet<(String, String)>) {
    for node in &graph.nodes {
        let domain = if node.domain == "ai.onnx" { String::new() } else { node.domain.clone() };
        out.insert((domain, node.op_type.clone()));
        for sub in node.subgraphs() {
            op_types(sub, out);
        }
    }
}

/// The ops of `case` that `registry` lacks.
fn missing_ops(case: &SliceCase, registry: &Registry) -> Result<Vec<String>, String> {
    let model = decode_model(case.model).map_err(|e| format!("decode: {e}"))?;
    let mut ops = BTreeSet::new();
    op_types(&model.graph, &mut ops);
    Ok(ops.into_iter().filter(|(d, op)| !registry.contains(d, op)).map(|(_, op)| op).collect())
}

fn run_case(case: &SliceCase) -> Result<(), String> {
    let model = decode_model(case.model).map_err(|e| format!("decode: {e}"))?;
    let session = Session::new(&model).map_err(|e| format!("prepare: {e}"))?;
    let feed_names: Vec<String> = model.graph.feed_inputs().map(|v| v.name.clone()).collect();
    for (set_index, set) in case.sets.iter().enumerate() {
        let mut inputs = Vec::new();
        for &(index, bytes) in set.inputs {
            let name = feed_names.get(index).ok_or_else(|| format!("input_{index}.pb has no graph input"))?;
            let (_, tensor) = decode_tensor(bytes).map_err(|e| format!("input {index}: {e}"))?;
            inputs.push((name.clone(), tensor));
        }
        let outputs = session.run(inputs).map_err(|e| format!("data set {set_index}: run: {e}"))?;
        if outputs.len() < set.outputs.len() {
            return Err(format!("{} outputs but the data set has {}", outputs.len(), set.outputs.len()));
        }
        for ((name, got), bytes) in outputs.iter().zip(set.outputs) {
            let (_, want): (String, Tensor) = decode_tensor(bytes).map_err(|e| format!("expected `{name}`: {e}"))?;
            compare(got, &want, Tolerance::OnnxBackend)
                .map_err(|msg| format!("data set {set_index}: output `{name}`: {msg}"))?;
        }
    }
    Ok(())
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn onnx_conformance_slice_passes() {
    let registry = standard_registry();
    let mut passed = Vec::new();
    let mut skipped = Vec::new();
    let mut failures = Vec::new();
    for case in CASES {
        match missing_ops(case, &registry) {
            Err(e) => failures.push(format!("{}: {e}", case.name)),
            Ok(missing) if !missing.is_empty() => {
                if AWAITING_OPS.contains(&case.name) {
                    skipped.push(format!("{} (needs {})", case.name, missing.join(", ")));
                } else {
                    failures.push(format!("{}: the registry lacks {}", case.name, missing.join(", ")));
                }
            }
            Ok(_) => match run_case(case) {
                Ok(()) => passed.push(case.name),
                Err(e) => failures.push(format!("{}: {e}", case.name)),
            },
        }
    }
    say!("wasm slice: {} passed, {} failed, {} skipped awaiting ops", passed.len(), failures.len(), skipped.len());
    for s in &skipped {
        say!("  skipped {s}");
    }
    assert!(failures.is_empty(), "conformance slice failures:\n{}", failures.join("\n"));
    assert!(!passed.is_empty(), "no case of the slice ran");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn every_case_is_in_the_fixture_list_and_awaiting_names_exist() {
    assert!(CASES.len() >= 20, "the slice should hold about 20 cases, has {}", CASES.len());
    for name in AWAITING_OPS {
        assert!(CASES.iter().any(|c| c.name == *name), "AWAITING_OPS names `{name}`, which is not a slice case");
    }
}
