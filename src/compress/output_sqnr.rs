//! Measuring a compressed model against the original on samples, for passes that check their
//! own result (the quality target of static quantization, pruning's correction guard): the
//! outputs of a model on every sample, and the lowest output SQNR between two sets of outputs.

use crate::ir::{Model, Tensor};
use crate::runtime::{InputSet, Session};

/// The outputs of `model` on every sample, in the model's output order; `what` names the
/// model in the error.
pub fn run_all(model: &Model, samples: &[InputSet], what: &str) -> Result<Vec<Vec<Tensor>>, String> {
    let session = Session::new(model).map_err(|e| format!("{what} cannot run: {e}"))?;
    samples
        .iter()
        .enumerate()
        .map(|(s, sample)| {
            let outputs = session.run(sample.clone()).map_err(|e| format!("{what}, sample {s}: {e}"))?;
            Ok(outputs.into_iter().map(|(_, t)| t).collect())
        })
        .collect()
}

/// The lowest SQNR (dB) over the float outputs, signal and noise summed over samples: −∞ when
/// the candidate has a non-finite value where the reference is finite (or the reference is all
/// zeros and the candidate not), +∞ when equal. None: the model has no float output.
pub fn output_sqnr(reference: &[Vec<Tensor>], candidate: &[Vec<Tensor>]) -> Option<f64> {
    let outputs = reference.first().map_or(0, Vec::len);
    let mut worst: Option<f64> = None;
    for o in 0..outputs {
        if !reference[0].get(o).and_then(Tensor::dtype).is_some_and(|d| d.is_float()) {
            continue;
        }
        let (mut signal, mut noise) = (0.0f64, 0.0f64);
        for (r, c) in reference.iter().zip(candidate) {
            let (Some(r), Some(c)) = (r.get(o), c.get(o)) else { continue };
            let (Ok(r), Ok(c)) = (r.to_f64_vec(), c.to_f64_vec()) else { continue };
            for (&rv, &cv) in r.iter().zip(&c) {
                if !rv.is_finite() {
                    continue;
                }
                if !cv.is_finite() {
                    return Some(f64::NEG_INFINITY);
                }
                signal += rv * rv;
                noise += (rv - cv) * (rv - cv);
            }
        }
        let sqnr = if noise == 0.0 { f64::INFINITY } else if signal == 0.0 { f64::NEG_INFINITY } else { 10.0 * (signal / noise).log10() };
        worst = Some(worst.map_or(sqnr, |w: f64| w.min(sqnr)));
    }
    worst
}

/// For each float output whose rows are class scores (last dimension 2 or more), in output
/// order: (rows whose top-1 class differs between reference and candidate, rows), summed over
/// samples. The first highest score is a row's class; a NaN never wins.
pub fn top1_changes(reference: &[Vec<Tensor>], candidate: &[Vec<Tensor>]) -> Vec<(u64, u64)> {
    let outputs = reference.first().map_or(0, Vec::len);
    let mut found = Vec::new();
    for o in 0..outputs {
        let Some(first) = reference[0].get(o) else { continue };
        let classes = first.shape().last().copied().unwrap_or(0);
        if !first.dtype().is_some_and(|d| d.is_float()) || classes < 2 {
            continue;
        }
        let (mut changed, mut rows) = (0u64, 0u64);
        for (r, c) in reference.iter().zip(candidate) {
            let (Some(r), Some(c)) = (r.get(o), c.get(o)) else { continue };
            let (Ok(r), Ok(c)) = (r.to_f64_vec(), c.to_f64_vec()) else { continue };
            for (r_row, c_row) in r.chunks_exact(classes).zip(c.chunks_exact(classes)) {
                rows += 1;
                changed += u64::from(argmax(r_row) != argmax(c_row));
            }
        }
        found.push((changed, rows));
    }
    found
}

fn argmax(row: &[f64]) -> usize {
    let key = |v: f64| if v.is_nan() { f64::NEG_INFINITY } else { v };
    let mut best = 0;
    for (i, &v) in row.iter().enumerate() {
        if key(v) > key(row[best]) {
            best = i;
        }
    }
    best
}

/// An SQNR for messages: `exact outputs` (+∞), `non-finite outputs` (−∞) or `12.3 dB`.
pub fn describe_db(v: f64) -> String {
    if v == f64::NEG_INFINITY {
        "non-finite outputs".into()
    } else if v == f64::INFINITY {
        "exact outputs".into()
    } else {
        format!("{v:.1} dB")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(v: &[f32]) -> Tensor {
        Tensor::from_vec(&[v.len()], v.to_vec()).unwrap()
    }

    #[test]
    fn top1_changes_count_rows_of_class_score_outputs() {
        let m = |rows: usize, v: &[f32]| Tensor::from_vec(&[rows, v.len() / rows], v.to_vec()).unwrap();
        // Output 0: two rows of 3 classes per sample; output 1 has one value per row (no classes).
        let reference = vec![vec![m(2, &[0.1, 0.9, 0.0, 0.5, 0.2, 0.3]), m(2, &[1.0, 2.0])], vec![m(2, &[1.0, 0.0, 0.0, 0.0, 0.0, 1.0]), m(2, &[1.0, 2.0])]];
        // Row 2 of sample 0 now picks class 1; a NaN never wins (row 1 of sample 1 keeps class 0).
        let candidate = vec![vec![m(2, &[0.1, 0.9, 0.0, 0.1, 0.6, 0.3]), m(2, &[5.0, 5.0])], vec![m(2, &[1.0, f32::NAN, 0.0, 0.0, 0.0, 1.0]), m(2, &[1.0, 2.0])]];
        assert_eq!(top1_changes(&reference, &candidate), vec![(1, 4)]);
        assert_eq!(top1_changes(&reference, &reference), vec![(0, 4)]);
    }

    #[test]
    fn sqnr_sums_over_samples_and_takes_the_worst_output() {
        // Output 0: signal 1+4 = 5, noise 0.01+0.04 = 0.05 → 20 dB; output 1: exact.
        let reference = vec![vec![t(&[1.0]), t(&[3.0])], vec![t(&[2.0]), t(&[3.0])]];
        let candidate = vec![vec![t(&[1.1]), t(&[3.0])], vec![t(&[2.2]), t(&[3.0])]];
        let db = output_sqnr(&reference, &candidate).unwrap();
        assert!((db - 20.0).abs() < 1e-4, "{db}");
        assert_eq!(output_sqnr(&reference, &reference), Some(f64::INFINITY));
    }

    #[test]
    fn a_non_finite_candidate_value_is_minus_infinity_and_no_float_output_is_none() {
        let reference = vec![vec![t(&[1.0, f32::NAN])]];
        // NaN where the reference is NaN is ignored; NaN where it is finite is −∞.
        assert_eq!(output_sqnr(&reference, &[vec![t(&[1.0, 5.0])]]), Some(f64::INFINITY));
        assert_eq!(output_sqnr(&reference, &[vec![t(&[f32::NAN, 1.0])]]), Some(f64::NEG_INFINITY));
        let ints = vec![vec![Tensor::from_vec(&[1], vec![1i64]).unwrap()]];
        assert_eq!(output_sqnr(&ints, &ints), None);
    }
}
