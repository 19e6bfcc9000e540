//! The comparison as a readable table: the outputs first, then the intermediate tensors with the
//! lowest SQNR (or all of them).

use super::report::{CompareReport, TensorComparison};

#[derive(Clone, Debug, PartialEq)]
pub struct TextOptions {
    /// Show this many intermediates, worst SQNR first; `None` shows all, in execution order.
    pub worst_intermediates: Option<usize>,
}

impl Default for TextOptions {
    fn default() -> Self {
        TextOptions { worst_intermediates: Some(10) }
    }
}

pub fn render_text(report: &CompareReport, options: &TextOptions) -> String {
    let plural = if report.samples == 1 { "" } else { "s" };
    let mut out = format!("{} sample{plural}: {}\n\n", report.samples, report.input_source);
    let with_agreement = report.outputs.iter().any(|o| o.agreement.is_some());
    out.push_str(&table("output", &report.outputs.iter().collect::<Vec<_>>(), with_agreement));
    if !report.intermediates_compared {
        out.push_str("\nintermediate tensors: not compared\n");
    } else if report.intermediates.is_empty() {
        out.push_str("\nintermediate tensors: none computed by both models with the same shape and a float type\n");
    } else {
        let count = report.intermediates.len();
        let (shown, title): (Vec<&TensorComparison>, String) = match options.worst_intermediates {
            Some(n) if n < count => {
                (report.worst_intermediates().into_iter().take(n).collect(), format!("the {n} with the lowest SQNR"))
            }
            _ => (report.intermediates.iter().collect(), "in execution order".to_string()),
        };
        out.push_str(&format!("\n{count} intermediate tensors compared; {title}:\n"));
        out.push_str(&table("tensor", &shown, false));
    }
    if !report.intermediates_skipped.is_empty() {
        out.push_str(&format!("\n{} named in both models but not compared:\n", report.intermediates_skipped.len()));
        for skipped in report.intermediates_skipped.iter().take(10) {
            out.push_str(&format!("  {}: {}\n", skipped.name, skipped.reason));
        }
        if report.intermediates_skipped.len() > 10 {
            out.push_str(&format!("  … and {} more\n", report.intermediates_skipped.len() - 10));
        }
    }
    let nonfinite: Vec<String> = report
        .outputs
        .iter()
        .chain(&report.intermediates)
        .filter(|t| t.metrics.nonfinite_mismatches > 0)
        .map(|t| format!("{} ({})", t.name, t.metrics.nonfinite_mismatches))
        .collect();
    if !nonfinite.is_empty() {
        out.push_str(&format!("\nNaN/infinity where the other model has another value: {}\n", nonfinite.join(", ")));
    }
    out
}

fn table(first: &str, rows: &[&TensorComparison], with_agreement: bool) -> String {
    let mut header = vec![first, "max abs", "mean abs", "cosine", "SQNR dB"];
    if with_agreement {
        header.extend(["top-1 agree", "top-5 agree"]);
    }
    let mut cells: Vec<Vec<String>> = vec![header.into_iter().map(String::from).collect()];
    for t in rows {
        let m = &t.metrics;
        let mut row = vec![
            t.name.clone(),
            abs_value(m.max_abs),
            abs_value(m.mean_abs),
            m.cosine.map_or_else(|| "n/a".into(), |c| format!("{c:.6}")),
            match (m.sqnr_db, m.exact) {
                (_, true) => "exact".into(),
                (Some(db), false) => format!("{db:.2}"),
                (None, false) => "n/a".into(),
            },
        ];
        if with_agreement {
            let rate = |matches: Option<u64>, rate: Option<f64>, rows: u64| match (matches, rate) {
                (Some(m), Some(r)) => format!("{:.1}% ({m}/{rows})", 100.0 * r),
                _ => "-".into(),
            };
            match &t.agreement {
                Some(a) => {
                    row.push(rate(Some(a.top1_matches), Some(a.top1_rate), a.rows));
                    row.push(rate(a.top5_matches, a.top5_rate, a.rows));
                }
                None => row.extend(["-".to_string(), "-".to_string()]),
            }
        }
        cells.push(row);
    }
    let columns = cells[0].len();
    let widths: Vec<usize> =
        (0..columns).map(|c| cells.iter().map(|r| r[c].chars().count()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for row in &cells {
        let mut line = String::new();
        for (c, (cell, width)) in row.iter().zip(&widths).enumerate() {
            let pad = " ".repeat(width - cell.chars().count());
            match c {
                0 => line.push_str(&format!("{cell}{pad}")),
                _ => line.push_str(&format!("  {pad}{cell}")),
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Three decimals in scientific notation (`1.234e-3`), or `0`.
fn abs_value(v: f64) -> String {
    if v == 0.0 { "0".into() } else { format!("{v:.3e}") }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::metrics::{Agreement, TensorMetrics};
    use crate::compare::report::SkippedTensor;

    fn comparison(name: &str, sqnr_db: Option<f64>, exact: bool) -> TensorComparison {
        TensorComparison {
            name: name.into(),
            dtype: "float32".into(),
            shape: vec![1, 10],
            metrics: TensorMetrics {
                elements: 10,
                max_abs: if exact { 0.0 } else { 0.0125 },
                mean_abs: if exact { 0.0 } else { 0.003 },
                cosine: Some(if exact { 1.0 } else { 0.9999984 }),
                sqnr_db,
                exact,
                nonfinite_mismatches: 0,
            },
            agreement: None,
        }
    }

    #[test]
    fn renders_outputs_then_the_worst_intermediates() {
        let mut logits = comparison("logits", Some(41.234), false);
        logits.agreement = Some(Agreement {
            classes: 10,
            rows: 8,
            top1_matches: 7,
            top1_rate: 0.875,
            top5_matches: Some(8),
            top5_rate: Some(1.0),
        });
        let report = CompareReport {
            input_source: "random inputs (seed 0)".into(),
            samples: 8,
            outputs: vec![logits],
            intermediates_compared: true,
            intermediates: vec![
                comparison("conv1", Some(40.0), false),
                comparison("relu1", None, true),
                comparison("fc1", Some(30.5), false),
            ],
            intermediates_skipped: vec![SkippedTensor { name: "x".into(), reason: "why".into() }],
        };
        let text = render_text(&report, &TextOptions { worst_intermediates: Some(2) });
        let want = "\
8 samples: random inputs (seed 0)

output   max abs  mean abs    cosine  SQNR dB  top-1 agree   top-5 agree
logits  1.250e-2  3.000e-3  0.999998    41.23  87.5% (7/8)  100.0% (8/8)

3 intermediate tensors compared; the 2 with the lowest SQNR:
tensor   max abs  mean abs    cosine  SQNR dB
fc1     1.250e-2  3.000e-3  0.999998    30.50
conv1   1.250e-2  3.000e-3  0.999998    40.00

1 named in both models but not compared:
  x: why
";
        assert_eq!(text, want);
        let all = render_text(&report, &TextOptions { worst_intermediates: None });
        assert!(all.contains("in execution order:\ntensor"), "{all}");
        let order: Vec<usize> = ["conv1 ", "relu1 ", "fc1 "].iter().map(|n| all.find(n).unwrap()).collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "{all}");
        assert!(all.contains("exact"), "{all}");
    }
}
