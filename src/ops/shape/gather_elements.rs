//! GatherElements — ONNX opsets 11+ (`axis`, default 0). `output[i][j][k] = data[index][j][k]`
//! for axis 0 (and likewise for other axes), where `index = indices[i][j][k]`. `indices` has
//! the rank of `data` and no larger dimensions (except on `axis`); the output has its shape.
//! Negative indices count from the end; out-of-range indices are errors.

use ndarray::ArrayD;

use super::alloc;
use super::args::resolve_index;
use super::common::{row_major, strides_of, unsupported_type};
use crate::ir::dtype_dispatch::map_tensor;
use crate::ir::Tensor;
use crate::ops::util::{normalize_axis, required};
use crate::ops::{BuildContext, ExecContext, OpError, Operator, Registry};

pub fn register(r: &mut Registry) {
    r.add("", "GatherElements", 11..=crate::ops::MAX_OPSET, build_gather_elements);
}

fn build_gather_elements(ctx: &BuildContext) -> Result<Box<dyn Operator>, OpError> {
    let axis = ctx.node.attr_int("axis")?.unwrap_or(0);
    Ok(Box::new(move |inputs: &[Option<&Tensor>], _: &ExecContext| {
        let data = required(inputs, 0, "data")?;
        let indices = required(inputs, 1, "indices")?;
        let offsets = element_offsets(&data.shape(), &indices.shape(), &index_values(indices)?, axis)?;
        let out_shape = indices.shape();
        let out = map_tensor!(any, data, a => pick_offsets(a, &offsets, &out_shape)?, _ => Err(unsupported_type(0, "data", data)))?;
        Ok(vec![out])
    }))
}

/// The values of an int32/int64 index tensor.
pub fn index_values(indices: &Tensor) -> Result<Vec<i64>, OpError> {
    match indices {
        Tensor::I32(_) | Tensor::I64(_) => {
            indices.to_i64_vec().map_err(|e| OpError::input(1, "indices", e.to_string()))
        }
        other => Err(unsupported_type(1, "indices", other)),
    }
}

/// For every position of `indices` (row-major), the row-major offset into `data` it names:
/// the position itself with coordinate `axis` replaced by the index value.
pub fn element_offsets(
    data_shape: &[usize],
    index_shape: &[usize],
    values: &[i64],
    axis: i64,
) -> Result<Vec<usize>, OpError> {
    let rank = data_shape.len();
    let axis = normalize_axis(axis, rank)?;
    if index_shape.len() != rank {
        return Err(OpError::input(
            1,
            "indices",
            format!("rank {} differs from the data's rank {rank}", index_shape.len()),
        ));
    }
    for (d, (&i, &s)) in index_shape.iter().zip(data_shape).enumerate() {
        if d != axis && i > s {
            return Err(OpError::input(
                1,
                "indices",
                format!("shape {index_shape:?} exceeds the data's {data_shape:?} on axis {d}"),
            ));
        }
    }
    let strides = strides_of(data_shape);
    let mut position = vec![0usize; rank];
    let mut offsets = Vec::with_capacity(values.len());
    for &v in values {
        let i = resolve_index(v, data_shape[axis], "index")?;
        let offset: usize =
            position.iter().zip(&strides).enumerate().map(|(d, (&p, &s))| if d == axis { i * s } else { p * s }).sum();
        offsets.push(offset);
        for d in (0..rank).rev() {
            position[d] += 1;
            if position[d] < index_shape[d] {
                break;
            }
            position[d] = 0;
        }
    }
    Ok(offsets)
}

fn pick_offsets<T: Clone>(a: &ArrayD<T>, offsets: &[usize], out_shape: &[usize]) -> Result<ArrayD<T>, OpError> {
    let data = row_major(a);
    let mut out = alloc::output_vec(offsets.len())?;
    out.extend(offsets.iter().map(|&o| data[o].clone()));
    alloc::from_vec(out_shape, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_follow_the_axis() {
        // data 2x3, indices 2x2 on axis 1: [[0, 2], [1, -1]]
        assert_eq!(element_offsets(&[2, 3], &[2, 2], &[0, 2, 1, -1], 1).unwrap(), vec![0, 2, 4, 5]);
        // axis 0: [[1, 0]] picks data[1][0], data[0][1]
        assert_eq!(element_offsets(&[2, 3], &[1, 2], &[1, 0], 0).unwrap(), vec![3, 1]);
        assert!(element_offsets(&[2, 3], &[1, 2], &[2, 0], 0).is_err());
        assert!(element_offsets(&[2, 3], &[3, 2], &[0; 6], 1).is_err());
    }
}
