//! What RNN, GRU and LSTM have in common at run time: picking the compute type from X's
//! element type (float16/bfloat16 run in f32) and handing the typed inputs to the layer.

use super::float::RnnFloat;
use crate::ir::dtype_dispatch::dispatch_tensor;
use crate::ir::{DType, Element, Tensor};
use crate::ops::OpError;
use crate::ops::util::float::FloatElement;
use crate::ops::util::required;

/// A recurrent layer, runnable in f32 and f64.
pub trait RecurrentLayer: Send + Sync {
    fn run_typed<T: RnnFloat>(&self, inputs: &[Option<&Tensor>], dtype: DType) -> Result<Vec<Tensor>, OpError>;
}

/// Runs `layer` in the compute type that fits X.
pub fn run_layer<L: RecurrentLayer>(layer: &L, inputs: &[Option<&Tensor>]) -> Result<Vec<Tensor>, OpError> {
    let x = required(inputs, 0, "X")?;
    dispatch_tensor!(float, x, _a: E => layer.run_typed::<<E as FloatElement>::Compute>(inputs, E::DTYPE), _ => {
        Err(OpError::input(0, "X", format!("element type {} is not supported (float types only)", x.type_name())))
    })
}
