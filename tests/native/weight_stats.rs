//! pare's per-layer weight statistics (`analysis::weight_report`, the `weights` field of
//! `pare inspect --json`) against numpy (tests/python/weight_stats.py) on the MNIST CNN fixture,
//! as trained, after pare's INT8 weight quantization (int8 + DequantizeLinear, per channel) and
//! after 50% unstructured pruning: min, max, zeros, levels, histogram edges and counts equal
//! numpy's exactly; mean and std to 1e-12 (numpy sums pairwise, pare in order).

use std::process::Command;

use pare::analysis::{AnalysisOptions, DEFAULT_BINS, LayerWeights, ValueKind, analyze_model, weight_report};
use pare::compress::{Recipe, compress};
use pare::ir::Model;
use serde_json::Value;

use crate::common::{self, repo_root};
use crate::common::mnist_cnn::mnist;

fn compressed(recipe: &str) -> Model {
    compress(&mnist(), &Recipe::from_json(recipe).unwrap(), None, &mut |_| {}).unwrap().0
}

/// numpy's layers for each model file, in order.
fn numpy_layers(paths: &[std::path::PathBuf]) -> Vec<Vec<Value>> {
    let bins = DEFAULT_BINS.to_string();
    let args = std::iter::once(std::ffi::OsStr::new(&bins)).chain(paths.iter().map(|p| p.as_os_str()));
    common::python_json_lines("weight_stats.py", args).iter().map(|line| line["layers"].as_array().unwrap().clone()).collect()
}

/// A float numpy printed as text (serde_json's own float reading may be one ulp off).
fn float(v: &Value) -> f64 {
    v.as_str().unwrap().parse().unwrap()
}

fn close(a: f64, b: f64, what: &str) {
    assert!((a - b).abs() <= 1e-12 * b.abs().max(1e-3), "{what}: pare {a}, numpy {b}");
}

fn check_against_numpy(label: &str, ours: &[LayerWeights], numpy: &[Value]) {
    let names: Vec<&str> = ours.iter().map(|l| l.name.as_str()).collect();
    let numpy_names: Vec<&str> = numpy.iter().map(|l| l["name"].as_str().unwrap()).collect();
    assert_eq!(names, numpy_names, "{label}: the same layers");
    for (l, n) in ours.iter().zip(numpy) {
        let what = format!("{label} {}", l.name);
        let s = l.stats.as_ref().unwrap_or_else(|| panic!("{what}: no stats ({:?})", l.error));
        assert_eq!(l.weight, n["weight"].as_str().unwrap(), "{what}: weight");
        assert_eq!(serde_json::to_value(&l.shape).unwrap(), n["shape"], "{what}: shape");
        assert_eq!(l.count, n["count"].as_u64().unwrap(), "{what}: count");
        assert_eq!(l.dtype, n["dtype"].as_str().unwrap(), "{what}: dtype");
        assert_eq!(s.min, float(&n["min"]), "{what}: min");
        assert_eq!(s.max, float(&n["max"]), "{what}: max");
        close(s.mean, float(&n["mean"]), &format!("{what}: mean"));
        close(s.std, float(&n["std"]), &format!("{what}: std"));
        assert_eq!(s.zeros, n["zeros"].as_u64().unwrap(), "{what}: zeros");
        assert_eq!(u64::from(s.levels), n["levels"].as_u64().unwrap(), "{what}: levels");
        assert_eq!(l.stored_levels.map(u64::from), n["stored_levels"].as_u64(), "{what}: stored levels");
        let edges: Vec<f64> = n["edges"].as_array().unwrap().iter().map(float).collect();
        assert_eq!(s.histogram.edges, edges, "{what}: edges");
        assert_eq!(serde_json::to_value(&s.histogram.counts).unwrap(), n["counts"], "{what}: counts");
        assert_eq!(s.histogram.counts.iter().sum::<u64>(), l.count, "{what}: every value in a bin");
    }
}

#[test]
fn mnist_weights_match_numpy_before_and_after_compression() {
    let dir = repo_root().join("target/weight_stats_cases");
    std::fs::create_dir_all(&dir).unwrap();
    let models = [
        ("original", mnist()),
        ("int8", compressed(r#"{"steps": [{"quantize": {"mode": "weights"}}]}"#)),
        ("pruned", compressed(r#"{"steps": [{"prune": {"method": "unstructured", "ratio": 0.5}}]}"#)),
    ];
    let paths = common::write_models(&dir, &models);
    let numpy = numpy_layers(&paths);
    let reports: Vec<Vec<LayerWeights>> = models.iter().map(|(_, m)| weight_report(&m.graph, DEFAULT_BINS)).collect();
    for (((label, _), ours), theirs) in models.iter().zip(&reports).zip(&numpy) {
        check_against_numpy(label, ours, theirs);
    }

    // `pare inspect` prints one line per layer with numpy's min, max and std (4 decimals).
    let cli = Command::new(env!("CARGO_BIN_EXE_pare")).arg("inspect").arg(&paths[1]).arg("--no-run").output().unwrap();
    let text = String::from_utf8(cli.stdout).unwrap();
    let section = text.split("weights per layer").nth(1).unwrap_or_else(|| panic!("no weights section in {text}"));
    for n in &numpy[1] {
        let line = section.lines().find(|l| l.trim_start().starts_with(n["name"].as_str().unwrap())).unwrap();
        let cells: Vec<&str> = line.split_whitespace().collect();
        let expected = ["min", "max", "std"].map(|k| format!("{:.4}", float(&n[k])));
        assert_eq!(cells[3..6], expected, "{line}");
        assert!(line.ends_with(&format!("({} int8 levels)", n["stored_levels"])), "{line}");
    }

    let [original, int8, pruned] = &reports[..] else { unreachable!() };
    assert_eq!(original.iter().map(|l| l.name.as_str()).collect::<Vec<_>>(), ["conv1", "conv2", "fc1", "fc2"]);
    assert!(original.iter().all(|l| l.values == ValueKind::Stored && l.stats.as_ref().unwrap().levels > 100));
    for l in int8 {
        assert_eq!((l.values, l.dtype.as_str()), (ValueKind::Dequantized, "int8"), "{}", l.name);
        let levels = l.stored_levels.unwrap();
        assert!(levels <= 256, "{}: INT8 has at most 256 levels, got {levels}", l.name);
        println!("int8 {}: {levels} int8 levels, {} distinct values, {:?}", l.name, l.stats.as_ref().unwrap().levels, l.quantization);
    }
    // The first and last layers stay dense by default; the others hold at least half zeros.
    for l in pruned {
        let s = l.stats.as_ref().unwrap();
        println!("pruned {}: {:.3} zeros", l.name, s.zero_fraction);
        if l.name == "conv2" || l.name == "fc1" {
            assert!(s.zero_fraction >= 0.5, "{}: {}", l.name, s.zero_fraction);
        } else {
            assert_eq!(s.zeros, 0, "{}", l.name);
        }
    }
}

#[test]
fn the_analysis_json_carries_the_weights() {
    let analysis = analyze_model(&mnist(), &AnalysisOptions { skip_run: true, ..AnalysisOptions::default() });
    let json = serde_json::to_value(&analysis).unwrap();
    let weights = json["weights"].as_array().unwrap();
    assert_eq!(weights.len(), 4);
    assert_eq!(weights[2]["name"], "fc1");
    assert_eq!(weights[2]["shape"], serde_json::json!([64, 1568]));
    assert_eq!(weights[2]["stats"]["histogram"]["counts"].as_array().unwrap().len(), DEFAULT_BINS);
    assert_eq!(weights[2]["stats"]["histogram"]["edges"].as_array().unwrap().len(), DEFAULT_BINS + 1);
}
