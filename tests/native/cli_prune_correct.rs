//! `pare compress --prune … --prune-correct bias|lsq` on the MNIST fixture: the recipe it builds,
//! the per-layer error it prints and reports as JSON, `--prune-global`, and mistakes named in one
//! line (no calibration data, unknown correction, correction of filter pruning); and
//! `pare sensitivity` (one layer at a time at several ratios) as a table and as JSON.

use std::path::{Path, PathBuf};

use crate::common::cli::{assert_each_fails, pare, text, workdir};
use crate::common::mnist_cnn::{fixture, pixels};

/// The fixture's 200 calibration digits as `calib.npz` (key `image`, float in [0, 1]).
fn calib_npz(dir: &Path) -> PathBuf {
    let floats = pixels("calib_pixels.npy");
    let path = dir.join("calib.npz");
    std::fs::write(&path, pare::npz::write_npz(&[("image".into(), floats)]).unwrap()).unwrap();
    path
}

#[test]
fn prune_correct_lsq_with_real_calibration_reports_each_layer() {
    let dir = workdir("cli_prune_correct", "lsq");
    let calib = calib_npz(&dir);
    let (out, report) = (dir.join("pruned.onnx"), dir.join("report.json"));
    let o = pare(&[
        "compress",
        fixture("model.onnx").to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--prune",
        "unstructured:0.8",
        "--prune-global",
        "--prune-correct",
        "lsq",
        "--calib",
        calib.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
        "--print-recipe",
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let stdout = text(&o.stdout);
    assert!(stdout.contains("correction lsq (asked for) on 200 calibration samples: output SQNR "), "{stdout}");
    assert!(stdout.contains(": applied to 2 layers"), "{stdout}");
    assert!(stdout.contains("conv2: sparsegpt+bias: output relative MSE") || stdout.contains("conv2: lsq+bias: output relative MSE"), "{stdout}");
    let r: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    let prune = &r["recipe"]["steps"][0]["prune"];
    assert_eq!((prune["correct"].as_str(), prune["scope"].as_str()), (Some("lsq"), Some("global")), "{prune}");
    let step = &r["report"]["steps"][0]["prune"];
    assert_eq!(step["correction"]["samples"], 200);
    for layer in step["layers"].as_array().unwrap() {
        let c = &layer["correction"];
        let (before, after) = (c["output_rel_mse_before"].as_f64().unwrap(), c["output_rel_mse_after"].as_f64().unwrap());
        assert!(after < before, "{}: {before} → {after}", layer["name"]);
    }
    let o = pare(&["run", out.to_str().unwrap(), "--random"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
}

/// The correction a newcomer gets without asking: least squares with `--calib`, none with
/// `--calib-random` (a refit to noise says nothing about real inputs) or `--prune-correct none`;
/// and whichever runs is kept only if the model's outputs get closer to the original's.
#[test]
fn prune_corrects_by_default_with_real_calibration_only() {
    let dir = workdir("cli_prune_correct", "default");
    let calib = calib_npz(&dir);
    let m = fixture("model.onnx");
    let report_of = |name: &str, extra: &[&str]| -> serde_json::Value {
        let (out, report) = (dir.join(format!("{name}.onnx")), dir.join(format!("{name}.json")));
        let mut args = vec!["compress", m.to_str().unwrap(), "-o", out.to_str().unwrap(), "--prune", "unstructured:0.8", "--prune-global"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--report", report.to_str().unwrap()]);
        let o = pare(&args);
        assert!(o.status.success(), "{name}: {}", text(&o.stderr));
        let r: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
        r["report"]["steps"][0]["prune"].clone()
    };
    let c = report_of("calib", &["--calib", calib.to_str().unwrap()])["correction"].clone();
    assert_eq!(c["method"], "lsq", "{c}");
    assert!(c["chosen"].as_str().unwrap().starts_with("default"), "{c}");
    assert_eq!(c["applied"], true, "{c}");
    // 80 % global sparsity on the MNIST CNN: the refit must win by a wide margin on the
    // samples it was fitted to (measured: 17.2 → 48.1 dB).
    let (before, after) = (c["output_sqnr_db_before"].as_f64().unwrap(), c["output_sqnr_db_after"].as_f64().unwrap());
    assert!(after > before + 20.0, "{before} → {after}");
    assert!(report_of("random", &["--calib-random", "4"]).get("correction").is_none());
    assert!(report_of("none", &["--calib", calib.to_str().unwrap(), "--prune-correct", "none"]).get("correction").is_none());
}

/// With `--calib` the ratio is shared out among the layers (`allocation: adaptive`): the pruned
/// layers lose exactly `ratio` of their weights in total, at different per-layer ratios;
/// `--prune-allocation uniform` prunes each to the ratio.
#[test]
fn prune_with_calibration_allocates_per_layer_ratios() {
    let dir = workdir("cli_prune_correct", "allocation");
    let calib = calib_npz(&dir);
    let m = fixture("model.onnx");
    let report_of = |name: &str, extra: &[&str]| -> serde_json::Value {
        let (out, report) = (dir.join(format!("{name}.onnx")), dir.join(format!("{name}.json")));
        let mut args = vec!["compress", m.to_str().unwrap(), "-o", out.to_str().unwrap(), "--prune", "unstructured:0.5"];
        args.extend_from_slice(&["--calib", calib.to_str().unwrap(), "--prune-correct", "none"]);
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--report", report.to_str().unwrap()]);
        let o = pare(&args);
        assert!(o.status.success(), "{name}: {}", text(&o.stderr));
        serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap()
    };
    let r = report_of("adaptive", &[]);
    let step = &r["report"]["steps"][0]["prune"];
    let zeros = |s: &serde_json::Value| s["totals"]["params_before"].as_u64().unwrap() - s["totals"]["nonzeros_after"].as_u64().unwrap();
    assert_eq!(zeros(step), (step["totals"]["params_before"].as_u64().unwrap() + 1) / 2, "{}", step["totals"]);
    let sparsities: Vec<f64> = step["layers"].as_array().unwrap().iter().map(|l| l["sparsity"].as_f64().unwrap()).collect();
    assert_eq!(sparsities.len(), 2);
    assert!((sparsities[0] - sparsities[1]).abs() > 0.01, "{sparsities:?}");
    assert!(step["notes"].as_array().unwrap().iter().any(|n| n.as_str().unwrap().starts_with("allocation adaptive")), "{step}");
    let r = report_of("uniform", &["--prune-allocation", "uniform", "--print-recipe"]);
    assert_eq!(r["recipe"]["steps"][0]["prune"]["allocation"], "uniform");
    for layer in r["report"]["steps"][0]["prune"]["layers"].as_array().unwrap() {
        assert!((layer["sparsity"].as_f64().unwrap() - 0.5).abs() < 1e-3, "{layer}");
    }
}

#[test]
fn prune_correct_mistakes_are_named() {
    let dir = workdir("cli_prune_correct", "mistakes");
    let model = fixture("model.onnx");
    let m = model.to_str().unwrap();
    let out = dir.join("x.onnx");
    let o = out.to_str().unwrap();
    let cases: Vec<(Vec<&str>, i32, &str)> = vec![
        (vec!["compress", m, "-o", o, "--prune", "unstructured:0.5", "--prune-correct", "bias"], 1, "--calib FILE.npz"),
        (vec!["compress", m, "-o", o, "--prune", "unstructured:0.5", "--prune-correct", "mean"], 2, "--prune-correct `mean`: expected lsq, bias or none"),
        (vec!["compress", m, "-o", o, "--quantize", "int8-weights", "--prune-correct", "bias"], 2, "there is none"),
        (vec!["compress", m, "-o", o, "--prune", "unstructured:0.5", "--prune-allocation", "even"], 2, "--prune-allocation `even`: expected uniform or adaptive"),
        (vec!["compress", m, "-o", o, "--prune", "nm:2:4", "--prune-allocation", "adaptive"], 2, "not `nm:2:4`"),
        (vec!["compress", m, "-o", o, "--prune", "unstructured:0.5", "--prune-allocation", "adaptive"], 1, "needs calibration samples"),
    ];
    assert_each_fails(&cases);
}

#[test]
fn sensitivity_scans_every_layer_at_every_ratio() {
    let dir = workdir("cli_prune_correct", "sensitivity");
    let calib = calib_npz(&dir);
    let m = fixture("model.onnx");
    let o = pare(&["sensitivity", m.to_str().unwrap(), "--calib", calib.to_str().unwrap(), "--json"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let layers = r["report"]["layers"].as_array().unwrap();
    let names: Vec<&str> = layers.iter().map(|l| l["name"].as_str().unwrap()).collect();
    assert_eq!(names, vec!["conv1", "conv2", "fc1", "fc2"]);
    assert_eq!(r["report"]["samples"], 200);
    for l in layers {
        let points = l["points"].as_array().unwrap();
        assert_eq!(points.len(), 4);
        let first = points[0]["cosine"].as_f64().unwrap();
        let last = points[3]["cosine"].as_f64().unwrap();
        assert!(last < first, "{}: pruning 90% must hurt more than 25% ({first} vs {last})", l["name"]);
        // Top-1 agreement is a count over the 200 digits, never rises as more is pruned, is
        // total at 25 % (cosine ≥ 0.9997 there), and at 90 % is below 1 for every layer but fc1,
        // the least sensitive (measured: conv1 0.885, conv2 0.915, fc1 1.0, fc2 0.975).
        let agreement: Vec<f64> = points.iter().map(|p| p["top1_agreement"].as_f64().unwrap()).collect();
        for a in &agreement {
            assert!((a * 200.0 - (a * 200.0).round()).abs() < 1e-9 && (0.0..=1.0).contains(a), "{}: {agreement:?}", l["name"]);
        }
        assert!(agreement.windows(2).all(|w| w[1] <= w[0]), "{}: {agreement:?}", l["name"]);
        assert_eq!(agreement[0], 1.0, "{}: {agreement:?}", l["name"]);
        let at_90 = agreement[3];
        if l["name"] == "fc1" {
            assert_eq!(at_90, 1.0, "fc1 at 90 %");
        } else {
            assert!(at_90 < 1.0, "{}: 90 % pruning changes no prediction: {agreement:?}", l["name"]);
        }
    }
    let o = pare(&["sensitivity", m.to_str().unwrap(), "--calib-random", "2", "--ratios", "0.5,0.9"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let stdout = text(&o.stdout);
    assert!(stdout.contains("fc1") && stdout.contains("90%") && stdout.contains("2 random samples"), "{stdout}");
    for (args, needle) in [
        (vec!["sensitivity", m.to_str().unwrap(), "--method", "nm"], "--method `nm`"),
        (vec!["sensitivity", m.to_str().unwrap(), "--ratios", "0.5,1.2"], "`1.2` is not a ratio"),
    ] {
        let o = pare(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(text(&o.stderr).contains(needle), "{args:?}: {}", text(&o.stderr));
    }
}
