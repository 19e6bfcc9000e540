//! Packing: operands rearranged into the layouts the micro-kernels read contiguously, and
//! the data movement that turns a convolution into a GEMM.
//!
//! - `f32`: MR-tall row panels of A and NR-wide column panels of B for the f32 GEMM, from
//!   any strides (transposes cost nothing extra).
//! - `i8_c2`: 8-bit operands with their zero points subtracted, as i16 pairs along K (the
//!   layout of `i32x4.dot_i16x8_s`).
//! - `i8_c4_split`: 8-bit operands in quads along K, A as i8 and B split into a 7-bit low
//!   and a 1-bit high part (the layout of `i32x4.relaxed_dot_i8x16_i7x16_add_s`).
//! - `bits`: ±1 values as sign bits (the binary GEMM's operands).
//! - `ternary`: {−1, 0, +1} codes as lists of +1 and −1 positions per K block, and the f32
//!   activation panels the row-add tile sums (`TernaryRows`).
//! - `im2col`: convolution patches as matrix columns, and its adjoint `col2im_add`.
//!
//! Each GEMM packing comes with a [`PanelSource`](super::driver::PanelSource) for the
//! blocking driver.

pub(crate) mod bits;
pub(crate) mod f32;
pub(crate) mod i8_c2;
pub(crate) mod i8_c4_split;
pub(crate) mod im2col;
pub(crate) mod ternary;
