//! `map_values`: a function applied to every element of an array, for the unary elementwise
//! ops (Abs, Exp, Relu, Clip…, `float_map!`).
//!
//! ndarray's `mapv` is `to_vec_mapped` plus iterator `fold`/`extend` functions, and at opt-level
//! "z" each of them stays out of line, one copy per op, element type and closure (1,466 functions
//! in the wasm, docs/wasm_size.md). This is one loop per instantiation, inlined, the same values.

use ndarray::ArrayD;

/// `f` of every element of `a`, in an array of `a`'s shape (standard layout).
pub fn map_values<A: Copy, O>(a: &ArrayD<A>, f: impl Fn(A) -> O) -> ArrayD<O> {
    let standard = a.as_standard_layout();
    let xs = standard.as_slice().expect("a standard-layout array is a slice");
    let mut out = Vec::with_capacity(xs.len());
    for (o, &x) in out.spare_capacity_mut()[..xs.len()].iter_mut().zip(xs) {
        o.write(f(x));
    }
    // SAFETY: the loop wrote every one of the first `xs.len()` slots (the spare capacity has at
    // least that many, or the slicing had panicked).
    unsafe { out.set_len(xs.len()) };
    ArrayD::from_shape_vec(a.raw_dim(), out).expect("one value per element")
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::IxDyn;

    #[test]
    fn maps_like_mapv_in_any_layout() {
        let a = ArrayD::from_shape_vec(IxDyn(&[2, 3]), vec![1i32, -2, 3, -4, 5, -6]).unwrap();
        assert_eq!(map_values(&a, |v| v * 10), a.mapv(|v| v * 10));
        let t = a.clone().reversed_axes();
        assert_eq!(map_values(&t, i32::abs), t.mapv(i32::abs));
        let empty = ArrayD::<f32>::zeros(IxDyn(&[0, 4]));
        assert_eq!(map_values(&empty, |v| v > 0.0).shape(), &[0, 4]);
    }
}
