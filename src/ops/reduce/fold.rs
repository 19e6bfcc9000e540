//! The arithmetic of the ten Reduce* ops on one group of values, per element type.
//!
//! Floats (f16 and bf16 included) are folded in f64 and rounded back once. Integers stay
//! exact for Sum, Prod, SumSquare, L1, Max and Min (wrapping on overflow, as numpy does);
//! Mean, L2, LogSum and LogSumExp go through f64 and truncate back, like numpy's `astype`.
//! An empty group gives the identity of the fold: 0 for the sums, 1 for Prod, -inf (or the
//! type's minimum) for Max, +inf (or the maximum) for Min, -inf for LogSum/LogSumExp and
//! NaN for Mean (0/0), as the ONNX reference does.

use super::numeric::Numeric;
use crate::ir::dtype_dispatch::for_each_dtype;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReduceKind {
    Sum,
    Mean,
    Prod,
    Max,
    Min,
    L1,
    L2,
    LogSum,
    LogSumExp,
    SumSquare,
}

/// An element type the Reduce* ops accept.
pub trait ReduceElem: Numeric {
    /// Folds one group; `values` may be iterated more than once.
    fn reduce_group<I: Iterator<Item = Self> + Clone>(kind: ReduceKind, values: I) -> Self;
}

/// `kind` over values already converted to f64; `values` may be iterated twice (LogSumExp).
pub fn fold_f64<I>(kind: ReduceKind, values: I) -> f64
where
    I: Iterator<Item = f64> + Clone,
{
    match kind {
        ReduceKind::Sum => values.sum(),
        ReduceKind::Mean => {
            let (sum, count) = values.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
            sum / count as f64
        }
        ReduceKind::Prod => values.product(),
        ReduceKind::Max => extreme(values, f64::NEG_INFINITY, |x, best| x > best),
        ReduceKind::Min => extreme(values, f64::INFINITY, |x, best| x < best),
        ReduceKind::L1 => values.map(f64::abs).sum(),
        ReduceKind::L2 => values.map(|x| x * x).sum::<f64>().sqrt(),
        ReduceKind::SumSquare => values.map(|x| x * x).sum(),
        ReduceKind::LogSum => values.sum::<f64>().ln(),
        ReduceKind::LogSumExp => log_sum_exp(values),
    }
}

/// Max or Min with NaN propagation (numpy's `maximum.reduce`).
fn extreme(values: impl Iterator<Item = f64>, init: f64, better: impl Fn(f64, f64) -> bool) -> f64 {
    let mut best = init;
    for x in values {
        if x.is_nan() {
            return f64::NAN;
        }
        if better(x, best) {
            best = x;
        }
    }
    best
}

/// log Σ exp(x), shifted by the largest finite value so that large inputs do not overflow.
fn log_sum_exp<I: Iterator<Item = f64> + Clone>(values: I) -> f64 {
    let shift = values.clone().filter(|x| x.is_finite()).fold(f64::NEG_INFINITY, f64::max);
    let shift = if shift.is_finite() { shift } else { 0.0 };
    values.map(|x| (x - shift).exp()).sum::<f64>().ln() + shift
}

macro_rules! impl_reduce_float {
    ($v:ident, $ty:ty) => {
        impl ReduceElem for $ty {
            fn reduce_group<I: Iterator<Item = Self> + Clone>(kind: ReduceKind, values: I) -> Self {
                <$ty as Numeric>::from_f64(fold_f64(kind, values.map(Numeric::to_f64)))
            }
        }
    };
}
for_each_dtype!(float, impl_reduce_float);

macro_rules! impl_reduce_int {
    ($v:ident, $ty:ty) => {
        impl ReduceElem for $ty {
            fn reduce_group<I: Iterator<Item = Self> + Clone>(kind: ReduceKind, values: I) -> Self {
                match kind {
                    ReduceKind::Sum => values.fold(0, |acc: $ty, x| acc.wrapping_add(x)),
                    ReduceKind::Prod => values.fold(1, |acc: $ty, x| acc.wrapping_mul(x)),
                    ReduceKind::SumSquare => values.fold(0, |acc: $ty, x| acc.wrapping_add(x.wrapping_mul(x))),
                    #[allow(unused_comparisons)]
                    ReduceKind::L1 => values.fold(0, |acc: $ty, x| {
                        acc.wrapping_add(if x < 0 { (0 as $ty).wrapping_sub(x) } else { x })
                    }),
                    ReduceKind::Max => values.max().unwrap_or(<$ty>::MIN),
                    ReduceKind::Min => values.min().unwrap_or(<$ty>::MAX),
                    ReduceKind::Mean | ReduceKind::L2 | ReduceKind::LogSum | ReduceKind::LogSumExp => {
                        <$ty as Numeric>::from_f64(fold_f64(kind, values.map(Numeric::to_f64)))
                    }
                }
            }
        }
    };
}
for_each_dtype!(int, impl_reduce_int);

#[cfg(test)]
mod tests {
    use super::*;

    fn fold(kind: ReduceKind, v: &[f64]) -> f64 {
        fold_f64(kind, v.iter().copied())
    }

    #[test]
    fn float_folds_and_their_empty_identities() {
        assert_eq!(fold(ReduceKind::Sum, &[1.0, 2.0, 3.0]), 6.0);
        assert_eq!(fold(ReduceKind::Mean, &[1.0, 2.0, 3.0]), 2.0);
        assert_eq!(fold(ReduceKind::L2, &[3.0, 4.0]), 5.0);
        assert_eq!(fold(ReduceKind::Max, &[]), f64::NEG_INFINITY);
        assert_eq!(fold(ReduceKind::Min, &[]), f64::INFINITY);
        assert_eq!(fold(ReduceKind::Prod, &[]), 1.0);
        assert_eq!(fold(ReduceKind::LogSum, &[]), f64::NEG_INFINITY);
        assert_eq!(fold(ReduceKind::LogSumExp, &[]), f64::NEG_INFINITY);
        assert!(fold(ReduceKind::Mean, &[]).is_nan());
        assert!(fold(ReduceKind::Max, &[1.0, f64::NAN, 3.0]).is_nan());
    }

    #[test]
    fn log_sum_exp_does_not_overflow() {
        let v = fold(ReduceKind::LogSumExp, &[1000.0, 1000.0]);
        assert!((v - (1000.0 + 2f64.ln())).abs() < 1e-9);
        assert_eq!(fold(ReduceKind::LogSumExp, &[f64::NEG_INFINITY]), f64::NEG_INFINITY);
    }

    #[test]
    fn integer_folds_are_exact_and_wrap() {
        assert_eq!(i64::reduce_group(ReduceKind::Sum, [1, -5].into_iter()), -4);
        assert_eq!(i64::reduce_group(ReduceKind::Max, [i64::MAX, 1, -5].into_iter()), i64::MAX);
        assert_eq!(i64::reduce_group(ReduceKind::L1, [1, -5].into_iter()), 6);
        assert_eq!(u8::reduce_group(ReduceKind::Sum, [200, 100].into_iter()), 44);
        assert_eq!(i32::reduce_group(ReduceKind::Max, std::iter::empty()), i32::MIN);
        assert_eq!(i32::reduce_group(ReduceKind::Mean, [1, 2].into_iter()), 1);
    }
}
