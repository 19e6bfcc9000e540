//! Pruning end to end: exact per-layer sparsity of every masking method on the MNIST CNN, the
//! N:M pattern, filter surgery on a residual fixture (outputs equal to the masked-but-unsurgered
//! twin), a real pretrained CNN from PyPI filter-pruned by 25 %, bad specs refused with the
//! reason, and every pruned model checked by onnx.checker (full_check) and run by onnxruntime
//! (tests/python/prune_check.py), whose outputs pare must match.

use std::path::{Path, PathBuf};

use pare::compress::prune::{self, PruneReport};
use pare::compress::{Recipe, StepReport, compress};
use pare::ir::{Model, Tensor};
use pare::onnx::{decode_model, encode_model};
use pare::runtime::Session;

use crate::common::{self, Tolerance, compare, npy, read, repo_root, weight};
use crate::common::mnist_cnn::mnist;

fn load(relative: &str) -> Model {
    decode_model(&read(&repo_root().join(relative))).unwrap()
}

fn resnet() -> Model {
    load("tests/fixtures/prune_resnet/model.onnx")
}

/// Runs a one-step recipe `{"prune": spec}`.
fn prune(model: &Model, spec: &str) -> Result<(Model, PruneReport), String> {
    let recipe = Recipe::from_json(&format!(r#"{{"steps": [{{"prune": {spec}}}]}}"#)).map_err(|e| e.to_string())?;
    let (out, report) = compress(model, &recipe, None, &mut |_| {}).map_err(|e| e.to_string())?;
    match report.steps.into_iter().next() {
        Some(StepReport::Prune(r)) => Ok((out, r)),
        other => panic!("unexpected step report {other:?}"),
    }
}

fn zeros(w: &[f32]) -> usize {
    w.iter().filter(|&&v| v == 0.0).count()
}

fn round_half_up(x: f64) -> usize {
    x.round() as usize
}

/// Every zeroed weight was no larger in magnitude than every kept one.
fn assert_smallest_went(name: &str, before: &[f32], after: &[f32]) {
    let gone = before.iter().zip(after).filter(|(_, a)| **a == 0.0).map(|(b, _)| b.abs()).fold(0.0f32, f32::max);
    let kept = before.iter().zip(after).filter(|(_, a)| **a != 0.0).map(|(b, _)| b.abs()).fold(f32::INFINITY, f32::min);
    assert!(gone <= kept, "{name}: a weight of |w| {gone} was zeroed while one of |w| {kept} was kept");
}

const MNIST_WEIGHTS: [&str; 4] = ["w1", "w2", "w3", "w4"];

#[test]
fn unstructured_per_layer_and_global_sparsity_is_exact() {
    let model = mnist();
    for name in MNIST_WEIGHTS {
        assert_eq!(zeros(&weight(&model, name)), 0, "{name} already has zeros: the counts below assume none");
    }
    let (pruned, report) = prune(&model, r#"{"method": "unstructured", "ratio": 0.5}"#).unwrap();
    // First (conv1) and last (fc2) layers are kept by default.
    assert_eq!(weight(&pruned, "w1"), weight(&model, "w1"));
    assert_eq!(weight(&pruned, "w4"), weight(&model, "w4"));
    for name in ["w2", "w3"] {
        let (before, after) = (weight(&model, name), weight(&pruned, name));
        assert_eq!(zeros(&after), round_half_up(0.5 * before.len() as f64), "{name}");
        assert_smallest_went(name, &before, &after);
    }
    let names: Vec<&str> = report.layers.iter().map(|l| l.name.as_str()).collect();
    assert_eq!(names, vec!["conv2", "fc1"]);
    assert!((report.layers[1].sparsity - 0.5).abs() < 1e-12);
    assert!(report.notes.iter().any(|n| n.contains("raw ONNX") && n.contains("gzip")));

    let (pruned, report) = prune(&model, r#"{"method": "unstructured", "ratio": 0.6, "scope": "global", "keep_first_last": false}"#).unwrap();
    let before: Vec<f32> = MNIST_WEIGHTS.iter().flat_map(|n| weight(&model, n)).collect();
    let after: Vec<f32> = MNIST_WEIGHTS.iter().flat_map(|n| weight(&pruned, n)).collect();
    assert_eq!(zeros(&after), round_half_up(0.6 * before.len() as f64));
    assert_smallest_went("all layers", &before, &after);
    let sparsities: Vec<f64> = report.layers.iter().map(|l| l.sparsity).collect();
    assert!(sparsities.iter().any(|s| (s - 0.6).abs() > 0.05), "one global threshold gives uneven per-layer sparsity: {sparsities:?}");
    println!("global 60 %: per-layer sparsity {sparsities:?}");
}

/// Zero groups of `size` consecutive elements (kernels and kernel rows of a Conv weight are
/// contiguous runs in its [Cout, Cin, kh, kw] layout).
fn zero_runs(w: &[f32], size: usize) -> (usize, usize) {
    let all = w.chunks(size).filter(|c| c.iter().all(|&v| v == 0.0)).count();
    let partial = w.chunks(size).filter(|c| c.contains(&0.0) && !c.iter().all(|&v| v == 0.0)).count();
    (all, partial)
}

#[test]
fn kernel_and_vector_pruning_zero_whole_kernels_and_rows() {
    let model = mnist();
    let (pruned, report) = prune(&model, r#"{"method": "kernel", "ratio": 0.5}"#).unwrap();
    let w2 = weight(&pruned, "w2"); // [32, 16, 3, 3]: 512 kernels of 9
    assert_eq!(zero_runs(&w2, 9), (256, 0));
    assert_eq!(zeros(&w2), 256 * 9);
    assert_eq!(weight(&pruned, "w3"), weight(&model, "w3"), "a Gemm has no kernels");
    assert!(report.skipped.iter().any(|s| s.name == "fc1" && s.reason.contains("kernel")), "{:?}", report.skipped);

    let (pruned, _) = prune(&model, r#"{"method": "vector", "ratio": 0.3, "criterion": "l2"}"#).unwrap();
    let w2 = weight(&pruned, "w2"); // 1536 rows of 3
    assert_eq!(zero_runs(&w2, 3), (round_half_up(0.3 * 1536.0), 0));
    // The rows that went have the smallest L2 norms.
    let before = weight(&model, "w2");
    let norm = |c: &[f32]| c.iter().map(|v| v * v).sum::<f32>();
    let gone = before.chunks(3).zip(w2.chunks(3)).filter(|(_, a)| a[0] == 0.0).map(|(b, _)| norm(b)).fold(0.0, f32::max);
    let kept = before.chunks(3).zip(w2.chunks(3)).filter(|(_, a)| a[0] != 0.0).map(|(b, _)| norm(b)).fold(f32::INFINITY, f32::min);
    assert!(gone <= kept);
}

#[test]
fn n_m_pruning_keeps_n_of_every_m_along_the_input_dimension() {
    let model = mnist();
    for (n, m) in [(2usize, 4usize), (4, 8)] {
        let spec = format!(r#"{{"method": "nm", "n": {n}, "m": {m}, "keep_first_last": false}}"#);
        let (pruned, report) = prune(&model, &spec).unwrap();
        assert_eq!(report.layers.len(), 4);
        // Conv [Cout, Cin, kh, kw] and Gemm with transB [N, K]: each output's input sequence
        // (Cin·kh·kw, or K) is one contiguous row of `k` weights.
        for (name, k) in [("w1", 9), ("w2", 144), ("w3", 1568), ("w4", 64)] {
            let w = weight(&pruned, name);
            for (o, row) in w.chunks(k).enumerate() {
                for (g, group) in row.chunks(m).enumerate() {
                    let nonzeros = group.iter().filter(|&&v| v != 0.0).count();
                    assert_eq!(nonzeros, n.min(group.len()), "{name} output {o} group {g}: {group:?}");
                }
            }
        }
    }
}

#[test]
fn bad_specs_are_refused_with_the_reason() {
    let model = mnist();
    let cases = [
        (r#"{"method": "unstructured", "ratio": 1.0}"#, "ratio"),
        (r#"{"method": "nm", "n": 4, "m": 4}"#, "smaller than `m`"),
        (r#"{"method": "nm", "n": 2, "m": 0}"#, "`m`"),
        (r#"{"method": "kernel", "ratio": 0.5, "include": ["conv7"]}"#, "conv7"),
    ];
    for (spec, needle) in cases {
        let err = prune(&model, spec).err().unwrap_or_else(|| panic!("{spec} was accepted"));
        assert!(err.contains(needle), "{spec}: {err}");
    }
    // 95 % of branch_a's 8 channels rounds to 8: every channel.
    let err = prune(&resnet(), r#"{"method": "filter", "ratio": 0.95}"#).err().unwrap();
    assert!(err.contains("every output channel") && err.contains("branch_a"), "{err}");
}

fn run(model: &Model, x: &Tensor) -> Vec<Tensor> {
    let session = Session::new(model).unwrap();
    let name = model.graph.feed_inputs().next().unwrap().name.clone();
    session.run(vec![(name, x.clone())]).unwrap().into_iter().map(|(_, t)| t).collect()
}

fn fixture_input() -> Tensor {
    let data: Vec<f32> = (0..3 * 16 * 16).map(|i| ((i * 7919 % 1000) as f32) / 500.0 - 1.0).collect();
    Tensor::from_vec(&[1, 3, 16, 16], data).unwrap()
}

fn max_diff(a: &Tensor, b: &Tensor) -> f64 {
    let (a, b) = (a.to_f64_vec().unwrap(), b.to_f64_vec().unwrap());
    a.iter().zip(&b).map(|(x, y)| (x - y).abs()).fold(0.0, f64::max)
}

/// Filter-prunes the fixture and checks it against its masked twin.
fn pruned_matches_masked(spec: &str) -> (Model, PruneReport) {
    let model = resnet();
    let (pruned, report) = prune(&model, spec).unwrap();
    let mut masked = model.clone();
    prune::filter::mask(&mut masked, &serde_json::from_str(spec).unwrap()).unwrap();
    let x = fixture_input();
    let (original, from_pruned, from_masked) = (run(&model, &x), run(&pruned, &x), run(&masked, &x));
    for ((o, p), m) in original.iter().zip(&from_pruned).zip(&from_masked) {
        assert_eq!(p.shape(), o.shape(), "output shapes must not change");
        // Removing a channel and zeroing it give the same sums: pare's kernels add the remaining
        // terms in the same order (zeros add nothing), so the outputs are bit-identical. A kernel
        // change that reorders the K loop with K could make this differ in the last bits.
        assert_eq!(p, m, "{spec}: pruned vs masked differ by up to {:.3e}", max_diff(p, m));
        println!("{spec}: |pruned − masked| max {:.2e}, |pruned − original| max {:.2e}", max_diff(p, m), max_diff(p, o));
        assert!(max_diff(p, o) > 1e-3, "pruning changed nothing: the comparison would not see a wrong surgery");
    }
    (pruned, report)
}

#[test]
fn filter_pruning_the_residual_fixture_matches_its_masked_twin() {
    let (pruned, report) = pruned_matches_masked(r#"{"method": "filter", "ratio": 0.25}"#);
    let channels = |name: &str| report.layers.iter().find(|l| l.name == name).map(|l| (l.out_channels_before, l.out_channels_after));
    // expand (24) and its depthwise follower; branch_a/b (8, 12) meet in a Concat; mix (32).
    assert_eq!(channels("expand"), Some((Some(24), Some(18))));
    assert_eq!(channels("branch_a"), Some((Some(8), Some(6))));
    assert_eq!(channels("branch_b"), Some((Some(12), Some(9))));
    assert_eq!(channels("mix"), Some((Some(32), Some(24))));
    // The residual group holds the stem, which keep_first_last leaves alone: skipped as a whole.
    let skipped = |name: &str| report.skipped.iter().find(|s| s.name == name).map(|s| s.reason.clone()).unwrap_or_default();
    assert!(skipped("project").contains("stem"), "{:?}", report.skipped);
    assert!(skipped("dw").contains("depthwise"), "{:?}", report.skipped);
    let dw = pruned.graph.nodes.iter().find(|n| n.name == "dw").unwrap();
    assert_eq!(dw.attr_int("group").unwrap(), Some(18));
    assert!(report.totals.model_params_after < report.totals.model_params_before);
    let flops = report.flops.unwrap();
    assert!(flops.after < flops.before, "{flops:?}");
    println!(
        "fixture filter 25 %: params {} → {}, FLOPs {} → {}",
        report.totals.model_params_before, report.totals.model_params_after, flops.before, flops.after
    );

    // Without keep_first_last the residual group (stem + project, tied by the Add) goes too.
    let (_, report) = pruned_matches_masked(r#"{"method": "filter", "ratio": 0.25, "keep_first_last": false, "criterion": "l2"}"#);
    let channels = |name: &str| report.layers.iter().find(|l| l.name == name).and_then(|l| l.out_channels_after);
    assert_eq!((channels("stem"), channels("project")), (Some(12), Some(12)));
    // fc2 and proj feed graph outputs directly: never pruned.
    assert!(report.skipped.iter().any(|s| s.name == "y" && s.reason.contains("graph output")), "{:?}", report.skipped);
    // round_to 8: 24·0.75 = 18 kept → 24; 32 → 24 stays 24; 12 → 9 → 16 > 12 → 12.
    let (_, report) = pruned_matches_masked(r#"{"method": "filter", "ratio": 0.25, "round_to": 8}"#);
    let channels = |name: &str| report.layers.iter().find(|l| l.name == name).and_then(|l| l.out_channels_after);
    assert_eq!((channels("expand"), channels("mix"), channels("branch_b")), (Some(24), Some(24), Some(12)));
}

#[test]
fn the_masked_twin_detects_a_wrong_channel_choice() {
    // If the surgery removed other channels than the mask zeroes, the outputs would differ: mask
    // with a different criterion (other channels) and check that the comparison fails.
    let model = resnet();
    let (pruned, _) = prune(&model, r#"{"method": "filter", "ratio": 0.25}"#).unwrap();
    let mut masked = model.clone();
    prune::filter::mask(&mut masked, &serde_json::from_str(r#"{"method": "filter", "ratio": 0.5}"#).unwrap()).unwrap();
    let x = fixture_input();
    let diff = max_diff(&run(&pruned, &x)[0], &run(&masked, &x)[0]);
    assert!(diff > 1e-3, "masking other channels should change the output, diff {diff}");
}

/// Runs tests/python/prune_check.py on `models` and compares pare with onnxruntime on the same
/// inputs; returns onnxruntime's output shapes per model.
fn check_with_onnx_tools(models: &[(String, Model)]) -> Vec<Vec<Vec<usize>>> {
    let paths = common::write_models(&repo_root().join("target/prune_check"), models);
    let lines = common::python_json_lines("prune_check.py", &paths);
    assert_eq!(lines.len(), models.len());
    let mut shapes = Vec::new();
    for ((name, model), (line, path)) in models.iter().zip(lines.iter().zip(&paths)) {
        assert!(line["ok"].as_bool().unwrap(), "{name}: onnx checker / onnxruntime: {}", line["error"]);
        shapes.push(serde_json::from_value::<Vec<Vec<usize>>>(line["output_shapes"].clone()).unwrap());
        compare_with_ort(name, model, path);
    }
    shapes
}

fn compare_with_ort(name: &str, model: &Model, path: &Path) {
    let session = Session::new(model).unwrap();
    let feeds: Vec<(String, Tensor)> = model
        .graph
        .feed_inputs()
        .enumerate()
        .map(|(i, v)| (v.name.clone(), npy(&PathBuf::from(format!("{}.input_{i}.npy", path.display())))))
        .collect();
    let outputs = session.run(feeds).unwrap();
    for (i, (out, got)) in outputs.iter().enumerate() {
        let want = npy(&PathBuf::from(format!("{}.output_{i}.npy", path.display())));
        compare(got, &want, Tolerance::RelativeToMax(1e-4)).unwrap_or_else(|e| panic!("{name}: output {out}: pare vs ORT: {e}"));
    }
}

#[test]
fn every_pruned_model_passes_the_onnx_checker_and_runs_in_onnxruntime() {
    let (mnist, resnet) = (mnist(), resnet());
    let mut models = vec![("mnist_original".to_string(), mnist.clone())];
    for (tag, spec) in [
        ("unstructured", r#"{"method": "unstructured", "ratio": 0.5}"#),
        ("global", r#"{"method": "unstructured", "ratio": 0.7, "scope": "global"}"#),
        ("vector", r#"{"method": "vector", "ratio": 0.3}"#),
        ("kernel", r#"{"method": "kernel", "ratio": 0.5}"#),
        ("nm", r#"{"method": "nm", "n": 2, "m": 4}"#),
        ("filter", r#"{"method": "filter", "ratio": 0.5, "keep_first_last": false}"#),
    ] {
        models.push((format!("mnist_{tag}"), prune(&mnist, spec).unwrap().0));
    }
    models.push(("resnet_original".to_string(), resnet.clone()));
    for (tag, spec) in [
        ("filter", r#"{"method": "filter", "ratio": 0.25}"#),
        ("filter_all", r#"{"method": "filter", "ratio": 0.4, "keep_first_last": false}"#),
        ("filter_round8", r#"{"method": "filter", "ratio": 0.5, "round_to": 8}"#),
        ("nm", r#"{"method": "nm", "n": 4, "m": 8, "keep_first_last": false}"#),
    ] {
        models.push((format!("resnet_{tag}"), prune(&resnet, spec).unwrap().0));
    }
    let shapes = check_with_onnx_tools(&models);
    for (i, (name, _)) in models.iter().enumerate() {
        let original = if name.starts_with("mnist") { &shapes[0] } else { &shapes[7] };
        assert_eq!(&shapes[i], original, "{name}: output shapes changed");
    }
}

/// 25 % of the prunable channels of a real pretrained CNN: ddddocr's YOLOX-style detector
/// (common_det.onnx, 83 Convs with SiLU = x·Sigmoid(x), residual Adds, Concat-heavy CSP blocks,
/// SPP max-pools, Resize upsampling). Params and FLOPs drop, the file shrinks, onnx.checker and
/// onnxruntime accept it and agree with pare.
#[test]
fn filter_pruning_a_pretrained_detector_shrinks_params_flops_and_file() {
    let path = common::venv_path("ddddocr/common_det.onnx");
    let bytes = read(&path);
    let model = decode_model(&bytes).unwrap();
    let started = std::time::Instant::now();
    let (pruned, report) = prune(&model, r#"{"method": "filter", "ratio": 0.25}"#).unwrap();
    let seconds = started.elapsed().as_secs_f64();
    let pruned_bytes = encode_model(&pruned).len();
    let flops = report.flops.unwrap();
    let t = &report.totals;
    let channels: (usize, usize) = report
        .layers
        .iter()
        .fold((0, 0), |(b, a), l| (b + l.out_channels_before.unwrap_or(0), a + l.out_channels_after.unwrap_or(0)));
    println!(
        "ddddocr common_det filter 25 %: {} layers pruned, {} skipped; channels {} → {}; params {} → {} ({:.1} %); \
         FLOPs {} → {} ({:.1} %); file {} → {} bytes ({:.1} %); {seconds:.1} s",
        t.layers_pruned,
        report.skipped.len(),
        channels.0,
        channels.1,
        t.model_params_before,
        t.model_params_after,
        100.0 * (1.0 - t.model_params_after as f64 / t.model_params_before as f64),
        flops.before,
        flops.after,
        100.0 * (1.0 - flops.after as f64 / flops.before as f64),
        bytes.len(),
        pruned_bytes,
        100.0 * (1.0 - pruned_bytes as f64 / bytes.len() as f64),
    );
    for s in report.skipped.iter().take(8) {
        println!("  skipped {}: {}", s.name, s.reason);
    }
    assert!(t.layers_pruned >= 40, "most of the 83 convs should be prunable, got {}", t.layers_pruned);
    assert!(t.model_params_after < t.model_params_before * 85 / 100, "params should drop by well over 15 %");
    assert!(flops.after < flops.before * 85 / 100, "{flops:?}");
    assert!(pruned_bytes < bytes.len() * 85 / 100);
    let shapes = check_with_onnx_tools(&[("ddddocr_det_original".into(), model), ("ddddocr_det_filter25".into(), pruned)]);
    assert_eq!(shapes[0], shapes[1], "output shapes changed");
}

/// Seeded inputs for the residual fixture, as calibration samples.
fn fixture_samples(count: usize) -> pare::runtime::Dataset {
    let name = resnet().graph.feed_inputs().next().unwrap().name.clone();
    let samples = (0..count)
        .map(|s| {
            let data: Vec<f32> = (0..3 * 16 * 16).map(|i| (((i + 37 * s) * 7919 % 1000) as f32) / 500.0 - 1.0).collect();
            vec![(name.clone(), Tensor::from_vec(&[1, 3, 16, 16], data).unwrap())]
        })
        .collect();
    pare::runtime::Dataset { samples, random: false }
}

/// Adaptive filter allocation on the residual fixture (every layer selected): a tied residual
/// group is one unit with one ratio, the removed channels add up to the step ratio of the
/// groups' weights, no group goes past the cap, the same inputs give the same ratios, and the
/// pruned model removes exactly the channels the allocation chose.
#[test]
fn adaptive_filter_allocation_counts_weights_and_treats_a_tied_group_as_one() {
    use pare::compress::prune::filter::allocate::{self, MAX_GROUP_RATIO};
    let model = resnet();
    let spec: prune::PruneSpec = serde_json::from_str(r#"{"method": "filter", "ratio": 0.25, "keep_first_last": false}"#).unwrap();
    let (found, _) = prune::layers::find_layers(&mut model.clone());
    let chosen = prune::layers::select(&found, &spec).unwrap().chosen;
    let calib = fixture_samples(4);
    let a = allocate::allocate(&model, &found, &chosen, 0.25, &calib.samples).unwrap();
    assert_eq!(a, allocate::allocate(&model, &found, &chosen, 0.25, &calib.samples).unwrap(), "deterministic");
    println!("{}", a.summary(0.25));
    let tied = a.groups.iter().find(|g| g.layers.contains(&"stem".to_string())).expect("the residual group");
    assert_eq!(tied.layers, vec!["stem".to_string(), "project".to_string()], "{:?}", a.groups);
    assert_eq!(a.ratios["stem"], a.ratios["project"]);
    let measured: Vec<_> = a.groups.iter().filter(|g| g.measured).collect();
    assert!(measured.len() >= 4, "{:?}", a.groups);
    let total: usize = measured.iter().map(|g| g.channels * g.weights_per_channel).sum();
    let gone: usize = measured.iter().map(|g| g.removed * g.weights_per_channel).sum();
    let widest = measured.iter().map(|g| g.weights_per_channel).max().unwrap();
    assert!(gone.abs_diff((0.25 * total as f64).round() as usize) <= widest, "{gone} of {total} weights");
    for g in &a.groups {
        assert!(g.removed < g.channels && g.removed as f64 <= (MAX_GROUP_RATIO * g.channels as f64).floor(), "{g:?}");
    }
    let ratios: Vec<f64> = measured.iter().map(|g| g.removed as f64 / g.channels as f64).collect();
    assert!(ratios.iter().any(|r| (r - 0.25).abs() > 0.05), "some group should differ from the step ratio: {ratios:?}");

    // End to end: the default with calibration samples, and what the report says.
    let recipe = pare::compress::Recipe::from_json(r#"{"steps": [{"prune": {"method": "filter", "ratio": 0.25, "keep_first_last": false, "correct": "none"}}]}"#).unwrap();
    let (_, report) = compress(&model, &recipe, Some(&calib), &mut |_| {}).unwrap();
    let Some(StepReport::Prune(report)) = report.steps.into_iter().next() else { panic!("a prune report") };
    assert!(report.notes.iter().any(|n| n.starts_with("allocation adaptive") && n.contains("stem + project")), "{:?}", report.notes);
    for g in &a.groups {
        let layer = report.layers.iter().find(|l| l.name == g.layers[0]).unwrap();
        assert_eq!((layer.out_channels_before, layer.out_channels_after), (Some(g.channels), Some(g.channels - g.removed)), "{g:?}");
    }
}
