//! RNN (the simple, "Elman" recurrent layer) — ONNX opsets 1–22 (layout from 14). Inputs X,
//! W, R, B?, sequence_lens?, initial_h?; outputs Y?, Y_h?. Attributes: direction,
//! hidden_size, activations (one per direction; default Tanh), activation_alpha/beta, clip,
//! layout.
//!
//! Per step: H = f(Xt·Wᵀ + H·Rᵀ + Wb + Rb), with `clip` bounding f's input.

use super::attributes::{LayerKind, RnnAttributes};
use super::float::RnnFloat;
use super::inputs::{RnnInputs, time_index};
use super::layer::{RecurrentLayer, run_layer};
use super::outputs::RnnOutputs;
use super::projection::{Weights, input_projection};
use crate::ir::{DType, Tensor};
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

const KIND: LayerKind = LayerKind { op: "RNN", gates: 1, default_activations: &["Tanh"] };

pub fn register(r: &mut Registry) {
    r.add("", "RNN", 1..=crate::ops::MAX_OPSET, build_rnn);
}

struct Rnn {
    attrs: RnnAttributes,
}

fn build_rnn(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let rnn = Rnn { attrs: RnnAttributes::parse(ctx, &KIND)? };
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| run_layer(&rnn, inputs)))
}

impl RecurrentLayer for Rnn {
    fn run_typed<T: RnnFloat>(&self, inputs: &[Option<&Tensor>], dtype: DType) -> Result<Vec<Tensor>, OpError> {
        let attrs = &self.attrs;
        let read = RnnInputs::<T>::read(inputs, attrs, &KIND)?;
        let dims = read.dims;
        let mut outputs = RnnOutputs::new(dims, 1);
        let (batch, hidden) = (dims.batch, dims.hidden);
        let clip = attrs.clip.map(T::from_f32);

        for d in 0..dims.directions {
            let activation = attrs.activations[d][0];
            let (w_bias, r_bias) = read.biases_of(d);
            let bias: Vec<T> = w_bias.iter().zip(&r_bias).map(|(&w, &r)| w + r).collect();
            let projected = input_projection(read.x.view(), read.w_of(d), &bias)?;
            let recurrent = Weights::new(read.r_of(d));
            let reverse = attrs.direction.is_reverse(d);
            let mut h = RnnInputs::initial_state_of(&read.initial_h, d, dims);
            let mut pre = vec![T::zero(); batch * hidden];
            let steps = read.lens.iter().copied().max().unwrap_or(0);
            for step in 0..steps {
                recurrent.multiply(&h, batch, T::zero(), &mut pre)?;
                for (b, &len) in read.lens.iter().enumerate() {
                    let Some(t) = time_index(reverse, step, len) else { continue };
                    let row = (t * batch + b) * hidden;
                    let state = b * hidden..(b + 1) * hidden;
                    let g = &mut pre[state.clone()];
                    g.iter_mut().zip(&projected[row..row + hidden]).for_each(|(g, &x)| *g = *g + x);
                    if let Some(bound) = clip {
                        g.iter_mut().for_each(|x| *x = x.max(-bound).min(bound));
                    }
                    activation.apply(g);
                    h[state.clone()].copy_from_slice(g);
                    outputs.write_y(t, d, b, &h[state]);
                }
            }
            outputs.set_final(0, d, &h, &read.lens);
        }
        outputs.into_tensors(attrs.batch_major, dtype)
    }
}
