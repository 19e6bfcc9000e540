//! The outputs every recurrent layer produces: Y (all hidden states) and the final state of
//! each direction (Y_h, and Y_c for LSTM), arranged per `layout` at the end.
//!
//! Y entries past a sequence's length stay zero. Following onnxruntime, the final states of
//! a sequence of length 0 are zero too (the spec leaves this case open).

use ndarray::{Array3, Array4};

use super::float::RnnFloat;
use super::inputs::Dims;
use crate::ir::{DType, Tensor};
use crate::ops::OpError;

pub struct RnnOutputs<T> {
    dims: Dims,
    /// `[seq, directions, batch, hidden]`
    y: Vec<T>,
    /// One `[directions, batch, hidden]` buffer per state (h, then c).
    finals: Vec<Vec<T>>,
}

impl<T: RnnFloat> RnnOutputs<T> {
    /// Zeroed outputs for `states` final states (sizes were checked when the inputs were read).
    pub fn new(dims: Dims, states: usize) -> Self {
        let Dims { seq, directions, batch, hidden, .. } = dims;
        let y = vec![T::zero(); seq * directions * batch * hidden];
        let finals = vec![vec![T::zero(); directions * batch * hidden]; states];
        RnnOutputs { dims, y, finals }
    }

    /// Stores the hidden state of batch entry `b` at time `t` in direction `d`.
    pub fn write_y(&mut self, t: usize, d: usize, b: usize, h: &[T]) {
        let Dims { directions, batch, hidden, .. } = self.dims;
        let start = ((t * directions + d) * batch + b) * hidden;
        self.y[start..start + hidden].copy_from_slice(h);
    }

    /// Stores the final `[batch, hidden]` value of state `which` for direction `d`.
    pub fn set_final(&mut self, which: usize, d: usize, state: &[T], lens: &[usize]) {
        let Dims { batch, hidden, .. } = self.dims;
        let block = &mut self.finals[which][d * batch * hidden..(d + 1) * batch * hidden];
        block.copy_from_slice(state);
        for (b, &len) in lens.iter().enumerate() {
            if len == 0 {
                block[b * hidden..(b + 1) * hidden].fill(T::zero());
            }
        }
    }

    /// Y, then the final states, in the node's `layout` and element type.
    pub fn into_tensors(self, batch_major: bool, dtype: DType) -> Result<Vec<Tensor>, OpError> {
        let Dims { seq, directions, batch, hidden, .. } = self.dims;
        let shape_error = |e: ndarray::ShapeError| OpError::invalid(format!("recurrent outputs: {e}"));
        let y = Array4::from_shape_vec((seq, directions, batch, hidden), self.y).map_err(shape_error)?;
        let y = if batch_major { y.permuted_axes([2, 0, 1, 3]).as_standard_layout().into_owned() } else { y };
        let mut out = vec![T::into_tensor(y.into_dyn(), dtype)];
        for state in self.finals {
            let s = Array3::from_shape_vec((directions, batch, hidden), state).map_err(shape_error)?;
            let s = if batch_major { s.permuted_axes([1, 0, 2]).as_standard_layout().into_owned() } else { s };
            out.push(T::into_tensor(s.into_dyn(), dtype));
        }
        Ok(out)
    }
}
