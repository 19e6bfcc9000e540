//! `pare compress --prune-auto [METHOD:]TARGET[:MAX_ERROR]` on the MNIST fixture: the recipe it
//! builds, the per-layer table it prints, the auto report in the JSON, a budget that stops
//! early, and mistakes named in one line.

use crate::common::cli::{pare, text, workdir};
use crate::common::mnist_cnn::fixture;

fn mnist() -> String {
    fixture("model.onnx").to_string_lossy().into_owned()
}

#[test]
fn prune_auto_prints_the_table_and_reports_the_ratios() {
    let dir = workdir("cli_prune_auto", "auto");
    let (out, report) = (dir.join("pruned.onnx"), dir.join("report.json"));
    let (out, report) = (out.to_str().unwrap(), report.to_str().unwrap());
    let o = pare(&["compress", &mnist(), "-o", out, "--prune-auto", "0.5", "--calib-random", "8", "--report", report, "--print-recipe", "--no-compare"]);
    let stdout = text(&o.stdout);
    assert!(o.status.success(), "{}{}", stdout, text(&o.stderr));
    assert!(stdout.contains(r#""auto": {"#) && stdout.contains(r#""target": 0.5"#), "{stdout}");
    assert!(stdout.contains("auto: target 50.0%") && stdout.contains("reuse as: \"ratios\""), "{stdout}");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(report).unwrap()).unwrap();
    let prune = &json["report"]["steps"][0]["prune"];
    assert!(prune["totals"]["sparsity"].as_f64().unwrap() >= 0.5, "{prune}");
    let auto = &prune["auto"];
    assert_eq!(auto["reached_target"], true);
    assert_eq!(auto["ratios"].as_object().unwrap().len(), 2, "conv2 and fc1 (keep_first_last): {auto}");
    assert!(auto["inputs"].as_str().unwrap().contains("calibration"), "{auto}");

    // A budget no layer can meet at its first grid ratio: nothing pruned, said, not an error.
    let o = pare(&["compress", &mnist(), "-o", out, "--prune-auto", "kernel:0.5:0.000001", "--no-compare"]);
    let stdout = text(&o.stdout);
    assert!(o.status.success(), "{}{}", stdout, text(&o.stderr));
    assert!(stdout.contains("NOT reached"), "{stdout}");
}

#[test]
fn prune_auto_mistakes_are_named() {
    let dir = workdir("cli_prune_auto", "bad");
    let out = dir.join("x.onnx");
    let out = out.to_str().unwrap();
    for (value, want) in [
        ("1.5", "`auto.target` must be in (0, 1)"),
        ("0.5:abc", "MAX_ERROR `abc` is not a number"),
        ("filter:0.5", "not filter"),
        ("0.5:0.1:3", "wrong number"),
        ("0.5:-1", "`auto.max_error` must be a positive number"),
    ] {
        let o = pare(&["compress", &mnist(), "-o", out, "--prune-auto", value]);
        let stderr = text(&o.stderr);
        assert!(!o.status.success(), "{value}: should fail");
        assert!(stderr.contains(want), "{value}: {stderr}");
    }
}
