//! Measuring a compressed model against the original on samples, for passes that check their
//! own result (the quality target of static quantization, pruning's correction guard): the
//! outputs of a model on every sample, and the lowest output SQNR between two sets of outputs.

use crate::ir::{Model, Tensor};
use crate::runtime::{InputSet, Session};

/// The outputs of `model` on every sample, in the model's output order; `what` names the
/// model in the error. Natively the samples run in parallel (the same outputs: each run is
/// independent of the others).
pub fn run_all(model: &Model, samples: &[InputSet], what: &str) -> Result<Vec<Vec<Tensor>>, String> {
    let session = Session::new(model).map_err(|e| format!("{what} cannot run: {e}"))?;
    // One sample per task (natively, several at once): only the order of the runs changes.
    crate::kernels::parallel::map_indices(samples.len(), |s| {
        let outputs = session.run(samples[s].clone()).map_err(|e| format!("{what}, sample {s}: {e}"))?;
        Ok(outputs.into_iter().map(|(_, t)| t).collect())
    })
    .into_iter()
    .collect()
}

/// The lowest SQNR (dB) over the float outputs, signal and noise summed over samples: −∞ when
/// the candidate has a non-finite value where the reference is finite (or the reference is all
/// zeros and the candidate not), +∞ when equal. None: the model has no float output.
pub fn output_sqnr(reference: &[Vec<Tensor>], candidate: &[Vec<Tensor>]) -> Option<f64> {
    let energies = energies(reference, candidate)?;
    let all: Vec<usize> = (0..reference.len().min(candidate.len())).collect();
    Some(lowest_over_outputs(&energies, &all))
}

/// Sets of samples [`resampled_sqnr`] draws.
const RESAMPLED_SETS: usize = 1000;
/// The share of drawn sets whose SQNR may fall below the estimate.
const RESAMPLED_QUANTILE: f64 = 0.1;

/// A pessimistic estimate of [`output_sqnr`] on as many new samples: [`RESAMPLED_SETS`] sets of
/// `n` samples drawn with replacement from the `n` measured ones (a bootstrap, with a fixed
/// seed: the same value every time), each set's [`output_sqnr`], and the 10th percentile of
/// those. When every sample has the same SQNR it equals [`output_sqnr`]; when one sample with a
/// large output carries most of the noise, sets that draw it twice show what a new sample like
/// it would do (a wake-word score measured 23.9 dB on its calibration samples and 18.4 dB on new
/// ones; this estimate said 19.2). −∞ when any sample has a non-finite value where the
/// reference is finite; None: no float output.
pub fn resampled_sqnr(reference: &[Vec<Tensor>], candidate: &[Vec<Tensor>]) -> Option<f64> {
    let energies = energies(reference, candidate)?;
    let n = reference.len().min(candidate.len());
    if n <= 1 || energies.iter().any(|o| o.iter().any(|&(_, noise)| noise.is_infinite())) {
        return Some(lowest_over_outputs(&energies, &(0..n).collect::<Vec<_>>()));
    }
    let mut draw = SplitMix64(0x5EED_5A3F);
    let mut set = vec![0usize; n];
    let mut values: Vec<f64> = (0..RESAMPLED_SETS)
        .map(|_| {
            set.iter_mut().for_each(|i| *i = (draw.next() % n as u64) as usize);
            lowest_over_outputs(&energies, &set)
        })
        .collect();
    values.sort_by(f64::total_cmp);
    Some(values[(RESAMPLED_QUANTILE * RESAMPLED_SETS as f64) as usize])
}

/// Per float output, per sample: (Σ y², Σ (y − ŷ)²), the noise +∞ when the candidate has a
/// non-finite value where the reference is finite. None: no float output.
fn energies(reference: &[Vec<Tensor>], candidate: &[Vec<Tensor>]) -> Option<Vec<Vec<(f64, f64)>>> {
    let outputs = reference.first().map_or(0, Vec::len);
    let found: Vec<Vec<(f64, f64)>> = (0..outputs)
        .filter(|&o| reference[0].get(o).and_then(Tensor::dtype).is_some_and(|d| d.is_float()))
        .map(|o| reference.iter().zip(candidate).map(|(r, c)| sample_energy(r.get(o), c.get(o))).collect())
        .collect();
    (!found.is_empty()).then_some(found)
}

fn sample_energy(r: Option<&Tensor>, c: Option<&Tensor>) -> (f64, f64) {
    let (Some(r), Some(c)) = (r, c) else { return (0.0, 0.0) };
    let (Ok(r), Ok(c)) = (r.to_f64_vec(), c.to_f64_vec()) else { return (0.0, 0.0) };
    let (mut signal, mut noise) = (0.0f64, 0.0f64);
    for (&rv, &cv) in r.iter().zip(&c) {
        if !rv.is_finite() {
            continue;
        }
        if !cv.is_finite() {
            return (signal, f64::INFINITY);
        }
        signal += rv * rv;
        noise += (rv - cv) * (rv - cv);
    }
    (signal, noise)
}

/// The lowest SQNR over outputs of the samples `set` (a sample may repeat), energies summed.
fn lowest_over_outputs(energies: &[Vec<(f64, f64)>], set: &[usize]) -> f64 {
    energies
        .iter()
        .map(|samples| {
            let (signal, noise) = set.iter().fold((0.0, 0.0), |(s, n), &i| (s + samples[i].0, n + samples[i].1));
            if noise.is_infinite() {
                f64::NEG_INFINITY
            } else if noise == 0.0 {
                f64::INFINITY
            } else if signal == 0.0 {
                f64::NEG_INFINITY
            } else {
                10.0 * (signal / noise).log10()
            }
        })
        .fold(f64::INFINITY, f64::min)
}

/// A small seeded generator (splitmix64) for the resampled sets.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
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

    #[test]
    fn the_resampled_estimate_equals_the_sum_for_alike_samples_and_drops_for_one_outlier() {
        // Three samples at exactly 20 dB each: every resampled set is 20 dB too.
        let reference = vec![vec![t(&[1.0])], vec![t(&[2.0])], vec![t(&[3.0])]];
        let alike = vec![vec![t(&[1.1])], vec![t(&[2.2])], vec![t(&[3.3])]];
        let db = resampled_sqnr(&reference, &alike).unwrap();
        assert!((db - 20.0).abs() < 1e-4, "{db}");
        // Three samples at 30 dB (signal 1, noise 0.001) and one larger one at 20 dB (signal 4,
        // noise 0.04): summed, 7 / 0.043 = 22.1 dB. A set of four drawn with replacement holds
        // the large one twice or more with probability 0.26, three times or more with 0.05, so
        // the 10th percentile is a set with it twice: 10 / 0.082 = 20.86 dB.
        let mut reference: Vec<Vec<Tensor>> = (0..3).map(|_| vec![t(&[1.0])]).collect();
        let mut candidate: Vec<Vec<Tensor>> = (0..3).map(|_| vec![t(&[1.0 + 0.001f32.sqrt()])]).collect();
        reference.push(vec![t(&[2.0])]);
        candidate.push(vec![t(&[2.2])]);
        let plain = output_sqnr(&reference, &candidate).unwrap();
        let resampled = resampled_sqnr(&reference, &candidate).unwrap();
        assert!((plain - 22.11).abs() < 0.01, "{plain}");
        assert!((resampled - 20.86).abs() < 0.01, "{resampled}");
        // Deterministic, and −∞ as soon as one sample is non-finite.
        assert_eq!(resampled_sqnr(&reference, &candidate).unwrap().to_bits(), resampled.to_bits());
        candidate[0] = vec![t(&[f32::NAN])];
        assert_eq!(resampled_sqnr(&reference, &candidate), Some(f64::NEG_INFINITY));
    }
}
