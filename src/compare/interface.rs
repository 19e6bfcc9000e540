//! Before running anything: do the two models take the same inputs and give the same outputs?
//! Inputs must agree in names and element types (the same samples feed both); outputs in names
//! and, where both declare them, in rank and known dims. Which intermediate tensors both models
//! compute is decided here too, from the node outputs of both main graphs.

use std::collections::HashSet;

use super::error::CompareError;
use crate::ir::{DimValue, Graph, Tensor, dtype::onnx_type_name, format_shape};
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

/// A shared intermediate `x` the candidate quantizes: `x → QuantizeLinear → q → DequantizeLinear
/// → y`, with per-tensor parameters.
pub struct QuantizedIntermediate {
    pub reference: String,
    pub quantized: String,
    pub dequantized: String,
    pub scale: f64,
    pub zero_point: f64,
}

impl QuantizedIntermediate {
    /// `y` computed from `q`, for sessions where no node writes `y` (an integer layer reads `q`).
    pub fn dequantize(&self, q: &Tensor) -> Option<Tensor> {
        let values: Vec<f32> = q.to_f64_vec().ok()?.iter().map(|v| ((v - self.zero_point) * self.scale) as f32).collect();
        Tensor::from_vec(&q.shape(), values).ok()
    }
}

/// Each shared intermediate the candidate quantizes. The candidate's `y` is what its next layers
/// read, so it is compared with the reference's `x` in place of the candidate's own `x`, which
/// holds the values before rounding, or, where a Relu was folded into the quantized range,
/// before the Relu (the producer then writes the Relu's output name; compared by name, a folded
/// Relu showed as an error of −5 dB).
pub fn quantized_intermediates(candidate: &Graph, shared: &HashSet<String>) -> Vec<QuantizedIntermediate> {
    let constant = |name: Option<&str>| -> Option<f64> {
        let values = candidate.initializer(name?)?.tensor.to_f64_vec().ok()?;
        (values.len() == 1).then(|| values[0])
    };
    let mut found = Vec::new();
    for q in candidate.nodes.iter().filter(|n| n.op_type == "QuantizeLinear" && n.domain.is_empty()) {
        let (Some(x), Some(q_out)) = (q.input(0), q.outputs.first()) else { continue };
        if !shared.contains(x) {
            continue;
        }
        let readers = candidate.consumers(q_out);
        let [reader] = readers[..] else { continue };
        let dq = &candidate.nodes[reader];
        if dq.op_type != "DequantizeLinear" || !dq.domain.is_empty() {
            continue;
        }
        let (Some(y), Some(scale)) = (dq.outputs.first().filter(|y| !y.is_empty()), constant(dq.input(1))) else { continue };
        let zero_point = if dq.input(2).is_some() { constant(dq.input(2)) } else { Some(0.0) };
        let Some(zero_point) = zero_point else { continue };
        found.push(QuantizedIntermediate { reference: x.to_string(), quantized: q_out.clone(), dequantized: y.clone(), scale, zero_point });
    }
    found
}
