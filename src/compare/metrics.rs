//! Error metrics between a reference tensor and a candidate of the same shape, accumulated over
//! many samples in f64 without keeping the values: the sums are streamed, the ratios taken at the
//! end.
//!
//! Definitions, over every element pair (r, c) of every sample:
//! - `max_abs` = max |r − c|; `mean_abs` = Σ|r − c| / n;
//! - `cosine` = Σ r·c / √(Σ r² · Σ c²) (1 when both are all zeros, `None` when only one is);
//! - `sqnr_db` = 10 · log10(Σ r² / Σ (r − c)²), the signal-to-quantization-noise ratio. It is
//!   `None` when not a finite number: when the tensors are identical (+∞, and `exact` is true),
//!   or when the reference is all zeros and the candidate is not (−∞). JSON has no infinity.
//! - Pairs where r or c is NaN or ±∞ are left out of the sums: the same non-finite value on both
//!   sides (NaN and NaN, +∞ and +∞) counts as agreeing, anything else as a `nonfinite_mismatches`.
//!
//! Classifier agreement, for float outputs whose last dim has ≥ 2 classes: every row (all
//! leading dims flattened) is one prediction. Top-1 agreement is the fraction of rows whose
//! argmax is the same in both; top-5 agreement the fraction of rows whose reference argmax is
//! among the candidate's five highest scores (reported only when there are more than 5 classes,
//! since otherwise it is always 1). Ties go to the lower index, as numpy's argmax does; NaN ranks
//! below every number.

use serde::Serialize;

use crate::ir::Tensor;

/// The streamed sums behind [`TensorMetrics`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ErrorAccumulator {
    elements: u64,
    finite_pairs: u64,
    nonfinite_mismatches: u64,
    max_abs_error: f64,
    sum_abs_error: f64,
    sum_squared_error: f64,
    sum_reference_squared: f64,
    sum_candidate_squared: f64,
    sum_product: f64,
}

/// Metrics of one tensor over all samples (definitions in the module docs).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TensorMetrics {
    pub elements: u64,
    pub max_abs: f64,
    pub mean_abs: f64,
    pub cosine: Option<f64>,
    pub sqnr_db: Option<f64>,
    /// Every element pair is equal (non-finite values included).
    pub exact: bool,
    pub nonfinite_mismatches: u64,
}

impl ErrorAccumulator {
    pub fn add_pair(&mut self, r: f64, c: f64) {
        self.elements += 1;
        if !(r.is_finite() && c.is_finite()) {
            if !(r == c || (r.is_nan() && c.is_nan())) {
                self.nonfinite_mismatches += 1;
            }
            return;
        }
        let error = r - c;
        self.finite_pairs += 1;
        self.max_abs_error = self.max_abs_error.max(error.abs());
        self.sum_abs_error += error.abs();
        self.sum_squared_error += error * error;
        self.sum_reference_squared += r * r;
        self.sum_candidate_squared += c * c;
        self.sum_product += r * c;
    }

    /// Adds every element pair of two tensors of the same shape (checked by the caller). Any
    /// numeric dtypes; `Err` names a dtype that is not numeric.
    pub fn add_tensors(&mut self, reference: &Tensor, candidate: &Tensor) -> Result<(), String> {
        if let (Tensor::F32(r), Tensor::F32(c)) = (reference, candidate) {
            r.iter().zip(c.iter()).for_each(|(&r, &c)| self.add_pair(f64::from(r), f64::from(c)));
            return Ok(());
        }
        let r = reference.to_f64_vec().map_err(|_| reference.type_name())?;
        let c = candidate.to_f64_vec().map_err(|_| candidate.type_name())?;
        r.into_iter().zip(c).for_each(|(r, c)| self.add_pair(r, c));
        Ok(())
    }

    /// Adds another accumulator's sums (another sample's), as if its pairs followed.
    pub fn merge(&mut self, other: &ErrorAccumulator) {
        self.elements += other.elements;
        self.finite_pairs += other.finite_pairs;
        self.nonfinite_mismatches += other.nonfinite_mismatches;
        self.max_abs_error = self.max_abs_error.max(other.max_abs_error);
        self.sum_abs_error += other.sum_abs_error;
        self.sum_squared_error += other.sum_squared_error;
        self.sum_reference_squared += other.sum_reference_squared;
        self.sum_candidate_squared += other.sum_candidate_squared;
        self.sum_product += other.sum_product;
    }

    pub fn finish(&self) -> TensorMetrics {
        let exact = self.max_abs_error == 0.0 && self.nonfinite_mismatches == 0;
        let (rr, cc) = (self.sum_reference_squared, self.sum_candidate_squared);
        let cosine = match (rr == 0.0, cc == 0.0) {
            (true, true) => Some(1.0),
            (false, false) => Some((self.sum_product / (rr.sqrt() * cc.sqrt())).clamp(-1.0, 1.0)),
            _ => None,
        };
        let sqnr_db = Some(10.0 * (rr / self.sum_squared_error).log10()).filter(|v| v.is_finite() && !exact);
        let mean_abs = if self.finite_pairs == 0 { 0.0 } else { self.sum_abs_error / self.finite_pairs as f64 };
        TensorMetrics {
            elements: self.elements,
            max_abs: self.max_abs_error,
            mean_abs,
            cosine,
            sqnr_db,
            exact,
            nonfinite_mismatches: self.nonfinite_mismatches,
        }
    }
}

/// Top-1 / top-5 agreement of a classifier-like output, over all rows of all samples.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Agreement {
    pub classes: usize,
    pub rows: u64,
    pub top1_matches: u64,
    pub top1_rate: f64,
    /// `None` when there are 5 classes or fewer.
    pub top5_matches: Option<u64>,
    pub top5_rate: Option<f64>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AgreementAccumulator {
    classes: usize,
    rows: u64,
    top1_matches: u64,
    top5_matches: u64,
}

/// How many candidate scores rank above the reference's choice for top-5.
const TOP_K: usize = 5;

impl AgreementAccumulator {
    /// For an output whose rows have `classes` scores; `None` when it is not classifier-like.
    pub fn for_output(tensor: &Tensor) -> Option<Self> {
        let is_float = tensor.dtype().is_some_and(|d| d.is_float());
        let classes = *tensor.shape().last()?;
        (is_float && classes >= 2).then_some(AgreementAccumulator {
            classes,
            rows: 0,
            top1_matches: 0,
            top5_matches: 0,
        })
    }

    pub fn classes(&self) -> usize {
        self.classes
    }

    /// Adds the rows of one sample (same shape on both sides, checked by the caller).
    pub fn add_tensors(&mut self, reference: &Tensor, candidate: &Tensor) -> Result<(), String> {
        let r = reference.to_f64_vec().map_err(|_| reference.type_name())?;
        let c = candidate.to_f64_vec().map_err(|_| candidate.type_name())?;
        for (r_row, c_row) in r.chunks_exact(self.classes).zip(c.chunks_exact(self.classes)) {
            self.add_row(r_row, c_row);
        }
        Ok(())
    }

    pub fn add_row(&mut self, reference: &[f64], candidate: &[f64]) {
        let chosen = argmax(reference);
        self.rows += 1;
        self.top1_matches += u64::from(argmax(candidate) == chosen);
        // The reference's class is in the candidate's top k when fewer than k classes outrank it.
        let Some(&score) = candidate.get(chosen) else { return };
        let outranking = candidate
            .iter()
            .enumerate()
            .filter(|&(j, &v)| rank_key(v) > rank_key(score) || (rank_key(v) == rank_key(score) && j < chosen))
            .count();
        self.top5_matches += u64::from(outranking < TOP_K);
    }

    /// Adds another accumulator's counts (another sample's rows, same class count).
    pub fn merge(&mut self, other: &AgreementAccumulator) {
        self.rows += other.rows;
        self.top1_matches += other.top1_matches;
        self.top5_matches += other.top5_matches;
    }

    pub fn finish(&self) -> Agreement {
        let rate = |matches: u64| if self.rows == 0 { 0.0 } else { matches as f64 / self.rows as f64 };
        let has_top5 = self.classes > TOP_K;
        Agreement {
            classes: self.classes,
            rows: self.rows,
            top1_matches: self.top1_matches,
            top1_rate: rate(self.top1_matches),
            top5_matches: has_top5.then_some(self.top5_matches),
            top5_rate: has_top5.then(|| rate(self.top5_matches)),
        }
    }
}

/// NaN ranks below every number.
fn rank_key(v: f64) -> f64 {
    if v.is_nan() { f64::NEG_INFINITY } else { v }
}

/// Index of the highest score, the first one on ties.
fn argmax(row: &[f64]) -> usize {
    let mut best = 0;
    for (i, &v) in row.iter().enumerate() {
        if row.get(best).is_some_and(|&b| rank_key(v) > rank_key(b)) {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metrics(pairs: &[(f64, f64)]) -> TensorMetrics {
        let mut acc = ErrorAccumulator::default();
        pairs.iter().for_each(|&(r, c)| acc.add_pair(r, c));
        acc.finish()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn metrics_match_hand_computed_values() {
        // r = [3, 4], c = [3, 5]: errors 0 and 1.
        let m = metrics(&[(3.0, 3.0), (4.0, 5.0)]);
        assert_eq!(m.elements, 2);
        assert_eq!(m.max_abs, 1.0);
        assert_eq!(m.mean_abs, 0.5);
        // Σr² = 25, Σe² = 1: 10·log10(25) = 13.9794…
        assert!(close(m.sqnr_db.unwrap(), 13.979_400_086_720_377), "{:?}", m.sqnr_db);
        // r·c = 29, |r| = 5, |c| = √34: 29 / (5·√34) = 0.99469…
        assert!(close(m.cosine.unwrap(), 29.0 / (5.0 * 34f64.sqrt())), "{:?}", m.cosine);
        assert!(!m.exact);
    }

    #[test]
    fn sums_stream_across_samples() {
        let mut acc = ErrorAccumulator::default();
        let a = Tensor::from_vec(&[2], vec![3.0f32, 4.0]).unwrap();
        let b = Tensor::from_vec(&[2], vec![3.0f32, 5.0]).unwrap();
        acc.add_tensors(&a, &b).unwrap();
        acc.add_tensors(&a, &a).unwrap();
        let m = acc.finish();
        assert_eq!((m.elements, m.max_abs, m.mean_abs), (4, 1.0, 0.25));
        // Σr² = 50, Σe² = 1.
        assert!(close(m.sqnr_db.unwrap(), 10.0 * 50f64.log10()));
    }

    #[test]
    fn merged_samples_equal_one_stream() {
        // Values whose sums are exact in f64, so merging must give the same bits as streaming.
        let a = Tensor::from_vec(&[3], vec![3.0f32, -4.0, f32::NAN]).unwrap();
        let b = Tensor::from_vec(&[3], vec![2.5f32, -4.0, 1.0]).unwrap();
        let c = Tensor::from_vec(&[3], vec![-1.0f32, 8.0, 0.5]).unwrap();
        let mut stream = ErrorAccumulator::default();
        stream.add_tensors(&a, &b).unwrap();
        stream.add_tensors(&c, &a).unwrap();
        let (mut first, mut second) = (ErrorAccumulator::default(), ErrorAccumulator::default());
        first.add_tensors(&a, &b).unwrap();
        second.add_tensors(&c, &a).unwrap();
        first.merge(&second);
        assert_eq!(first, stream);
        assert_eq!((first.elements, first.nonfinite_mismatches, first.max_abs_error), (6, 2, 12.0));

        let mut rows = AgreementAccumulator { classes: 3, rows: 0, top1_matches: 0, top5_matches: 0 };
        let mut more = rows.clone();
        rows.add_row(&[0.0, 1.0, 0.5], &[0.0, 1.0, 0.5]);
        more.add_row(&[0.0, 1.0, 0.5], &[0.0, 0.1, 0.5]);
        rows.merge(&more);
        assert_eq!((rows.rows, rows.top1_matches, rows.top5_matches), (2, 1, 2));
    }

    #[test]
    fn identical_tensors_are_exact_with_no_finite_sqnr() {
        let m = metrics(&[(1.5, 1.5), (-2.0, -2.0), (f64::NAN, f64::NAN), (f64::INFINITY, f64::INFINITY)]);
        assert!(m.exact);
        assert_eq!((m.sqnr_db, m.cosine, m.max_abs, m.nonfinite_mismatches), (None, Some(1.0), 0.0, 0));
        let json = serde_json::to_string(&m).unwrap();
        assert!(json.contains("\"sqnr_db\":null") && json.contains("\"exact\":true"), "{json}");
    }

    #[test]
    fn zero_reference_and_nonfinite_mismatches() {
        // Reference all zeros, candidate not: SQNR is −∞ (None, not exact), cosine undefined.
        let m = metrics(&[(0.0, 0.0), (0.0, 2.0)]);
        assert_eq!((m.sqnr_db, m.cosine, m.exact, m.max_abs, m.mean_abs), (None, None, false, 2.0, 1.0));
        // Both all zeros: identical.
        let m = metrics(&[(0.0, 0.0)]);
        assert_eq!((m.cosine, m.exact), (Some(1.0), true));
        // A NaN against a number is counted apart and kept out of the sums.
        let m = metrics(&[(1.0, f64::NAN), (2.0, 2.0), (f64::INFINITY, 1.0)]);
        assert_eq!((m.nonfinite_mismatches, m.max_abs, m.exact, m.elements), (2, 0.0, false, 3));
        assert_eq!(m.sqnr_db, None);
        // Opposite vectors: cosine −1.
        assert!(close(metrics(&[(1.0, -1.0), (2.0, -2.0)]).cosine.unwrap(), -1.0));
    }

    fn rows(agree: &mut AgreementAccumulator, pairs: &[(&[f64], &[f64])]) {
        pairs.iter().for_each(|(r, c)| agree.add_row(r, c));
    }

    #[test]
    fn top1_and_top5_agreement_by_hand() {
        let t = Tensor::zeros::<f32>(&[1, 7]).unwrap();
        let mut agree = AgreementAccumulator::for_output(&t).unwrap();
        rows(
            &mut agree,
            &[
                // Same argmax (index 0).
                (&[9.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0], &[9.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0]),
                // Reference picks 0; the candidate ranks it 5th (4 scores above it): top-5 only.
                (&[9.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], &[5.0, 1.0, 6.0, 7.0, 8.0, 9.0, 0.0]),
                // Reference picks 0; the candidate ranks it 6th: neither.
                (&[9.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0], &[5.0, 6.0, 6.0, 7.0, 8.0, 9.0, 0.0]),
                // Ties: reference argmax is index 1 (first of the tie); the candidate's tie at 1
                // and 2 also picks 1.
                (&[0.0, 3.0, 3.0, 0.0, 0.0, 0.0, 0.0], &[0.0, 4.0, 4.0, 0.0, 0.0, 0.0, 0.0]),
            ],
        );
        let a = agree.finish();
        assert_eq!((a.classes, a.rows, a.top1_matches, a.top5_matches), (7, 4, 2, Some(3)));
        assert_eq!((a.top1_rate, a.top5_rate), (0.5, Some(0.75)));
    }

    #[test]
    fn few_classes_have_no_top5_and_non_classifiers_none() {
        let t = Tensor::zeros::<f32>(&[2, 3]).unwrap();
        let mut agree = AgreementAccumulator::for_output(&t).unwrap();
        agree.add_tensors(&t, &Tensor::from_vec(&[2, 3], vec![0.0f32, 1.0, 0.0, 0.0, 0.0, 0.0]).unwrap()).unwrap();
        let a = agree.finish();
        assert_eq!((a.rows, a.top1_matches, a.top5_matches, a.top5_rate), (2, 1, None, None));
        assert!(AgreementAccumulator::for_output(&Tensor::zeros::<f32>(&[4, 1]).unwrap()).is_none());
        assert!(AgreementAccumulator::for_output(&Tensor::zeros::<i64>(&[4, 10]).unwrap()).is_none());
        assert!(AgreementAccumulator::for_output(&Tensor::scalar(1.0f32)).is_none());
    }

    #[test]
    fn nan_scores_rank_last() {
        assert_eq!(argmax(&[f64::NAN, 1.0, 0.5]), 1);
        assert_eq!(argmax(&[f64::NAN, f64::NAN]), 0);
    }
}
