//! Numpy-style (multidirectional) broadcasting, as ONNX defines it for Add, Mul, Where…

use ndarray::{ArrayD, IxDyn, Zip};

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
pub fn binary_map<A, B, O>(a: &ArrayD<A>, b: &ArrayD<B>, f: impl Fn(&A, &B) -> O) -> Result<ArrayD<O>, OpError>
where
    A: Clone,
    B: Clone,
{
    if a.shape() == b.shape() {
        return Ok(Zip::from(a).and(b).map_collect(|x, y| f(x, y)));
    }
    let shape = broadcast_shapes(a.shape(), b.shape())?;
    let n = crate::ir::checked_numel(&shape)?;
    crate::budget::check(n.saturating_mul(std::mem::size_of::<O>()), || format!("a broadcast output of shape {shape:?}"))
        .map_err(|e| OpError::too_large(e.to_string()))?;
    let av = a.broadcast(IxDyn(&shape)).ok_or_else(|| OpError::invalid("broadcast failed"))?;
    let bv = b.broadcast(IxDyn(&shape)).ok_or_else(|| OpError::invalid("broadcast failed"))?;
    Ok(Zip::from(&av).and(&bv).map_collect(|x, y| f(x, y)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_broadcast_like_numpy() {
        assert_eq!(broadcast_shapes(&[2, 3, 4], &[4]).unwrap(), vec![2, 3, 4]);
        assert_eq!(broadcast_shapes(&[2, 1, 4], &[3, 1]).unwrap(), vec![2, 3, 4]);
        assert_eq!(broadcast_shapes(&[], &[5]).unwrap(), vec![5]);
        assert_eq!(broadcast_shapes(&[0, 1], &[1, 3]).unwrap(), vec![0, 3]);
        assert!(broadcast_shapes(&[2, 3], &[4]).is_err());
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
}
