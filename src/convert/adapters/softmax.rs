//! Softmax, LogSoftmax and Hardmax before opset 13 coerce their input to 2-D at `axis`
//! (default 1) — `[d0·…·d(axis−1), d(axis)·…·d(n−1)]` — and normalise over the second dim;
//! from 13 they normalise over the single `axis` (default −1). Both agree when `axis` is the
//! last dim. Otherwise the old meaning is kept exactly by `Flatten(axis)` → op(axis = −1) →
//! `Reshape` to the input's shape (taken with `Shape`, so it holds for any input size).

use super::super::edit::{Edit, take_int};
use crate::ir::{AttrValue, Node};

pub fn softmax_13(node: &mut Node, edit: &mut Edit) -> Result<Option<String>, String> {
    let axis = take_int(node, "axis")?.unwrap_or(1);
    let input = node.inputs.first().cloned().ok_or("no input")?;
    let rank = edit.rank(&input);
    let is_last = match rank {
        Some(r) => {
            let r = r as i64;
            axis == -1 || axis == r - 1
        }
        None => axis == -1,
    };
    node.set_attribute("axis", AttrValue::Int(-1));
    if is_last {
        return Ok(Some(format!("axis {axis} is the last axis: same meaning, written as -1")));
    }
    let op = node.op_type.clone();
    let output = node.outputs.first().cloned().ok_or("no output")?;
    let shape = edit.fresh(&format!("{input}_shape"));
    edit.insert_before(Node::new("Shape", &[&input], &[&shape]), &format!("{op}_Shape"));
    let flat = edit.fresh(&format!("{input}_flattened"));
    let mut flatten = Node::new("Flatten", &[&input], &[&flat]);
    flatten.set_attribute("axis", AttrValue::Int(axis));
    edit.insert_before(flatten, &format!("{op}_Flatten"));
    let inner = edit.fresh(&format!("{output}_2d"));
    node.inputs[0] = flat;
    node.outputs[0] = inner.clone();
    edit.insert_after(Node::new("Reshape", &[&inner, &shape], &[&output]), &format!("{op}_Reshape"));
    let rank_text = rank.map_or("unknown rank".to_string(), |r| format!("rank {r}"));
    Ok(Some(format!("axis {axis} ({rank_text}): Flatten → {op}(axis=-1) → Reshape keeps the 2-D meaning")))
}
