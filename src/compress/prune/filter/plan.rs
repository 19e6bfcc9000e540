//! Which channels each prunable group loses: per group, the producers' filter norms (L1 or L2 of
//! all weights of output channel *c*) are summed — for a residual group, channel *c* of the sum
//! is the sum of every producer's channel *c*, so its norms add up — and the `round(ratio · C)`
//! channels with the smallest sum go (ties: the lower index) — or, with `criterion: reconstruction`,
//! those whose removal changes the consuming layers' outputs least (`reconstruct.rs`). The ratio is the producers' own
//! (`ratios`), the smallest of them when tied producers differ. With `round_to`, the kept count is
//! rounded up to a multiple of it (never above C).

use std::collections::HashMap;

use super::channels::SpaceId;
use super::deps::Analysis;
use super::reconstruct::{ConsumerMatrices, greedy, group_matrix};
use crate::compress::prune::PruneError;
use crate::compress::prune::layers::Layer;
use crate::compress::prune::layout::WeightView;
use crate::compress::prune::select::{count_for_ratio, smallest};
use crate::compress::prune::spec::{Criterion, PruneSpec};
use crate::compress::weights::find_weight;
use crate::ir::{Graph, Tensor};

/// Channels removed per group root, sorted ascending. Groups that lose nothing are absent.
pub type Removal = HashMap<SpaceId, Vec<usize>>;

/// Chooses the channels to remove from every group of `a` that is not pinned. With `matrices`
/// (`criterion: reconstruction`, main graph), a group whose consumers all have a channel matrix
/// loses the channels ThiNet's greedy picks (`reconstruct.rs`); `by_reconstruction` counts those
/// groups.
pub fn plan(
    graph: &Graph,
    a: &Analysis,
    layers: &[Layer],
    spec: &PruneSpec,
    matrices: Option<&ConsumerMatrices>,
    by_reconstruction: &mut usize,
) -> Result<Removal, PruneError> {
    let mut removal = Removal::new();
    let mut roots: Vec<(SpaceId, Vec<usize>)> = Vec::new();
    for p in &a.producers {
        let root = a.spaces.find(p.space);
        if a.spaces.pinned(root).is_some() {
            continue;
        }
        match roots.iter_mut().find(|(r, _)| *r == root) {
            Some((_, ls)) => ls.push(p.layer),
            None => roots.push((root, vec![p.layer])),
        }
    }
    for (root, producer_layers) in roots {
        let channels = a.spaces.len_of(root);
        let mut importance = vec![0.0f64; channels];
        for &l in &producer_layers {
            let layer = &layers[l];
            let norms = filter_norms(graph, layer, spec.criterion.norm())?;
            if norms.len() != channels {
                return Err(PruneError::Surgery(format!("layer `{}` has {} filters, its group {channels}", layer.name, norms.len())));
            }
            for (sum, n) in importance.iter_mut().zip(norms) {
                *sum += n;
            }
        }
        let ratio = group_ratio(spec, layers, &producer_layers);
        let mut remove = count_for_ratio(ratio, channels);
        if remove >= channels && channels > 0 {
            let names: Vec<&str> = producer_layers.iter().map(|&l| layers[l].name.as_str()).collect();
            return Err(PruneError::EveryChannel {
                what: format!("{} ({channels} channel(s), ratio {ratio})", names.join(" + ")),
            });
        }
        let kept = (channels - remove).div_ceil(spec.round_to) * spec.round_to;
        remove = channels - kept.min(channels);
        if remove > 0 {
            let chosen = match matrices.and_then(|m| group_matrix(a, m, root, channels)) {
                Some(m) => {
                    *by_reconstruction += 1;
                    greedy(&m, channels, remove)
                }
                None => {
                    let mut chosen = smallest(&importance, remove);
                    chosen.sort_unstable();
                    chosen
                }
            };
            removal.insert(root, chosen);
        }
    }
    Ok(removal)
}

/// The ratio of a group of tied producers: each producer's own (`ratios` entry, else `ratio`);
/// when they differ, the smallest — the most sensitive layer of the group decides.
fn group_ratio(spec: &PruneSpec, layers: &[Layer], producers: &[usize]) -> f64 {
    producers.iter().map(|&l| spec.ratio_for(&layers[l])).reduce(f64::min).unwrap_or_else(|| spec.ratio_or_zero())
}

/// Norm of each output channel's weights of `layer`.
pub fn filter_norms(graph: &Graph, layer: &Layer, criterion: Criterion) -> Result<Vec<f64>, PruneError> {
    let fail = |reason: String| PruneError::Weight { layer: layer.name.clone(), reason };
    let Some((_, Tensor::F32(w))) = find_weight(graph, &layer.weight) else {
        return Err(fail(format!("weight `{}` is not a float32 constant", layer.weight)));
    };
    let data: Vec<f32> = w.iter().copied().collect();
    let view = WeightView::new(layer.layout, w.shape()).map_err(fail)?;
    let mut norms = vec![0.0f64; view.out];
    for (o, norm) in norms.iter_mut().enumerate() {
        let mut acc = 0.0f64;
        for b in 0..view.batch {
            for i in 0..view.inp {
                for k in 0..view.kernel {
                    let v = f64::from(data.get(view.offset(b, o, i, k)).copied().unwrap_or(0.0));
                    acc += match criterion {
                        Criterion::L1 | Criterion::Reconstruction => v.abs(),
                        Criterion::L2 => v * v,
                    };
                }
            }
        }
        *norm = if criterion == Criterion::L2 { acc.sqrt() } else { acc };
    }
    Ok(norms)
}
