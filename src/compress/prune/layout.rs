//! How a layer's weight tensor maps to (output channel, input channel, kernel position), so that
//! every method can speak of filters, kernels and "the input dimension" whatever the op:
//!
//! | op            | weight shape                 | output axis | input axis | kernel |
//! |---------------|------------------------------|-------------|------------|--------|
//! | Conv          | `[Cout, Cin/g, k…]`          | 0           | 1          | `k…`   |
//! | ConvTranspose | `[Cin, Cout/g, k…]`          | 1           | 0          | `k…`   |
//! | Gemm          | B `[K, N]` (`[N, K]` transB) | N           | K          | 1      |
//! | MatMul        | B `[…, K, N]`                | N           | K          | 1      |
//!
//! A MatMul weight with leading batch dims is seen as `batch` independent `[K, N]` matrices.
//! The layouts and their axes are `ops::layer_table`'s.

use crate::ops::layer_table::WeightLayout;

/// A weight seen as `batch × out × inp × kernel` elements with the strides of its layout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WeightView {
    pub batch: usize,
    pub out: usize,
    pub inp: usize,
    /// Elements of one kernel (product of the spatial dims; 1 for Gemm/MatMul).
    pub kernel: usize,
    /// Length of one kernel row (the last spatial dim), for vector-level pruning.
    pub row: usize,
    batch_stride: usize,
    out_stride: usize,
    inp_stride: usize,
}

impl WeightView {
    /// The view of a weight of `shape` under `layout`, or why it does not fit.
    pub fn new(layout: WeightLayout, shape: &[usize]) -> Result<WeightView, String> {
        match layout {
            WeightLayout::Conv | WeightLayout::ConvTranspose => {
                if shape.len() < 3 {
                    return Err(format!("a convolution weight has rank ≥ 3, got shape {shape:?}"));
                }
                let kernel: usize = shape[2..].iter().product();
                let row = *shape.last().unwrap_or(&1);
                let (out, inp, out_stride, inp_stride) = if layout == WeightLayout::Conv {
                    (shape[0], shape[1], shape[1] * kernel, kernel)
                } else {
                    (shape[1], shape[0], kernel, shape[1] * kernel)
                };
                Ok(WeightView { batch: 1, out, inp, kernel, row, batch_stride: 0, out_stride, inp_stride })
            }
            WeightLayout::Gemm { trans_b } => {
                let [a, b] = shape else {
                    return Err(format!("a Gemm weight has rank 2, got shape {shape:?}"));
                };
                let (out, inp, out_stride, inp_stride) = if trans_b { (*a, *b, *b, 1) } else { (*b, *a, 1, *b) };
                Ok(WeightView { batch: 1, out, inp, kernel: 1, row: 1, batch_stride: 0, out_stride, inp_stride })
            }
            WeightLayout::MatMul => {
                if shape.len() < 2 {
                    return Err(format!("a MatMul weight has rank ≥ 2, got shape {shape:?}"));
                }
                let (k, n) = (shape[shape.len() - 2], shape[shape.len() - 1]);
                let batch: usize = shape[..shape.len() - 2].iter().product();
                Ok(WeightView { batch, out: n, inp: k, kernel: 1, row: 1, batch_stride: k * n, out_stride: 1, inp_stride: n })
            }
        }
    }

    /// Flat (row-major) index of element (`b`, `o`, `i`, `k`).
    pub fn offset(&self, b: usize, o: usize, i: usize, k: usize) -> usize {
        b * self.batch_stride + o * self.out_stride + i * self.inp_stride + k
    }

    pub fn len(&self) -> usize {
        self.batch * self.out * self.inp * self.kernel
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_follow_each_layout() {
        // Conv [2, 3, 2, 2]: element (o=1, i=2, k=3) at 1*12 + 2*4 + 3.
        let v = WeightView::new(WeightLayout::Conv, &[2, 3, 2, 2]).unwrap();
        assert_eq!((v.out, v.inp, v.kernel, v.row), (2, 3, 4, 2));
        assert_eq!(v.offset(0, 1, 2, 3), 23);
        // ConvTranspose [Cin 3, Cout 2, 2, 2]: (o=1, i=2, k=3) at 2*8 + 1*4 + 3.
        let v = WeightView::new(WeightLayout::ConvTranspose, &[3, 2, 2, 2]).unwrap();
        assert_eq!((v.out, v.inp), (2, 3));
        assert_eq!(v.offset(0, 1, 2, 3), 23);
        // Gemm [K 4, N 3]: (o=2, i=1) at 1*3 + 2; transposed [N 3, K 4]: at 2*4 + 1.
        assert_eq!(WeightView::new(WeightLayout::Gemm { trans_b: false }, &[4, 3]).unwrap().offset(0, 2, 1, 0), 5);
        assert_eq!(WeightView::new(WeightLayout::Gemm { trans_b: true }, &[3, 4]).unwrap().offset(0, 2, 1, 0), 9);
        // MatMul [2, K 4, N 3]: (b=1, o=2, i=1) at 12 + 3 + 2.
        let v = WeightView::new(WeightLayout::MatMul, &[2, 4, 3]).unwrap();
        assert_eq!((v.batch, v.out, v.inp), (2, 3, 4));
        assert_eq!(v.offset(1, 2, 1, 0), 17);
        assert!(WeightView::new(WeightLayout::Gemm { trans_b: false }, &[4]).is_err());
    }
}
