//! QLinearLookup and QLinearLookup2 — pare's runtime-internal ops (domain
//! [`RUNTIME_DOMAIN`](super::RUNTIME_DOMAIN), version 1): an elementwise op between quantized
//! values as a table. `runtime::integer` builds the table by running the model's own
//! `DequantizeLinear → op → QuantizeLinear` nodes on every possible input, so the result is
//! bit for bit what the float-simulated graph computes, in one byte lookup per element.
//!
//! - `QLinearLookup(x, table)`: x uint8/int8, table `[256]` (y's type) indexed by x's byte;
//! - `QLinearLookup2(a, b, table)`: a, b uint8/int8 broadcast like numpy, table `[65536]`
//!   indexed by `a_byte · 256 + b_byte`.

use std::borrow::Cow;

use ndarray::{ArrayD, IxDyn};

use super::qtypes::{row_major, unsupported_type};
use crate::ir::Tensor;
use crate::kernels;
use crate::kernels::types::Int8Operand;
use crate::ops::util::{map_values, required};
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

pub fn register(r: &mut Registry) {
    r.add(super::RUNTIME_DOMAIN, "QLinearLookup", 1..=1, build_unary);
    r.add(super::RUNTIME_DOMAIN, "QLinearLookup2", 1..=1, build_binary);
}

fn build_unary(_: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    Ok(Box::new(|inputs: &[Option<&Tensor>], _: &ExecContext| {
        let x = required(inputs, 0, "x")?;
        let table = required(inputs, 1, "table")?;
        let t = table_bytes(table, 256)?;
        let t: &[u8; 256] = t.as_ref().try_into().map_err(|_| OpError::invalid("lookup table: expected 256 entries"))?;
        let x_bytes = byte_slice(x, 0, "x")?;
        let y = looked_up(table, x_bytes.len(), |out| kernels::lookup_u8(&x_bytes, t, out));
        Ok(vec![y.into_tensor(x.shape())?])
    }))
}

fn build_binary(_: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    Ok(Box::new(|inputs: &[Option<&Tensor>], _: &ExecContext| {
        let (a_tensor, b_tensor) = (required(inputs, 0, "a")?, required(inputs, 1, "b")?);
        let table = required(inputs, 2, "table")?;
        let t = table_bytes(table, 65536)?;
        if a_tensor.shape() == b_tensor.shape() {
            // The common case (a residual Add): one pass of the kernel table's lookup.
            let t: &[u8; 65536] = t.as_ref().try_into().map_err(|_| OpError::invalid("lookup table: expected 65536 entries"))?;
            let (a, b) = (byte_slice(a_tensor, 0, "a")?, byte_slice(b_tensor, 1, "b")?);
            let y = looked_up(table, a.len(), |out| kernels::lookup2_u8(&a, &b, t, out));
            return Ok(vec![y.into_tensor(a_tensor.shape())?]);
        }
        let a = bytes(a_tensor, 0, "a")?;
        let b = bytes(b_tensor, 1, "b")?;
        let shape = broadcast_shape(a.shape(), b.shape())
            .ok_or_else(|| OpError::invalid(format!("QLinearLookup2: shapes {:?} and {:?} do not broadcast", a.shape(), b.shape())))?;
        let (a, b) = match (a.broadcast(IxDyn(&shape)), b.broadcast(IxDyn(&shape))) {
            (Some(a), Some(b)) => (a, b),
            _ => return Err(OpError::invalid("QLinearLookup2: broadcast failed")),
        };
        let y = ndarray::Zip::from(&a).and(&b).map_collect(|&x, &y| t[usize::from(x) * 256 + usize::from(y)]);
        Ok(vec![retyped(y, table)])
    }))
}

/// The bytes of an 8-bit tensor in row-major order (an int8 value's two's-complement byte),
/// borrowed when the tensor is laid out that way.
fn byte_slice<'t>(t: &'t Tensor, index: usize, what: &'static str) -> Result<Cow<'t, [u8]>, OpError> {
    match t {
        Tensor::U8(a) => Ok(row_major(a)),
        Tensor::I8(a) => Ok(match row_major(a) {
            Cow::Borrowed(values) => Cow::Borrowed(i8::as_bytes(values)),
            Cow::Owned(values) => Cow::Owned(i8::as_bytes(&values).to_vec()),
        }),
        other => Err(unsupported_type(index, what, other, "uint8 or int8")),
    }
}

/// `len` bytes written by `fill`, as values of the table's type (u8 or i8).
fn looked_up(table: &Tensor, len: usize, fill: impl FnOnce(&mut [u8])) -> LookedUp {
    match table {
        Tensor::U8(_) => {
            let mut y = vec![0u8; len];
            fill(&mut y);
            LookedUp::U8(y)
        }
        _ => {
            let mut y = vec![0i8; len];
            fill(i8::as_bytes_mut(&mut y));
            LookedUp::I8(y)
        }
    }
}

enum LookedUp {
    U8(Vec<u8>),
    I8(Vec<i8>),
}

impl LookedUp {
    fn into_tensor(self, shape: Vec<usize>) -> Result<Tensor, OpError> {
        Ok(match self {
            LookedUp::U8(y) => Tensor::from_vec(&shape, y)?,
            LookedUp::I8(y) => Tensor::from_vec(&shape, y)?,
        })
    }
}

/// The raw bytes of an 8-bit tensor (an int8 value's two's-complement byte).
fn bytes(t: &Tensor, index: usize, what: &'static str) -> Result<ArrayD<u8>, OpError> {
    match t {
        Tensor::U8(a) => Ok(a.clone()),
        Tensor::I8(a) => Ok(map_values(a, |v| v as u8)),
        other => Err(unsupported_type(index, what, other, "uint8 or int8")),
    }
}

/// The table's entries as bytes, checked to hold `len` of them (borrowed: the table is a
/// constant of the plan, and copying 65,536 entries per call would cost more than the lookup).
fn table_bytes(table: &Tensor, len: usize) -> Result<Cow<'_, [u8]>, OpError> {
    if table.shape() != [len] {
        return Err(OpError::invalid(format!("lookup table has shape {:?}; expected [{len}]", table.shape())));
    }
    byte_slice(table, 1, "table")
}

/// Looked-up bytes as a tensor of the table's type.
fn retyped(y: ArrayD<u8>, table: &Tensor) -> Tensor {
    match table {
        Tensor::U8(_) => Tensor::U8(y),
        _ => Tensor::I8(map_values(&y, |v| v as i8)),
    }
}

fn broadcast_shape(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let rank = a.len().max(b.len());
    (0..rank)
        .map(|i| {
            let da = if i + a.len() >= rank { a[i + a.len() - rank] } else { 1 };
            let db = if i + b.len() >= rank { b[i + b.len() - rank] } else { 1 };
            match (da, db) {
                (x, y) if x == y => Some(x),
                (1, y) => Some(y),
                (x, 1) => Some(x),
                _ => None,
            }
        })
        .collect()
}
