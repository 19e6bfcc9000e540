//! LSTM — ONNX opsets 1–22 (layout from 14). Inputs X, W, R, B?, sequence_lens?, initial_h?,
//! initial_c?, P?; outputs Y?, Y_h?, Y_c?. Attributes: direction, hidden_size, activations
//! (f, g, h per direction; default Sigmoid, Tanh, Tanh), activation_alpha/beta, clip,
//! input_forget, layout.
//!
//! Gates are stacked i, o, f, c in W, R and B; peepholes P are i, o, f. Per step:
//!   i = f(Xt·Wiᵀ + H·Riᵀ + Pi⊙C + Wbi + Rbi)
//!   f = f(Xt·Wfᵀ + H·Rfᵀ + Pf⊙C + Wbf + Rbf)   (1 − i with input_forget)
//!   c = g(Xt·Wcᵀ + H·Rcᵀ + Wbc + Rbc)
//!   C = f⊙C + i⊙c
//!   o = f(Xt·Woᵀ + H·Roᵀ + Po⊙C + Wbo + Rbo)
//!   H = o⊙h(C)
//! `clip` bounds every gate's input before its activation (as onnxruntime does; C itself
//! is not clipped).

use ndarray::CowArray;

use super::activation::Activation;
use super::attributes::{LayerKind, RnnAttributes};
use super::float::RnnFloat;
use super::inputs::{RnnInputs, time_index};
use super::layer::{RecurrentLayer, run_layer};
use super::outputs::RnnOutputs;
use super::projection::{Weights, input_projection};
use crate::ir::{DType, Tensor};
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

const KIND: LayerKind = LayerKind { op: "LSTM", gates: 4, default_activations: &["Sigmoid", "Tanh", "Tanh"] };
const INITIAL_C: usize = 6;
const P: usize = 7;

pub fn register(r: &mut Registry) {
    r.add("", "LSTM", 1..=crate::ops::MAX_OPSET, build_lstm);
}

struct Lstm {
    attrs: RnnAttributes,
    input_forget: bool,
}

fn build_lstm(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let attrs = RnnAttributes::parse(ctx, &KIND)?;
    let input_forget = ctx.node.attr_int("input_forget")?.unwrap_or(0) != 0;
    let lstm = Lstm { attrs, input_forget };
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| run_layer(&lstm, inputs)))
}

/// The functions and constants of one direction's cell.
struct Cell<'p, T> {
    gate: Activation,
    candidate: Activation,
    output: Activation,
    clip: Option<T>,
    input_forget: bool,
    /// Peepholes i, o, f (`3·hidden` values), if given.
    peepholes: Option<&'p [T]>,
}

impl<T: RnnFloat> Cell<'_, T> {
    /// One step for one batch entry. `gates` holds the pre-activations i, o, f, c (inputs,
    /// recurrence and biases summed); `h` and `c` are updated in place.
    fn step(&self, gates: &mut [T], h: &mut [T], c: &mut [T]) {
        let hidden = h.len();
        let (i, rest) = gates.split_at_mut(hidden);
        let (o, rest) = rest.split_at_mut(hidden);
        let (f, cand) = rest.split_at_mut(hidden);
        if let Some(p) = self.peepholes {
            add_product(i, &p[..hidden], c);
            add_product(f, &p[2 * hidden..], c);
        }
        self.clip_in_place(i);
        self.gate.apply(i);
        if self.input_forget {
            f.iter_mut().zip(i.iter()).for_each(|(f, &i)| *f = T::one() - i);
        } else {
            self.clip_in_place(f);
            self.gate.apply(f);
        }
        self.clip_in_place(cand);
        self.candidate.apply(cand);
        for j in 0..hidden {
            c[j] = f[j] * c[j] + i[j] * cand[j];
        }
        if let Some(p) = self.peepholes {
            add_product(o, &p[hidden..2 * hidden], c);
        }
        self.clip_in_place(o);
        self.gate.apply(o);
        h.copy_from_slice(c);
        self.output.apply(h);
        h.iter_mut().zip(o.iter()).for_each(|(h, &o)| *h = *h * o);
    }

    fn clip_in_place(&self, xs: &mut [T]) {
        if let Some(bound) = self.clip {
            xs.iter_mut().for_each(|x| *x = x.max(-bound).min(bound));
        }
    }
}

/// `acc += a ⊙ b`
fn add_product<T: RnnFloat>(acc: &mut [T], a: &[T], b: &[T]) {
    for ((acc, &a), &b) in acc.iter_mut().zip(a).zip(b) {
        *acc = *acc + a * b;
    }
}

impl RecurrentLayer for Lstm {
    fn run_typed<T: RnnFloat>(&self, inputs: &[Option<&Tensor>], dtype: DType) -> Result<Vec<Tensor>, OpError> {
        let attrs = &self.attrs;
        let read = RnnInputs::<T>::read(inputs, attrs, &KIND)?;
        let dims = read.dims;
        let initial_c = read.state_input(inputs, INITIAL_C, "initial_c", attrs.batch_major)?;
        let peepholes: Option<CowArray<T, _>> =
            read.vector_input(inputs, P, "P", 3 * dims.hidden, "num_directions, 3·hidden_size")?;
        let mut outputs = RnnOutputs::new(dims, 2);
        let (batch, hidden, rows) = (dims.batch, dims.hidden, dims.gate_rows);

        for d in 0..dims.directions {
            let (w_bias, r_bias) = read.biases_of(d);
            let bias: Vec<T> = w_bias.iter().zip(&r_bias).map(|(&w, &r)| w + r).collect();
            let projected = input_projection(read.x.view(), read.w_of(d), &bias)?;
            let recurrent = Weights::new(read.r_of(d));
            let peephole_row = peepholes.as_ref().map(|p| p.row(d).to_vec());
            let cell = Cell {
                gate: attrs.activations[d][0],
                candidate: attrs.activations[d][1],
                output: attrs.activations[d][2],
                clip: attrs.clip.map(T::from_f32),
                input_forget: self.input_forget,
                peepholes: peephole_row.as_deref(),
            };
            let reverse = attrs.direction.is_reverse(d);
            let mut h = RnnInputs::initial_state_of(&read.initial_h, d, dims);
            let mut c = RnnInputs::initial_state_of(&initial_c, d, dims);
            let mut gates = vec![T::zero(); batch * rows];
            let steps = read.lens.iter().copied().max().unwrap_or(0);
            for step in 0..steps {
                recurrent.multiply(&h, batch, T::zero(), &mut gates)?;
                for (b, &len) in read.lens.iter().enumerate() {
                    let Some(t) = time_index(reverse, step, len) else { continue };
                    let g = &mut gates[b * rows..(b + 1) * rows];
                    let xw = &projected[(t * batch + b) * rows..(t * batch + b + 1) * rows];
                    g.iter_mut().zip(xw).for_each(|(g, &x)| *g = *g + x);
                    let state = b * hidden..(b + 1) * hidden;
                    cell.step(g, &mut h[state.clone()], &mut c[state.clone()]);
                    outputs.write_y(t, d, b, &h[state]);
                }
            }
            outputs.set_final(0, d, &h, &read.lens);
            outputs.set_final(1, d, &c, &read.lens);
        }
        outputs.into_tensors(attrs.batch_major, dtype)
    }
}
