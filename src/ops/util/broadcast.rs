//! Numpy-style (multidirectional) broadcasting, as ONNX defines it for Add, Mul, Where…

use ndarray::{ArrayD, IxDyn};

use crate::kernels;
use crate::kernels::types::ArithF32;
use crate::ops::OpError;

/// The broadcast shape of `a` and `b`, or an error naming both shapes.
pub fn broadcast_shapes(a: &[usize], b: &[usize]) -> Result<Vec<usize>, OpError> {
    let rank = a.len().max(b.len());
    let mut out = vec![0; rank];
    for i in 0..rank {
        let da = if i + a.len() >= rank { a[i + a.len() - rank] } else { 1 };
        let db = if i + b.len() >= rank { b[i + b.len() - rank] } else { 1 };
        out[i] = match (da, db) {
            (x, y) if x == y => x,
            (1, y) => y,
            (x, 1) => x,
            _ => return Err(OpError::invalid(format!("shapes {a:?} and {b:?} cannot be broadcast together"))),
        };
    }
    Ok(out)
}

/// Broadcasts several shapes together (Sum, Max, Where…).
pub fn broadcast_all(shapes: &[&[usize]]) -> Result<Vec<usize>, OpError> {
    let mut out: Vec<usize> = Vec::new();
    for s in shapes {
        out = broadcast_shapes(&out, s)?;
    }
    Ok(out)
}

/// `f` applied elementwise over the broadcast of `a` and `b`.
///
/// One loop nest serves every case: an operand without a row-major slice (a transposed or
/// sliced view, rare in the runtime) is copied to row-major first, instead of walking it with
/// ndarray's `Zip`. This function is instantiated for every op and element type (Add, Less,
/// BitwiseAnd… times 12 types), so each extra path was one more copy of the loop per pair:
/// the `Zip` paths were 1.15 MB of the 12.6 MB wasm (docs/wasm_size.md). Same shapes merge
/// into one contiguous run in [`broadcast_rows`], the fast path they had before.
pub fn binary_map<A, B, O>(a: &ArrayD<A>, b: &ArrayD<B>, f: impl Fn(&A, &B) -> O) -> Result<ArrayD<O>, OpError>
where
    A: Clone,
    B: Clone,
{
    let shape = output_shape(a.shape(), b.shape(), std::mem::size_of::<O>())?;
    let n = shape.iter().product();
    let (a, b) = (a.as_standard_layout(), b.as_standard_layout());
    let (Some(xs), Some(ys)) = (a.as_slice(), b.as_slice()) else {
        return Err(OpError::invalid("binary_map: an operand has no row-major layout"));
    };
    let out = broadcast_rows(xs, a.shape(), ys, b.shape(), &shape, n, &f);
    ArrayD::from_shape_vec(IxDyn(&shape), out).map_err(|e| OpError::invalid(e.to_string()))
}

/// [`binary_map`] for f32 Add/Sub/Mul/Div: the same runs, each one call of the kernel table's
/// `arith_f32` (its loops built at the kernel crate's opt-level, docs/wasm_size.md), the same
/// values bit for bit.
pub fn arith_map_f32(a: &ArrayD<f32>, b: &ArrayD<f32>, op: ArithF32) -> Result<ArrayD<f32>, OpError> {
    let shape = output_shape(a.shape(), b.shape(), std::mem::size_of::<f32>())?;
    let n = shape.iter().product();
    let (a, b) = (a.as_standard_layout(), b.as_standard_layout());
    let (Some(xs), Some(ys)) = (a.as_slice(), b.as_slice()) else {
        return Err(OpError::invalid("arith_map_f32: an operand has no row-major layout"));
    };
    let mut out = vec![0f32; n];
    if n > 0 {
        match RowWalk::new(a.shape(), b.shape(), &shape) {
            None => kernels::arith_f32(op, xs, 0, ys, 0, &mut out[..1]),
            Some(mut walk) => {
                let mut start = 0;
                loop {
                    let end = start + walk.inner;
                    kernels::arith_f32(op, &xs[walk.oa..], walk.ia, &ys[walk.ob..], walk.ib, &mut out[start..end]);
                    start = end;
                    if !walk.advance() {
                        break;
                    }
                }
            }
        }
    }
    ArrayD::from_shape_vec(IxDyn(&shape), out).map_err(|e| OpError::invalid(e.to_string()))
}

/// [`binary_map`]'s output shape, a broadcast one checked against the memory budget for values
/// of `element_size` bytes. Not generic, like [`RowWalk`]: one copy serves every op and type
/// instead of one per instantiation of [`binary_map`] (docs/wasm_size.md).
fn output_shape(a: &[usize], b: &[usize], element_size: usize) -> Result<Vec<usize>, OpError> {
    if a == b {
        return Ok(a.to_vec());
    }
    let shape = broadcast_shapes(a, b)?;
    let n = crate::ir::checked_numel(&shape)?;
    crate::budget::check(n.saturating_mul(element_size), || format!("a broadcast output of shape {shape:?}"))
        .map_err(|e| OpError::too_large(e.to_string()))?;
    Ok(shape)
}

/// [`binary_map`] on row-major slices: the output's axes merged wherever both operands step
/// through them alike, then the innermost run walked as a plain loop over contiguous values or
/// one repeated value (vectorizable), the outer axes by [`RowWalk`]. `n` is the output's
/// element count (`shape` is the broadcast of both shapes).
///
/// The runs are `for` loops writing into the output's spare capacity, not `extend` of a mapped
/// iterator: each `extend` was its own out-of-line `extend_trusted`/`fold`/closure functions per
/// op, type and run kind at opt-level "z" (1,700 such copies, the largest group of `alloc`;
/// docs/wasm_size.md); `push` instead was ~1.4x slower at "z" (its capacity check per value).
fn broadcast_rows<A, B, O>(a: &[A], a_shape: &[usize], b: &[B], b_shape: &[usize], shape: &[usize], n: usize, f: &impl Fn(&A, &B) -> O) -> Vec<O> {
    let mut out = Vec::with_capacity(n);
    if n == 0 {
        return out;
    }
    let Some(mut walk) = RowWalk::new(a_shape, b_shape, shape) else {
        out.push(f(&a[0], &b[0]));
        return out;
    };
    let (inner, ia, ib) = (walk.inner, walk.ia, walk.ib);
    let spare = &mut out.spare_capacity_mut()[..n];
    let mut written = 0;
    loop {
        let (oa, ob) = (walk.oa, walk.ob);
        let run = &mut spare[written..written + inner];
        match (ia, ib) {
            (1, 1) => {
                for ((o, x), y) in run.iter_mut().zip(&a[oa..oa + inner]).zip(&b[ob..ob + inner]) {
                    o.write(f(x, y));
                }
            }
            (1, 0) => {
                let y = &b[ob];
                for (o, x) in run.iter_mut().zip(&a[oa..oa + inner]) {
                    o.write(f(x, y));
                }
            }
            (0, 1) => {
                let x = &a[oa];
                for (o, y) in run.iter_mut().zip(&b[ob..ob + inner]) {
                    o.write(f(x, y));
                }
            }
            _ => {
                for (t, o) in run.iter_mut().enumerate() {
                    o.write(f(&a[oa + t * ia], &b[ob + t * ib]));
                }
            }
        }
        // Each run is `inner` values, and `run` has exactly that many slots.
        written += inner;
        if !walk.advance() {
            break;
        }
    }
    // SAFETY: the runs wrote every slot of `spare[..written]` (each loop above covers its whole
    // `run`, which has `inner` slots); `written <= n <= capacity`, or the slicing had panicked.
    unsafe { out.set_len(written) };
    out
}

/// The runs of [`broadcast_rows`]: the output's axes merged, the innermost one (`inner` values,
/// operand strides `ia`/`ib`) walked by the caller, the outer ones counted here; `oa`/`ob` are
/// where the current run starts in each operand. Not generic (its loops were one copy per op
/// and type).
struct RowWalk {
    dims: Vec<usize>,
    ta: Vec<usize>,
    tb: Vec<usize>,
    index: Vec<usize>,
    inner: usize,
    ia: usize,
    ib: usize,
    oa: usize,
    ob: usize,
}

impl RowWalk {
    /// The walk of `shape` (the broadcast of `a_shape` and `b_shape`); `None` when it has no
    /// axis longer than 1 (one value).
    fn new(a_shape: &[usize], b_shape: &[usize], shape: &[usize]) -> Option<RowWalk> {
        // Element strides of each operand along the output's axes (0 where it is broadcast).
        let strides = |s: &[usize]| {
            let mut st = vec![0usize; shape.len()];
            let mut step = 1;
            for i in (0..s.len()).rev() {
                let axis = i + shape.len() - s.len();
                st[axis] = if s[i] == 1 { 0 } else { step };
                step *= s[i];
            }
            st
        };
        let (sa, sb) = (strides(a_shape), strides(b_shape));
        // Merge axis i into the next one while both operands keep their stride pattern.
        let (mut dims, mut ta, mut tb): (Vec<usize>, Vec<usize>, Vec<usize>) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..shape.len() {
            if shape[i] == 1 {
                continue;
            }
            if let Some(last) = dims.len().checked_sub(1) {
                if ta[last] == sa[i] * shape[i] && tb[last] == sb[i] * shape[i] {
                    dims[last] *= shape[i];
                    ta[last] = sa[i];
                    tb[last] = sb[i];
                    continue;
                }
            }
            dims.push(shape[i]);
            ta.push(sa[i]);
            tb.push(sb[i]);
        }
        let inner = dims.pop()?;
        let (ia, ib) = (ta.pop().unwrap_or(0), tb.pop().unwrap_or(0));
        let index = vec![0usize; dims.len()];
        Some(RowWalk { dims, ta, tb, index, inner, ia, ib, oa: 0, ob: 0 })
    }

    /// Moves to the next run (last axis fastest); false after the last one.
    fn advance(&mut self) -> bool {
        let mut axis = self.dims.len();
        loop {
            if axis == 0 {
                return false;
            }
            axis -= 1;
            self.index[axis] += 1;
            self.oa += self.ta[axis];
            self.ob += self.tb[axis];
            if self.index[axis] < self.dims[axis] {
                return true;
            }
            self.oa -= self.ta[axis] * self.dims[axis];
            self.ob -= self.tb[axis] * self.dims[axis];
            self.index[axis] = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Zip;

    #[test]
    fn shapes_broadcast_like_numpy() {
        assert_eq!(broadcast_shapes(&[2, 3, 4], &[4]).unwrap(), vec![2, 3, 4]);
        assert_eq!(broadcast_shapes(&[2, 1, 4], &[3, 1]).unwrap(), vec![2, 3, 4]);
        assert_eq!(broadcast_shapes(&[], &[5]).unwrap(), vec![5]);
        assert_eq!(broadcast_shapes(&[0, 1], &[1, 3]).unwrap(), vec![0, 3]);
        assert!(broadcast_shapes(&[2, 3], &[4]).is_err());
    }

    #[test]
    fn arith_map_f32_equals_binary_map() {
        let cases: [(&[usize], &[usize]); 6] =
            [(&[2, 3, 4], &[2, 3, 4]), (&[2, 3, 4], &[4]), (&[2, 1, 4], &[3, 1]), (&[1, 3, 1], &[2, 1, 5]), (&[], &[]), (&[0, 3], &[3])];
        for (sa, sb) in cases {
            let a = ArrayD::from_shape_fn(IxDyn(sa), |i| ndarray::Dimension::slice(&i).iter().sum::<usize>() as f32 * 0.3 - 1.0);
            let b = ArrayD::from_shape_fn(IxDyn(sb), |i| 1.0 / (ndarray::Dimension::slice(&i).iter().sum::<usize>() as f32 + 0.7));
            for (op, f) in [
                (ArithF32::Add, (|x, y| x + y) as fn(f32, f32) -> f32),
                (ArithF32::Sub, |x, y| x - y),
                (ArithF32::Mul, |x, y| x * y),
                (ArithF32::Div, |x, y| x / y),
            ] {
                let want = binary_map(&a, &b, |x, y| f(*x, *y)).unwrap();
                assert_eq!(arith_map_f32(&a, &b, op).unwrap(), want, "{op:?} {sa:?} {sb:?}");
            }
        }
        // A transposed (not row-major) operand.
        let a = ArrayD::from_shape_fn(IxDyn(&[3, 4]), |i| (i[0] * 4 + i[1]) as f32).reversed_axes();
        let b = ArrayD::from_elem(IxDyn(&[4, 3]), 2.0f32);
        assert_eq!(arith_map_f32(&a, &b, ArithF32::Mul).unwrap(), binary_map(&a, &b, |x, y| x * y).unwrap());
    }

    #[test]
    fn binary_map_refuses_a_giant_broadcast_result() {
        let a = ArrayD::<u8>::zeros(IxDyn(&[1 << 21, 1]));
        let b = ArrayD::<u8>::zeros(IxDyn(&[1, 1 << 21]));
        assert!(binary_map(&a, &b, |x, y| x + y).is_err());
    }

    #[test]
    fn binary_map_broadcasts_rows() {
        let a = ArrayD::from_shape_vec(IxDyn(&[2, 2]), vec![1, 2, 3, 4]).unwrap();
        let b = ArrayD::from_shape_vec(IxDyn(&[2]), vec![10, 20]).unwrap();
        let c = binary_map(&a, &b, |x, y| x + y).unwrap();
        assert_eq!(c.iter().copied().collect::<Vec<_>>(), vec![11, 22, 13, 24]);
    }

    /// The merged-axes loops give what ndarray's broadcasting Zip gives, on shapes that merge
    /// in every way (scalars, rows, columns, channels, both sides broadcast, size-1 and size-0
    /// axes) and on a non-contiguous operand (the Zip path).
    #[test]
    fn broadcast_loops_match_ndarray_broadcasting() {
        let cases: &[(&[usize], &[usize])] = &[
            (&[2, 3, 4], &[4]),
            (&[2, 3, 4], &[1]),
            (&[], &[2, 3]),
            (&[1, 3, 1, 1], &[2, 3, 5, 4]),
            (&[2, 3, 5, 4], &[3, 1, 1]),
            (&[2, 1, 4], &[3, 1]),
            (&[5, 1], &[1, 7]),
            (&[1, 1, 6], &[2, 1, 1, 1]),
            (&[2, 1, 3, 1, 2], &[1, 4, 3, 5, 1]),
            (&[3, 0, 2], &[1, 2]),
            (&[4, 1], &[4, 1]),
        ];
        for &(sa, sb) in cases {
            let len = |s: &[usize]| s.iter().product::<usize>();
            let a = ArrayD::from_shape_vec(IxDyn(sa), (0..len(sa) as i64).collect()).unwrap();
            let b = ArrayD::from_shape_vec(IxDyn(sb), (0..len(sb) as i64).map(|v| v * 1000).collect()).unwrap();
            let shape = broadcast_shapes(sa, sb).unwrap();
            let (av, bv) = (a.broadcast(IxDyn(&shape)).unwrap(), b.broadcast(IxDyn(&shape)).unwrap());
            let want = Zip::from(&av).and(&bv).map_collect(|x, y| x * 7 + y);
            let got = binary_map(&a, &b, |x, y| x * 7 + y).unwrap();
            assert_eq!(got, want, "{sa:?} and {sb:?}");
            let got_swapped = binary_map(&b, &a, |y, x| x * 7 + y).unwrap();
            assert_eq!(got_swapped, want, "{sb:?} and {sa:?}");
        }
        // A transposed (column-major) operand has no row-major slice: copied to row-major first.
        let a = ArrayD::from_shape_vec(IxDyn(&[3, 4]), (0..12).collect::<Vec<i64>>()).unwrap();
        let transposed = a.clone().reversed_axes();
        let column = ArrayD::from_shape_vec(IxDyn(&[3]), vec![1i64, 2, 3]).unwrap();
        let sum = binary_map(&transposed, &column, |x, y| x + y).unwrap();
        assert_eq!(sum.shape(), &[4, 3]);
        assert_eq!(sum[[1, 2]], a[[2, 1]] + 3);
    }
}
