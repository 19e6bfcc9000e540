//! Ops over one or more inputs with numpy broadcasting (ONNX operator specs), opsets 1+
//! (before opset 8 the inputs had to share one shape; broadcasting is a superset):
//! - Max, Min — every numeric type; a NaN operand gives NaN (numpy `maximum`/`minimum`).
//! - Sum — every numeric type (the spec lists floats; integers wrap).
//! - Mean — `Sum / n`; every numeric type (integers divide truncating).

use super::common::{BinaryFn, map2, operand_types, unsupported_type};
use super::number::Number;
use crate::ir::dtype_dispatch::{dispatch_pair, dispatch_tensor};
use crate::ir::{Element, Tensor};
use crate::ops::{ExecContext, OpError, Operator, Registry};
use crate::ops::util::map_values;

pub fn register(r: &mut Registry) {
    let max = crate::ops::MAX_OPSET;
    r.add("", "Max", 1..=max, |_| Ok(variadic_op("Max", max_of, false)));
    r.add("", "Min", 1..=max, |_| Ok(variadic_op("Min", min_of, false)));
    r.add("", "Sum", 1..=max, |_| Ok(variadic_op("Sum", sum_of, false)));
    r.add("", "Mean", 1..=max, |_| Ok(variadic_op("Mean", sum_of, true)));
}

/// Folds `combine` over all inputs (at least one); `average` divides the result by their count.
fn variadic_op(op: &'static str, combine: BinaryFn, average: bool) -> Box<dyn Operator> {
    Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| {
        let mut operands = Vec::with_capacity(inputs.len());
        for (index, t) in inputs.iter().enumerate() {
            operands.push(t.ok_or(OpError::MissingInput { index, what: "data_0…" })?);
        }
        let Some((first, rest)) = operands.split_first() else {
            return Err(OpError::invalid(format!("{op} needs at least one input")));
        };
        let mut acc = match rest.split_first() {
            Some((second, others)) => others.iter().try_fold(combine(first, second)?, |acc, t| combine(&acc, t))?,
            None => {
                dispatch_tensor!(numeric, *first, a => Element::wrap(a.clone()), _ => return Err(unsupported_type(op, 0, "data_0", first)))
            }
        };
        if average {
            acc = divide_by_count(&acc, operands.len())?;
        }
        Ok(vec![acc])
    })
}

fn max_of(a: &Tensor, b: &Tensor) -> Result<Tensor, OpError> {
    dispatch_pair!(numeric, (a, b), (x, y) => map2(x, y, Number::max_of), _ => Err(operand_types("Max", a, b)))
}

fn min_of(a: &Tensor, b: &Tensor) -> Result<Tensor, OpError> {
    dispatch_pair!(numeric, (a, b), (x, y) => map2(x, y, Number::min_of), _ => Err(operand_types("Min", a, b)))
}

fn sum_of(a: &Tensor, b: &Tensor) -> Result<Tensor, OpError> {
    dispatch_pair!(numeric, (a, b), (x, y) => map2(x, y, Number::plus), _ => Err(operand_types("Sum", a, b)))
}

fn divide_by_count(t: &Tensor, count: usize) -> Result<Tensor, OpError> {
    dispatch_tensor!(numeric, t, a => {
        let n = Number::from_f64(count as f64);
        Ok(Element::wrap(map_values(a, |v| v.over(n))))
    }, _ => Err(unsupported_type("Mean", 0, "data_0", t)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::EmptyScope;

    fn run(op: &dyn Operator, inputs: &[&Tensor]) -> Tensor {
        let inputs: Vec<Option<&Tensor>> = inputs.iter().map(|t| Some(*t)).collect();
        op.run(&inputs, &ExecContext { scope: &EmptyScope }).unwrap().remove(0)
    }

    #[test]
    fn mean_of_three_broadcast_inputs() {
        let a = Tensor::from_vec(&[2], vec![1f32, 2.0]).unwrap();
        let b = Tensor::from_vec(&[1], vec![3f32]).unwrap();
        let c = Tensor::from_vec(&[2, 1], vec![5f32, 8.0]).unwrap();
        let mean = variadic_op("Mean", sum_of, true);
        assert_eq!(
            run(&*mean, &[&a, &b, &c]),
            Tensor::from_vec(&[2, 2], vec![3f32, 10.0 / 3.0, 4.0, 13.0 / 3.0]).unwrap()
        );
        let max = variadic_op("Max", max_of, false);
        assert_eq!(run(&*max, &[&a]), a);
    }
}
