//! `"criterion": "reconstruction"` for filter pruning (ThiNet, Luo et al. 2017; the channel
//! selection of He et al. 2017): with calibration samples, a group loses the channels whose
//! removal changes the outputs of the layers reading them least, instead of those with the
//! smallest filter norm. A filter with a large norm that the next layer barely reads is cheap to
//! remove; a small one that it amplifies is not.
//!
//! Per consumer (a main-graph Conv / Gemm / MatMul reading a prunable group's channels), from its
//! input rows `x` on the calibration samples (im2col rows for a Conv; centred, since the bias
//! correction takes care of the means), the contribution of input channel `c` to the output is
//! `z_c = W_c x_c` (`W_c`: the weight columns of channel `c`), and removing a set `T` changes the
//! output by `Σ_{c∈T} z_c`, of squared norm `Σ_{c,d∈T} M_cd` with
//!
//! ```text
//! M_cd = Σ_x z_c·z_d = Σ_{i∈c, j∈d} (XᵀX)_ij (WᵀW)_ij
//! ```
//!
//! (`M` is the consumer's `C × C` channel matrix; divided by its output energy `Σ_cd M_cd`, so
//! each consumer counts by its relative error). A group sums the matrices of every consumer of
//! its channels and removes its channels greedily: each step the channel that adds least to
//! `Σ_{T} M`, i.e. `M_cc + 2 Σ_{d∈T} M_cd` (ThiNet's greedy). A group with a consumer that has no
//! matrix (inside a subgraph, grouped, too wide) keeps the norm criterion.
//!
//! The matrices come from the original model, run once over the samples (`runtime::Staged`, one
//! consumer's Gram matrix at a time).

use std::collections::HashMap;

use ndarray::{Array2, ArrayView2};

use super::channels::SpaceId;
use super::deps::{Analysis, EditKind};
use super::ops::Role;
use crate::compress::layer_rows::{Geometry, for_each_row};
use crate::compress::prune::correct::lsq::Gram;
use crate::compress::prune::layers::Layer;
use crate::compress::prune::layout::WeightView;
use crate::compress::weights::find_weight;
use crate::ir::{Graph, Model, Tensor, topological_order};
use crate::runtime::{InputSet, Staged};

/// Rows × K² multiply-adds allowed for one consumer's Gram matrix; rows beyond are sub-sampled
/// evenly (every s-th row), keeping at least 2·K.
const GRAM_BUDGET: f64 = 4e9;
/// Widest input row (`Cin · kh · kw` or `K`) a consumer's matrix is built for.
const MAX_K: usize = 4096;

/// The channel matrix `M` (`C × C`, row-major, normalised) of every consumer node that has one,
/// by node index.
pub type ConsumerMatrices = HashMap<usize, Vec<f64>>;

/// The consumers of `analysis` (main graph of `model`): node index and channel count along
/// their input.
fn consumers(analysis: &Analysis) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = analysis
        .edits
        .iter()
        .filter(|e| matches!(e.kind, EditKind::Slice { input: 1, role: Role::Consumer, .. }))
        .map(|e| (e.node, e.channels.total()))
        .collect();
    crate::sort::sort_by(&mut out, |a, b| a.cmp(b));
    out.dedup_by_key(|(node, _)| *node);
    out
}

/// Runs `model` over `samples` and builds the channel matrix of every consumer `analysis`
/// finds in the main graph (see the module header). Consumers it cannot measure are left out.
pub fn gather(model: &Model, analysis: &Analysis, layers: &[Layer], samples: &[InputSet]) -> Result<ConsumerMatrices, String> {
    let graph = &model.graph;
    let order = topological_order(graph).map_err(|e| e.to_string())?;
    let position = |node: usize| order.iter().position(|&n| n == node).unwrap_or(usize::MAX);
    let mut todo = consumers(analysis);
    crate::sort::sort_by_key(&mut todo, |&(node, _)| position(node));
    let mut staged = Staged::new(samples);
    let mut matrices = ConsumerMatrices::new();
    for (node_index, channels) in todo {
        let node = &graph.nodes[node_index];
        let (Some(input), Some(output)) = (node.input(0), node.outputs.first()) else { continue };
        let Some(layer) = layers.iter().find(|l| l.graph.is_empty() && l.node_index == node_index) else { continue };
        let Some((w, shape)) = weight_of(graph, &layer.weight) else { continue };
        let (Ok(view), Ok(geometry)) = (WeightView::new(layer.layout, &shape), Geometry::of(node, &shape)) else { continue };
        let k = view.inp * view.kernel;
        if view.batch != 1 || geometry.groups() != 1 || channels == 0 || k % channels != 0 || k > MAX_K || output.is_empty() {
            continue;
        }
        staged.run_before(model, output, &mut |_, _, _| {}).map_err(|e| e.to_string())?;
        let mut gram = Gram::new(k);
        let mut sum = vec![0.0f64; k];
        let mut seen = 0usize;
        let mut stride = 0usize;
        for s in 0..staged.len() {
            let Some(Tensor::F32(a)) = staged.value(s, input) else { return Err(format!("input `{input}` was never computed")) };
            let data: Vec<f32> = a.iter().copied().collect();
            if stride == 0 {
                let per_sample = crate::compress::layer_rows::row_count(&geometry, a.shape(), k)?;
                let cap = (GRAM_BUDGET / (k as f64).powi(2)).max(2.0 * k as f64);
                let total = (per_sample.max(1) * samples.len()) as f64;
                stride = if total > cap { (total / cap).ceil() as usize } else { 1 };
            }
            for_each_row(&geometry, &data, a.shape(), k, &mut |_, _, row| {
                if seen % stride == 0 {
                    gram.add_row(row);
                    for (slot, &x) in sum.iter_mut().zip(row) {
                        *slot += f64::from(x);
                    }
                }
                seen += 1;
            })?;
        }
        let rows = gram.rows.max(1) as f64;
        let mut g = gram.finish();
        for ((i, j), v) in g.indexed_iter_mut() {
            *v -= sum[i] * sum[j] / rows;
        }
        // WᵀW (k × k) from the weight as an `out × k` matrix.
        let mut wm = Array2::<f64>::zeros((view.out, k));
        for ((o, j), slot) in wm.indexed_iter_mut() {
            *slot = f64::from(w[view.offset(0, o, j / view.kernel.max(1), j % view.kernel.max(1))]);
        }
        let wtw = wm.t().dot(&wm);
        if let Some(m) = channel_matrix(g.view(), wtw.view(), channels) {
            matrices.insert(node_index, m);
        }
    }
    Ok(matrices)
}

/// `M_cd = Σ_{i∈c, j∈d} G_ij K_ij` over blocks of `k / channels` features per channel, divided
/// by `Σ_cd M_cd` (the output energy). `None` when that is not positive or not finite.
pub fn channel_matrix(g: ArrayView2<f64>, k_mat: ArrayView2<f64>, channels: usize) -> Option<Vec<f64>> {
    let k = g.nrows();
    if channels == 0 || k % channels != 0 || g.dim() != k_mat.dim() || g.ncols() != k {
        return None;
    }
    let width = k / channels;
    let mut m = vec![0.0; channels * channels];
    for i in 0..k {
        for j in 0..k {
            m[(i / width) * channels + j / width] += g[[i, j]] * k_mat[[i, j]];
        }
    }
    let total: f64 = m.iter().sum();
    if !(total > 0.0 && total.is_finite()) {
        return None;
    }
    m.iter_mut().for_each(|v| *v /= total);
    Some(m)
}

/// The summed channel matrix (`len × len`) of group `root`: every consumer of its channels adds
/// the block of its matrix where the group's segment lies. `None` if a consumer of the group has
/// no matrix.
pub fn group_matrix(analysis: &Analysis, matrices: &ConsumerMatrices, root: SpaceId, len: usize) -> Option<Vec<f64>> {
    let mut total = vec![0.0; len * len];
    let mut any = false;
    for (node, channels) in consumers(analysis) {
        let edit = analysis
            .edits
            .iter()
            .find(|e| e.node == node && matches!(e.kind, EditKind::Slice { input: 1, role: Role::Consumer, .. }))?;
        let mut offset = 0;
        for segment in &edit.channels.segments {
            if analysis.spaces.find(segment.space) == root {
                let m = matrices.get(&node)?;
                if segment.len != len || offset + len > channels {
                    return None;
                }
                for c in 0..len {
                    for d in 0..len {
                        total[c * len + d] += m[(offset + c) * channels + offset + d];
                    }
                }
                any = true;
            }
            offset += segment.len;
        }
    }
    any.then_some(total)
}

/// ThiNet's greedy choice of `remove` channels on the summed matrix `m` (`n × n`): each step the
/// channel adding least to `Σ_{c,d∈T} M_cd` (ties: the lower index). Sorted ascending.
pub fn greedy(m: &[f64], n: usize, remove: usize) -> Vec<usize> {
    let mut chosen = vec![false; n];
    let mut cross = vec![0.0f64; n];
    let mut out = Vec::with_capacity(remove.min(n));
    for _ in 0..remove.min(n) {
        let mut best: Option<(usize, f64)> = None;
        for c in (0..n).filter(|&c| !chosen[c]) {
            let cost = m[c * n + c] + 2.0 * cross[c];
            if best.is_none_or(|(_, b)| cost < b) {
                best = Some((c, cost));
            }
        }
        let Some((c, _)) = best else { break };
        chosen[c] = true;
        out.push(c);
        for (e, slot) in cross.iter_mut().enumerate() {
            *slot += m[e * n + c];
        }
    }
    out.sort_unstable();
    out
}

fn weight_of(graph: &Graph, name: &str) -> Option<(Vec<f32>, Vec<usize>)> {
    match find_weight(graph, name) {
        Some((_, Tensor::F32(a))) => Some((a.iter().copied().collect(), a.shape().to_vec())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greedy_takes_the_channels_that_cancel_or_barely_count() {
        // Channels 0 and 1 cancel (z_1 = −z_0), channel 2 is small, channel 3 large: removing
        // two, the pair 0 + 1 changes nothing, although each alone is larger than 2.
        let m = [
            1.0, -1.0, 0.0, 0.0, //
            -1.0, 1.0, 0.0, 0.0, //
            0.0, 0.0, 0.5, 0.0, //
            0.0, 0.0, 0.0, 4.0,
        ];
        assert_eq!(greedy(&m, 4, 1), vec![2]);
        // Greedy: 2 first (0.5), then 0 (1 + 0) ... the pair {0, 1} would be 0, but greedy
        // adds one at a time: 2, then 0 or 1 (cost 1) — never 3.
        assert_eq!(greedy(&m, 4, 2), vec![0, 2]);
        assert_eq!(greedy(&m, 4, 3), vec![0, 1, 2]);
    }

    #[test]
    fn the_channel_matrix_sums_blocks_and_normalises() {
        // k = 4, two channels of two features; G = I, K = all ones: M = [[2, 0], [0, 2]] / 4.
        let g = Array2::<f64>::eye(4);
        let k = Array2::<f64>::ones((4, 4));
        assert_eq!(channel_matrix(g.view(), k.view(), 2), Some(vec![0.5, 0.0, 0.0, 0.5]));
        assert_eq!(channel_matrix(g.view(), k.view(), 3), None);
    }
}
