//! N:M semi-structured pruning: at most `n` nonzeros in every group of `m` consecutive weights
//! along the input dimension.
//!
//! Order: for each output channel (and each MatMul batch), the weights are read along the input
//! dimension in `(input channel, kernel position)` order, input channel outer — for a Conv that
//! is the filter's own memory order `Cin/g · kh · kw` (the im2col K order), for Gemm/MatMul the K
//! axis. Consecutive runs of `m` in that sequence form the groups; in each the `m − n` smallest
//! magnitudes become zero (ties: the earlier position goes, as everywhere in pruning). A trailing group shorter than `m`
//! (when `Cin·kh·kw` is not a multiple of `m`) also keeps its `n` largest, so it too has at most
//! `n` nonzeros.

use super::super::layout::WeightView;
use super::super::select::smallest;

/// The flat indices of each output row's input sequence, one `Vec` per (batch, output).
pub fn input_sequences(view: &WeightView) -> Vec<Vec<usize>> {
    let mut out = Vec::with_capacity(view.batch * view.out);
    for b in 0..view.batch {
        for o in 0..view.out {
            let mut seq = Vec::with_capacity(view.inp * view.kernel);
            for i in 0..view.inp {
                for k in 0..view.kernel {
                    seq.push(view.offset(b, o, i, k));
                }
            }
            out.push(seq);
        }
    }
    out
}

/// Applies the n:m pattern to `weights`.
pub fn prune(weights: &mut [f32], view: &WeightView, n: usize, m: usize) {
    let m = m.max(1);
    for seq in input_sequences(view) {
        for group in seq.chunks(m) {
            let scores: Vec<f64> = group.iter().map(|&i| weights.get(i).map_or(0.0, |w| f64::from(w.abs()))).collect();
            let drop = group.len().saturating_sub(n);
            for at in smallest(&scores, drop) {
                if let Some(w) = weights.get_mut(group[at]) {
                    *w = 0.0;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::layer_table::WeightLayout;

    #[test]
    fn two_of_four_along_k_of_a_transposed_gemm() {
        // Gemm transB: [N 1, K 6]; groups (0..4) and the trailing (4..6).
        let view = WeightView::new(WeightLayout::Gemm { trans_b: true }, &[1, 6]).unwrap();
        let mut w = vec![1.0, -4.0, 3.0, 2.0, 5.0, 6.0];
        prune(&mut w, &view, 2, 4);
        assert_eq!(w, vec![0.0, -4.0, 3.0, 0.0, 5.0, 6.0]);
        let mut w = vec![1.0, 1.0, 1.0, 1.0, 0.1, 6.0];
        prune(&mut w, &view, 1, 4);
        assert_eq!(w, vec![0.0, 0.0, 0.0, 1.0, 0.0, 6.0], "ties drop the earlier weight");
    }

    #[test]
    fn conv_sequences_run_over_cin_then_kernel() {
        let view = WeightView::new(WeightLayout::Conv, &[2, 2, 1, 2]).unwrap();
        assert_eq!(input_sequences(&view), vec![vec![0, 1, 2, 3], vec![4, 5, 6, 7]]);
        // Gemm [K 2, N 2]: output 0 reads K along column 0.
        let view = WeightView::new(WeightLayout::Gemm { trans_b: false }, &[2, 2]).unwrap();
        assert_eq!(input_sequences(&view), vec![vec![0, 2], vec![1, 3]]);
    }
}
