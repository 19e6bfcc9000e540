//! Loop — ONNX opsets 1–24 (tensor values only: pare has no sequence or optional values).
//! Inputs: M (max trip count, optional), cond (optional), then N loop-carried initial values.
//! Attribute `body`: inputs (iteration_num, cond, N carried values), outputs (cond, N carried
//! values, K scan outputs). Node outputs: the N final carried values, then the K scan outputs
//! stacked along a new first axis.
//!
//! As the spec's pseudo-code says: with neither M nor cond the loop only ends when the body
//! fails; without cond the body's cond output is ignored; a non-positive M runs no iteration.
//! Nothing is allocated from M: results grow one iteration at a time. The body runs inside
//! the scope the Loop node sees, so it can read outer values.
//!
//! Bounds (hostile files: a 248-byte model asking 2^40 iterations would run for days): at most
//! [`MAX_LOOP_ITERATIONS`] iterations (a trip count above it without a condition is refused
//! before the first one), and the scan outputs together within the memory budget
//! (`crate::budget`); past either, `too-large`.

use crate::ir::{Tensor, ValueInfo};
use crate::ops::util::optional;
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry, Subgraph};

use super::tensors::{empty_stack, read_condition, read_count, stack};

/// Most iterations one Loop node runs: 2^20, far above the loops of real models (decoding
/// steps, NMS rounds: thousands at most).
pub const MAX_LOOP_ITERATIONS: i64 = 1 << 20;

pub fn register(r: &mut Registry) {
    r.add("", "Loop", 1..=crate::ops::MAX_OPSET, build_loop);
}

struct Loop {
    body: Box<dyn Subgraph>,
    /// Loop-carried values (N).
    carried: usize,
    /// Declared types of the scan outputs (K), for the result of zero iterations.
    scan_outputs: Vec<ValueInfo>,
}

fn build_loop(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let node = ctx.node;
    let graph = node.attr_graph("body")?.ok_or_else(|| OpError::attribute("body", "is required"))?;
    let Some(carried) = node.inputs.len().checked_sub(2) else {
        return Err(OpError::invalid(format!(
            "Loop takes at least 2 inputs (M and cond, either may be \"\"), got {}",
            node.inputs.len()
        )));
    };
    if graph.inputs.len() != carried + 2 {
        return Err(OpError::attribute(
            "body",
            format!(
                "must take {} inputs (iteration_num, cond and {carried} loop-carried value(s)), declares {}",
                carried + 2,
                graph.inputs.len()
            ),
        ));
    }
    let Some(scans) = graph.outputs.len().checked_sub(carried + 1) else {
        return Err(OpError::attribute(
            "body",
            format!(
                "must return at least {} outputs (cond and {carried} loop-carried value(s)), declares {}",
                carried + 1,
                graph.outputs.len()
            ),
        ));
    };
    if node.outputs.len() > carried + scans {
        return Err(OpError::invalid(format!(
            "the node has {} outputs but its body yields only {carried} loop-carried value(s) and {scans} scan output(s)",
            node.outputs.len()
        )));
    }
    let scan_outputs = graph.outputs[carried + 1..].to_vec();
    Ok(Box::new(Loop { body: ctx.compile_subgraph(graph)?, carried, scan_outputs }))
}

impl Operator for Loop {
    fn run(&self, inputs: &[Option<&Tensor>], ctx: &ExecContext) -> Result<Vec<Tensor>, OpError> {
        let max_trips = optional(inputs, 0).map(|m| read_count(m, "M (trip count)")).transpose()?;
        let mut cond = optional(inputs, 1).map(|c| read_condition(c, "cond")).transpose()?;
        let mut carried: Vec<Tensor> = Vec::with_capacity(self.carried);
        for index in 2..2 + self.carried {
            let value = optional(inputs, index)
                .ok_or_else(|| OpError::input(index, "v_initial", "loop-carried initial values are required"))?;
            carried.push(value.clone());
        }
        let too_many = |m: i64| {
            OpError::too_large(format!("Loop would run {m} iterations or more; pare runs at most {MAX_LOOP_ITERATIONS}"))
        };
        if let (Some(m), None) = (max_trips, cond) {
            if m > MAX_LOOP_ITERATIONS {
                return Err(too_many(m));
            }
        }
        let mut scans: Vec<Vec<Tensor>> = vec![Vec::new(); self.scan_outputs.len()];
        let mut scan_bytes: usize = 0;
        let mut iteration: i64 = 0;
        while max_trips.is_none_or(|m| iteration < m) && cond != Some(false) {
            if iteration >= MAX_LOOP_ITERATIONS {
                return Err(too_many(iteration + 1));
            }
            let mut feeds = Vec::with_capacity(2 + self.carried);
            feeds.push(Tensor::scalar(iteration));
            feeds.push(Tensor::scalar(cond.unwrap_or(true)));
            feeds.append(&mut carried);
            let outputs = self
                .body
                .run(feeds, ctx.scope)
                .map_err(|e| OpError::Subgraph(format!("Loop body, iteration {iteration}: {e}")))?;
            if outputs.len() != 1 + self.carried + scans.len() {
                return Err(OpError::invalid(format!(
                    "Loop body returned {} values, expected {}",
                    outputs.len(),
                    1 + self.carried + scans.len()
                )));
            }
            let mut outputs = outputs.into_iter();
            let body_cond = outputs.next();
            if cond.is_some() {
                let body_cond = body_cond.ok_or_else(|| OpError::invalid("Loop body returned no cond"))?;
                cond = Some(read_condition(&body_cond, "the body's cond output")?);
            }
            carried.extend(outputs.by_ref().take(self.carried));
            for (list, value) in scans.iter_mut().zip(outputs) {
                // Stacking copies the scan outputs once more at the end.
                scan_bytes = scan_bytes.saturating_add(value.byte_size());
                crate::budget::check(scan_bytes.saturating_mul(2), || format!("Loop scan outputs after {} iterations", iteration + 1))
                    .map_err(|e| OpError::too_large(e.to_string()))?;
                list.push(value);
            }
            iteration = iteration.checked_add(1).ok_or_else(|| OpError::invalid("Loop iteration count overflowed"))?;
        }
        let mut results = carried;
        for (k, (list, declared)) in scans.iter().zip(&self.scan_outputs).enumerate() {
            results.push(if list.is_empty() {
                empty_stack(Some(declared), 0)?
            } else {
                stack(list, 0, &format!("scan output {k} (`{}`)", declared.name))?
            });
        }
        Ok(results)
    }
}
