//! GRU — ONNX opsets 1–22 (layout from 14). Inputs X, W, R, B?, sequence_lens?, initial_h?;
//! outputs Y?, Y_h?. Attributes: direction, hidden_size, activations (f, g per direction;
//! default Sigmoid, Tanh), activation_alpha/beta, clip, linear_before_reset, layout.
//!
//! Gates are stacked z, r, h in W, R and B. Per step:
//!   z = f(Xt·Wzᵀ + H·Rzᵀ + Wbz + Rbz)
//!   r = f(Xt·Wrᵀ + H·Rrᵀ + Wbr + Rbr)
//!   h = g(Xt·Whᵀ + (r⊙H)·Rhᵀ + Rbh + Wbh)        (linear_before_reset = 0)
//!   h = g(Xt·Whᵀ + r⊙(H·Rhᵀ + Rbh) + Wbh)        (linear_before_reset ≠ 0)
//!   H = (1 − z)⊙h + z⊙H
//! `clip` bounds every gate's input before its activation.

use ndarray::s;

use super::activation::Activation;
use super::attributes::{LayerKind, RnnAttributes};
use super::float::RnnFloat;
use super::inputs::{RnnInputs, time_index};
use super::layer::{RecurrentLayer, run_layer};
use super::outputs::RnnOutputs;
use super::projection::{Weights, input_projection};
use crate::ir::{DType, Tensor};
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

const KIND: LayerKind = LayerKind { op: "GRU", gates: 3, default_activations: &["Sigmoid", "Tanh"] };

pub fn register(r: &mut Registry) {
    r.add("", "GRU", 1..=crate::ops::MAX_OPSET, build_gru);
}

struct Gru {
    attrs: RnnAttributes,
    linear_before_reset: bool,
}

fn build_gru(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let attrs = RnnAttributes::parse(ctx, &KIND)?;
    let linear_before_reset = ctx.node.attr_int("linear_before_reset")?.unwrap_or(0) != 0;
    let gru = Gru { attrs, linear_before_reset };
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| run_layer(&gru, inputs)))
}

fn clip_in_place<T: RnnFloat>(clip: Option<T>, xs: &mut [T]) {
    if let Some(bound) = clip {
        xs.iter_mut().for_each(|x| *x = x.max(-bound).min(bound));
    }
}

impl RecurrentLayer for Gru {
    fn run_typed<T: RnnFloat>(&self, inputs: &[Option<&Tensor>], dtype: DType) -> Result<Vec<Tensor>, OpError> {
        let attrs = &self.attrs;
        let read = RnnInputs::<T>::read(inputs, attrs, &KIND)?;
        let dims = read.dims;
        let mut outputs = RnnOutputs::new(dims, 1);
        let (batch, hidden) = (dims.batch, dims.hidden);
        let update_rows = 2 * hidden; // z and r
        let clip = attrs.clip.map(T::from_f32);

        for d in 0..dims.directions {
            let (gate, candidate): (Activation, Activation) = (attrs.activations[d][0], attrs.activations[d][1]);
            let (w_bias, r_bias) = read.biases_of(d);
            // z and r take both biases; h takes Wbh, and Rbh too unless it sits inside r⊙(…).
            let mut bias: Vec<T> = w_bias.clone();
            for j in 0..update_rows {
                bias[j] = bias[j] + r_bias[j];
            }
            if !self.linear_before_reset {
                for j in update_rows..3 * hidden {
                    bias[j] = bias[j] + r_bias[j];
                }
            }
            let recurrent_bias_h = &r_bias[update_rows..];
            let projected = input_projection(read.x.view(), read.w_of(d), &bias)?;
            let r = read.r_of(d);
            let r_update = Weights::new(r.slice(s![..update_rows, ..]));
            let r_candidate = Weights::new(r.slice(s![update_rows.., ..]));
            let reverse = attrs.direction.is_reverse(d);
            let mut h = RnnInputs::initial_state_of(&read.initial_h, d, dims);
            let mut update = vec![T::zero(); batch * update_rows];
            let mut recurrent_h = vec![T::zero(); batch * hidden];
            let mut candidate_in = vec![T::zero(); hidden];
            let steps = read.lens.iter().copied().max().unwrap_or(0);
            for step in 0..steps {
                r_update.multiply(&h, batch, T::zero(), &mut update)?;
                if self.linear_before_reset {
                    r_candidate.multiply(&h, batch, T::zero(), &mut recurrent_h)?;
                }
                for (b, &len) in read.lens.iter().enumerate() {
                    let Some(t) = time_index(reverse, step, len) else { continue };
                    let row = (t * batch + b) * 3 * hidden;
                    let xw = &projected[row..row + 3 * hidden];
                    let zr = &mut update[b * update_rows..(b + 1) * update_rows];
                    zr.iter_mut().zip(&xw[..update_rows]).for_each(|(g, &x)| *g = *g + x);
                    clip_in_place(clip, zr);
                    gate.apply(zr);
                    let (z, reset) = zr.split_at(hidden);
                    let h_prev = &mut h[b * hidden..(b + 1) * hidden];
                    if self.linear_before_reset {
                        let hr = &recurrent_h[b * hidden..(b + 1) * hidden];
                        for j in 0..hidden {
                            candidate_in[j] = xw[update_rows + j] + reset[j] * (hr[j] + recurrent_bias_h[j]);
                        }
                    } else {
                        let reset_h: Vec<T> = reset.iter().zip(h_prev.iter()).map(|(&r, &h)| r * h).collect();
                        candidate_in.copy_from_slice(&xw[update_rows..]);
                        r_candidate.multiply(&reset_h, 1, T::one(), &mut candidate_in)?;
                    }
                    clip_in_place(clip, &mut candidate_in);
                    candidate.apply(&mut candidate_in);
                    for j in 0..hidden {
                        h_prev[j] = (T::one() - z[j]) * candidate_in[j] + z[j] * h_prev[j];
                    }
                    outputs.write_y(t, d, b, h_prev);
                }
            }
            outputs.set_final(0, d, &h, &read.lens);
        }
        outputs.into_tensors(attrs.batch_major, dtype)
    }
}
