//! Dropout — ONNX opsets 1+. Inference (the default, and always before opset 12): the output
//! is the input and the optional mask is all ones (bool from opset 10, the data's type
//! before). Opsets 1–6 `is_test=0` is treated as inference too, as runtimes do.
//! From opset 12, a true `training_mode` input drops elements: `mask = u >= ratio` with `u`
//! uniform in [0, 1) and `output = data * mask / (1 - ratio)` (`ratio` input, default 0.5,
//! must lie in [0, 1)). The draws follow numpy's `RandomState(seed)` (MT19937), so a
//! `seed` attribute reproduces the ONNX reference exactly; without it pare uses seed 0,
//! keeping runs deterministic.

use ndarray::ArrayD;

use super::alloc;
use super::common::unsupported_type;
use super::mt19937::Mt19937;
use crate::ir::Tensor;
use crate::ir::dtype_dispatch::map_tensor;
use crate::ops::util::float::FloatElement;
use crate::ops::util::{optional, required};
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

pub fn register(r: &mut Registry) {
    r.add("", "Dropout", 1..=crate::ops::MAX_OPSET, build_dropout);
}

struct DropoutOp {
    wants_mask: bool,
    /// Mask as bool (opset 10+) rather than the data's type.
    bool_mask: bool,
    /// Ratio and training mode come from inputs (opset 12+).
    trainable: bool,
    seed: u32,
}

fn build_dropout(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let wants_mask = ctx.node.outputs.get(1).is_some_and(|n| !n.is_empty());
    // numpy accepts seeds in [0, 2^32); other values are reduced modulo 2^32.
    let seed = ctx.node.attr_int("seed")?.unwrap_or(0) as u32;
    Ok(Box::new(DropoutOp { wants_mask, bool_mask: ctx.opset >= 10, trainable: ctx.opset >= 12, seed }))
}

impl Operator for DropoutOp {
    fn run(&self, inputs: &[Option<&Tensor>], _: &ExecContext) -> Result<Vec<Tensor>, OpError> {
        let data = required(inputs, 0, "data")?;
        let training = match optional(inputs, 2).filter(|_| self.trainable) {
            Some(t) => t
                .as_array::<bool>()
                .map_err(|e| OpError::input(2, "training_mode", e.to_string()))?
                .iter()
                .next()
                .copied()
                .unwrap_or(false),
            None => false,
        };
        let ratio = match optional(inputs, 1).filter(|_| self.trainable) {
            Some(t) => *t
                .to_f64_vec()
                .map_err(|e| OpError::input(1, "ratio", e.to_string()))?
                .first()
                .ok_or_else(|| OpError::input(1, "ratio", "is empty"))?,
            None => 0.5,
        };
        if !training || ratio == 0.0 {
            let mut outputs = vec![data.clone()];
            if self.wants_mask {
                outputs.push(self.all_kept(data)?);
            }
            return Ok(outputs);
        }
        if !(0.0..1.0).contains(&ratio) {
            return Err(OpError::input(1, "ratio", format!("{ratio} must lie in [0, 1) in training mode")));
        }
        let mut rng = Mt19937::new(self.seed);
        let keep: Vec<bool> = (0..data.len()).map(|_| rng.next_f64() >= ratio).collect();
        let scale = 1.0 / (1.0 - ratio);
        // In the compute type (f16/bf16: f32), rounded back once.
        let dropped = map_tensor!(float, data, a: E => {
            let scale: <E as FloatElement>::Compute = num_traits::AsPrimitive::as_(scale);
            apply(a, &keep, |v| E::narrow(v.widen() * scale))?
        }, other => Err(unsupported_type(0, "data", other)))?;
        let mut outputs = vec![dropped];
        if self.wants_mask {
            outputs.push(Tensor::Bool(alloc::from_vec(&data.shape(), keep)?));
        }
        Ok(outputs)
    }
}

impl DropoutOp {
    /// The inference mask: every element kept.
    fn all_kept(&self, data: &Tensor) -> Result<Tensor, OpError> {
        let shape = data.shape();
        if self.bool_mask {
            return Ok(Tensor::Bool(alloc::filled(&shape, true)?));
        }
        map_tensor!(float, data, _a => alloc::filled(&shape, num_traits::one())?, other => Err(unsupported_type(0, "data", other)))
    }
}

/// `scaled(v)` where the mask keeps the element, zero elsewhere.
fn apply<T: Clone + Default>(a: &ArrayD<T>, keep: &[bool], scaled: impl Fn(T) -> T) -> Result<ArrayD<T>, OpError> {
    let values: Vec<T> = a.iter().zip(keep).map(|(v, &k)| if k { scaled(v.clone()) } else { T::default() }).collect();
    alloc::from_vec(a.shape(), values)
}
