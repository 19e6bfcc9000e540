//! Deterministic choice of the least important units: the `k` smallest scores, ties broken by
//! position (the earlier unit goes first), NaN scores last. Every method uses it, so the same
//! model and spec always prune the same weights.

use std::cmp::Ordering;

/// Indices of the `k` smallest `scores` (all of them if `k ≥ len`), in no particular order.
pub fn smallest(scores: &[f64], k: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    let k = k.min(order.len());
    if k == 0 {
        return Vec::new();
    }
    let cmp = |a: &usize, b: &usize| by_score(scores[*a], scores[*b]).then(a.cmp(b));
    if k < order.len() {
        crate::sort::select_indices_by(&mut order, k - 1, &mut { cmp });
    }
    order.truncate(k);
    order
}

/// Total order on scores with NaN after every number.
fn by_score(a: f64, b: f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (false, false) => a.total_cmp(&b),
        (a_nan, b_nan) => a_nan.cmp(&b_nan),
    }
}

/// How many of `count` units a ratio prunes: `ratio · count` rounded to nearest (halves up).
pub fn count_for_ratio(ratio: f64, count: usize) -> usize {
    let k = (ratio * count as f64).round();
    if k <= 0.0 { 0 } else { (k as usize).min(count) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_go_to_the_earlier_index_and_nan_last() {
        let mut got = smallest(&[3.0, 1.0, 1.0, f64::NAN, 0.0, 1.0], 3);
        got.sort();
        assert_eq!(got, vec![1, 2, 4]);
        let mut got = smallest(&[f64::NAN, 2.0], 1);
        got.sort();
        assert_eq!(got, vec![1]);
        assert_eq!(smallest(&[1.0], 5), vec![0]);
        assert!(smallest(&[1.0], 0).is_empty());
    }

    #[test]
    fn ratio_counts_round_to_nearest() {
        assert_eq!(count_for_ratio(0.5, 9), 5);
        assert_eq!(count_for_ratio(0.25, 16), 4);
        assert_eq!(count_for_ratio(0.0, 16), 0);
        assert_eq!(count_for_ratio(0.99, 3), 3);
    }
}
