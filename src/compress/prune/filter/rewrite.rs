//! Applies a channel removal to one graph: every edit of the analysis whose channels lose some
//! entries, either for real (`Mode::Remove`) or as a mask (`Mode::Mask`).
//!
//! **Masking** makes the unsurgered twin the tests compare against: a removed channel is made to
//! carry exactly zero everywhere in its group, so every consumer gets nothing from it, as if its
//! input channel were gone. That needs the producers' filters and biases zeroed
//! ([`Role::Producer`]) and every per-channel constant that would shift a zero channel away from
//! zero zeroed too ([`Role::Additive`]: BN beta *and* mean — `scale·(0 − 0)/√(var+ε) + 0 = 0` —,
//! Add/Sub constants, depthwise biases). Multiplicative constants keep zero at zero and consumer
//! weights just see zeros, so both stay. This equals the surgery only when every op on the way
//! maps 0 to 0 (Relu, Clip with min ≤ 0, pools, Concat, Add, Mul, HardSwish…); an op such as
//! Sigmoid turns a removed channel into a constant the surgery drops but the mask keeps.
//!
//! A constant read by other nodes too is not changed in place: the edited copy gets a fresh name.
//! Declared `value_info` of every tensor whose channel count changes is dropped.

use std::collections::{BTreeMap, HashSet};

use ndarray::Axis;

use super::channels::Channels;
use super::deps::{Analysis, EditKind};
use super::ops::Role;
use super::plan::Removal;
use crate::compress::prune::PruneError;
use crate::compress::weights::{find_weight, replace_weight};
use crate::ir::{AttrValue, Graph, Initializer, Names, Tensor};
use crate::ir::dtype_dispatch::map_tensor;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Remove,
    Mask,
}

/// One removal from a constant: (axis, entries along it, role of the constant).
type SliceEdit = (usize, Vec<usize>, Role);

/// Positions along `channels`' axis (channel level, before blocks) that are removed.
pub fn removed_positions(channels: &Channels, removal: &Removal, a: &Analysis) -> Vec<usize> {
    let mut out = Vec::new();
    let mut offset = 0;
    for seg in &channels.segments {
        if let Some(gone) = removal.get(&a.spaces.find(seg.space)) {
            out.extend(gone.iter().map(|c| offset + c));
        }
        offset += seg.len;
    }
    out
}

/// Expands channel positions to entry positions when each channel spans `block` entries.
fn expand(positions: &[usize], block: usize) -> Vec<usize> {
    positions.iter().flat_map(|p| (p * block)..(p * block + block)).collect()
}

/// Rewrites `graph` for `removal`.
pub fn rewrite(graph: &mut Graph, a: &Analysis, removal: &Removal, mode: Mode) -> Result<(), PruneError> {
    // Constants rewritten in place: their declared value_info (shape inference records the
    // output of Constant nodes) is stale too.
    let mut rewritten: HashSet<String> = HashSet::new();
    // (node, input) → slices to apply to that constant, in edit order.
    let mut slices: BTreeMap<(usize, usize), Vec<SliceEdit>> = BTreeMap::new();
    for edit in &a.edits {
        let gone = removed_positions(&edit.channels, removal, a);
        if gone.is_empty() {
            continue;
        }
        let total = edit.channels.total();
        match &edit.kind {
            EditKind::Slice { input, axis, block, role } => {
                slices.entry((edit.node, *input)).or_default().push((*axis, expand(&gone, *block), *role));
            }
            EditKind::ReshapeDim { input, position, block } if mode == Mode::Remove => {
                let value = ((total - gone.len()) * block) as i64;
                let name = input_name(graph, edit.node, *input)?;
                let Some((_, Tensor::I64(shape))) = find_weight(graph, &name) else {
                    return Err(PruneError::Surgery(format!("Reshape target `{name}` is no longer an int64 constant")));
                };
                let mut shape = shape.clone();
                if let Some(slot) = shape.get_mut(*position) {
                    *slot = value;
                }
                rewritten.insert(write_const(graph, edit.node, *input, Tensor::I64(shape))?);
            }
            EditKind::GroupAttr if mode == Mode::Remove => {
                let group = (total - gone.len()) as i64;
                if let Some(node) = graph.nodes.get_mut(edit.node) {
                    node.set_attribute("group", AttrValue::Int(group));
                }
            }
            _ => {}
        }
    }
    for ((node, input), edits) in slices {
        let name = input_name(graph, node, input)?;
        let Some((_, tensor)) = find_weight(graph, &name) else {
            return Err(PruneError::Surgery(format!("constant `{name}` vanished")));
        };
        let mut tensor = tensor.clone();
        let mut changed = false;
        for (axis, gone, role) in edits {
            tensor = match mode {
                Mode::Remove => remove_along(&tensor, axis, &gone).map_err(|e| PruneError::Surgery(format!("`{name}`: {e}")))?,
                Mode::Mask if matches!(role, Role::Producer | Role::Additive) => {
                    zero_along(&tensor, axis, &gone).map_err(|e| PruneError::Surgery(format!("`{name}`: {e}")))?
                }
                Mode::Mask => continue,
            };
            changed = true;
        }
        if changed {
            rewritten.insert(write_const(graph, node, input, tensor)?);
        }
    }
    if mode == Mode::Remove {
        let mut changed: HashSet<&str> = a
            .values
            .iter()
            .filter(|(_, c)| !removed_positions(c, removal, a).is_empty())
            .map(|(v, _)| v.as_str())
            .collect();
        changed.extend(rewritten.iter().map(String::as_str));
        graph.value_info.retain(|v| !changed.contains(v.name.as_str()));
    }
    Ok(())
}

fn input_name(graph: &Graph, node: usize, input: usize) -> Result<String, PruneError> {
    graph
        .nodes
        .get(node)
        .and_then(|n| n.input(input))
        .map(str::to_string)
        .ok_or_else(|| PruneError::Surgery(format!("node {node} has no input {input}")))
}

/// Stores `tensor` as input `input` of node `node`: in place when only that input reads the
/// constant, else as a new initializer with a fresh name. Returns the name changed in place (or
/// the fresh one).
fn write_const(graph: &mut Graph, node: usize, input: usize, tensor: Tensor) -> Result<String, PruneError> {
    let name = input_name(graph, node, input)?;
    let readers = graph.consumers(&name).len() + usize::from(graph.is_output(&name));
    let reads_here = graph.nodes[node].inputs.iter().filter(|i| **i == name).count();
    if readers == 1 && reads_here == 1 {
        if let Some((source, _)) = find_weight(graph, &name) {
            if replace_weight(graph, source, tensor) {
                return Ok(name);
            }
        }
        return Err(PruneError::Surgery(format!("constant `{name}` could not be replaced")));
    }
    let fresh = Names::of_graph(graph).fresh(&format!("{name}_pruned"));
    graph.initializers.push(Initializer::new(fresh.clone(), tensor));
    if let Some(slot) = graph.nodes[node].inputs.get_mut(input) {
        *slot = fresh.clone();
    }
    Ok(fresh)
}

/// `tensor` without the entries at `gone` along `axis`.
pub fn remove_along(tensor: &Tensor, axis: usize, gone: &[usize]) -> Result<Tensor, String> {
    let shape = tensor.shape();
    let Some(&len) = shape.get(axis) else {
        return Err(format!("has no axis {axis} (shape {shape:?})"));
    };
    if gone.iter().any(|&g| g >= len) {
        return Err(format!("axis {axis} has {len} entries, fewer than the channels to remove"));
    }
    let gone: HashSet<usize> = gone.iter().copied().collect();
    let keep: Vec<usize> = (0..len).filter(|i| !gone.contains(i)).collect();
    map_tensor!(any, tensor, a => a.select(Axis(axis), &keep), _ => Err(format!("cannot slice a {} tensor", tensor.type_name())))
}

/// `tensor` with the entries at `gone` along `axis` set to zero (float32 only).
pub fn zero_along(tensor: &Tensor, axis: usize, gone: &[usize]) -> Result<Tensor, String> {
    let Tensor::F32(a) = tensor else {
        return Err(format!("masking handles float32 constants, got {}", tensor.type_name()));
    };
    let len = a.shape().get(axis).copied().ok_or_else(|| format!("has no axis {axis}"))?;
    let mut a = a.clone();
    for &g in gone.iter().filter(|&&g| g < len) {
        a.index_axis_mut(Axis(axis), g).fill(0.0);
    }
    Ok(Tensor::F32(a))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removes_and_zeroes_along_an_axis() {
        let t = Tensor::from_vec(&[2, 3], vec![1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
        let r = remove_along(&t, 1, &[0, 2]).unwrap();
        assert_eq!(r, Tensor::from_vec(&[2, 1], vec![2.0f32, 5.0]).unwrap());
        let z = zero_along(&t, 0, &[1]).unwrap();
        assert_eq!(z, Tensor::from_vec(&[2, 3], vec![1.0f32, 2.0, 3.0, 0.0, 0.0, 0.0]).unwrap());
        assert!(remove_along(&t, 1, &[3]).is_err());
        assert_eq!(expand(&[0, 2], 3), vec![0, 1, 2, 6, 7, 8]);
    }
}
