//! Before running anything: do the two models take the same inputs and give the same outputs?
//! Inputs must agree in names and element types (the same samples feed both); outputs in names
//! and, where both declare them, in rank and known dims. Which intermediate tensors both models
//! compute is decided here too, from the node outputs of both main graphs.

use std::collections::HashSet;

use super::error::CompareError;
use crate::ir::{DimValue, Graph, dtype::onnx_type_name, format_shape};
use crate::runtime::random_inputs::declared_inputs;

/// Checks that `candidate` can be fed the reference's samples and gives the same outputs.
pub fn check_interfaces(reference: &Graph, candidate: &Graph) -> Result<(), CompareError> {
    check_inputs(reference, candidate)?;
    check_outputs(reference, candidate)
}

fn check_inputs(reference: &Graph, candidate: &Graph) -> Result<(), CompareError> {
    let required = |g: &Graph| declared_inputs(g).into_iter().filter(|i| !i.has_default).collect::<Vec<_>>();
    let (ours, theirs) = (required(reference), required(candidate));
    for spec in &ours {
        let Some(other) = theirs.iter().find(|o| o.name == spec.name) else {
            return Err(CompareError::InputsDiffer(format!(
                "the reference takes `{}` ({}) but the candidate has no such input",
                spec.name,
                spec.describe()
            )));
        };
        if let (Some(a), Some(b)) = (spec.elem_type, other.elem_type) {
            if a != b {
                return Err(CompareError::InputsDiffer(format!(
                    "input `{}` is {} in the reference but {} in the candidate",
                    spec.name,
                    onnx_type_name(a),
                    onnx_type_name(b)
                )));
            }
        }
    }
    if let Some(extra) = theirs.iter().find(|t| !ours.iter().any(|o| o.name == t.name)) {
        return Err(CompareError::InputsDiffer(format!(
            "the candidate takes `{}` ({}) but the reference has no such input",
            extra.name,
            extra.describe()
        )));
    }
    Ok(())
}

fn check_outputs(reference: &Graph, candidate: &Graph) -> Result<(), CompareError> {
    for output in &reference.outputs {
        let Some(other) = candidate.outputs.iter().find(|o| o.name == output.name) else {
            return Err(CompareError::OutputsDiffer(format!(
                "the reference gives `{}` but the candidate has no such output",
                output.name
            )));
        };
        let declared = |v: &crate::ir::ValueInfo| v.tensor_type().and_then(|(_, shape)| shape.map(<[_]>::to_vec));
        if let (Some(a), Some(b)) = (declared(output), declared(other)) {
            let conflict = a.len() != b.len()
                || a.iter().zip(&b).any(|(x, y)| match (&x.value, &y.value) {
                    (DimValue::Known(x), DimValue::Known(y)) => x >= &0 && y >= &0 && x != y,
                    _ => false,
                });
            if conflict {
                return Err(CompareError::OutputShape {
                    name: output.name.clone(),
                    reference: format_shape(&a),
                    candidate: format_shape(&b),
                    at: " (as declared)".into(),
                });
            }
        }
    }
    if let Some(extra) = candidate.outputs.iter().find(|c| !reference.outputs.iter().any(|r| r.name == c.name)) {
        return Err(CompareError::OutputsDiffer(format!(
            "the candidate gives `{}` but the reference has no such output",
            extra.name
        )));
    }
    Ok(())
}

/// Names a node of both main graphs produces, except the reference's graph outputs (reported
/// as outputs). Whether each one is a float tensor of the same shape is seen when the models run.
pub fn shared_intermediates(reference: &Graph, candidate: &Graph) -> HashSet<String> {
    let produced = |g: &Graph| -> HashSet<String> {
        g.nodes.iter().flat_map(|n| n.outputs.iter()).filter(|name| !name.is_empty()).cloned().collect()
    };
    let theirs = produced(candidate);
    let mut shared = produced(reference);
    shared.retain(|name| theirs.contains(name) && !reference.outputs.iter().any(|o| &o.name == name));
    shared
}
