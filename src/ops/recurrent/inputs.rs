//! Reading and checking the inputs RNN, GRU and LSTM share — X, W, R, B, sequence_lens,
//! initial_h (inputs 0–5) — and the extra per-direction states LSTM adds (initial_c, P).
//!
//! Everything is brought to one internal layout: X time-major and flattened to
//! `[seq·batch, input]`, states `[num_directions, batch, hidden]`. Every shape is checked
//! against `hidden_size` and X before any buffer is allocated.

use ndarray::{Array2, Array3, ArrayView2, ArrayView3, CowArray, Ix2, Ix3};

use super::attributes::{LayerKind, RnnAttributes};
use super::float::RnnFloat;
use crate::ir::{Tensor, checked_numel};
use crate::ops::OpError;
use crate::ops::util::{optional, required};

/// The sizes of one run.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dims {
    pub seq: usize,
    pub batch: usize,
    pub input: usize,
    pub hidden: usize,
    pub directions: usize,
    /// Rows of W and R: gates · hidden.
    pub gate_rows: usize,
}

pub struct RnnInputs<'a, T: RnnFloat> {
    pub dims: Dims,
    /// X, time-major, as `[seq·batch, input]` (row `t·batch + b`).
    pub x: Array2<T>,
    /// `[directions, gates·hidden, input]`
    pub w: CowArray<'a, T, Ix3>,
    /// `[directions, gates·hidden, hidden]`
    pub r: CowArray<'a, T, Ix3>,
    /// `[directions, 2·gates·hidden]`: the W biases, then the R biases.
    pub b: Option<CowArray<'a, T, Ix2>>,
    /// Valid steps of each batch entry (all `seq` without `sequence_lens`).
    pub lens: Vec<usize>,
    /// `[directions, batch, hidden]`
    pub initial_h: Option<Array3<T>>,
}

/// Index of the inputs every layer shares.
const X: usize = 0;
const W: usize = 1;
const R: usize = 2;
const B: usize = 3;
const SEQUENCE_LENS: usize = 4;
const INITIAL_H: usize = 5;

/// Borrows (or widens) a float input of the same element type as X, with its rank checked.
fn float_input<'a, T: RnnFloat, D: ndarray::Dimension>(
    t: &'a Tensor,
    x: &Tensor,
    index: usize,
    what: &'static str,
) -> Result<CowArray<'a, T, D>, OpError> {
    if t.onnx_type() != x.onnx_type() {
        return Err(OpError::input(index, what, format!("is {} but X is {}", t.type_name(), x.type_name())));
    }
    let array = T::borrow_or_widen(t)
        .ok_or_else(|| OpError::input(index, what, format!("element type {} is not supported", t.type_name())))?;
    let rank = D::NDIM.unwrap_or(0);
    array
        .into_dimensionality::<D>()
        .map_err(|_| OpError::input(index, what, format!("must have rank {rank}, got shape {:?}", t.shape())))
}

fn check_shape(got: &[usize], want: &[usize], index: usize, what: &'static str, meaning: &str) -> Result<(), OpError> {
    if got == want {
        Ok(())
    } else {
        Err(OpError::input(index, what, format!("must have shape {want:?} ({meaning}), got {got:?}")))
    }
}

impl<'a, T: RnnFloat> RnnInputs<'a, T> {
    pub fn read(inputs: &[Option<&'a Tensor>], attrs: &RnnAttributes, kind: &LayerKind) -> Result<Self, OpError> {
        let x_tensor = required(inputs, X, "X")?;
        let x: CowArray<T, Ix3> = float_input(x_tensor, x_tensor, X, "X")?;
        let (seq, batch, input) = match (attrs.batch_major, x.dim()) {
            (false, (s, b, i)) => (s, b, i),
            (true, (b, s, i)) => (s, b, i),
        };
        let directions = attrs.direction.count();

        let r: CowArray<T, Ix3> = float_input(required(inputs, R, "R")?, x_tensor, R, "R")?;
        let hidden = r.dim().2;
        if let Some(h) = attrs.hidden_size {
            if h != hidden {
                return Err(OpError::input(R, "R", format!("last dimension is {hidden} but hidden_size is {h}")));
            }
        }
        let gate_rows = kind
            .gates
            .checked_mul(hidden)
            .ok_or_else(|| OpError::input(R, "R", format!("hidden size {hidden} is too large")))?;
        let dims = Dims { seq, batch, input, hidden, directions, gate_rows };
        let gates_meaning = format!("num_directions, {}·hidden_size, ", kind.gates);
        check_shape(r.shape(), &[directions, gate_rows, hidden], R, "R", &format!("{gates_meaning}hidden_size"))?;

        let w: CowArray<T, Ix3> = float_input(required(inputs, W, "W")?, x_tensor, W, "W")?;
        check_shape(w.shape(), &[directions, gate_rows, input], W, "W", &format!("{gates_meaning}input_size"))?;

        let b = match optional(inputs, B) {
            None => None,
            Some(t) => {
                let b: CowArray<T, Ix2> = float_input(t, x_tensor, B, "B")?;
                let width = gate_rows.checked_mul(2).ok_or_else(|| OpError::input(B, "B", "is too large"))?;
                check_shape(
                    b.shape(),
                    &[directions, width],
                    B,
                    "B",
                    &format!("num_directions, {}·hidden_size", 2 * kind.gates),
                )?;
                Some(b)
            }
        };

        let lens = read_sequence_lens(optional(inputs, SEQUENCE_LENS), seq, batch)?;

        // Every buffer the run allocates is at most one of these sizes.
        for shape in [[seq, batch, gate_rows, 1], [seq, directions, batch, hidden], [seq, batch, input, 1]] {
            checked_numel(&shape)?;
        }
        let x = time_major_rows(x, attrs.batch_major, dims)?;
        let mut read = RnnInputs { dims, x, w, r, b, lens, initial_h: None };
        read.initial_h = read.state_input(inputs, INITIAL_H, "initial_h", attrs.batch_major)?;
        Ok(read)
    }

    /// A per-direction state input (`initial_h`, `initial_c`), as `[directions, batch, hidden]`.
    pub fn state_input(
        &self,
        inputs: &[Option<&Tensor>],
        index: usize,
        what: &'static str,
        batch_major: bool,
    ) -> Result<Option<Array3<T>>, OpError> {
        let Some(t) = optional(inputs, index) else { return Ok(None) };
        let x_tensor = required(inputs, X, "X")?;
        let state: CowArray<T, Ix3> = float_input(t, x_tensor, index, what)?;
        let Dims { directions, batch, hidden, .. } = self.dims;
        if batch_major {
            check_shape(
                state.shape(),
                &[batch, directions, hidden],
                index,
                what,
                "batch_size, num_directions, hidden_size",
            )?;
            Ok(Some(state.view().permuted_axes([1, 0, 2]).as_standard_layout().into_owned()))
        } else {
            check_shape(
                state.shape(),
                &[directions, batch, hidden],
                index,
                what,
                "num_directions, batch_size, hidden_size",
            )?;
            Ok(Some(state.into_owned()))
        }
    }

    /// A per-direction vector input (LSTM's P), checked to be `[directions, width]`.
    pub fn vector_input(
        &self,
        inputs: &[Option<&'a Tensor>],
        index: usize,
        what: &'static str,
        width: usize,
        meaning: &str,
    ) -> Result<Option<CowArray<'a, T, Ix2>>, OpError> {
        let Some(t) = optional(inputs, index) else { return Ok(None) };
        let x_tensor = required(inputs, X, "X")?;
        let v: CowArray<T, Ix2> = float_input(t, x_tensor, index, what)?;
        check_shape(v.shape(), &[self.dims.directions, width], index, what, meaning)?;
        Ok(Some(v))
    }

    pub fn w_of(&self, d: usize) -> ArrayView2<'_, T> {
        self.w.index_axis(ndarray::Axis(0), d)
    }

    pub fn r_of(&self, d: usize) -> ArrayView2<'_, T> {
        self.r.index_axis(ndarray::Axis(0), d)
    }

    /// The W bias and R bias of direction `d` (zeros without B).
    pub fn biases_of(&self, d: usize) -> (Vec<T>, Vec<T>) {
        let rows = self.dims.gate_rows;
        match &self.b {
            Some(b) => {
                let row = b.index_axis(ndarray::Axis(0), d);
                (row.iter().take(rows).copied().collect(), row.iter().skip(rows).copied().collect())
            }
            None => (vec![T::zero(); rows], vec![T::zero(); rows]),
        }
    }

    /// The initial state of direction `d` as a `[batch·hidden]` buffer (zeros if not given).
    pub fn initial_state_of(state: &Option<Array3<T>>, d: usize, dims: Dims) -> Vec<T> {
        match state {
            Some(s) => s.index_axis(ndarray::Axis(0), d).iter().copied().collect(),
            None => vec![T::zero(); dims.batch * dims.hidden],
        }
    }
}

/// X as `[seq·batch, input]`, time-major.
fn time_major_rows<T: RnnFloat>(x: CowArray<T, Ix3>, batch_major: bool, dims: Dims) -> Result<Array2<T>, OpError> {
    let view: ArrayView3<T> = if batch_major { x.view().permuted_axes([1, 0, 2]) } else { x.view() };
    let data: Vec<T> = view.iter().copied().collect();
    Array2::from_shape_vec((dims.seq * dims.batch, dims.input), data).map_err(|e| OpError::invalid(format!("X: {e}")))
}

/// `sequence_lens`: one length in `[0, seq]` per batch entry.
fn read_sequence_lens(t: Option<&Tensor>, seq: usize, batch: usize) -> Result<Vec<usize>, OpError> {
    let Some(t) = t else { return Ok(vec![seq; batch]) };
    let what = "sequence_lens";
    if t.shape() != [batch] {
        return Err(OpError::input(
            SEQUENCE_LENS,
            what,
            format!("must have shape [{batch}] (batch_size), got {:?}", t.shape()),
        ));
    }
    let values = t.to_i64_vec().map_err(|e| OpError::input(SEQUENCE_LENS, what, e.to_string()))?;
    values
        .into_iter()
        .map(|len| match usize::try_from(len) {
            Ok(l) if l <= seq => Ok(l),
            _ => Err(OpError::input(SEQUENCE_LENS, what, format!("length {len} is outside [0, {seq}] (seq_length)"))),
        })
        .collect()
}

/// The time index step `step` of a sequence of `len` valid steps reads, or `None` once the
/// sequence has ended. Reverse directions read each sequence from its own last valid step.
pub fn time_index(reverse: bool, step: usize, len: usize) -> Option<usize> {
    if step >= len {
        None
    } else if reverse {
        Some(len - 1 - step)
    } else {
        Some(step)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reverse_directions_start_at_each_sequences_last_valid_step() {
        assert_eq!(time_index(false, 1, 3), Some(1));
        assert_eq!(time_index(true, 0, 3), Some(2));
        assert_eq!(time_index(true, 2, 3), Some(0));
        assert_eq!(time_index(true, 3, 3), None);
        assert_eq!(time_index(false, 0, 0), None);
    }

    #[test]
    fn sequence_lengths_must_fit_the_sequence() {
        let lens = Tensor::from_vec(&[2], vec![3i32, 0]).unwrap();
        assert_eq!(read_sequence_lens(Some(&lens), 3, 2).unwrap(), vec![3, 0]);
        assert!(read_sequence_lens(Some(&lens), 2, 2).is_err());
        let negative = Tensor::from_vec(&[1], vec![-1i32]).unwrap();
        assert!(read_sequence_lens(Some(&negative), 2, 1).is_err());
        assert!(read_sequence_lens(Some(&lens), 3, 3).is_err());
    }
}
