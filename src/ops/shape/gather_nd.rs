//! GatherND — ONNX opsets 11+ (`batch_dims` from opset 12, default 0). The last axis of
//! `indices` (length k) holds coordinates into `data[batch…]`'s first k axes; each picks a
//! block of `data.shape[batch_dims + k..]`. Output shape:
//! `indices.shape[..-1] + data.shape[batch_dims + k..]`. Negative coordinates count from the
//! end; out-of-range ones are errors.

use ndarray::ArrayD;

use super::alloc;
use super::args::resolve_index;
use super::common::{row_major, strides_of, unsupported_type};
use super::gather_elements::index_values;
use crate::ir::dtype_dispatch::map_tensor;
use crate::ir::Tensor;
use crate::ops::util::required;
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

pub fn register(r: &mut Registry) {
    r.add("", "GatherND", 11..=crate::ops::MAX_OPSET, build_gather_nd);
}

fn build_gather_nd(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let batch_dims = ctx.node.attr_int("batch_dims")?.unwrap_or(0);
    let batch_dims =
        usize::try_from(batch_dims).map_err(|_| OpError::attribute("batch_dims", "must be non-negative"))?;
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| {
        let data = required(inputs, 0, "data")?;
        let indices = required(inputs, 1, "indices")?;
        let plan = NdPlan::new(&data.shape(), &indices.shape(), &index_values(indices)?, batch_dims)?;
        let out = map_tensor!(any, data, a => plan.gather(a)?, _ => Err(unsupported_type(0, "data", data)))?;
        Ok(vec![out])
    }))
}

/// Where each block of a GatherND/ScatterND lives: one row-major offset per index tuple,
/// all blocks `block` elements long.
pub struct NdPlan {
    pub offsets: Vec<usize>,
    pub block: usize,
    /// Shape of the gathered result (`indices.shape[..-1] + block shape`).
    pub out_shape: Vec<usize>,
}

impl NdPlan {
    /// Resolves every index tuple of `indices` (values in row-major order) against `data_shape`.
    pub fn new(
        data_shape: &[usize],
        index_shape: &[usize],
        values: &[i64],
        batch_dims: usize,
    ) -> Result<NdPlan, OpError> {
        let (&k, tuple_shape) =
            index_shape.split_last().ok_or_else(|| OpError::input(1, "indices", "must have rank at least 1"))?;
        let b = batch_dims;
        if b >= data_shape.len().min(index_shape.len()) {
            return Err(OpError::invalid(format!(
                "batch_dims {b} must be less than the ranks of data ({}) and indices ({})",
                data_shape.len(),
                index_shape.len()
            )));
        }
        if data_shape[..b] != index_shape[..b] {
            return Err(OpError::invalid(format!(
                "batch dimensions of data {data_shape:?} and indices {index_shape:?} differ"
            )));
        }
        if k < 1 || b + k > data_shape.len() {
            return Err(OpError::input(
                1,
                "indices",
                format!("last dimension {k} does not fit data of rank {} after {b} batch dims", data_shape.len()),
            ));
        }
        let block_shape = &data_shape[b + k..];
        let block: usize = block_shape.iter().product();
        let strides = strides_of(data_shape);
        let batch_stride = if b == 0 { 0 } else { strides[b - 1] };
        let per_batch: usize = tuple_shape[b..].iter().product();
        let mut offsets = Vec::with_capacity(values.len() / k);
        for (t, tuple) in values.chunks_exact(k).enumerate() {
            let batch = t.checked_div(per_batch).unwrap_or(0);
            let mut offset = batch * batch_stride;
            for (j, &v) in tuple.iter().enumerate() {
                offset += resolve_index(v, data_shape[b + j], "index")? * strides[b + j];
            }
            offsets.push(offset);
        }
        let mut out_shape = tuple_shape.to_vec();
        out_shape.extend_from_slice(block_shape);
        Ok(NdPlan { offsets, block, out_shape })
    }

    pub fn gather<T: Clone>(&self, a: &ArrayD<T>) -> Result<ArrayD<T>, OpError> {
        let n = alloc::numel(&self.out_shape)?;
        let mut out = alloc::output_vec(n)?;
        let data = row_major(a);
        for &o in &self.offsets {
            out.extend_from_slice(&data[o..o + self.block]);
        }
        alloc::from_vec(&self.out_shape, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_resolve_tuples_and_batches() {
        // data 2x2, indices [[0,0],[1,1]] → elements 0 and 3.
        let p = NdPlan::new(&[2, 2], &[2, 2], &[0, 0, 1, 1], 0).unwrap();
        assert_eq!((p.offsets.clone(), p.block, p.out_shape.clone()), (vec![0, 3], 1, vec![2]));
        // data 2x2x2, batch_dims 1, indices [[1],[0]] → rows data[0][1], data[1][0].
        let p = NdPlan::new(&[2, 2, 2], &[2, 1], &[1, 0], 1).unwrap();
        assert_eq!((p.offsets.clone(), p.block, p.out_shape.clone()), (vec![2, 4], 2, vec![2, 2]));
        assert!(NdPlan::new(&[2, 2], &[1, 2], &[0, 2], 0).is_err());
        assert!(NdPlan::new(&[2, 2], &[1, 3], &[0, 0, 0], 0).is_err());
    }
}
