//! Layer-adaptive allocation for filter pruning (`"allocation": "adaptive"`, the default when the
//! step gets calibration samples of the user's): the step's `ratio` stays the share of the
//! prunable channels removed in total — counted by the weights each channel carries (its
//! producers' filters, the readers' input columns, biases and norm parameters: every constant
//! the surgery shrinks), so the step removes as many weights as a uniform ratio would — but each
//! group of tied channels (a layer, or a residual group as one unit) gets its own ratio, groups
//! whose channels matter more lose fewer.
//!
//! Criterion (one forward pass of the original model over the calibration samples): every layer
//! reading a group's channels (a consumer) gets the spread `σ_i` (standard deviation, centred:
//! the bias correction restores means) of each feature `i` of its input. Feature `i` scores
//! `σ_i · Σ_{o,k} W_oik²` (as the masking allocation's `w² · √e`), and channel `c` the share
//! `Σ_{i∈c} / Σ_i` of its consumer's total (a channel after Flatten spans a block of features; a
//! consumer reading several groups through a Concat counts each against its whole input),
//! summed over the channel's consumers, then as a share of its group's total. The channels with
//! the smallest shares across all groups go until `ratio` of all the groups' weights are gone, at
//! most `MAX_GROUP_RATIO` of any group and never all of it; within a group the channels still go
//! by the step's criterion (L1 by default), as with a uniform ratio.
//!
//! Groups that cannot be measured (no consumer in the main graph; in a subgraph) keep the step's
//! ratio. Measured on the corpus CNNs against the alternatives (variance or mean square instead
//! of `σ`, weights only, per-consumer shares without the group normalisation, shares scaled by
//! the group's width, counting channels instead of weights, caps 0.5–0.9, a probe of each group's
//! uncorrected output error): README "### Pruning".

use std::collections::{BTreeMap, HashMap};

use super::channels::SpaceId;
use super::deps::{self, Analysis, EditKind};
use super::fold;
use super::ops::Role;
use crate::compress::prune::allocate::{Axis, channel_moments, input_axis};
use crate::compress::prune::select::count_for_ratio;
use crate::compress::prune::layers::Layer;
use crate::compress::prune::layout::WeightView;
use crate::compress::weights::find_weight;
use crate::ir::{Graph, Model, Tensor};
use crate::runtime::InputSet;

/// No group loses more than this share of its channels, whatever its scores.
pub const MAX_GROUP_RATIO: f64 = 0.75;

/// One unit of the allocation: a group of tied channels and what it was given.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupRatio {
    /// The producer layers of the group (names).
    pub layers: Vec<String>,
    pub channels: usize,
    /// Channels the allocation removes.
    pub removed: usize,
    /// Weights (constant entries) that go with one channel.
    pub weights_per_channel: usize,
    /// False when the group could not be measured and keeps the step's ratio.
    pub measured: bool,
}

/// The outcome: the ratio of every chosen layer (by node name, as `ratios` in a spec) and the
/// groups behind them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FilterAllocation {
    pub ratios: BTreeMap<String, f64>,
    pub groups: Vec<GroupRatio>,
}

impl FilterAllocation {
    /// One line per group that is not at `target`, for the report: `a + b 12/64 (0.19)`.
    pub fn summary(&self, target: f64) -> String {
        let mut parts = Vec::new();
        for g in &self.groups {
            let r = if g.channels == 0 { 0.0 } else { g.removed as f64 / g.channels as f64 };
            parts.push(format!("{} {}/{} ({:.2}{})", g.layers.join(" + "), g.removed, g.channels, r, if g.measured { "" } else { ", not measured" }));
        }
        let measured = self.groups.iter().filter(|g| g.measured).count();
        format!("{} group(s), {} measured, step ratio {target}: {}", self.groups.len(), measured, parts.join(", "))
    }
}

/// The key of `layer` in a spec's `ratios`.
pub fn ratio_key(layer: &Layer) -> String {
    if layer.node_name.is_empty() { layer.name.clone() } else { layer.node_name.clone() }
}

/// Chooses the ratio of every main-graph group of `layers[chosen]` so that `target` of the
/// prunable channels' weights go in total (see the module header).
pub fn allocate(model: &Model, layers: &[Layer], chosen: &[usize], target: f64, samples: &[InputSet]) -> Result<FilterAllocation, String> {
    let mut graph = model.graph.clone();
    fold::fold_constant_reshapes(&mut graph);
    let here: HashMap<usize, usize> =
        layers.iter().enumerate().filter(|(_, l)| l.graph.is_empty()).map(|(i, l)| (l.node_index, i)).collect();
    let mut analysis = deps::analyze(&graph, &here, layers);
    for p in &analysis.producers {
        if !chosen.contains(&p.layer) {
            analysis.spaces.pin(p.space, "tied to a layer the spec leaves alone");
        }
    }
    let groups = groups_of(&analysis);
    let consumers = consumers_of(&analysis);
    let wanted: Vec<Option<(String, Axis)>> = consumers
        .iter()
        .map(|c| {
            let node = &graph.nodes[c.node];
            let layer = layers.iter().find(|l| l.graph.is_empty() && l.node_index == c.node)?;
            Some((node.input(0)?.to_string(), input_axis(layer, node)))
        })
        .collect();
    let moments = channel_moments(model, &wanted, samples)?;
    let mut scores: HashMap<SpaceId, Vec<f64>> = HashMap::new();
    for (consumer, m) in consumers.iter().zip(&moments) {
        let Some(layer) = layers.iter().find(|l| l.graph.is_empty() && l.node_index == consumer.node) else { continue };
        let Some((_, Tensor::F32(w))) = find_weight(&graph, &layer.weight) else { continue };
        let Ok(view) = WeightView::new(layer.layout, w.shape()) else { continue };
        let weights: Vec<f32> = w.iter().copied().collect();
        let spread: Option<Vec<f64>> = m.as_ref().map(|m| m.variance.iter().map(|v| v.sqrt()).collect()).filter(|v: &Vec<f64>| v.len() == view.inp);
        let shares = feature_shares(&view, &weights, spread.as_deref());
        let total = consumer.segments.iter().map(|(_, len)| len).sum::<usize>();
        if total == 0 || view.inp % total != 0 {
            continue;
        }
        let block = view.inp / total;
        let mut offset = 0;
        for &(space, len) in &consumer.segments {
            let root = analysis.spaces.find(space);
            if let Some(g) = groups.iter().find(|g| g.root == root) {
                if g.channels == len {
                    let slot = scores.entry(root).or_insert_with(|| vec![0.0; len]);
                    for (c, s) in slot.iter_mut().enumerate() {
                        *s += shares[(offset + c) * block..(offset + c + 1) * block].iter().sum::<f64>();
                    }
                }
            }
            offset += len;
        }
    }
    let cost = weights_per_channel(&graph, &analysis);
    let mut units: Vec<(Vec<f64>, usize)> = Vec::new();
    let mut measured: Vec<usize> = Vec::new();
    for (k, g) in groups.iter().enumerate() {
        if let Some(s) = scores.get(&g.root) {
            // Each group's scores as shares of its own total (a group read by several layers
            // sums more than one share per channel; one read through a Concat less).
            let sum: f64 = s.iter().filter(|v| v.is_finite()).sum();
            units.push((s.iter().map(|v| if sum > 0.0 { v / sum } else { 0.0 }).collect(), cost.get(&g.root).copied().unwrap_or(1).max(1)));
            measured.push(k);
        }
    }
    let counts = counts(&units, target, MAX_GROUP_RATIO);
    let mut out = FilterAllocation::default();
    for &l in chosen {
        out.ratios.insert(ratio_key(&layers[l]), target);
    }
    for (k, g) in groups.iter().enumerate() {
        let at = measured.iter().position(|&m| m == k);
        let removed = match at {
            Some(u) => counts[u],
            None => count_for_ratio(target, g.channels),
        };
        let ratio = if g.channels == 0 { 0.0 } else { removed as f64 / g.channels as f64 };
        for &l in &g.producers {
            out.ratios.insert(ratio_key(&layers[l]), ratio);
        }
        out.groups.push(GroupRatio {
            layers: g.producers.iter().map(|&l| layers[l].name.clone()).collect(),
            channels: g.channels,
            removed,
            weights_per_channel: cost.get(&g.root).copied().unwrap_or(0),
            measured: at.is_some(),
        });
    }
    Ok(out)
}

/// A prunable (unpinned) group: its root space, channel count and producer layers.
struct Group {
    root: SpaceId,
    channels: usize,
    producers: Vec<usize>,
}

fn groups_of(a: &Analysis) -> Vec<Group> {
    let mut out: Vec<Group> = Vec::new();
    for p in &a.producers {
        let root = a.spaces.find(p.space);
        if a.spaces.pinned(root).is_some() {
            continue;
        }
        match out.iter_mut().find(|g| g.root == root) {
            Some(g) => g.producers.push(p.layer),
            None => out.push(Group { root, channels: a.spaces.len_of(root), producers: vec![p.layer] }),
        }
    }
    out
}

/// A layer reading channels: its node and the spaces along its input (space, length), in order.
struct Consumer {
    node: usize,
    segments: Vec<(SpaceId, usize)>,
}

fn consumers_of(a: &Analysis) -> Vec<Consumer> {
    let mut out: Vec<Consumer> = Vec::new();
    for e in &a.edits {
        if matches!(e.kind, EditKind::Slice { input: 1, role: Role::Consumer, .. }) && !out.iter().any(|c| c.node == e.node) {
            out.push(Consumer { node: e.node, segments: e.channels.segments.iter().map(|s| (s.space, s.len)).collect() });
        }
    }
    out
}

/// The share of its consumer each input feature `i` carries: `σ_i · Σ_{o,k} W_oik²` over their sum
/// (`σ_i = 1` without `spread`; all zero when the sum is).
pub fn feature_shares(view: &WeightView, weights: &[f32], spread: Option<&[f64]>) -> Vec<f64> {
    let mut s = vec![0.0f64; view.inp];
    for b in 0..view.batch {
        for o in 0..view.out {
            for (i, slot) in s.iter_mut().enumerate() {
                for k in 0..view.kernel {
                    let w = f64::from(weights.get(view.offset(b, o, i, k)).copied().unwrap_or(0.0));
                    *slot += w * w;
                }
            }
        }
    }
    if let Some(v) = spread {
        s.iter_mut().zip(v).for_each(|(x, v)| *x *= v);
    }
    let total: f64 = s.iter().sum();
    if total > 0.0 && total.is_finite() {
        s.iter_mut().for_each(|x| *x /= total);
    } else {
        s.iter_mut().for_each(|x| *x = 0.0);
    }
    s
}

/// Constant entries that go with one channel of each group: every sliced constant's size over
/// the channels along its sliced axis, summed over the edits touching the group.
fn weights_per_channel(graph: &Graph, a: &Analysis) -> HashMap<SpaceId, usize> {
    let mut out: HashMap<SpaceId, usize> = HashMap::new();
    for e in &a.edits {
        let EditKind::Slice { input, .. } = e.kind else { continue };
        let Some(name) = graph.nodes.get(e.node).and_then(|n| n.input(input)) else { continue };
        let Some((_, t)) = find_weight(graph, name) else { continue };
        let total = e.channels.total();
        if total == 0 {
            continue;
        }
        let per = t.shape().iter().product::<usize>() / total;
        for s in &e.channels.segments {
            *out.entry(a.spaces.find(s.space)).or_default() += per;
        }
    }
    out
}

/// How many channels of each group go: `units[g]` = (score of each channel, weights per
/// channel). The channels with the smallest scores go first (ties: earlier group, earlier
/// channel) until `target` of all weights are gone, at most `cap` of each group's channels and
/// never all of them; a last channel that would overshoot the goal by more than half its weight
/// stays.
pub fn counts(units: &[(Vec<f64>, usize)], target: f64, cap: f64) -> Vec<usize> {
    let total: usize = units.iter().map(|(s, size)| s.len() * size).sum();
    let goal = (target * total as f64).round().max(0.0) as usize;
    let mut order: Vec<(f64, usize, usize)> = Vec::new();
    for (g, (s, _)) in units.iter().enumerate() {
        for (c, &v) in s.iter().enumerate() {
            order.push((if v.is_finite() { v } else { f64::INFINITY }, g, c));
        }
    }
    crate::sort::sort_by(&mut order, |a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let room: Vec<usize> = units.iter().map(|(s, _)| ((cap * s.len() as f64).floor() as usize).min(s.len().saturating_sub(1))).collect();
    let mut out = vec![0; units.len()];
    let mut gone = 0usize;
    for &(_, g, _) in &order {
        if gone >= goal {
            break;
        }
        let size = units[g].1;
        if out[g] >= room[g] || 2 * (gone + size) > 2 * goal + size {
            continue;
        }
        out[g] += 1;
        gone += size;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_total_counts_weights_and_the_low_scored_group_loses_more() {
        // Group 0: 8 channels of 10 weights, scores spread; group 1: 4 channels of 20 weights,
        // every channel carries much. 25 % of 160 weights = 40: four channels of group 0.
        let spread = vec![0.01, 0.02, 0.03, 0.04, 0.2, 0.2, 0.2, 0.3];
        let units = vec![(spread, 10), (vec![0.25; 4], 20)];
        let c = counts(&units, 0.25, 0.75);
        assert_eq!(c, vec![4, 0]);
        assert_eq!(c[0] * 10 + c[1] * 20, 40);
        // Equal groups get equal counts; the total is the uniform one.
        let a: Vec<f64> = (1..=8).map(f64::from).collect();
        assert_eq!(counts(&[(a.clone(), 3), (a.clone(), 3)], 0.25, 0.75), vec![2, 2]);
    }

    #[test]
    fn the_cap_holds_and_no_group_loses_every_channel() {
        // Group 0's channels all score 0: without the cap it would lose 6 of 8.
        let units = vec![(vec![0.0; 8], 1), (vec![1.0; 8], 1)];
        assert_eq!(counts(&units, 0.375, 0.5), vec![4, 2]);
        assert_eq!(counts(&units, 0.375, 1.0), vec![6, 0]);
        // A one-channel group keeps it; a two-channel group keeps one at a cap of 1 (goal 4 of 7).
        assert_eq!(counts(&[(vec![0.0], 1), (vec![0.0, 0.0], 1), (vec![1.0; 4], 1)], 0.5, 1.0), vec![0, 1, 3]);
    }

    #[test]
    fn a_channel_that_would_overshoot_the_goal_stays() {
        // Goal 0.25 · (4·100 + 8·1) = 102: one heavy channel (100) and two light ones, even though
        // the second heavy channel scores lower than the light ones.
        let units = vec![(vec![0.0, 0.0, 0.5, 0.5], 100), (vec![0.1; 8], 1)];
        assert_eq!(counts(&units, 0.25, 0.75), vec![1, 2]);
    }

    #[test]
    fn ties_and_non_finite_scores_are_deterministic() {
        let units = vec![(vec![0.5, f64::NAN, 0.5], 1), (vec![0.5, 0.5, f64::INFINITY], 1)];
        let first = counts(&units, 0.5, 0.75);
        assert_eq!(first, vec![2, 1], "ties go to the earlier group; non-finite scores last");
        for _ in 0..3 {
            assert_eq!(counts(&units, 0.5, 0.75), first);
        }
    }

    #[test]
    fn feature_shares_weigh_columns_by_their_input_variance() {
        // Gemm weight [K = 2, N = 2] (no transB): columns per input feature are rows here.
        let view = WeightView::new(crate::ops::layer_table::WeightLayout::Gemm { trans_b: false }, &[2, 2]).unwrap();
        // Input 0 reads weights (1, 1), input 1 (2, 0): Σ W² = 2 and 4.
        let w = [1.0, 1.0, 2.0, 0.0];
        let flat = feature_shares(&view, &w, None);
        assert!((flat[0] - 1.0 / 3.0).abs() < 1e-12 && (flat[1] - 2.0 / 3.0).abs() < 1e-12, "{flat:?}");
        let scaled = feature_shares(&view, &w, Some(&[4.0, 1.0]));
        assert!((scaled[0] - 2.0 / 3.0).abs() < 1e-12, "{scaled:?}");
        assert_eq!(feature_shares(&view, &[0.0; 4], None), vec![0.0, 0.0]);
    }
}
