//! `pare compress` end to end on the MNIST fixture: short flags and recipe files, steps in the
//! order given, the JSON report, and command-line mistakes named in one line.

use crate::common::cli::{assert_each_fails, pare, text, workdir};
use crate::common::mnist_cnn::{first_pixels, fixture};

#[test]
fn prune_then_quantize_in_the_order_given_with_a_json_report() {
    let dir = workdir("cli_compress", "prune_then_quantize");
    let out = dir.join("small.onnx");
    let report = dir.join("report.json");
    let model = fixture("model.onnx");
    let o = pare(&[
        "compress",
        model.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--prune",
        "unstructured:0.5",
        "--quantize",
        "int8",
        "--calib-random",
        "4",
        "--calib-method",
        "percentile:99.9",
        "--report",
        report.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let stdout = text(&o.stdout);
    assert!(stdout.contains("step 1: prune unstructured"), "{stdout}");
    assert!(stdout.contains("step 2: quantize Static: 4 layers"), "{stdout}");
    let r: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(r["recipe"]["steps"][0]["prune"]["method"], "unstructured");
    assert_eq!(r["recipe"]["steps"][1]["quantize"]["calibration"]["method"], "percentile");
    assert_eq!(r["recipe"]["steps"][1]["quantize"]["calibration"]["percentile"], 99.9);
    assert_eq!(r["calibration_samples"], 4);
    let after = r["report"]["after"]["bytes"].as_u64().unwrap();
    assert_eq!(after, std::fs::metadata(&out).unwrap().len());
    // The input's size is the file's, as `ls -l` shows it (before.bytes is pare's re-encoding).
    assert_eq!(r["report"]["input_file_bytes"].as_u64(), Some(std::fs::metadata(&model).unwrap().len()));
    assert!(after * 4 < r["report"]["before"]["bytes"].as_u64().unwrap() + 64 * 1024, "INT8 should be about 4x smaller");
    // The written model runs.
    let o = pare(&["run", out.to_str().unwrap(), "--random"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
}

#[test]
fn a_recipe_file_gives_the_same_model_as_the_short_flags() {
    let dir = workdir("cli_compress", "recipe_file");
    let model = fixture("model.onnx");
    let recipe = dir.join("recipe.json");
    std::fs::write(&recipe, r#"{"steps": [{"quantize": {"mode": "weights", "per_channel": false}}]}"#).unwrap();
    let (a, b) = (dir.join("a.onnx"), dir.join("b.onnx"));
    let o = pare(&["compress", model.to_str().unwrap(), "-o", a.to_str().unwrap(), "--recipe", recipe.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let o = pare(&["compress", model.to_str().unwrap(), "--out", b.to_str().unwrap(), "--quantize", "int8-weights", "--per-tensor"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
}

#[test]
fn mistakes_are_named() {
    let dir = workdir("cli_compress", "mistakes");
    let model = fixture("model.onnx");
    let m = model.to_str().unwrap();
    let out = dir.join("x.onnx");
    let o = out.to_str().unwrap();
    let recipe = dir.join("typo.json");
    std::fs::write(&recipe, r#"{"steps": [{"quantize": {"mode": "static", "per_chanel": true}}]}"#).unwrap();
    let cases: Vec<(Vec<&str>, i32, &str)> = vec![
        (vec!["compress", m, "-o", o, "--quantize", "int4"], 2, "--quantize `int4`: expected int8-weights, int4-weights, int8, a16w8, int8-dynamic, ternary, pow2 or kmeans[:N]"),
        (vec!["compress", m, "-o", o, "--quantize", "int8-weights", "--block-size", "32"], 2, "--block-size sets the blocks of --quantize int4-weights"),
        (vec!["compress", m, "-o", o, "--quantize", "int4-weights", "--block-size", "x"], 2, "--block-size `x`: expected a whole number"),
        (vec!["compress", m, "-o", o, "--quantize", "int8-weights", "--max-top1-drop", "1"], 2, "--max-top1-drop is a quality target for --quantize int8"),
        (vec!["compress", m, "-o", o, "--quantize", "int8", "--max-top1-drop", "x", "--calib-random", "2"], 2, "--max-top1-drop `x`: expected a percentage"),
        (vec!["compress", m, "-o", o, "--quantize", "int8", "--max-top1-drop", "100", "--calib-random", "2"], 2, "max_top1_drop_pct must be in [0, 100) %"),
        (vec!["compress", m, "-o", o, "--quantize", "int8"], 1, "static quantization needs calibration samples"),
        (vec!["compress", m, "-o", o, "--quantize", "int8-weights", "--data-free"], 2, "--data-free makes --quantize int8 (static) need no calibration"),
        (vec!["compress", m, "-o", o, "--quantize", "int8", "--data-free", "--min-sqnr", "20"], 2, "--data-free has no samples to measure a quality target on"),
        (vec!["compress", m, "-o", o, "--quantize", "int8", "--float-fallback", "--calib-random", "2"], 2, "--float-fallback says where a quality target's fallbacks go"),
        (vec!["compress", m, "-o", o], 2, "nothing to do"),
        (vec!["compress", m, "--quantize", "int8-weights"], 2, "needs -o OUT.onnx"),
        (vec!["compress", m, "-o", o, "--recipe", recipe.to_str().unwrap()], 1, "unknown field `per_chanel`"),
        (vec!["compress", m, "-o", o, "--prune", "nm:4:4"], 2, "`n` must be smaller than `m` (n 4, m 4 would prune nothing)"),
        (vec!["compress", m, "-o", o, "--prune", "unstructured:1.5"], 2, "`ratio` must be in [0, 1), got 1.5"),
        (vec!["compress", m, "-o", o, "--quantize", "int8", "--calib-random", "2", "--calib-method", "kl"], 2, "--calib-method `kl`"),
        (vec!["compress", m, "-o", o, "--quantize", "int8-weights", "--per-channel", "--per-tensor"], 2, "--per-channel and --per-tensor contradict each other"),
        (vec!["compress", m, "-o", o, "--quantize", "int8", "--reduce-range", "--full-range", "--calib-random", "2"], 2, "--reduce-range and --full-range contradict each other"),
        (vec!["compress", m, "-o", o, "--quantize", "int8-weights", "--full-range"], 2, "--reduce-range / --full-range set the weight bits of --quantize int8 or int8-dynamic"),
        (vec!["compress", m, "-o", o, "--quantize", "int8-weights", "--threads", "0"], 2, "--threads expects a number of threads (1 or more), got `0`"),
        (vec!["compress", m, "-o", o, "--quantize", "int8-weights", "--threads=many"], 2, "--threads expects a number of threads (1 or more), got `many`"),
        (vec!["compress", m, "-o", o, "--quantize", "int8-weights", "--threads"], 2, "--threads needs a value: --threads N"),
        (vec!["compress", m, "-o", o, "--quantize", "int8", "--exclude", "Conv", "--exclude", "Gemm", "--exclude", "MaxPool", "--exclude", "Flatten", "--exclude", "Relu", "--calib-random", "1"], 1, "nothing to quantize"),
    ];
    assert_each_fails(&cases);
}

#[test]
fn static_int8_with_real_calibration_reports_the_comparison_on_held_out_digits() {
    let dir = workdir("cli_compress", "calib_npz");
    let calib = dir.join("calib.npz");
    let heldout = dir.join("heldout.npz");
    std::fs::write(&calib, pare::npz::write_npz(&[("image".into(), first_pixels("calib_pixels.npy", 200))]).unwrap()).unwrap();
    std::fs::write(&heldout, pare::npz::write_npz_compressed(&[("image".into(), first_pixels("heldout_pixels.npy", 300))]).unwrap())
        .unwrap();
    let (out, report) = (dir.join("int8.onnx"), dir.join("report.json"));
    let model = fixture("model.onnx");
    let o = pare(&[
        "compress",
        model.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--quantize",
        "int8",
        "--calib",
        calib.to_str().unwrap(),
        "--compare-inputs",
        heldout.to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let stdout = text(&o.stdout);
    assert!(stdout.contains("calibrated on 200 samples"), "{stdout}");
    assert!(stdout.contains("logits"), "the comparison table names the output: {stdout}");
    let r: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    let cmp = &r["compare"];
    assert_eq!(cmp["samples"], 300, "{cmp}");
    let logits = &cmp["outputs"][0];
    let top1 = logits["agreement"]["top1_rate"].as_f64().unwrap();
    assert!(top1 >= 0.98, "INT8 should agree with float on ≥ 98% of held-out digits, got {top1}: {logits}");
    let sqnr = logits["metrics"]["sqnr_db"].as_f64().unwrap();
    assert!(sqnr > 20.0 && sqnr < 80.0, "SQNR of INT8 logits should be finite and reasonable: {sqnr}");
}

#[test]
fn data_free_int8_needs_no_calibration_and_reports_where_each_range_came_from() {
    let dir = workdir("cli_compress", "data_free");
    let (out, report) = (dir.join("dfq.onnx"), dir.join("report.json"));
    let model = fixture("model.onnx");
    let args = ["compress", model.to_str().unwrap(), "-o", out.to_str().unwrap(), "--quantize", "int8", "--data-free", "--per-tensor"];
    let o = pare(&[&args[..], &["--report", report.to_str().unwrap()]].concat());
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("data-free (DFQ)"), "{}", text(&o.stdout));
    let r: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    let text = r.to_string();
    assert!(text.contains(r#""dfq""#) && text.contains(r#""source":"samples""#), "{text}");
}

#[test]
fn binarize_flags_write_a_runnable_model_and_say_what_stayed_float() {
    let dir = workdir("cli_compress", "binarize");
    let model = fixture("model.onnx");
    for (kind, header) in [("weights", "binarize (weights): 2 layers"), ("xnor", "binarize (weights and inputs): 2 layers")] {
        let out = dir.join(format!("{kind}.onnx"));
        let o = pare(&["compress", model.to_str().unwrap(), "-o", out.to_str().unwrap(), "--binarize", kind, "--no-compare"]);
        assert!(o.status.success(), "{}", text(&o.stderr));
        let stdout = text(&o.stdout);
        assert!(stdout.contains(header), "{stdout}");
        assert!(stdout.contains("kept in float: conv1") && stdout.contains("first"), "{stdout}");
        let o = pare(&["run", out.to_str().unwrap(), "--random"]);
        assert!(o.status.success(), "{}", text(&o.stderr));
    }
    // With --calib, xnor fits the thresholds (the report says so per layer); xnor:zero keeps 0.
    let calib = dir.join("calib.npz");
    std::fs::write(&calib, pare::npz::write_npz(&[("image".into(), first_pixels("calib_pixels.npy", 50))]).unwrap()).unwrap();
    for (kind, calibrated) in [("xnor", true), ("xnor:zero", false)] {
        let (out, report) = (dir.join("calibrated.onnx"), dir.join("calibrated.json"));
        let o = pare(&[
            "compress", model.to_str().unwrap(), "-o", out.to_str().unwrap(), "--binarize", kind, "--calib", calib.to_str().unwrap(),
            "--report", report.to_str().unwrap(), "--no-compare",
        ]);
        assert!(o.status.success(), "{kind}: {}", text(&o.stderr));
        assert_eq!(text(&o.stdout).contains("binary input scale a"), calibrated, "{kind}: {}", text(&o.stdout));
        let r: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
        let step = &r["report"]["steps"][0]["binarize"];
        assert_eq!(step["threshold"], if calibrated { "calibrated" } else { "zero" }, "{step}");
        assert_eq!(step["layers"][1]["input_scale"].is_number(), calibrated, "{step}");
    }
    let o = pare(&["compress", model.to_str().unwrap(), "-o", dir.join("x.onnx").to_str().unwrap(), "--binarize", "ternary"]);
    assert!(!o.status.success() && text(&o.stderr).contains("expected weights, xnor or xnor:zero"), "{}", text(&o.stderr));
}

/// `--full-range` / `--reduce-range` reach the recipe and the report; the default of
/// `--quantize int8` keeps 7-bit weights (see tests/native/quantize.rs for why).
#[test]
fn weight_range_flags_reach_the_recipe_and_the_report() {
    let dir = workdir("cli_compress", "weight_range");
    for (flags, recipe, reported) in [(vec![], None, true), (vec!["--full-range"], Some(false), false), (vec!["--reduce-range"], Some(true), true)] {
        let (out, report) = (dir.join("out.onnx"), dir.join("report.json"));
        let model = fixture("model.onnx");
        let mut args: Vec<String> = ["compress", model.to_str().unwrap(), "-o", out.to_str().unwrap(), "--quantize", "int8"].map(String::from).to_vec();
        args.extend(flags.iter().map(|f| f.to_string()));
        args.extend(["--calib-random", "2", "--no-compare", "--report", report.to_str().unwrap()].map(String::from));
        let o = pare(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(o.status.success(), "{flags:?}: {}", text(&o.stderr));
        let r: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
        assert_eq!(r["recipe"]["steps"][0]["quantize"]["reduce_range"].as_bool(), recipe, "{flags:?}");
        assert_eq!(r["report"]["steps"][0]["quantize"]["reduce_range"].as_bool(), Some(reported), "{flags:?}");
    }
}
