//! Layer-adaptive allocation (`"allocation": "adaptive"`, the default for masking methods when
//! the step gets calibration samples of the user's): the step's `ratio` stays the share of all
//! selected layers' weights that is pruned, but each layer gets its own ratio so that layers
//! whose weights matter more (a 3×3 depthwise filter has 9 weights) lose fewer.
//!
//! Criterion (one forward pass of the original model over the calibration samples): the mean
//! square `e_c` of every input channel `c` of every selected layer. A weight `w` reading channel
//! `c` scores `w² · √e_c`, and its share of its layer's summed score says how much of the layer it
//! carries; the `round(ratio · N)` weights with the smallest shares across all layers go (about
//! equal marginal error per layer), at most `MAX_LAYER_RATIO` of any one layer. Within a layer the
//! weights still go by magnitude (groups by their norm), as with a uniform ratio. Groups (vector,
//! kernel) are scored by the sum over their weights and counted by their weights, so the total
//! stays `ratio` of the weights up to one group.
//!
//! Measured on the corpus CNNs (50 % unstructured, held-out SQNR, README "### Pruning") against
//! the alternatives: `w² · e_c` (the squared Wanda score, exact output energy for uncorrelated
//! inputs; also as the in-layer mask) lost 4–6 dB on mtcnn against `√e_c`, data-free shares of
//! `w²` and LAMP (Lee et al. 2021) were within ±3 dB of it model by model, a cap of 0.75 or 0.97
//! changed little.
//!
//! Layers whose input cannot be measured (inside subgraphs, non-float input) get `e_c = 1`.

use std::collections::{BTreeMap, HashMap};

use super::layers::Layer;
use super::layout::WeightView;
use super::methods::groups::{self, Granularity};
use super::spec::Method;
use crate::ir::{Model, Tensor};
use crate::ops::layer_table::WeightLayout;
use crate::runtime::{InputSet, Session};

/// No layer loses more than this share of its units, whatever its scores.
pub const MAX_LAYER_RATIO: f64 = 0.9;

/// Chooses the ratio of every `layers[chosen]` (weights `weights[k]` of `chosen[k]`) for
/// `method` so that `target` of their weights go in total.
pub fn allocate(
    model: &Model,
    layers: &[Layer],
    chosen: &[usize],
    weights: &[Vec<f32>],
    method: Method,
    target: f64,
    samples: &[InputSet],
) -> Result<BTreeMap<String, f64>, String> {
    let energy = input_energy(model, layers, chosen, samples)?;
    let mut units: Vec<(Vec<f64>, usize)> = Vec::with_capacity(chosen.len());
    for (k, &i) in chosen.iter().enumerate() {
        let layer = &layers[i];
        let root: Option<Vec<f64>> = energy[k].as_ref().map(|e| e.iter().map(|x| x.sqrt()).collect());
        let s = weight_scores(layer, &weights[k], root.as_deref());
        let grouped = match method {
            Method::Vector => Some(Granularity::Vector),
            Method::Kernel => Some(Granularity::Kernel),
            _ => None,
        };
        match grouped {
            Some(g) => {
                let view = WeightView::new(layer.layout, &layer.shape)?;
                let all = groups::groups(&view, g);
                let size = all.first().map_or(1, Vec::len);
                units.push((all.iter().map(|u| u.iter().map(|&a| s.get(a).copied().unwrap_or(0.0)).sum()).collect(), size));
            }
            None => units.push((s, 1)),
        }
    }
    let counts = counts(&units, target, MAX_LAYER_RATIO);
    let mut ratios = BTreeMap::new();
    for (k, &i) in chosen.iter().enumerate() {
        let layer = &layers[i];
        let key = if layer.node_name.is_empty() { layer.name.clone() } else { layer.node_name.clone() };
        let n = units[k].0.len();
        ratios.insert(key, if n == 0 { 0.0 } else { counts[k] as f64 / n as f64 });
    }
    Ok(ratios)
}

/// An integer that orders as `f64::total_cmp` orders `x` (its bits, negatives flipped).
fn total_key(x: f64) -> i64 {
    let bits = x.to_bits() as i64;
    bits ^ (((bits >> 63) as u64) >> 1) as i64
}

/// How many units of each layer go: `units[l]` = (score of each unit, weights per unit). The
/// units with the smallest score relative to their layer's total go first until `target` of all
/// weights are gone, at most `cap` (or halfway from `target` to 1, if more) of each layer's
/// units, unless rounding leaves the total short (ties: earlier layer, earlier unit).
pub fn counts(units: &[(Vec<f64>, usize)], target: f64, cap: f64) -> Vec<usize> {
    let total: usize = units.iter().map(|(s, size)| s.len() * size).sum();
    let goal = (target * total as f64).round().max(0.0) as usize;
    // Keys are unique (layer, unit) and `total_key` orders as `f64::total_cmp`: a plain unstable
    // sort of the tuples gives the one order there is, fast on a unit per weight (millions).
    let mut order: Vec<(i64, usize, usize)> = Vec::with_capacity(units.iter().map(|(s, _)| s.len()).sum());
    for (l, (s, _)) in units.iter().enumerate() {
        let sum: f64 = s.iter().filter(|v| v.is_finite()).sum();
        for (u, &v) in s.iter().enumerate() {
            let share = if sum > 0.0 && v.is_finite() { v / sum } else if v.is_finite() { 0.0 } else { f64::INFINITY };
            order.push((total_key(share), l, u));
        }
    }
    order.sort_unstable();
    // The cap leaves room above the target (halfway to 1); a second pass without it makes sure
    // the target is reached when rounding still falls short.
    let cap = cap.max((1.0 + target) / 2.0);
    let mut out = vec![0; units.len()];
    let mut gone = 0;
    for limit in [Some(cap), None] {
        let mut taken = vec![0; units.len()];
        for &(_, l, _) in &order {
            if gone >= goal {
                break;
            }
            taken[l] += 1;
            let room = limit.map_or(units[l].0.len(), |c| (c * units[l].0.len() as f64).floor() as usize);
            if taken[l] > out[l] && out[l] < room {
                out[l] += 1;
                gone += units[l].1;
            }
        }
    }
    out
}

/// The score `w² · e_c` of every weight of `layer` (`e_c`: `energy` of the input channel the
/// weight reads; 1 for every channel when `energy` is missing or does not fit).
pub fn weight_scores(layer: &Layer, weights: &[f32], energy: Option<&[f64]>) -> Vec<f64> {
    let mut out: Vec<f64> = weights.iter().map(|w| f64::from(*w) * f64::from(*w)).collect();
    let (Some(energy), Ok(view)) = (energy, WeightView::new(layer.layout, &layer.shape)) else { return out };
    let grouped_conv = layer.layout == WeightLayout::Conv;
    let channels = if grouped_conv { view.inp * layer.group } else { view.inp };
    if energy.len() != channels || view.len() != weights.len() || view.out % layer.group.max(1) != 0 {
        return out;
    }
    let out_per_group = (view.out / layer.group.max(1)).max(1);
    for b in 0..view.batch {
        for o in 0..view.out {
            let base = if grouped_conv { (o / out_per_group) * view.inp } else { 0 };
            for i in 0..view.inp {
                let e = energy[base + i];
                for k in 0..view.kernel {
                    out[view.offset(b, o, i, k)] *= e;
                }
            }
        }
    }
    out
}

/// Per chosen layer: the mean square of each channel of its input over `samples` (one run of
/// `model` per sample), or `None` when it cannot be measured.
pub fn input_energy(model: &Model, layers: &[Layer], chosen: &[usize], samples: &[InputSet]) -> Result<Vec<Option<Vec<f64>>>, String> {
    let mut wanted: Vec<Option<(String, Axis)>> = Vec::with_capacity(chosen.len());
    for &i in chosen {
        let layer = &layers[i];
        let node = if layer.graph.is_empty() { model.graph.nodes.get(layer.node_index) } else { None };
        wanted.push(node.and_then(|node| Some((node.input(0)?.to_string(), input_axis(layer, node)))));
    }
    Ok(channel_moments(model, &wanted, samples)?.into_iter().map(|m| m.map(|m| m.mean_square)).collect())
}

/// The channel axis of `layer`'s data input (`node` is its node).
pub fn input_axis(layer: &Layer, node: &crate::ir::Node) -> Axis {
    match layer.layout {
        WeightLayout::Conv | WeightLayout::ConvTranspose => Axis::Index(1),
        WeightLayout::Gemm { .. } if node.attr_int("transA").ok().flatten().unwrap_or(0) != 0 => Axis::Index(0),
        _ => Axis::Last,
    }
}

/// Per-channel statistics of one value over the calibration samples.
#[derive(Clone, Debug, PartialEq)]
pub struct Moments {
    /// Mean square of each channel.
    pub mean_square: Vec<f64>,
    /// Variance of each channel (mean square less the squared mean).
    pub variance: Vec<f64>,
}

/// For every `wanted` (value name, channel axis): the moments of each channel of that value over
/// `samples` (one run of `model` per sample), or `None` when it cannot be measured (missing,
/// never computed, not float); samples whose channel count differs from the first are skipped.
pub fn channel_moments(model: &Model, wanted: &[Option<(String, Axis)>], samples: &[InputSet]) -> Result<Vec<Option<Moments>>, String> {
    // Value name → (position in `wanted`, channel axis).
    let mut by_name: HashMap<String, Vec<(usize, Axis)>> = HashMap::new();
    for (k, w) in wanted.iter().enumerate() {
        if let Some((name, axis)) = w {
            by_name.entry(name.clone()).or_default().push((k, *axis));
        }
    }
    // Per wanted value: (Σx, Σx², count per channel), or None while unseen (a later misfit is skipped).
    type Sums = Option<(Vec<f64>, Vec<f64>, f64)>;
    let mut sums: Vec<Sums> = vec![None; wanted.len()];
    if by_name.is_empty() || samples.is_empty() {
        return Ok(vec![None; wanted.len()]);
    }
    let session = Session::new(model).map_err(|e| format!("the model cannot run: {e}"))?;
    let add = |name: &str, t: &Tensor, sums: &mut Vec<Sums>| {
        let (Some(readers), Tensor::F32(a)) = (by_name.get(name), t) else { return };
        let shape = a.shape();
        for &(k, axis) in readers {
            let at = match axis {
                Axis::Index(x) => x,
                Axis::Last => shape.len().saturating_sub(1),
            };
            let Some(&channels) = shape.get(at) else { continue };
            let inner: usize = shape[at + 1..].iter().product();
            let entry = sums[k].get_or_insert_with(|| (vec![0.0; channels], vec![0.0; channels], 0.0));
            if entry.0.len() != channels {
                continue;
            }
            for (n, v) in a.iter().enumerate() {
                let c = (n / inner.max(1)) % channels;
                let v = f64::from(*v);
                entry.0[c] += v;
                entry.1[c] += v * v;
            }
            entry.2 += (a.len() / channels.max(1)) as f64;
        }
    };
    for sample in samples {
        for (name, t) in sample {
            add(name, t, &mut sums);
        }
        let mut observe = |name: &str, t: &Tensor| add(name, t, &mut sums);
        session.run_observed(sample.clone(), Some(&mut observe)).map_err(|e| format!("the model cannot run: {e}"))?;
    }
    Ok(sums
        .into_iter()
        .map(|s| {
            let (sum, square, n) = s.filter(|(_, _, n)| *n > 0.0)?;
            let mean_square: Vec<f64> = square.iter().map(|x| x / n).collect();
            let variance = mean_square.iter().zip(&sum).map(|(m, s)| (m - (s / n) * (s / n)).max(0.0)).collect();
            Some(Moments { mean_square, variance })
        })
        .collect())
}

/// Where the channel axis of a value is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Axis {
    Index(usize),
    Last,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn total_key_orders_as_total_cmp() {
        let values = [f64::NAN, -f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.0, 0.0, 1e-300, -1e-300, 0.5, -0.5, 3.0, -7.25, f64::MIN_POSITIVE];
        for a in values {
            for b in values {
                assert_eq!(total_key(a).cmp(&total_key(b)), a.total_cmp(&b), "{a} vs {b}");
            }
        }
    }

    #[test]
    fn the_layer_whose_pruning_costs_more_gets_the_lower_ratio_and_the_total_is_exact() {
        // Layer 0: flat magnitudes (pruning half loses half its energy). Layer 1: a few large
        // weights and many tiny ones (pruning half loses almost nothing).
        let flat = vec![1.0; 10];
        let mut peaked = vec![1e-4; 10];
        peaked[0] = 10.0;
        peaked[1] = 10.0;
        let units = vec![(flat, 1), (peaked, 1)];
        let c = counts(&units, 0.5, 0.9);
        assert_eq!(c.iter().sum::<usize>(), 10, "exactly half of all weights: {c:?}");
        assert!(c[0] < c[1], "{c:?}");
        assert_eq!(c, vec![2, 8], "the peaked layer's tiny weights first, the rest from the flat one");
        // 90 % of 2 layers of 10 and 3: a cap of 0.95 alone would stop at 9 + 2.
        let c = counts(&[(vec![1.0; 10], 1), (vec![1.0; 3], 1)], 0.9, 0.9);
        assert_eq!(c.iter().sum::<usize>(), 12, "{c:?}");
        // Groups count by their weights: 2 units of 4 weights = 8 of 16.
        let c = counts(&[(vec![1.0, 1.0], 4), (vec![5.0, 0.01, 0.01, 5.0], 2)], 0.5, 1.0);
        assert_eq!(c[0] * 4 + c[1] * 2, 8, "{c:?}");
    }

    #[test]
    fn equal_layers_get_equal_ratios_and_scores_follow_the_input_channel() {
        let a: Vec<f64> = (1..=8).map(f64::from).collect();
        assert_eq!(counts(&[(a.clone(), 1), (a.clone(), 1)], 0.5, 0.9), vec![4, 4]);
        // Depthwise conv: 2 channels, group 2, weight [2, 1, 1, 2]: channel energies 4 and 1.
        let layer = Layer {
            graph: String::new(),
            node_index: 0,
            name: "dw".into(),
            node_name: "dw".into(),
            op_type: "Conv".into(),
            weight: "w".into(),
            layout: WeightLayout::Conv,
            shape: vec![2, 1, 1, 2],
            group: 2,
        };
        assert_eq!(weight_scores(&layer, &[1.0, 2.0, 1.0, 2.0], Some(&[4.0, 1.0])), vec![4.0, 16.0, 1.0, 4.0]);
        assert_eq!(weight_scores(&layer, &[1.0, 2.0, 1.0, 2.0], Some(&[4.0])), vec![1.0, 4.0, 1.0, 4.0], "misfit: plain w²");
    }
}
