//! PRelu — `x < 0 ? slope·x : x` with `slope` broadcast to `X` (ONNX operator spec).
//! Opsets 1+ (float types); 16+ also int32/int64/uint32/uint64 (pare accepts every numeric type).

use super::common::{map2, operand_types};
use super::number::Number;
use crate::ir::dtype_dispatch::dispatch_pair;
use crate::ir::Tensor;
use crate::ops::util::required;
use crate::ops::{ExecContext, OpError, Registry};

pub fn register(r: &mut Registry) {
    r.add("", "PRelu", 1..=crate::ops::MAX_OPSET, |_| {
        Ok(Box::new(|inputs: &[Option<&Tensor>], _: &ExecContext| {
            let x = required(inputs, 0, "X")?;
            let slope = required(inputs, 1, "slope")?;
            Ok(vec![prelu(x, slope)?])
        }))
    });
}

fn prelu(x: &Tensor, slope: &Tensor) -> Result<Tensor, OpError> {
    dispatch_pair!(numeric, (x, slope), (a, s) => map2(a, s, |v, k| if v < Number::zero() { v.times(k) } else { v }),
        _ => Err(operand_types("PRelu", x, slope)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slope_broadcasts_over_the_channel_axis() {
        let x = Tensor::from_vec(&[2, 2], vec![-1f32, 2.0, -3.0, 4.0]).unwrap();
        let slope = Tensor::from_vec(&[2], vec![0.5f32, 0.25]).unwrap();
        assert_eq!(prelu(&x, &slope).unwrap(), Tensor::from_vec(&[2, 2], vec![-0.5f32, 2.0, -1.5, 4.0]).unwrap());
    }
}
