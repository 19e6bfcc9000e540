//! Per-layer ratios and the auto mode end to end on the MNIST CNN of tests/fixtures/mnist_cnn:
//! auto is calibrated on the fixture's 200 calibration digits (training digits; it uses the
//! first 32) and evaluated on the 1,000 held-out digits.
//!
//! - `ratios` give exactly those sparsities per layer, for every granularity with a ratio;
//! - auto reaches its target with a non-uniform allocation, and keeps more accuracy than one
//!   uniform ratio at the same sparsity where it matters (70 %);
//! - a tight error budget stops early and says so; bad specs are clean errors.
//!
//! Print the table: `cargo test --test native prune_auto:: -- --nocapture`.

use pare::compress::prune::{PruneReport, PruneSpec};
use pare::compress::{Recipe, Step, StepReport, compress};
use pare::ir::Model;
use pare::runtime::{Dataset, Session};

use crate::common::mnist_cnn::{self, calibration, heldout_labels, mnist, pixels};

/// Top-1 accuracy on the held-out digits.
fn accuracy(model: &Model) -> f64 {
    mnist_cnn::accuracy(model, &pixels("heldout_pixels.npy"), &heldout_labels())
}

/// Runs one prune step given as JSON.
fn prune(json: &str, calib: Option<&Dataset>) -> Result<(Model, PruneReport), String> {
    let spec: PruneSpec = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let (model, report) = compress(&mnist(), &Recipe { steps: vec![Step::Prune(spec)] }, calib, &mut |_| {}).map_err(|e| e.to_string())?;
    match report.steps.into_iter().next() {
        Some(StepReport::Prune(r)) => Ok((model, r)),
        other => panic!("unexpected step report {other:?}"),
    }
}

fn zeros(model: &Model, weight: &str) -> (usize, usize) {
    let t = &model.graph.initializer(weight).unwrap().tensor;
    let v: Vec<f32> = t.as_array::<f32>().unwrap().iter().copied().collect();
    (v.iter().filter(|&&x| x == 0.0).count(), v.len())
}

fn layer_sparsity(report: &PruneReport, name: &str) -> f64 {
    report.layers.iter().find(|l| l.name == name).unwrap_or_else(|| panic!("{name} not in the report")).sparsity
}

#[test]
fn per_layer_ratios_give_exactly_those_sparsities() {
    // Unstructured: round(ratio · n) weights per layer; fc2 has no entry and no `ratio`.
    let (model, report) = prune(r#"{"method": "unstructured", "ratios": {"conv1": 0.2, "conv2": 0.7, "fc1": 0.3}}"#, None).unwrap();
    assert_eq!(zeros(&model, "w1"), (29, 144), "round(0.2 · 144)");
    assert_eq!(zeros(&model, "w2"), (3226, 4608), "round(0.7 · 4608)");
    assert_eq!(zeros(&model, "w3"), (30106, 100352), "round(0.3 · 100352)");
    assert_eq!(zeros(&model, "w4").0, 0);
    assert!(report.skipped.iter().any(|s| s.name == "fc2"), "{:?}", report.skipped);

    // A global ratio with one override; the override also beats keep_first_last.
    let (model, _) = prune(r#"{"method": "unstructured", "ratio": 0.5, "ratios": {"fc1": 0.9, "fc2": 0.25}}"#, None).unwrap();
    assert_eq!(zeros(&model, "w1").0, 0, "conv1: first layer kept");
    assert_eq!(zeros(&model, "w2"), (2304, 4608));
    assert_eq!(zeros(&model, "w3"), (90317, 100352));
    assert_eq!(zeros(&model, "w4"), (160, 640));

    // Kernel: 16 kernels of conv1, 512 of conv2 (9 weights each).
    let (_, report) = prune(r#"{"method": "kernel", "ratios": {"conv1": 0.25, "conv2": 0.75}}"#, None).unwrap();
    assert_eq!(layer_sparsity(&report, "conv1"), 4.0 / 16.0);
    assert_eq!(layer_sparsity(&report, "conv2"), 384.0 / 512.0);

    // Vector: rows of 3 inside each 3×3 kernel.
    let (_, report) = prune(r#"{"method": "vector", "ratio": 0.5, "ratios": {"conv1": 0.25}}"#, None).unwrap();
    assert_eq!(layer_sparsity(&report, "conv1"), 12.0 / 48.0);
    assert_eq!(layer_sparsity(&report, "conv2"), 0.5);

    // Filter: whole output channels removed per layer.
    let (model, report) = prune(r#"{"method": "filter", "ratios": {"conv1": 0.25, "conv2": 0.5}}"#, None).unwrap();
    let channels = |name: &str| {
        let l = report.layers.iter().find(|l| l.name == name).unwrap();
        (l.out_channels_before.unwrap(), l.out_channels_after.unwrap())
    };
    assert_eq!((channels("conv1"), channels("conv2")), ((16, 12), (32, 16)));
    assert_eq!(model.graph.initializer("w2").unwrap().tensor.shape(), vec![16, 12, 3, 3]);
    assert!(Session::new(&model).unwrap().run(vec![("image".into(), pixels("heldout_pixels.npy"))]).is_ok());
}

#[test]
fn bad_ratios_and_auto_specs_are_clean_errors() {
    for (json, want) in [
        (r#"{"method": "unstructured", "ratios": {"conv9": 0.5}}"#, "`conv9`, which is not a prunable layer (prunable layers: conv1, conv2, fc1, fc2)"),
        (r#"{"method": "unstructured", "ratios": {"conv2": 1.0}}"#, "`ratios`: layer `conv2`: the ratio must be in [0, 1), got 1"),
        (r#"{"method": "filter", "ratios": {"conv2": -0.1}}"#, "layer `conv2`"),
        (r#"{"method": "unstructured", "auto": {"target": 0.5}, "ratios": {"conv2": 0.5}}"#, "not both"),
        (r#"{"method": "unstructured", "auto": {"target": 0}}"#, "`auto.target` must be in (0, 1)"),
        (r#"{"method": "nm", "n": 2, "m": 4, "auto": {"target": 0.5}}"#, "`auto` does not apply to method nm"),
        (r#"{"method": "vector", "auto": {"target": 0.5}, "include": ["Gemm"]}"#, "no layer the spec selects can be pruned by method vector"),
        (r#"{"method": "unstructured", "auto": {"target": 0.5, "budget": 1}}"#, "budget"),
    ] {
        let err = prune(json, None).err().unwrap_or_else(|| panic!("{json} should fail"));
        assert!(err.contains(want), "{json}: {err}");
        // The recipe parser (CLI --recipe, wasm compress) says the same.
        if !err.contains("no layer the spec") && !err.contains("conv9") {
            let recipe = format!(r#"{{"steps": [{{"prune": {json}}}]}}"#);
            let err = Recipe::from_json(&recipe).unwrap_err().to_string();
            assert!(err.contains(want), "{json}: {err}");
        }
    }
}

#[test]
fn auto_reaches_the_target_with_a_non_uniform_allocation() {
    let calib = calibration();
    let json = r#"{"method": "unstructured", "keep_first_last": false, "auto": {"target": 0.5}}"#;
    let (model, report) = prune(json, Some(&calib)).unwrap();
    let auto = report.auto.as_ref().expect("auto report");
    assert!(report.totals.sparsity >= 0.5, "global sparsity {}", report.totals.sparsity);
    assert!(auto.reached_target && auto.sparsity >= 0.5);
    assert_eq!(auto.samples, 32, "max_samples defaults to 32 of the 200 calibration digits");
    assert!(auto.inputs.contains("calibration"), "{}", auto.inputs);
    assert_eq!(auto.layers.len(), 4);
    let ratios: Vec<f64> = auto.layers.iter().map(|l| l.ratio).collect();
    let spread = ratios.iter().cloned().fold(f64::MIN, f64::max) - ratios.iter().cloned().fold(f64::MAX, f64::min);
    assert!(spread >= 0.2, "allocation should be non-uniform: {ratios:?}");
    for l in &auto.layers {
        assert_eq!(l.scan.len(), auto.grid.len());
        assert_eq!(auto.ratios[&l.name], l.ratio);
        assert!((layer_sparsity(&report, &l.name) - l.ratio).abs() < 1e-3, "{}: reported {} chose {}", l.name, layer_sparsity(&report, &l.name), l.ratio);
    }
    // The most sensitive layer (largest error alone at 50 %) gets the smallest ratio.
    let at_half = auto.grid.iter().position(|&r| r == 0.5).unwrap();
    let most_sensitive = auto.layers.iter().max_by(|a, b| a.scan[at_half].total_cmp(&b.scan[at_half])).unwrap();
    assert_eq!(most_sensitive.ratio, ratios.iter().cloned().fold(f64::MAX, f64::min), "{:?}", auto.layers);
    assert!(auto.measured_error.is_finite() && auto.measured_error > 0.0);
    assert!(report.notes.iter().any(|n| n.contains("target 50.0% reached")), "{:?}", report.notes);

    // The chosen ratios, reused as `ratios`, give the same model.
    let reuse = serde_json::json!({"method": "unstructured", "ratios": auto.ratios}).to_string();
    let (again, _) = prune(&reuse, None).unwrap();
    for w in ["w1", "w2", "w3", "w4"] {
        assert_eq!(zeros(&again, w), zeros(&model, w), "{w}");
    }
    let json = serde_json::to_value(&report).unwrap();
    for field in ["target", "metric", "measured_error", "predicted_error", "ratios", "layers", "outcome", "reached_target"] {
        assert!(!json["auto"][field].is_null(), "report.auto.{field} missing: {json}");
    }
    let acc = accuracy(&model);
    assert!(acc > 0.9, "auto 50 % held-out top-1 {acc}");
}

#[test]
fn a_tight_budget_stops_early_and_says_so() {
    let calib = calibration();
    let json = r#"{"method": "unstructured", "keep_first_last": false, "auto": {"target": 0.9, "max_error": 0.05, "max_samples": 16}}"#;
    let (_, report) = prune(json, Some(&calib)).unwrap();
    let auto = report.auto.as_ref().unwrap();
    assert!(!auto.reached_target);
    assert!(auto.sparsity < 0.9 && auto.sparsity > 0.0, "{}", auto.sparsity);
    assert!(auto.measured_error <= 0.05, "measured {} over the budget", auto.measured_error);
    assert_eq!(auto.samples, 16);
    assert!(auto.outcome.contains("NOT reached"), "{}", auto.outcome);
    assert!(report.notes.iter().any(|n| n.contains("NOT reached")), "{:?}", report.notes);
    assert!(report.totals.sparsity < 0.9);

    // Cosine distance as the metric, and random samples when no calibration is given.
    let json = r#"{"method": "kernel", "auto": {"target": 0.6, "metric": "cosine_distance", "max_samples": 4, "grid": [0.3, 0.6, 0.9]}}"#;
    let (_, report) = prune(json, None).unwrap();
    let auto = report.auto.as_ref().unwrap();
    assert_eq!((auto.metric.as_str(), auto.samples, auto.grid.len()), ("cosine_distance", 4, 3));
    assert!(auto.inputs.contains("random"), "{}", auto.inputs);
    assert_eq!(auto.layers.len(), 1, "kernel pruning, keep_first_last: only conv2 can take it");
    assert!(auto.reached_target && report.totals.sparsity >= 0.6, "{:?}", report.totals);
}

/// Held-out top-1: one uniform ratio against auto at the same target, with and without bias
/// correction. At 70 % over all four layers auto must win.
#[test]
fn auto_against_uniform_on_heldout_digits() {
    let calib = calibration();
    let float_acc = accuracy(&mnist());
    println!("MNIST CNN, 1,000 held-out digits (float {:.2}%); auto scans 32 of 200 calibration digits", float_acc * 100.0);
    println!("{:44} {:>9} {:>8}   ratios (conv1, conv2, fc1, fc2)", "variant", "sparsity", "top-1");
    let mut results = Vec::new();
    for (layers, keep) in [("conv2+fc1", "true"), ("all four", "false")] {
        for target in [0.5, 0.7, 0.9] {
            for correct in [None, Some("bias")] {
                // No correction is `none`: with calibration samples an absent `correct` means lsq.
                let c = format!(r#", "correct": "{}""#, correct.unwrap_or("none"));
                let uniform = format!(r#"{{"method": "unstructured", "ratio": {target}, "keep_first_last": {keep}, "allocation": "uniform"{c}}}"#);
                let auto = format!(r#"{{"method": "unstructured", "keep_first_last": {keep}, "auto": {{"target": {target}}}{c}}}"#);
                for (kind, json) in [("uniform", uniform), ("auto", auto)] {
                    let (model, report) = prune(&json, Some(&calib)).unwrap();
                    let acc = accuracy(&model);
                    let ratios: Vec<String> = ["conv1", "conv2", "fc1", "fc2"]
                        .iter()
                        .map(|n| report.layers.iter().find(|l| l.name == *n).map_or("-".into(), |l| format!("{:.2}", l.sparsity)))
                        .collect();
                    let name = format!("{kind} {:.0}% {layers}{}", target * 100.0, correct.map(|c| format!(" + {c}")).unwrap_or_default());
                    println!("{name:44} {:>8.1}% {:>7.2}%   {}", report.totals.sparsity * 100.0, acc * 100.0, ratios.join(", "));
                    assert!(report.totals.sparsity >= target - 1e-9, "{name}: sparsity {}", report.totals.sparsity);
                    results.push((name, acc));
                }
            }
        }
    }
    let acc = |n: &str| results.iter().find(|(name, _)| name == n).unwrap().1;
    for c in ["", " + bias"] {
        let (u, a) = (acc(&format!("uniform 70% all four{c}")), acc(&format!("auto 70% all four{c}")));
        assert!(a > u, "70% all four{c}: auto {a} should beat uniform {u}");
    }
}
