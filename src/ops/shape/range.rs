//! Range — ONNX opsets 11+: `start`, `limit`, `delta` scalars of one numeric type; the output
//! has max(ceil((limit - start) / delta), 0) elements `start + i·delta`. Integers are computed
//! exactly (no overflow), floats in f64 (f32/f64); f16/bf16 in f32 (opset 27 `stash_type` 1,
//! the default) or f64 (`stash_type` 11, and before opset 27 as the reference does). A zero
//! delta, a non-finite count or an oversized output is an error.

use num_traits::AsPrimitive;

use super::alloc;
use super::common::unsupported_type;
use crate::ir::Tensor;
use crate::ir::dtype_dispatch::dispatch_tensor;
use crate::ops::util::float::FloatElement;
use crate::ops::util::required;
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

pub fn register(r: &mut Registry) {
    r.add("", "Range", 11..=crate::ops::MAX_OPSET, build_range);
}

/// Precision for f16/bf16 ranges.
#[derive(Clone, Copy)]
enum Stash {
    F32,
    F64,
}

fn build_range(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let stash = if ctx.opset >= 27 {
        match ctx.node.attr_int("stash_type")?.unwrap_or(1) {
            1 => Stash::F32,
            11 => Stash::F64,
            other => return Err(OpError::attribute("stash_type", format!("{other} is not float (1) or double (11)"))),
        }
    } else {
        Stash::F64
    };
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| {
        let start = required(inputs, 0, "start")?;
        let limit = required(inputs, 1, "limit")?;
        let delta = required(inputs, 2, "delta")?;
        for (i, (t, what)) in [(limit, "limit"), (delta, "delta")].into_iter().enumerate() {
            if t.dtype() != start.dtype() {
                return Err(OpError::input(
                    i + 1,
                    what,
                    format!("type {} differs from start's {}", t.type_name(), start.type_name()),
                ));
            }
        }
        for (i, (t, what)) in [(start, "start"), (limit, "limit"), (delta, "delta")].into_iter().enumerate() {
            if t.len() != 1 {
                return Err(OpError::input(i, what, format!("must be a scalar, got shape {:?}", t.shape())));
            }
        }
        Ok(vec![range(start, limit, delta, stash)?])
    }))
}

fn range(start: &Tensor, limit: &Tensor, delta: &Tensor, stash: Stash) -> Result<Tensor, OpError> {
    let scalar_error = || OpError::invalid("range bounds must be scalars");
    let f = |t: &Tensor| t.to_f64_vec()?.first().copied().ok_or_else(scalar_error);
    let i = |t: &Tensor| t.to_i64_vec()?.first().map(|&v| i128::from(v)).ok_or_else(scalar_error);
    Ok(match start {
        Tensor::F32(_) => float_range(f(start)?, f(limit)?, f(delta)?, |v| v as f32)?,
        Tensor::F64(_) => float_range(f(start)?, f(limit)?, f(delta)?, |v| v)?,
        _ => dispatch_tensor!(half, start, _a: E => match stash {
            Stash::F64 => float_range(f(start)?, f(limit)?, f(delta)?, AsPrimitive::<E>::as_)?,
            Stash::F32 => {
                let (s, l, d) = (f(start)? as f32, f(limit)? as f32, f(delta)? as f32);
                let n = float_count(f64::from(s), f64::from(l), f64::from(d))?;
                collect(n, (0..n).map(|k| E::narrow(s + k as f32 * d)))?
            }
        }, _ => dispatch_tensor!([I8, I16, I32, I64, U8, U16, U32], start, _a: E => {
            int_range(i(start)?, i(limit)?, i(delta)?, AsPrimitive::<E>::as_)?
        }, other => return Err(unsupported_type(0, "start", other)))),
    })
}

fn collect<T: crate::ir::Element>(n: usize, values: impl Iterator<Item = T>) -> Result<Tensor, OpError> {
    let mut out = alloc::output_vec(n)?;
    out.extend(values.take(n));
    Ok(T::wrap(alloc::from_vec(&[n], out)?))
}

/// The element count of a float range, checked.
fn float_count(start: f64, limit: f64, delta: f64) -> Result<usize, OpError> {
    if delta == 0.0 {
        return Err(OpError::input(2, "delta", "cannot be 0"));
    }
    let count = ((limit - start) / delta).ceil();
    if count.is_nan() || count > (1u64 << 40) as f64 {
        return Err(OpError::invalid(format!("range({start}, {limit}, {delta}) has too many elements")));
    }
    Ok(count.max(0.0) as usize)
}

fn float_range<T: crate::ir::Element>(
    start: f64,
    limit: f64,
    delta: f64,
    cast: impl Fn(f64) -> T,
) -> Result<Tensor, OpError> {
    let n = float_count(start, limit, delta)?;
    collect(n, (0..n).map(|k| cast(start + k as f64 * delta)))
}

/// Exact integer range; every value lies between start and limit, so the cast is lossless.
fn int_range<T: crate::ir::Element>(
    start: i128,
    limit: i128,
    delta: i128,
    cast: impl Fn(i128) -> T,
) -> Result<Tensor, OpError> {
    if delta == 0 {
        return Err(OpError::input(2, "delta", "cannot be 0"));
    }
    let (diff, step) = if delta > 0 { (limit - start, delta) } else { (start - limit, -delta) };
    let count = (diff + step - 1).div_euclid(step).max(0);
    let n = usize::try_from(count)
        .ok()
        .filter(|&n| n <= crate::ir::tensor::MAX_ELEMENTS)
        .ok_or_else(|| OpError::invalid(format!("range({start}, {limit}, {delta}) has too many elements")))?;
    collect(n, (0..n).map(|k| cast(start + k as i128 * delta)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_count_like_the_spec() {
        let t = |v: i64| Tensor::scalar(v);
        assert_eq!(range(&t(3), &t(9), &t(3), Stash::F64).unwrap(), Tensor::from_vec(&[2], vec![3i64, 6]).unwrap());
        assert_eq!(
            range(&t(10), &t(4), &t(-2), Stash::F64).unwrap(),
            Tensor::from_vec(&[3], vec![10i64, 8, 6]).unwrap()
        );
        assert_eq!(range(&t(10), &t(4), &t(2), Stash::F64).unwrap().len(), 0);
        assert!(range(&t(0), &t(1), &t(0), Stash::F64).is_err());
        assert!(range(&t(0), &t(i64::MAX), &t(1), Stash::F64).is_err());
        let f = |v: f32| Tensor::scalar(v);
        assert_eq!(range(&f(1.0), &f(2.0), &f(0.25), Stash::F64).unwrap().len(), 4);
        assert!(range(&f(0.0), &f(1e30), &f(1e-10), Stash::F64).is_err());
        assert!(range(&f(0.0), &f(f32::INFINITY), &f(1.0), Stash::F64).is_err());
    }
}
