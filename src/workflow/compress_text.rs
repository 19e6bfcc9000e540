//! The text `pare compress` prints (both CLIs print this very string): sizes before and after,
//! automatic opset upgrades, and what each step did, kept in float or skipped, and why.

use crate::compress::{ByteBreakdown, CompressReport, StepReport};

/// `writeln!` into a String (writing to a String cannot fail).
macro_rules! outln {
    ($o:expr, $($arg:tt)*) => {{
        use std::fmt::Write as _;
        let _ = writeln!($o, $($arg)*);
    }};
}

/// What `pare compress` prints about the compression itself: sizes, then each step.
pub fn render_compress_summary(report: &CompressReport, out: &str) -> String {
    let mut text = String::new();
    let o = &mut text;
    let (b, a) = (report.before, report.after);
    // The input's size is the file's (what `ls -l` shows), not pare's re-encoding of it.
    let input = report.input_bytes();
    outln!(
        o,
        "wrote {out}: {} → {} ({:.3}×), gzip {} → {} ({:.3}×)",
        super::human::bytes(input as u64),
        super::human::bytes(a.bytes as u64),
        a.bytes as f64 / input.max(1) as f64,
        super::human::bytes(b.gzip_bytes as u64),
        super::human::bytes(a.gzip_bytes as u64),
        a.gzip_bytes as f64 / b.gzip_bytes.max(1) as f64
    );
    if !report.after_steps.is_empty() {
        let sizes: Vec<String> = report
            .after_steps
            .iter()
            .enumerate()
            .map(|(i, s)| format!("step {}: {} (gzip {})", i + 1, super::human::bytes(s.bytes as u64), super::human::bytes(s.gzip_bytes as u64)))
            .collect();
        outln!(o, "  size after each step: {}", sizes.join(", "));
    }
    if input != b.bytes {
        outln!(o, "  (the input file is {input} bytes; pare's encoding of the same model, which the gzip size and the breakdown measure, is {} bytes)", b.bytes);
    }
    if a.bytes > input {
        outln!(o, "the file is larger than the input; where the bytes go:");
        outln!(o, "  before: {}", breakdown(&report.bytes_before));
        outln!(o, "  after:  {}", breakdown(&report.bytes_after));
    }
    for note in &report.notes {
        outln!(o, "note: {note}");
    }
    for upgrade in &report.upgrades {
        outln!(o, "{}", upgrade_line(upgrade));
    }
    for (i, step) in report.steps.iter().enumerate() {
        outln!(o, "{}", step_headline(i, step));
        match step {
            StepReport::Quantize(q) => {
                if let Some(t) = &q.quality_target {
                    print_quality_target(o, t);
                }
                if let Some(r) = &q.rounding {
                    outln!(o, "{}", rounding_summary(r));
                }
                for l in q.rounding.iter().flat_map(|r| &r.layers) {
                    let error = |e: Option<f64>| e.map_or("n/a".to_string(), |e| format!("{e:.2e}"));
                    let note = if l.note.is_empty() { String::new() } else { format!(" ({})", l.note) };
                    outln!(
                        o,
                        "  rounding {}: {} ({}), layer output rel. error nearest {} → learned {}{note}",
                        l.applied,
                        l.node,
                        l.op_type,
                        error(l.output_rel_error_nearest),
                        error(l.output_rel_error_learned)
                    );
                }
                if !q.folded_activations.is_empty() {
                    outln!(o, "  folded into the quantized range: {}", q.folded_activations.join(", "));
                }
                for s in &q.skipped {
                    outln!(o, "  kept in float: {} ({}): {}", s.node, s.op_type, s.reason);
                }
                for n in &q.notes {
                    outln!(o, "  note: {n}");
                }
            }
            StepReport::Prune(p) => {
                if let Some(f) = &p.flops {
                    outln!(o, "  FLOPs {} → {}", super::human::count(f.before), super::human::count(f.after));
                }
                for s in &p.skipped {
                    outln!(o, "  not pruned: {} ({}): {}", s.name, s.op_type, s.reason);
                }
                if let Some(a) = &p.auto {
                    print_auto(o, a);
                }
                if let Some(c) = &p.correction {
                    let db = |v: Option<f64>| v.map_or("exact or not measured".to_string(), |v| format!("{v:.1} dB"));
                    outln!(
                        o,
                        "  correction {} ({}) on {} calibration samples: output SQNR {} without, {} with: {}",
                        c.method,
                        c.chosen,
                        c.samples,
                        db(c.output_sqnr_db_before),
                        db(c.output_sqnr_db_after),
                        if c.applied { format!("applied to {} layers", c.layers_corrected) } else { "not applied".to_string() }
                    );
                }
                for l in &p.layers {
                    let Some(c) = &l.correction else { continue };
                    match (c.output_rel_mse_before, c.output_rel_mse_after) {
                        (Some(b), Some(a)) => outln!(o, "    {}: {}: output relative MSE {b:.3e} → {a:.3e}", l.name, c.applied),
                        _ => outln!(o, "    {}: {}", l.name, c.applied),
                    }
                    if !c.note.is_empty() {
                        outln!(o, "      {}", c.note);
                    }
                }
                for n in &p.notes {
                    outln!(o, "  note: {n}");
                }
            }
            StepReport::Opset(_) => {}
            StepReport::Binarize(b) => {
                for l in &b.layers {
                    let sqnr = l.weight_sqnr_db.map(|d| format!("{d:.1} dB")).unwrap_or_else(|| "exact".into());
                    let input = l.input_scale.map(|a| format!(", binary input scale a {a:.3e} (calibrated threshold)")).unwrap_or_default();
                    outln!(o, "  {} ({}): α {:.3e}…{:.3e}, weight SQNR {sqnr}{input}", l.node, l.op_type, l.alpha_min, l.alpha_max);
                }
                for s in &b.skipped {
                    outln!(o, "  kept in float: {} ({}): {}", s.node, s.op_type, s.reason);
                }
                for n in &b.notes {
                    outln!(o, "  note: {n}");
                }
            }
        }
    }
    text
}

/// The first line about step `i` (0-based), as the CLI prints it and the page lists it.
fn step_headline(i: usize, step: &StepReport) -> String {
    match step {
        StepReport::Quantize(q) => {
            let calib = q.calibration.as_ref().map(|c| format!(", {} activations calibrated on {} samples ({:?})", c.tensors, c.samples, c.method)).unwrap_or_default();
            format!("step {}: quantize {:?}: {} layers{calib}", i + 1, q.mode, q.layers.len())
        }
        StepReport::Prune(p) => {
            let t = &p.totals;
            format!(
                "step {}: prune {}: {} layers, {} → {} nonzero weights ({:.1}% sparsity in pruned layers), model params {} → {}",
                i + 1,
                p.method,
                t.layers_pruned,
                super::human::count(t.nonzeros_before as u64),
                super::human::count(t.nonzeros_after as u64),
                t.sparsity * 100.0,
                super::human::count(t.model_params_before as u64),
                super::human::count(t.model_params_after as u64)
            )
        }
        StepReport::Opset(c) => format!("step {}: opset: {}", i + 1, c.summary()),
        StepReport::Binarize(b) => {
            format!("step {}: binarize{}: {} layers", i + 1, if b.activations { " (weights and inputs)" } else { " (weights)" }, b.layers.len())
        }
    }
}

/// An opset upgrade `compress` made by itself before a step.
fn upgrade_line(upgrade: &crate::compress::report::AutomaticUpgrade) -> String {
    format!("before step {}: {}", upgrade.step + 1, upgrade.report.summary())
}

/// One line per step (each upgrade before the step that needed it): the headlines
/// [`render_compress_summary`] prints, for the page's list of steps.
pub fn step_lines(report: &CompressReport) -> Vec<String> {
    let mut lines = Vec::new();
    for (i, step) in report.steps.iter().enumerate() {
        lines.extend(report.upgrades.iter().filter(|u| u.step == i).map(upgrade_line));
        lines.push(step_headline(i, step));
        if let StepReport::Quantize(q) = step {
            lines.extend(q.quality_target.iter().flat_map(quality_target_summary));
            lines.extend(q.rounding.iter().map(rounding_summary));
        }
    }
    lines
}

/// Learned rounding's outcome in one line: layers that took learned codes, codebooks refit,
/// and the model-level check (lowest output SQNR on the calibration samples, nearest vs learned).
fn rounding_summary(r: &crate::compress::quantize::report::RoundingReport) -> String {
    let refit = r.layers.iter().filter(|l| l.codebook_refit).count();
    let refit = if refit > 0 { format!(", {refit} codebook(s) refit") } else { String::new() };
    let outcome = if r.applied {
        "learned codes written"
    } else if r.layers_learned == 0 && refit.is_empty() {
        "nearest kept (no layer improved)"
    } else {
        "nearest kept (learned was worse for the whole model)"
    };
    format!(
        "  learned rounding: {} of {} layers learned{refit}; lowest output SQNR on {} calibration samples nearest {} → learned {}: {outcome}",
        r.layers_learned,
        r.layers.len(),
        r.samples,
        db(r.output_sqnr_db_nearest, false),
        db(r.output_sqnr_db_learned, false),
    )
}

/// The quality target's outcome, fallbacks (the first ten) and trajectory.
fn print_quality_target(o: &mut String, t: &crate::compress::quantize::target::QualityTargetReport) {
    for line in quality_target_summary(t) {
        outln!(o, "{line}");
    }
    for f in t.fallbacks.iter().take(10) {
        outln!(o, "    {} `{}` → {} (own quantization SQNR {})", f.kind, f.name, f.to, db(f.local_sqnr_db, false));
    }
    if t.fallbacks.len() > 10 {
        outln!(o, "    … and {} more (the JSON report lists every one)", t.fallbacks.len() - 10);
    }
    for (ranges, label) in [
        ("calibration part", "the calibration part"),
        ("all samples", "all samples"),
        ("all samples, one quantized again", "all samples, quantizing one fallback again"),
    ] {
        let points: Vec<String> =
            t.trajectory.iter().filter(|p| p.ranges == ranges).map(|p| format!("{}{} → {}{}", p.fallbacks, if p.fallback_to == "16-bit" && p.fallbacks > 0 { "*" } else { "" }, db(p.sqnr_db, p.non_finite), p.top1_drop_pct.map(|d| format!(" ({d:.1}% top-1 changed)")).unwrap_or_default())).collect();
        if !points.is_empty() {
            outln!(o, "  measured with ranges from {label} (fallbacks → SQNR; * to 16 bits): {}", points.join(", "));
        }
    }
}

/// The quality target's outcome, what the search measured and what fell back to float: the
/// CLI's first lines about it, and the page's lines under the step.
fn quality_target_summary(t: &crate::compress::quantize::target::QualityTargetReport) -> [String; 3] {
    let first_choice = t.trajectory.iter().filter(|p| p.ranges == "all samples").map(|p| p.fallbacks).min().unwrap_or(0);
    let mut kinds: Vec<((&str, &str), usize)> = Vec::new();
    for f in &t.fallbacks {
        match kinds.iter_mut().find(|(k, _)| *k == (f.kind, f.to)) {
            Some((_, n)) => *n += 1,
            None => kinds.push(((f.kind, f.to), 1)),
        }
    }
    let kinds: Vec<String> = kinds.iter().map(|((k, to), n)| format!("{n} {k} to {to}")).collect();
    let top1 = |v: Option<f64>| v.map(|d| format!(", top-1 changes {d:.1}%")).unwrap_or_default();
    let wanted = match (t.target_db, t.max_top1_drop_pct) {
        (Some(db), None) => format!("{db} dB ({})", t.metric),
        (Some(db), Some(pct)) => format!("{db} dB ({}) and top-1 changes ≤ {pct}%", t.metric),
        (None, Some(pct)) => format!("top-1 changes ≤ {pct}% (rows of each class-score output)"),
        (None, None) => "none".to_string(),
    };
    [
        format!(
            "  quality target {wanted}: {}, {}{} (the model written: ranges from all {} samples; the lower of the held-back part and the 10th percentile over sets resampled from every sample);",
            if t.met { "met" } else { "NOT met" },
            // Null is exact (met) or non-finite (never met).
            db(t.reached_db, !t.met),
            top1(t.top1_drop_pct),
            t.calibration_samples + t.held_out_samples,
        ),
        format!(
            "  the search held {} back: {}{} at {first_choice} fallbacks with ranges from the other {}",
            t.held_out_samples,
            db(t.searched_db, !t.met),
            top1(t.searched_top1_drop_pct),
            t.calibration_samples
        ),
        format!(
            "  fallbacks to reach it: {}; {} activations quantized, weights int8 {:.1}%{} of elements",
            if kinds.is_empty() { "nothing".to_string() } else { kinds.join(", ") },
            t.quantized_activations,
            t.int8_weight_share * 100.0,
            if t.int16_weight_share > 0.0 { format!(", int16 {:.1}%", t.int16_weight_share * 100.0) } else { String::new() }
        ),
    ]
}

/// A measured SQNR as the text shows it; null is exact, or non-finite when `non_finite`.
fn db(v: Option<f64>, non_finite: bool) -> String {
    match (v, non_finite) {
        (Some(v), _) => format!("{v:.1} dB"),
        (None, true) => "non-finite".to_string(),
        (None, false) => "exact".to_string(),
    }
}

/// The auto mode's per-layer table: chosen ratio and the single-layer scan.
fn print_auto(o: &mut String, a: &crate::compress::prune::auto::AutoReport) {
    outln!(o, "  auto: target {:.1}%, metric {} on {} ({} samples, {})", a.target * 100.0, a.metric, a.output, a.samples, a.inputs);
    let grid: Vec<String> = a.grid.iter().map(|r| format!("{:>7}", format!("@{r}"))).collect();
    outln!(o, "    {:24} {:>10} {:>6}  error alone {}", "layer", "params", "ratio", grid.join(" "));
    for l in &a.layers {
        let scan: Vec<String> = l.scan.iter().map(|e| format!("{e:>7.4}")).collect();
        outln!(o, "    {:24} {:>10} {:>6.3}              {}", l.name, super::human::count(l.params as u64), l.ratio, scan.join(" "));
    }
    outln!(o, "    predicted error {:.4}, measured {:.4}; {}", a.predicted_error, a.measured_error, a.outcome);
    outln!(o, "    reuse as: \"ratios\": {}", serde_json::to_string(&a.ratios).unwrap_or_default());
}

/// `weights float32 1.2 MiB, int8 300 KiB; quantization parameters 2 KiB; graph and names 40 KiB`.
pub fn breakdown(b: &ByteBreakdown) -> String {
    let weights: Vec<String> = b.weights.iter().map(|w| format!("{} {}", w.dtype, super::human::bytes(w.bytes as u64))).collect();
    let weights = if weights.is_empty() { "none".to_string() } else { weights.join(", ") };
    format!(
        "weights {weights}; quantization parameters {}; graph and names {}",
        super::human::bytes(b.quantization_parameters as u64),
        super::human::bytes(b.graph as u64)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mnist_report(input_file_bytes: Option<usize>) -> CompressReport {
        let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/mnist_cnn/model.onnx")).unwrap();
        let model = crate::onnx::decode_model(&bytes).unwrap();
        let recipe = crate::compress::Recipe::from_json(r#"{"steps": [{"opset": 13}, {"quantize": {"mode": "weights"}}]}"#).unwrap();
        let (_, mut report) = crate::compress::compress(&model, &recipe, None, &mut |_| {}).unwrap();
        report.input_file_bytes = input_file_bytes;
        report
    }

    #[test]
    fn the_step_lines_are_the_headlines_the_cli_prints() {
        let report = mnist_report(None);
        let lines = step_lines(&report);
        let text = render_compress_summary(&report, "out.onnx");
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines[1].starts_with("step 2: quantize Weights: 4 layers"), "{lines:?}");
        for line in &lines {
            assert!(text.lines().any(|l| l == line), "`{line}` printed by the CLI too:\n{text}");
        }
        // Two steps: the size after each, the last being the file's.
        assert_eq!(report.after_steps.len(), 2);
        assert_eq!(report.after_steps[1], report.after);
        assert!(report.after_steps[0].bytes > 3 * report.after.bytes, "the opset step leaves the weights float: {:?}", report.after_steps);
        assert!(text.contains("size after each step: step 1: "), "{text}");
    }

    /// The page lists a quality target's outcome under its step, in the CLI's words.
    #[test]
    fn a_quality_target_adds_its_outcome_to_the_step_lines() {
        let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/mnist_cnn/model.onnx")).unwrap();
        let model = crate::onnx::decode_model(&bytes).unwrap();
        let recipe = crate::compress::Recipe::from_json(r#"{"steps": [{"quantize": {"mode": "static", "min_sqnr_db": 20}}]}"#).unwrap();
        let samples = crate::compare::random_input_sets(&model, &crate::runtime::RandomInputs::new(1), 8).unwrap();
        let data = crate::runtime::Dataset { samples, random: true };
        let (_, report) = crate::compress::compress(&model, &recipe, Some(&data), &mut |_| {}).unwrap();
        let lines = step_lines(&report);
        let text = render_compress_summary(&report, "out.onnx");
        assert_eq!(lines.len(), 4, "{lines:?}");
        assert!(lines[1].starts_with("  quality target 20 dB (min output SQNR (dB)): met, "), "{lines:?}");
        assert!(lines[2].starts_with("  the search held 2 back: "), "{lines:?}");
        assert!(lines[3].starts_with("  fallbacks to reach it: "), "{lines:?}");
        for line in &lines {
            assert!(text.lines().any(|l| l == line), "`{line}` printed by the CLI too:\n{text}");
        }
    }

    /// Learned rounding's outcome is a line under its step, in the page as in the CLI.
    #[test]
    fn learned_rounding_adds_its_outcome_to_the_step_lines() {
        let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/mnist_cnn/model.onnx")).unwrap();
        let model = crate::onnx::decode_model(&bytes).unwrap();
        let recipe = crate::compress::Recipe::from_json(r#"{"steps": [{"quantize": {"mode": "kmeans", "clusters": 8, "rounding": "learned"}}]}"#).unwrap();
        let samples = crate::compare::random_input_sets(&model, &crate::runtime::RandomInputs::new(1), 8).unwrap();
        let data = crate::runtime::Dataset { samples, random: true };
        let (_, report) = crate::compress::compress(&model, &recipe, Some(&data), &mut |_| {}).unwrap();
        let lines = step_lines(&report);
        let text = render_compress_summary(&report, "out.onnx");
        let line = lines.iter().find(|l| l.starts_with("  learned rounding: ")).unwrap_or_else(|| panic!("{lines:?}"));
        let crate::compress::report::StepReport::Quantize(q) = &report.steps[0] else { panic!("a quantize step") };
        let r = q.rounding.as_ref().unwrap();
        assert!(line.contains(&format!("{} of {} layers learned", r.layers_learned, r.layers.len())), "{line}");
        assert!(line.contains(if r.applied { "learned codes written" } else { "nearest kept" }), "{line}");
        assert!(line.contains(" dB → learned "), "both SQNRs measured: {line}");
        assert!(text.lines().any(|l| l == line), "`{line}` printed by the CLI too:\n{text}");
    }

    #[test]
    fn the_input_size_is_the_files() {
        let report = mnist_report(None);
        let file = report.before.bytes + 1000;
        let text = render_compress_summary(&mnist_report(Some(file)), "out.onnx");
        assert!(text.starts_with(&format!("wrote out.onnx: {} → ", super::super::human::bytes(file as u64))), "{text}");
        assert!(text.contains(&format!("the input file is {file} bytes")), "{text}");
        assert!(!render_compress_summary(&report, "out.onnx").contains("the input file is"), "said only when they differ");
    }
}
