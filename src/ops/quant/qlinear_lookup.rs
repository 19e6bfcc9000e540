//! QLinearLookup and QLinearLookup2 — pare's runtime-internal ops (domain
//! [`RUNTIME_DOMAIN`](super::RUNTIME_DOMAIN), version 1): an elementwise op between quantized
//! values as a table. `runtime::integer` builds the table by running the model's own
//! `DequantizeLinear → op → QuantizeLinear` nodes on every possible input, so the result is
//! bit for bit what the float-simulated graph computes, in one byte lookup per element.
//!
//! - `QLinearLookup(x, table)`: x uint8/int8, table `[256]` (y's type) indexed by x's byte;
//! - `QLinearLookup2(a, b, table)`: a, b uint8/int8 broadcast like numpy, table `[65536]`
//!   indexed by `a_byte · 256 + b_byte`.

use ndarray::{ArrayD, IxDyn};

use super::qtypes::unsupported_type;
use crate::ir::Tensor;
use crate::ops::util::required;
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

pub fn register(r: &mut Registry) {
    r.add(super::RUNTIME_DOMAIN, "QLinearLookup", 1..=1, build_unary);
    r.add(super::RUNTIME_DOMAIN, "QLinearLookup2", 1..=1, build_binary);
}

fn build_unary(_: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    Ok(Box::new(|inputs: &[Option<&Tensor>], _: &ExecContext| {
        let x = bytes(required(inputs, 0, "x")?, 0, "x")?;
        let table = required(inputs, 1, "table")?;
        let t = table_bytes(table, 256)?;
        Ok(vec![retyped(x.mapv(|v| t[usize::from(v)]), table)])
    }))
}

fn build_binary(_: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    Ok(Box::new(|inputs: &[Option<&Tensor>], _: &ExecContext| {
        let a = bytes(required(inputs, 0, "a")?, 0, "a")?;
        let b = bytes(required(inputs, 1, "b")?, 1, "b")?;
        let table = required(inputs, 2, "table")?;
        let t = table_bytes(table, 65536)?;
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

/// The raw bytes of an 8-bit tensor (an int8 value's two's-complement byte).
fn bytes(t: &Tensor, index: usize, what: &'static str) -> Result<ArrayD<u8>, OpError> {
    match t {
        Tensor::U8(a) => Ok(a.clone()),
        Tensor::I8(a) => Ok(a.mapv(|v| v as u8)),
        other => Err(unsupported_type(index, what, other, "uint8 or int8")),
    }
}

/// The table's entries as bytes, checked to hold `len` of them.
fn table_bytes(table: &Tensor, len: usize) -> Result<Vec<u8>, OpError> {
    if table.shape() != [len] {
        return Err(OpError::invalid(format!("lookup table has shape {:?}; expected [{len}]", table.shape())));
    }
    match table {
        Tensor::U8(t) => Ok(t.iter().copied().collect()),
        Tensor::I8(t) => Ok(t.iter().map(|&v| v as u8).collect()),
        other => Err(unsupported_type(1, "table", other, "uint8 or int8")),
    }
}

/// Looked-up bytes as a tensor of the table's type.
fn retyped(y: ArrayD<u8>, table: &Tensor) -> Tensor {
    match table {
        Tensor::U8(_) => Tensor::U8(y),
        _ => Tensor::I8(y.mapv(|v| v as i8)),
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
