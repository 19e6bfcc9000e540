//! Cross-layer equalization (DFQ §4.1) and bias absorption (§4.2) of consecutive layers.
//!
//! Two layers joined by nothing or by a positively scale-equivariant activation (Relu,
//! LeakyRelu, PRelu: f(x/s) = f(x)/s for s > 0) compute the same function when output channel
//! i of the first is divided by s_i and input channel i of the second multiplied by s_i.
//! With r1_i (r2_i) the largest |w| of that output (input) channel, s_i = √(r1_i·r2_i) / r2_i
//! makes both ranges √(r1_i·r2_i): per-tensor quantization then no longer wastes its grid on one
//! channel (depthwise layers differ by 100× across channels). Chains share layers, so the pairs
//! are equalized in turn until no scale moves more than [`CONVERGED`].
//!
//! A ReLU6 (Clip with an upper bound) is not scale-equivariant: pairs through it are left alone.
//!
//! Bias absorption: where the statistics say channel i before a Relu is ≥ c_i = max(0, β_i − 3γ_i)
//! almost always, c_i moves from the first layer's bias into the second's (ReLU(x − c) + c =
//! ReLU(x) for x ≥ c): the range after the Relu shrinks. Only into a layer without padding (a
//! padded border would see the shift where the original saw zeros).

use std::collections::HashMap;

use super::layer::{Kind, Layer, input_contribution, layer_kind};
use super::stats::{ChannelStats, clip_bounds};
use crate::ir::{Graph, GraphLookup};

/// Equalization stops when no scale of a round differs from 1 by more than this (relative).
pub const CONVERGED: f64 = 1e-4;
/// At most this many rounds over the pairs.
pub const MAX_ROUNDS: usize = 100;

/// Two consecutive layers: `first`'s only reader is `act` (or `second`), whose only reader is
/// `second`.
#[derive(Clone, Debug, PartialEq)]
pub struct Pair {
    pub first: usize,
    pub act: Option<usize>,
    pub second: usize,
}

/// The pairs DFQ can equalize, in graph order, and notes on pairs left alone.
pub fn find_pairs(graph: &Graph, lookup: &GraphLookup) -> (Vec<Pair>, Vec<String>) {
    let (mut pairs, mut relu6) = (Vec::new(), 0usize);
    let only_reader = |value: &str| match lookup.consumers(value) {
        [c] if !lookup.is_output(value) => Some(*c),
        _ => None,
    };
    for first in 0..graph.nodes.len() {
        let Some((kind1, outs, _)) = layer_kind(graph, lookup, first) else { continue };
        let out = &graph.nodes[first].outputs[0];
        let Some(next) = only_reader(out) else { continue };
        let node = &graph.nodes[next];
        let (act, value) = match node.op_type.as_str() {
            "Conv" | "Gemm" => (None, out.clone()),
            "Relu" | "LeakyRelu" | "PRelu" => (Some(next), node.outputs[0].clone()),
            "Clip" => match clip_bounds(graph, node) {
                Some((lo, hi)) if lo == 0.0 && hi == f64::INFINITY => (Some(next), node.outputs[0].clone()),
                Some((0.0, _)) => {
                    relu6 += 1;
                    continue;
                }
                _ => continue,
            },
            _ => continue,
        };
        if node.input(0) != Some(out.as_str()) {
            continue;
        }
        let second = match act {
            None => next,
            Some(_) => match only_reader(&value) {
                Some(s) => s,
                None => continue,
            },
        };
        let Some((kind2, _, ins)) = layer_kind(graph, lookup, second) else { continue };
        let same_family = matches!((kind1, kind2), (Kind::Conv { .. }, Kind::Conv { .. }) | (Kind::Gemm { .. }, Kind::Gemm { .. }));
        if same_family && ins == outs && graph.nodes[second].input(0) == Some(value.as_str()) && second != first {
            pairs.push(Pair { first, act, second });
        }
    }
    let mut notes = Vec::new();
    if relu6 > 0 {
        notes.push(format!(
            "{relu6} layer pair(s) joined by a ReLU6 (Clip with an upper bound) were not equalized: clipping at a fixed value is not scale-equivariant"
        ));
    }
    (pairs, notes)
}

/// Equalizes `pairs` of `layers` (loaded by node index) until converged. Returns each pair's
/// total scale per channel (output channel i of `first` was divided by it) and the rounds run.
pub fn equalize(layers: &mut HashMap<usize, Layer>, pairs: &[Pair]) -> (Vec<Vec<f64>>, usize) {
    let mut totals: Vec<Vec<f64>> = pairs.iter().map(|p| vec![1.0; layers.get(&p.first).map_or(0, Layer::out_channels)]).collect();
    let mut rounds = 0;
    while rounds < MAX_ROUNDS {
        rounds += 1;
        let mut worst = 0f64;
        for (p, total) in pairs.iter().zip(&mut totals) {
            let (Some(first), Some(second)) = (layers.get(&p.first), layers.get(&p.second)) else { continue };
            let scales: Vec<f64> = (0..first.out_channels())
                .map(|i| {
                    let (r1, r2) = (first.out_range(i), second.in_range(i));
                    let s = (r1 * r2).sqrt() / r2;
                    if r1 > 0.0 && r2 > 0.0 && s.is_finite() && s > 0.0 { s } else { 1.0 }
                })
                .collect();
            for (i, &s) in scales.iter().enumerate() {
                worst = worst.max((s - 1.0).abs());
                total[i] *= s;
                if let Some(l) = layers.get_mut(&p.first) {
                    l.scale_out(i, 1.0 / s);
                }
                if let Some(l) = layers.get_mut(&p.second) {
                    l.scale_in(i, s);
                }
            }
        }
        if worst <= CONVERGED {
            break;
        }
    }
    (totals, rounds)
}

/// Whether a convolution reads no padding (explicit pads all zero, no SAME auto-padding).
pub fn unpadded(graph: &Graph, node: usize) -> bool {
    let n = &graph.nodes[node];
    if n.op_type == "Gemm" {
        return true;
    }
    let pads_zero = match n.attr_ints("pads") {
        Ok(pads) => pads.is_none_or(|p| p.iter().all(|&v| v == 0)),
        Err(_) => false,
    };
    let auto = n.attr_string("auto_pad");
    pads_zero && matches!(auto.as_ref().map(|a| a.as_deref()), Ok(None | Some("" | "NOTSET" | "VALID")))
}

/// What bias absorption moved: per pair, (channels shifted, largest shift).
pub fn absorb(graph: &Graph, layers: &mut HashMap<usize, Layer>, pairs: &[Pair], stats: &mut HashMap<String, ChannelStats>) -> Vec<(usize, usize, f64)> {
    let mut done = Vec::new();
    for (k, p) in pairs.iter().enumerate() {
        let through_relu = p.act.is_some_and(|a| graph.nodes[a].op_type == "Relu");
        let out = &graph.nodes[p.first].outputs[0];
        let Some(s) = stats.get_mut(out) else { continue };
        let channels = layers.get(&p.first).map_or(0, Layer::out_channels);
        if !through_relu || !unpadded(graph, p.second) || s.mean.len() != channels {
            continue;
        }
        let c: Vec<f64> = s.mean.iter().zip(&s.std).map(|(m, d)| (m - 3.0 * d).max(0.0)).collect();
        let shifted = c.iter().filter(|&&v| v > 0.0).count();
        if shifted == 0 {
            continue;
        }
        let Some(second) = layers.get(&p.second) else { continue };
        let added = input_contribution(&second.w, second.kind, &c);
        let Some(first) = layers.get_mut(&p.first) else { continue };
        first.add_to_bias(&c.iter().map(|v| -v).collect::<Vec<f64>>());
        if let Some(second) = layers.get_mut(&p.second) {
            second.add_to_bias(&added);
        }
        for (m, v) in s.mean.iter_mut().zip(&c) {
            *m -= v;
        }
        done.push((k, shifted, c.iter().fold(0f64, |a, &b| a.max(b))));
    }
    done
}
