//! Channel dependency analysis of one graph: which tensors carry which channels, which channel
//! axes are tied, and every constant that must shrink with them. Nothing is changed here; the
//! result ([`Analysis`]) says what the rewrite would touch, so a group either is rewritten
//! completely or is pinned with a reason — never half.
//!
//! Nodes are visited in dependency order. What each op does with channels:
//! - **Conv / ConvTranspose / Gemm / MatMul with a constant weight** (group 1): consume the input's
//!   channels (weight input axis: Conv dim 1, ConvTranspose dim 0, Gemm K, MatMul K) and start a
//!   new space of output channels (the producer: weight output axis and bias).
//! - **Depthwise Conv** (group = Cin = Cout): output channel *c* is input channel *c*: the output
//!   keeps the input's channels; its weight rows and bias shrink with them, `group` is updated.
//!   Other grouped convolutions pin their input.
//! - **BatchNormalization / InstanceNormalization**: per-channel parameters shrink (channel axis 1).
//! - **Channel-wise unary ops and pools**: pass channels through.
//! - **Broadcasting binary ops** (Add, Mul, …): tie the channel axes of their tensor operands
//!   (residual connections, SE gates); a constant operand that is per-channel shrinks with them,
//!   one that broadcasts over the channel axis stays.
//! - **Concat** on the channel axis: the output's segments are the inputs' in order (offsets
//!   shift); on another axis it ties its inputs.
//! - **Flatten(axis 1)** or **Reshape to `[batch, C·k]`** of an `[N, C, …]` tensor: the output
//!   carries the same channels, each as a block of consecutive features, which a following
//!   Gemm/MatMul removes as blocks of K rows (a literal `C·k` in the Reshape target shrinks).
//! - **Anything else** that reads channels, a subgraph reading them, or a graph output pins them.

use std::collections::HashMap;

use super::channels::{Channels, Segment, SpaceId, Spaces};
use super::ops::{BINARY, CHANNELWISE_UNARY, POOLS, Role, binary_const_role};
use crate::compress::prune::layers::Layer;
use crate::compress::prune::layout::WeightView;
use crate::ops::layer_table::{WeightLayout, is_default_domain, is_layer_op};
use crate::compress::weights::find_weight;
use crate::ir::{Graph, Node, Tensor, node_reads, topological_order};

/// One change the rewrite makes to node `node` for the channels along `channels`.
#[derive(Clone, Debug, PartialEq)]
pub struct Edit {
    pub node: usize,
    pub channels: Channels,
    pub kind: EditKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum EditKind {
    /// Remove entries along `axis` of the constant at input `input`; each channel spans `block`
    /// consecutive entries.
    Slice { input: usize, axis: usize, block: usize, role: Role },
    /// Entry `position` of the constant Reshape target at `input` is `channels · block`.
    ReshapeDim { input: usize, position: usize, block: usize },
    /// Set the `group` attribute of a depthwise conv to the channel count.
    GroupAttr,
}

/// A prunable layer whose output channels form `space`.
#[derive(Clone, Debug, PartialEq)]
pub struct Producer {
    /// Index into the pass's layer list.
    pub layer: usize,
    pub node: usize,
    pub space: SpaceId,
}

#[derive(Debug, Default)]
pub struct Analysis {
    pub spaces: Spaces,
    /// Channels of every value that carries some.
    pub values: HashMap<String, Channels>,
    pub edits: Vec<Edit>,
    pub producers: Vec<Producer>,
    /// Layers of this graph that start no space, with the reason.
    pub not_producers: Vec<(usize, String)>,
}

/// Analyses `graph`; `layers` maps node index → index into the pass's layer list.
pub fn analyze(graph: &Graph, layers: &HashMap<usize, usize>, all_layers: &[Layer]) -> Analysis {
    let mut a = Analysis::default();
    let order = match topological_order(graph) {
        Ok(order) => order,
        Err(e) => {
            for &l in layers.values() {
                a.not_producers.push((l, format!("the graph cannot be ordered: {e}")));
            }
            return a;
        }
    };
    for index in order {
        let node = &graph.nodes[index];
        let layer = layers.get(&index).map(|&l| (l, &all_layers[l]));
        visit(graph, index, node, layer, &mut a);
    }
    for output in &graph.outputs {
        if let Some(c) = a.values.get(&output.name).cloned() {
            a.spaces.pin_all(&c, &format!("its channels reach graph output `{}`", output.name));
        }
    }
    a
}

/// Channels of `value`, if it carries some.
fn channels_of(a: &Analysis, value: &str) -> Option<Channels> {
    a.values.get(value).cloned()
}

/// Pins the channels of every input of `node` (and of values its subgraphs read).
fn pin_inputs(a: &mut Analysis, node: &Node, why: &str) {
    let reason = format!("{} `{}` {why}", node.op_type, node.label());
    for value in node_reads(node) {
        if let Some(c) = channels_of(a, &value) {
            a.spaces.pin_all(&c, &reason);
        }
    }
}

fn const_shape(graph: &Graph, value: &str) -> Option<Vec<usize>> {
    find_weight(graph, value).map(|(_, t)| t.shape())
}

fn visit(graph: &Graph, index: usize, node: &Node, layer: Option<(usize, &Layer)>, a: &mut Analysis) {
    if !node.subgraphs().is_empty() {
        pin_inputs(a, node, "reads them inside a subgraph, which filter surgery does not rewrite");
        return;
    }
    let domain_ok = is_default_domain(node);
    let op = node.op_type.as_str();
    let x = node.input(0).and_then(|v| channels_of(a, v));
    let extra_outputs_used = node.outputs.iter().skip(1).any(|o| !o.is_empty());
    match op {
        _ if !domain_ok => pin_inputs(a, node, "is from a custom domain"),
        _ if is_layer_op(node) => match layer {
            Some((l, layer)) => visit_layer(graph, index, node, l, layer, x, a),
            None => pin_inputs(a, node, "has no prunable constant weight"),
        },
        "BatchNormalization" | "InstanceNormalization" => {
            let Some(x) = x else { return };
            let params: &[(usize, Role)] = if op == "BatchNormalization" {
                &[(1, Role::Multiplicative), (2, Role::Additive), (3, Role::Additive), (4, Role::Multiplicative)]
            } else {
                &[(1, Role::Multiplicative), (2, Role::Additive)]
            };
            let params_ok = params.iter().all(|&(i, _)| {
                node.input(i).is_some_and(|v| const_shape(graph, v).is_some_and(|s| s == [x.total()]))
            });
            if !x.at_axis_1() || x.blocked || extra_outputs_used || !params_ok {
                pin_inputs(a, node, "has parameters or outputs the surgery cannot shrink");
                return;
            }
            for &(input, role) in params {
                a.edits.push(Edit { node: index, channels: x.clone(), kind: EditKind::Slice { input, axis: 0, block: 1, role } });
            }
            set_output(a, node, x);
        }
        _ if CHANNELWISE_UNARY.contains(&op) => {
            let Some(x) = x else { return };
            if extra_outputs_used || node.inputs.iter().skip(1).filter_map(|v| channels_of(a, v)).next().is_some() {
                pin_inputs(a, node, "has extra outputs or channel-carrying extra inputs");
                return;
            }
            set_output(a, node, x);
        }
        _ if POOLS.contains(&op) => {
            let Some(x) = x else { return };
            if !x.at_axis_1() || x.blocked || extra_outputs_used {
                pin_inputs(a, node, "pools a tensor whose channel axis is not axis 1");
                return;
            }
            set_output(a, node, x);
        }
        "Resize" | "Upsample" => visit_resize(graph, node, x, a),
        _ if BINARY.contains(&op) => visit_binary(graph, index, node, a),
        "Concat" => visit_concat(node, a),
        "Flatten" => {
            let Some(x) = x else { return };
            let axis = node.attr_int("axis").ok().flatten().unwrap_or(1);
            if x.at_axis_1() && !x.blocked && axis == 1 {
                let blocked = x.rank != Some(2);
                set_output(a, node, Channels { from_end: 0, rank: Some(2), blocked, ..x });
            } else {
                pin_inputs(a, node, "flattens other than [N, C, …] at axis 1");
            }
        }
        "Reshape" => visit_reshape(graph, index, node, x, a),
        _ => pin_inputs(a, node, "is not an op the filter surgery can rewrite"),
    }
}

fn set_output(a: &mut Analysis, node: &Node, channels: Channels) {
    if let Some(out) = node.outputs.first().filter(|o| !o.is_empty()) {
        a.values.insert(out.clone(), channels);
    }
}

/// Conv, ConvTranspose, Gemm, MatMul with a constant weight.
fn visit_layer(graph: &Graph, index: usize, node: &Node, l: usize, layer: &Layer, x: Option<Channels>, a: &mut Analysis) {
    let rank = layer.shape.len();
    let Ok(view) = WeightView::new(layer.layout, &layer.shape) else {
        pin_inputs(a, node, "has a weight of unexpected shape");
        return;
    };
    let is_conv = matches!(layer.layout, WeightLayout::Conv | WeightLayout::ConvTranspose);
    // Depthwise: group = Cin = Cout, one input channel per filter.
    if layer.layout == WeightLayout::Conv && layer.group > 1 {
        let depthwise = view.inp == 1 && view.out == layer.group;
        match (depthwise, x) {
            (true, Some(x)) if x.at_axis_1() && !x.blocked && x.rank == Some(rank) && x.total() == view.out => {
                if !bias_ok(graph, node, view.out) {
                    pin_inputs(a, node, "has a bias that is not a constant of one value per channel");
                    return;
                }
                let slice = |input, role| EditKind::Slice { input, axis: 0, block: 1, role };
                a.edits.push(Edit { node: index, channels: x.clone(), kind: slice(1, Role::Multiplicative) });
                if node.input(2).is_some() {
                    a.edits.push(Edit { node: index, channels: x.clone(), kind: slice(2, Role::Additive) });
                }
                a.edits.push(Edit { node: index, channels: x.clone(), kind: EditKind::GroupAttr });
                a.not_producers.push((l, "depthwise convolution: its channels are removed with the layer feeding it".into()));
                set_output(a, node, x);
            }
            (true, _) => {
                a.not_producers.push((l, "depthwise convolution whose input channels come from no prunable layer".into()));
                pin_inputs(a, node, "is a depthwise convolution fed by an unexpected layout");
            }
            (false, _) => {
                a.not_producers.push((l, format!("grouped convolution (group {}) is not filter-pruned yet", layer.group)));
                pin_inputs(a, node, "is a grouped convolution");
            }
        }
        return;
    }
    if layer.group != 1 || view.batch != 1 {
        a.not_producers.push((l, "grouped or batched weight".into()));
        pin_inputs(a, node, "has a grouped or batched weight");
        return;
    }
    if node.op_type == "Gemm" && node.attr_int("transA").ok().flatten().unwrap_or(0) != 0 {
        a.not_producers.push((l, "Gemm with transA".into()));
        pin_inputs(a, node, "transposes its input (transA)");
        return;
    }
    // Consumer side: the input's channels are the weight's input axis.
    if let Some(x) = x {
        let k = view.inp;
        let (fits, block) = if is_conv {
            (x.at_axis_1() && !x.blocked && x.rank == Some(rank) && x.total() == k, 1)
        } else if x.blocked {
            let block = k.checked_div(x.total());
            (x.from_end == 0 && block.is_some_and(|b| b * x.total() == k), block.unwrap_or(1))
        } else {
            (x.from_end == 0 && x.total() == k && (node.op_type != "Gemm" || x.rank == Some(2)), 1)
        };
        if fits {
            let axis = layer.layout.in_axis(rank);
            a.edits.push(Edit { node: index, channels: x, kind: EditKind::Slice { input: 1, axis, block, role: Role::Consumer } });
        } else {
            a.spaces.pin_all(&x, &format!("{} `{}` reads them in a layout the surgery does not follow", node.op_type, node.label()));
        }
    }
    // Producer side.
    let space = a.spaces.new_space(view.out);
    let (from_end, out_rank) = if is_conv { (rank - 2, Some(rank)) } else if node.op_type == "Gemm" { (0, Some(2)) } else { (0, None) };
    let out = Channels::single(space, view.out, from_end, out_rank);
    if !bias_ok(graph, node, view.out) {
        a.spaces.pin(space, &format!("`{}` has a bias that is not a constant per output channel", node.label()));
    }
    let axis = layer.layout.out_axis(rank);
    a.edits.push(Edit { node: index, channels: out.clone(), kind: EditKind::Slice { input: 1, axis, block: 1, role: Role::Producer } });
    if let Some(bias) = node.input(2).and_then(|b| const_shape(graph, b)) {
        if bias.last() == Some(&view.out) && view.out > 1 {
            let axis = bias.len() - 1;
            a.edits.push(Edit { node: index, channels: out.clone(), kind: EditKind::Slice { input: 2, axis, block: 1, role: Role::Producer } });
        }
    }
    a.producers.push(Producer { layer: l, node: index, space });
    set_output(a, node, out);
}

/// The bias (input 2), if any, is a constant whose channel axis can shrink: `[C]` for convs;
/// for Gemm any constant broadcasting to `[M, N]` (a per-column `[N]`/`[1, N]`, or a scalar).
fn bias_ok(graph: &Graph, node: &Node, channels: usize) -> bool {
    let Some(bias) = node.input(2) else { return true };
    let Some(shape) = const_shape(graph, bias) else { return false };
    if node.op_type == "Gemm" {
        shape.iter().rev().skip(1).all(|&d| d == 1) && shape.last().is_none_or(|&d| d == channels || d == 1)
    } else {
        shape == [channels]
    }
}

fn visit_binary(graph: &Graph, index: usize, node: &Node, a: &mut Analysis) {
    let inputs: Vec<(usize, &str)> = node.inputs.iter().enumerate().filter(|(_, v)| !v.is_empty()).map(|(i, v)| (i, v.as_str())).collect();
    let carried: Vec<Channels> = inputs.iter().filter_map(|(_, v)| channels_of(a, v)).collect();
    let Some(first) = carried.first().cloned() else { return };
    let op = node.op_type.as_str();
    // Every other operand: a tensor with tied channels, or a constant broadcasting over them.
    let mut ok = carried.iter().all(|c| c.from_end == first.from_end);
    let mut const_edits = Vec::new();
    for &(i, value) in &inputs {
        if channels_of(a, value).is_some() {
            continue;
        }
        match const_shape(graph, value) {
            Some(shape) => {
                let Some(axis) = shape.len().checked_sub(1 + first.from_end) else { continue };
                let dim = shape[axis];
                if dim == 1 {
                    continue;
                }
                match binary_const_role(op, i) {
                    Some(role) if dim == first.total() && !first.blocked => const_edits.push((i, axis, role)),
                    _ => ok = false,
                }
            }
            None => ok = false,
        }
    }
    if op == "PRelu" && inputs.first().is_none_or(|(_, v)| channels_of(a, v).is_none()) {
        ok = false;
    }
    if !ok {
        pin_inputs(a, node, "combines them with operands the surgery cannot line up");
        return;
    }
    for c in &carried[1..] {
        if !a.spaces.tie(&first, c) {
            pin_inputs(a, node, "combines tensors whose channel segments do not line up");
            return;
        }
    }
    for (input, axis, role) in const_edits {
        a.edits.push(Edit { node: index, channels: first.clone(), kind: EditKind::Slice { input, axis, block: 1, role } });
    }
    let rank = carried.iter().map(|c| c.rank).collect::<Option<Vec<_>>>().and_then(|r| r.into_iter().max());
    set_output(a, node, Channels { rank, ..first });
}

fn visit_concat(node: &Node, a: &mut Analysis) {
    let carried: Vec<Option<Channels>> = node.inputs.iter().map(|v| channels_of(a, v)).collect();
    let present: Vec<Channels> = carried.iter().flatten().cloned().collect();
    let Some(first) = present.first().cloned() else { return };
    let axis = node.attr_int("axis").ok().flatten();
    let rank = present.iter().find_map(|c| c.rank);
    let from_end = match (axis, rank) {
        (Some(ax), _) if ax < 0 => usize::try_from(-ax - 1).ok(),
        (Some(ax), Some(r)) => usize::try_from(ax).ok().and_then(|ax| r.checked_sub(ax + 1)),
        _ => None,
    };
    let all_carry = carried.iter().all(Option::is_some);
    let same_axis = present.iter().all(|c| c.from_end == first.from_end && !c.blocked);
    if !all_carry || !same_axis || from_end.is_none() {
        pin_inputs(a, node, "concatenates tensors the surgery cannot line up");
        return;
    }
    if from_end == Some(first.from_end) {
        let segments: Vec<Segment> = present.iter().flat_map(|c| c.segments.iter().copied()).collect();
        set_output(a, node, Channels { segments, rank, ..first });
    } else {
        for c in &present[1..] {
            if !a.spaces.tie(&first, c) {
                pin_inputs(a, node, "concatenates tensors whose channels do not line up");
                return;
            }
        }
        set_output(a, node, Channels { rank, ..first });
    }
}

fn visit_resize(graph: &Graph, node: &Node, x: Option<Channels>, a: &mut Analysis) {
    let Some(x) = x else { return };
    // Resize(X, roi, scales, sizes) / Upsample(X, scales): the channel scale must be 1.
    let scales_input = if node.op_type == "Upsample" { 1 } else { 2 };
    let sizes_given = node.input(3).is_some_and(|v| const_shape(graph, v).is_none_or(|s| s != [0]));
    let channel_scale_one = node.input(scales_input).and_then(|v| find_weight(graph, v)).is_some_and(|(_, t)| {
        let scales = t.to_f64_vec().unwrap_or_default();
        x.axis().is_some_and(|ax| scales.len() == x.rank.unwrap_or(0) && scales.get(ax) == Some(&1.0))
    });
    if sizes_given || !channel_scale_one || x.blocked {
        pin_inputs(a, node, "resizes with sizes or a channel scale the surgery does not rewrite");
        return;
    }
    set_output(a, node, x);
}

fn visit_reshape(graph: &Graph, index: usize, node: &Node, x: Option<Channels>, a: &mut Analysis) {
    let Some(x) = x else { return };
    let target = node.input(1).and_then(|v| find_weight(graph, v)).and_then(|(_, t)| match t {
        Tensor::I64(v) => Some(v.iter().copied().collect::<Vec<i64>>()),
        _ => None,
    });
    let allowzero = node.attr_int("allowzero").ok().flatten().unwrap_or(0) != 0;
    let total = x.total() as i64;
    let ok_first = |d: i64| d == 0 && !allowzero || d > 0;
    match target.as_deref() {
        Some(&[n, -1]) if x.at_axis_1() && !x.blocked && ok_first(n) => {
            set_output(a, node, Channels { from_end: 0, rank: Some(2), blocked: true, ..x });
        }
        Some(&[n, k]) if x.at_axis_1() && !x.blocked && (ok_first(n) || n == -1) && k > 0 && total > 0 && k % total == 0 => {
            let block = usize::try_from(k / total).unwrap_or(1);
            a.edits.push(Edit { node: index, channels: x.clone(), kind: EditKind::ReshapeDim { input: 1, position: 1, block } });
            set_output(a, node, Channels { from_end: 0, rank: Some(2), blocked: true, ..x });
        }
        _ => pin_inputs(a, node, "reshapes to a shape the surgery does not rewrite (only [batch, C·k] is followed)"),
    }
}
