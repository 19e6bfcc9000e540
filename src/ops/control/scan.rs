//! Scan — ONNX opsets 9–24 (tensor values only). Inputs: N initial state values, then M scan
//! inputs. Attributes: `body` (N + M inputs → N + K outputs), `num_scan_inputs` (M),
//! `scan_input_axes`, `scan_input_directions`, `scan_output_axes`, `scan_output_directions`
//! (axes may be negative from opset 11). Outputs: the N final states, then the K scan outputs
//! (each iteration's value stacked along a new axis, in reverse order for direction 1).
//!
//! Opset 8's batched form lives in `scan8.rs`; both use [`scan_loop`]. The body runs inside
//! the scope the Scan node sees, so it can read outer values.

use crate::ir::{Graph, Node, Tensor, ValueInfo};
use crate::ops::util::{normalize_axis, required};
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry, Scope, Subgraph};

use super::tensors::{empty_stack, slice_at, stack};

pub fn register(r: &mut Registry) {
    r.add("", "Scan", 9..=crate::ops::MAX_OPSET, build_scan);
    super::scan8::register(r);
}

/// The body and the counts every form of Scan checks at build time.
pub struct ScanBody {
    pub body: Box<dyn Subgraph>,
    /// State variables (N).
    pub states: usize,
    /// Scan inputs (M).
    pub inputs: usize,
    /// Declared scan outputs of the body (K), for the result of zero iterations.
    pub outputs: Vec<ValueInfo>,
}

impl ScanBody {
    /// Reads `body` and `num_scan_inputs`; `given` is how many states and scan inputs the
    /// node passes.
    pub fn build(ctx: &BuildContext, given: usize) -> Result<ScanBody, OpError> {
        let node: &Node = ctx.node;
        let graph: &Graph = node.attr_graph("body")?.ok_or_else(|| OpError::attribute("body", "is required"))?;
        let inputs =
            node.attr_int("num_scan_inputs")?.ok_or_else(|| OpError::attribute("num_scan_inputs", "is required"))?;
        let inputs = usize::try_from(inputs)
            .ok()
            .filter(|&m| m >= 1 && m <= given)
            .ok_or_else(|| OpError::attribute("num_scan_inputs", format!("must be in [1, {given}], got {inputs}")))?;
        let states = given - inputs;
        if graph.inputs.len() != states + inputs {
            return Err(OpError::attribute(
                "body",
                format!(
                    "must take {} inputs ({states} state(s), {inputs} scan input(s)), declares {}",
                    given,
                    graph.inputs.len()
                ),
            ));
        }
        let Some(scan_outputs) = graph.outputs.len().checked_sub(states) else {
            return Err(OpError::attribute(
                "body",
                format!("must return at least {states} state value(s), declares {} outputs", graph.outputs.len()),
            ));
        };
        if node.outputs.len() > states + scan_outputs {
            return Err(OpError::invalid(format!(
                "the node has {} outputs but its body yields {states} state(s) and {scan_outputs} scan output(s)",
                node.outputs.len()
            )));
        }
        let outputs = graph.outputs[states..].to_vec();
        Ok(ScanBody { body: ctx.compile_subgraph(graph)?, states, inputs, outputs })
    }
}

/// Runs the body `length` times over `scan_inputs` (each sliced along its axis, from the end
/// when its `reverse` flag is set). Returns the final states and each scan output's values in
/// iteration order.
pub fn scan_loop(
    body: &ScanBody,
    mut states: Vec<Tensor>,
    scan_inputs: &[(&Tensor, usize, bool)],
    length: usize,
    scope: &dyn Scope,
) -> Result<(Vec<Tensor>, Vec<Vec<Tensor>>), OpError> {
    let mut scans: Vec<Vec<Tensor>> = vec![Vec::new(); body.outputs.len()];
    for t in 0..length {
        let mut feeds = Vec::with_capacity(states.len() + scan_inputs.len());
        feeds.append(&mut states);
        for &(input, axis, reverse) in scan_inputs {
            feeds.push(slice_at(input, axis, if reverse { length - 1 - t } else { t })?);
        }
        let outputs =
            body.body.run(feeds, scope).map_err(|e| OpError::Subgraph(format!("Scan body, iteration {t}: {e}")))?;
        if outputs.len() != body.states + scans.len() {
            return Err(OpError::invalid(format!(
                "Scan body returned {} values, expected {}",
                outputs.len(),
                body.states + scans.len()
            )));
        }
        let mut outputs = outputs.into_iter();
        states.extend(outputs.by_ref().take(body.states));
        for (list, value) in scans.iter_mut().zip(outputs) {
            list.push(value);
        }
    }
    Ok((states, scans))
}

/// A list attribute of `count` values (zeros when absent).
fn per_value_attr(node: &Node, name: &str, count: usize) -> Result<Vec<i64>, OpError> {
    match node.attr_ints(name)? {
        None => Ok(vec![0; count]),
        Some(v) if v.len() == count => Ok(v),
        Some(v) => Err(OpError::attribute(name, format!("must have {count} values, got {}", v.len()))),
    }
}

fn directions(node: &Node, name: &str, count: usize) -> Result<Vec<bool>, OpError> {
    per_value_attr(node, name, count)?
        .into_iter()
        .map(|d| match d {
            0 => Ok(false),
            1 => Ok(true),
            other => Err(OpError::attribute(name, format!("directions are 0 or 1, got {other}"))),
        })
        .collect()
}

struct Scan {
    body: ScanBody,
    input_axes: Vec<i64>,
    input_reverse: Vec<bool>,
    output_axes: Vec<i64>,
    output_reverse: Vec<bool>,
}

fn build_scan(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let body = ScanBody::build(ctx, ctx.node.inputs.len())?;
    let node = ctx.node;
    let outputs = body.outputs.len();
    Ok(Box::new(Scan {
        input_axes: per_value_attr(node, "scan_input_axes", body.inputs)?,
        input_reverse: directions(node, "scan_input_directions", body.inputs)?,
        output_axes: per_value_attr(node, "scan_output_axes", outputs)?,
        output_reverse: directions(node, "scan_output_directions", outputs)?,
        body,
    }))
}

impl Operator for Scan {
    fn run(&self, inputs: &[Option<&Tensor>], ctx: &ExecContext) -> Result<Vec<Tensor>, OpError> {
        let n = self.body.states;
        let mut states = Vec::with_capacity(n);
        for i in 0..n {
            states.push(required(inputs, i, "initial_state")?.clone());
        }
        let mut scan_inputs = Vec::with_capacity(self.body.inputs);
        let mut length: Option<usize> = None;
        for (j, (&axis, &reverse)) in self.input_axes.iter().zip(&self.input_reverse).enumerate() {
            let input = required(inputs, n + j, "scan_input")?;
            let shape = input.shape();
            let axis = normalize_axis(axis, shape.len())
                .map_err(|e| OpError::attribute("scan_input_axes", format!("scan input {j}: {e}")))?;
            match length {
                None => length = Some(shape[axis]),
                Some(l) if l != shape[axis] => {
                    return Err(OpError::input(
                        n + j,
                        "scan_input",
                        format!("scans {} steps along axis {axis} but scan input 0 scans {l}", shape[axis]),
                    ));
                }
                Some(_) => {}
            }
            scan_inputs.push((input, axis, reverse));
        }
        let (mut results, scans) = scan_loop(&self.body, states, &scan_inputs, length.unwrap_or(0), ctx.scope)?;
        for (k, mut values) in scans.into_iter().enumerate() {
            let declared = &self.body.outputs[k];
            let rank = values.first().map(Tensor::rank).unwrap_or(0);
            let axis = normalize_axis(self.output_axes[k], rank + 1)
                .map_err(|e| OpError::attribute("scan_output_axes", format!("scan output {k}: {e}")))?;
            if self.output_reverse[k] {
                values.reverse();
            }
            results.push(if values.is_empty() {
                empty_stack(Some(declared), axis)?
            } else {
                stack(&values, axis, &format!("scan output {k} (`{}`)", declared.name))?
            });
        }
        Ok(results)
    }
}
