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

/// Which layout a weight follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    Conv,
    ConvTranspose,
    /// Gemm B; `trans_b` true means stored `[N, K]`.
    Gemm { trans_b: bool },
    MatMul,
}

impl Layout {
    /// Gemm and MatMul weights: one weight per (input, output) pair, no kernel.
    pub fn is_matrix(self) -> bool {
        matches!(self, Layout::Gemm { .. } | Layout::MatMul)
    }
}

impl WeightView {
    /// The view of a weight of `shape` under `layout`, or why it does not fit.
    pub fn new(layout: Layout, shape: &[usize]) -> Result<WeightView, String> {
        match layout {
            Layout::Conv | Layout::ConvTranspose => {
                if shape.len() < 3 {
                    return Err(format!("a convolution weight has rank ≥ 3, got shape {shape:?}"));
                }
                let kernel: usize = shape[2..].iter().product();
                let row = *shape.last().unwrap_or(&1);
                let (out, inp, out_stride, inp_stride) = if layout == Layout::Conv {
                    (shape[0], shape[1], shape[1] * kernel, kernel)
                } else {
                    (shape[1], shape[0], kernel, shape[1] * kernel)
                };
                Ok(WeightView { batch: 1, out, inp, kernel, row, batch_stride: 0, out_stride, inp_stride })
            }
            Layout::Gemm { trans_b } => {
                let [a, b] = shape else {
                    return Err(format!("a Gemm weight has rank 2, got shape {shape:?}"));
                };
                let (out, inp, out_stride, inp_stride) = if trans_b { (*a, *b, *b, 1) } else { (*b, *a, 1, *b) };
                Ok(WeightView { batch: 1, out, inp, kernel: 1, row: 1, batch_stride: 0, out_stride, inp_stride })
            }
            Layout::MatMul => {
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

    /// Axis of the weight tensor holding output channels.
    pub fn out_axis(layout: Layout, rank: usize) -> usize {
        match layout {
            Layout::Conv => 0,
            Layout::ConvTranspose => 1,
            Layout::Gemm { trans_b } => usize::from(!trans_b),
            Layout::MatMul => rank.saturating_sub(1),
        }
    }

    /// Axis of the weight tensor holding input channels (K).
    pub fn in_axis(layout: Layout, rank: usize) -> usize {
        match layout {
            Layout::Conv => 1,
            Layout::ConvTranspose => 0,
            Layout::Gemm { trans_b } => usize::from(trans_b),
            Layout::MatMul => rank.saturating_sub(2),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_follow_each_layout() {
        // Conv [2, 3, 2, 2]: element (o=1, i=2, k=3) at 1*12 + 2*4 + 3.
        let v = WeightView::new(Layout::Conv, &[2, 3, 2, 2]).unwrap();
        assert_eq!((v.out, v.inp, v.kernel, v.row), (2, 3, 4, 2));
        assert_eq!(v.offset(0, 1, 2, 3), 23);
        // ConvTranspose [Cin 3, Cout 2, 2, 2]: (o=1, i=2, k=3) at 2*8 + 1*4 + 3.
        let v = WeightView::new(Layout::ConvTranspose, &[3, 2, 2, 2]).unwrap();
        assert_eq!((v.out, v.inp), (2, 3));
        assert_eq!(v.offset(0, 1, 2, 3), 23);
        // Gemm [K 4, N 3]: (o=2, i=1) at 1*3 + 2; transposed [N 3, K 4]: at 2*4 + 1.
        assert_eq!(WeightView::new(Layout::Gemm { trans_b: false }, &[4, 3]).unwrap().offset(0, 2, 1, 0), 5);
        assert_eq!(WeightView::new(Layout::Gemm { trans_b: true }, &[3, 4]).unwrap().offset(0, 2, 1, 0), 9);
        // MatMul [2, K 4, N 3]: (b=1, o=2, i=1) at 12 + 3 + 2.
        let v = WeightView::new(Layout::MatMul, &[2, 4, 3]).unwrap();
        assert_eq!((v.batch, v.out, v.inp), (2, 3, 4));
        assert_eq!(v.offset(1, 2, 1, 0), 17);
        assert!(WeightView::new(Layout::Gemm { trans_b: false }, &[4]).is_err());
    }
}
