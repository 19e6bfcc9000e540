//! Hardmax — 1 at the first maximum of each lane, 0 elsewhere. ONNX opsets 1, 11, 13.
//!
//! Lanes as for Softmax: opsets 1–12 coerce to 2-D at `axis` (default 1), opset 13 uses the
//! single axis `axis` (default −1). Types: f32, f64, f16, bf16 (compared in the input type).

use ndarray::ArrayD;

use crate::ir::dtype_dispatch::dispatch_tensor;
use crate::ir::{Element, Tensor};
use crate::ops::util::required;
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

use super::float::{not_float, row_major};
use super::linalg::to_array;
use super::softmax::AxisRule;

pub fn register(r: &mut Registry) {
    r.add("", "Hardmax", 1..=crate::ops::MAX_OPSET, build_hardmax);
}

fn build_hardmax(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let rule = AxisRule::parse(ctx)?;
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| {
        let x = required(inputs, 0, "input")?;
        let y = dispatch_tensor!(float, x, a => hardmax(a, rule, num_traits::zero(), num_traits::one())?,
            other => return Err(not_float(other, 0, "input")));
        Ok(vec![y])
    }))
}

fn hardmax<T: Element + PartialOrd + Copy>(x: &ArrayD<T>, rule: AxisRule, zero: T, one: T) -> Result<Tensor, OpError> {
    let lanes = rule.lanes(x.shape())?;
    let mut data = row_major(x).into_owned();
    lanes.map(&mut data, |lane| {
        let mut best = 0;
        for (j, v) in lane.iter().enumerate() {
            if *v > lane[best] {
                best = j;
            }
        }
        lane.iter_mut().for_each(|v| *v = zero);
        if let Some(v) = lane.get_mut(best) {
            *v = one;
        }
    });
    Ok(T::wrap(to_array(x.shape().to_vec(), data)?))
}
