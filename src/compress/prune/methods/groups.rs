//! Group pruning inside convolution weights: whole groups of weights are zeroed, ranked by the
//! L1 or L2 norm of the group; `round(ratio · groups)` groups go.
//!
//! - **kernel**: one kernel = the `k…` spatial weights of one (output channel, input channel)
//!   pair, i.e. one input channel of one filter (`kh·kw` weights for a 2-D conv).
//! - **vector**: one row of a kernel = the `kw` consecutive weights along the last spatial axis
//!   for fixed (output channel, input channel, and every other spatial index). A 2-D kernel has
//!   `kh` rows; a 1-D kernel has one row, so there vector = kernel.
//!
//! Gemm and MatMul weights have no kernel (one weight per channel pair): these methods do not
//! apply to them and the pass reports them as skipped.

use super::super::layout::WeightView;
use super::super::select::{count_for_ratio, smallest};
use super::super::spec::Criterion;
use super::zero_units;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Granularity {
    Kernel,
    Vector,
}

/// How many groups `view` has (the length of `groups(view, granularity)`).
pub fn count(view: &WeightView, granularity: Granularity) -> usize {
    let len = match granularity {
        Granularity::Kernel => view.kernel,
        Granularity::Vector => view.row.max(1),
    };
    view.batch * view.out * view.inp * (view.kernel / len.max(1))
}

/// The flat indices of every group of `view`, in (batch, output, input, row) order.
pub fn groups(view: &WeightView, granularity: Granularity) -> Vec<Vec<usize>> {
    let len = match granularity {
        Granularity::Kernel => view.kernel,
        Granularity::Vector => view.row.max(1),
    };
    let per_kernel = view.kernel / len.max(1);
    let mut out = Vec::with_capacity(view.batch * view.out * view.inp * per_kernel);
    for b in 0..view.batch {
        for o in 0..view.out {
            for i in 0..view.inp {
                for g in 0..per_kernel {
                    out.push((0..len).map(|k| view.offset(b, o, i, g * len + k)).collect());
                }
            }
        }
    }
    out
}

/// Norm of the weights at `unit`.
pub fn norm(weights: &[f32], unit: &[usize], criterion: Criterion) -> f64 {
    let values = unit.iter().filter_map(|&i| weights.get(i)).map(|&w| f64::from(w));
    match criterion.norm() {
        Criterion::L1 | Criterion::Reconstruction => values.map(f64::abs).sum(),
        Criterion::L2 => values.map(|w| w * w).sum::<f64>().sqrt(),
    }
}

/// Zeroes the `round(ratio · groups)` groups of smallest norm; returns how many groups there are.
pub fn prune(weights: &mut [f32], view: &WeightView, granularity: Granularity, ratio: f64, criterion: Criterion) -> usize {
    let units = groups(view, granularity);
    let scores: Vec<f64> = units.iter().map(|u| norm(weights, u, criterion)).collect();
    let chosen = smallest(&scores, count_for_ratio(ratio, units.len()));
    zero_units(weights, &units, &chosen);
    units.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::layer_table::WeightLayout;

    #[test]
    fn kernels_and_rows_of_a_conv_weight() {
        // [Cout 1, Cin 2, 2, 3]: kernel 0 = elements 0..6, kernel 1 = 6..12; rows of 3.
        let view = WeightView::new(WeightLayout::Conv, &[1, 2, 2, 3]).unwrap();
        let kernels = groups(&view, Granularity::Kernel);
        assert_eq!(kernels, vec![(0..6).collect::<Vec<_>>(), (6..12).collect()]);
        let rows = groups(&view, Granularity::Vector);
        assert_eq!(rows.len(), 4);
        assert_eq!(rows[3], vec![9, 10, 11]);

        let mut w: Vec<f32> = (1..=12).map(|v| v as f32).collect();
        w[7] = -100.0; // makes kernel 1 the largest by L1 even though …
        prune(&mut w, &view, Granularity::Kernel, 0.5, Criterion::L1);
        assert!(w[..6].iter().all(|&v| v == 0.0));
        assert!(w[6..].iter().all(|&v| v != 0.0));
    }

    #[test]
    fn conv_transpose_kernels_follow_its_layout() {
        // [Cin 2, Cout 1, 1, 2]: the kernel of (o 0, i 1) is elements 2..4.
        let view = WeightView::new(WeightLayout::ConvTranspose, &[2, 1, 1, 2]).unwrap();
        assert_eq!(groups(&view, Granularity::Kernel), vec![vec![0, 1], vec![2, 3]]);
    }
}
