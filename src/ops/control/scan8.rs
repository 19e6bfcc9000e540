//! Scan — ONNX opset 8, the batched form. Inputs: `sequence_lens` (optional, one length per
//! batch entry), then N initial states and M scan inputs, all with the batch on axis 0 and
//! scan inputs with the sequence on axis 1. Attributes: `body`, `num_scan_inputs`,
//! `directions` (M flags).
//!
//! Each batch entry is scanned on its own for its length (from its own last valid step for
//! reversed inputs). Outputs: the final states stacked over the batch, and the scan outputs
//! `[batch, max_sequence_length, …]`, zero-padded past each entry's length.

use crate::ir::Tensor;
use crate::ops::util::{optional, required};
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

use super::scan::{ScanBody, scan_loop};
use super::tensors::{empty_stack, slice_at, stack, zeros_like};

pub fn register(r: &mut Registry) {
    r.add("", "Scan", 8..=8, build_scan8);
}

struct Scan8 {
    body: ScanBody,
    reverse: Vec<bool>,
}

fn build_scan8(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let given = ctx.node.inputs.len().saturating_sub(1);
    let body = ScanBody::build(ctx, given)?;
    let reverse = match ctx.node.attr_ints("directions")? {
        None => vec![false; body.inputs],
        Some(d) if d.len() == body.inputs && d.iter().all(|&v| v == 0 || v == 1) => d.iter().map(|&v| v == 1).collect(),
        Some(d) => {
            return Err(OpError::attribute(
                "directions",
                format!("must be {} flags of 0 or 1, got {d:?}", body.inputs),
            ));
        }
    };
    Ok(Box::new(Scan8 { body, reverse }))
}

impl Operator for Scan8 {
    fn run(&self, inputs: &[Option<&Tensor>], ctx: &ExecContext) -> Result<Vec<Tensor>, OpError> {
        let n = self.body.states;
        let values: Vec<&Tensor> = (1..=n + self.body.inputs)
            .map(|i| required(inputs, i, "initial_state_and_scan_inputs"))
            .collect::<Result<_, _>>()?;
        let first_scan = values[n].shape();
        let (batch, max_len) = match first_scan.as_slice() {
            [b, s, ..] => (*b, *s),
            other => {
                return Err(OpError::input(
                    n + 1,
                    "scan_input",
                    format!("needs [batch, sequence, …], got shape {other:?}"),
                ));
            }
        };
        for (i, v) in values.iter().enumerate() {
            let shape = v.shape();
            let ok =
                if i < n { shape.first() == Some(&batch) } else { shape.len() >= 2 && shape[..2] == [batch, max_len] };
            if !ok {
                return Err(OpError::input(
                    i + 1,
                    "initial_state_and_scan_inputs",
                    format!(
                        "shape {shape:?} does not start with batch {batch} (and sequence {max_len} for scan inputs)"
                    ),
                ));
            }
        }
        let lens = read_lens(optional(inputs, 0), batch, max_len)?;

        let mut final_states: Vec<Vec<Tensor>> = vec![Vec::with_capacity(batch); n];
        let mut scan_outputs: Vec<Vec<Tensor>> = vec![Vec::with_capacity(batch); self.body.outputs.len()];
        for (b, &len) in lens.iter().enumerate() {
            let states = values[..n].iter().map(|s| slice_at(s, 0, b)).collect::<Result<Vec<_>, _>>()?;
            let entries = values[n..].iter().map(|x| slice_at(x, 0, b)).collect::<Result<Vec<_>, _>>()?;
            let scan_inputs: Vec<(&Tensor, usize, bool)> =
                entries.iter().zip(&self.reverse).map(|(x, &reverse)| (x, 0, reverse)).collect();
            let (states, scans) = scan_loop(&self.body, states, &scan_inputs, len, ctx.scope)?;
            for (list, s) in final_states.iter_mut().zip(states) {
                list.push(s);
            }
            for (k, (list, steps)) in scan_outputs.iter_mut().zip(scans).enumerate() {
                list.push(pad_steps(steps, max_len, &self.body.outputs[k].name)?);
            }
        }

        let mut results = Vec::with_capacity(n + scan_outputs.len());
        for (i, list) in final_states.iter().enumerate() {
            results.push(if list.is_empty() {
                zeros_like(values[i], &values[i].shape())?
            } else {
                stack(list, 0, "final state")?
            });
        }
        for (k, list) in scan_outputs.iter().enumerate() {
            let declared = &self.body.outputs[k];
            results.push(if list.is_empty() {
                empty_stack(Some(declared), 0)?
            } else {
                stack(list, 0, &format!("scan output {k} (`{}`)", declared.name))?
            });
        }
        Ok(results)
    }
}

/// One batch entry's scan output: its steps stacked, zero-padded to `max_len` steps.
fn pad_steps(mut steps: Vec<Tensor>, max_len: usize, name: &str) -> Result<Tensor, OpError> {
    let what = format!("scan output `{name}`");
    let Some(first) = steps.first() else {
        return Err(OpError::unsupported(format!("{what}: a sequence of length 0 leaves its element shape unknown")));
    };
    let padding = zeros_like(first, &first.shape())?;
    steps.resize(max_len, padding);
    stack(&steps, 0, &what)
}

fn read_lens(t: Option<&Tensor>, batch: usize, max_len: usize) -> Result<Vec<usize>, OpError> {
    let Some(t) = t else { return Ok(vec![max_len; batch]) };
    let values = t.to_i64_vec().map_err(|e| OpError::input(0, "sequence_lens", e.to_string()))?;
    if values.len() != batch {
        return Err(OpError::input(0, "sequence_lens", format!("has {} values for batch {batch}", values.len())));
    }
    values
        .into_iter()
        .map(|l| {
            usize::try_from(l)
                .ok()
                .filter(|&l| l <= max_len)
                .ok_or_else(|| OpError::input(0, "sequence_lens", format!("length {l} is outside [0, {max_len}]")))
        })
        .collect()
}
