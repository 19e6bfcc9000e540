//! The copy kernel behind Transpose, DepthToSpace and SpaceToDepth: a row-major array with
//! its axes permuted. Axes of size 1 are dropped and output axes that stay adjacent in the
//! input are merged first; then rows that are contiguous in the input are copied as slices,
//! and otherwise the last two output axes are copied in cache-friendly tiles.

use super::alloc;
use super::common::strides_of;
use crate::ops::OpError;

/// Side of the square tiles used when the output rows are not contiguous in the input.
const TILE: usize = 16;

/// One merged output axis: its length and its strides in the input and in the output.
#[derive(Clone, Copy, Debug)]
struct Axis {
    len: usize,
    input_stride: usize,
    output_stride: usize,
}

/// `data` (row-major, shape `shape`) with output axis `i` taken from input axis `perm[i]`.
/// `perm` must be a permutation of `0..shape.len()` (checked).
pub fn permute<T: Clone + Default>(data: &[T], shape: &[usize], perm: &[usize]) -> Result<Vec<T>, OpError> {
    let mut seen = vec![false; shape.len()];
    let valid =
        perm.len() == shape.len() && perm.iter().all(|&p| p < shape.len() && !std::mem::replace(&mut seen[p], true));
    if !valid || shape.iter().product::<usize>() != data.len() {
        return Err(OpError::invalid(format!("internal: permutation {perm:?} of {shape:?} ({} elements)", data.len())));
    }
    let n = data.len();
    if n == 0 {
        return Ok(Vec::new());
    }
    let in_strides = strides_of(shape);
    let axes = coalesce(perm.iter().map(|&p| (shape[p], in_strides[p])));
    let Some((&last, outer)) = axes.split_last() else { return Ok(data.to_vec()) };
    if last.input_stride == 1 {
        // Output rows are input rows: copy them whole.
        let mut out = alloc::output_vec(n)?;
        for_each_offset(outer, |input, _| out.extend_from_slice(&data[input..input + last.len]));
        return Ok(out);
    }
    // Tile over the output axis that is contiguous in the input and the last output axis, so
    // that both reads and writes stay within a few cache lines.
    let mut out = alloc::output_vec(n)?;
    out.resize(n, T::default());
    let k = outer.iter().position(|a| a.input_stride == 1).unwrap_or(outer.len() - 1);
    let inner = outer[k];
    let others: Vec<Axis> = outer.iter().enumerate().filter(|&(i, _)| i != k).map(|(_, a)| *a).collect();
    for_each_offset(&others, |input, output| {
        for r0 in (0..inner.len).step_by(TILE) {
            for c0 in (0..last.len).step_by(TILE) {
                for r in r0..(r0 + TILE).min(inner.len) {
                    let c_end = (c0 + TILE).min(last.len);
                    let start = output + r * inner.output_stride;
                    let target = &mut out[start + c0..start + c_end];
                    let source = data[input + r * inner.input_stride + c0 * last.input_stride..]
                        .iter()
                        .step_by(last.input_stride);
                    for (t, s) in target.iter_mut().zip(source) {
                        t.clone_from(s);
                    }
                }
            }
        }
    });
    Ok(out)
}

/// Drops size-1 axes, merges output axes that are also adjacent in the input, and computes
/// the output strides of what is left.
fn coalesce(axes: impl Iterator<Item = (usize, usize)>) -> Vec<Axis> {
    let mut merged: Vec<Axis> = Vec::new();
    for (len, stride) in axes.filter(|&(len, _)| len != 1) {
        match merged.last_mut() {
            Some(prev) if prev.input_stride == stride * len => {
                prev.len *= len;
                prev.input_stride = stride;
            }
            _ => merged.push(Axis { len, input_stride: stride, output_stride: 0 }),
        }
    }
    let mut stride = 1;
    for axis in merged.iter_mut().rev() {
        axis.output_stride = stride;
        stride *= axis.len;
    }
    merged
}

/// Calls `f(input offset, output offset)` for every position of `axes`, row-major.
fn for_each_offset(axes: &[Axis], mut f: impl FnMut(usize, usize)) {
    let mut position = vec![0usize; axes.len()];
    let (mut input, mut output) = (0usize, 0usize);
    loop {
        f(input, output);
        let mut i = axes.len();
        loop {
            if i == 0 {
                return;
            }
            i -= 1;
            let axis = &axes[i];
            position[i] += 1;
            input += axis.input_stride;
            output += axis.output_stride;
            if position[i] < axis.len {
                break;
            }
            input -= axis.input_stride * axis.len;
            output -= axis.output_stride * axis.len;
            position[i] = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference: index arithmetic element by element.
    fn naive(data: &[i32], shape: &[usize], perm: &[usize]) -> Vec<i32> {
        let out_shape: Vec<usize> = perm.iter().map(|&p| shape[p]).collect();
        let in_strides = strides_of(shape);
        let n: usize = shape.iter().product();
        (0..n)
            .map(|mut flat| {
                let mut offset = 0;
                for axis in (0..out_shape.len()).rev() {
                    offset += (flat % out_shape[axis]) * in_strides[perm[axis]];
                    flat /= out_shape[axis];
                }
                data[offset]
            })
            .collect()
    }

    #[test]
    fn matches_index_arithmetic() {
        let cases: [(&[usize], &[usize]); 7] = [
            (&[3, 4], &[1, 0]),
            (&[2, 3, 4], &[0, 2, 1]),
            (&[2, 3, 4], &[2, 1, 0]),
            (&[2, 1, 3, 5], &[0, 2, 1, 3]),
            (&[17, 33], &[1, 0]),
            (&[2, 3, 4, 5], &[3, 0, 2, 1]),
            (&[1, 1], &[1, 0]),
        ];
        for (shape, perm) in cases {
            let n: usize = shape.iter().product();
            let data: Vec<i32> = (0..n as i32).collect();
            assert_eq!(permute(&data, shape, perm).unwrap(), naive(&data, shape, perm), "{shape:?} {perm:?}");
        }
        assert!(permute(&[1, 2], &[2], &[1]).is_err());
        assert_eq!(permute::<i32>(&[], &[0, 3], &[1, 0]).unwrap(), Vec::<i32>::new());
    }
}
