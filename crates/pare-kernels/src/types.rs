//! The types kernels take and return, shared by every twin and by their callers in `ops`:
//! strided f32/generic matrices ([`MatRef`]), 8-bit operands with zero points ([`Operand`],
//! [`Int8Operand`], [`Int8Output`]), sign bits ([`PackedBits`]), the sliding-window geometry
//! of convolutions ([`Window`]) and the one error a kernel reports ([`GemmShapeError`]).
//! No arithmetic lives here beyond indexing.

use std::fmt;

// ------------------------------------------------------------------------------------ matrices

/// A read-only strided matrix over a slice, the operand type of the float GEMMs.
///
/// Element (r, c) lives at `data[r * row_stride + c * col_stride]`, so a transpose is a swap
/// of strides and sizes (no copy); the GEMM's packing step absorbs whatever layout it gets.
#[derive(Clone, Copy, Debug)]
pub struct MatRef<'a, T> {
    pub data: &'a [T],
    pub rows: usize,
    pub cols: usize,
    pub row_stride: usize,
    pub col_stride: usize,
}

impl<'a, T: Copy> MatRef<'a, T> {
    /// A dense row-major `rows × cols` matrix starting at `data[0]`.
    pub fn row_major(data: &'a [T], rows: usize, cols: usize) -> Self {
        MatRef { data, rows, cols, row_stride: cols, col_stride: 1 }
    }

    /// The transpose (a view; nothing moves).
    pub fn t(self) -> Self {
        MatRef { data: self.data, rows: self.cols, cols: self.rows, row_stride: self.col_stride, col_stride: self.row_stride }
    }

    /// Whether every element index is inside `data` (callers check before handing it to a kernel).
    pub fn fits(&self) -> bool {
        if self.rows == 0 || self.cols == 0 {
            return true;
        }
        let last = (self.rows - 1)
            .checked_mul(self.row_stride)
            .and_then(|r| (self.cols - 1).checked_mul(self.col_stride).and_then(|c| r.checked_add(c)));
        matches!(last, Some(i) if i < self.data.len())
    }

    #[inline(always)]
    pub fn at(&self, r: usize, c: usize) -> T {
        self.data[r * self.row_stride + c * self.col_stride]
    }
}

/// Which operand of a GEMM a [`PackedF32`] was packed as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PackedSide {
    /// A (`m×k`), in row panels.
    A,
    /// B (`k×n`), in column panels.
    B,
}

/// An f32 matrix packed once into the f32 GEMM's panel layout, every cache block ahead of
/// time (`kernels::pack_f32_a` / `kernels::pack_f32_b`): weights packed when a session is
/// built, then handed to `kernels::gemm_f32_operands` on every call instead of being packed
/// again. Opaque outside `kernels`: the layout belongs to the micro-kernel.
#[derive(Clone, Debug)]
pub struct PackedF32 {
    pub(crate) side: PackedSide,
    pub(crate) rows: usize,
    pub(crate) cols: usize,
    /// Blocks along the packed dimension (rows of A, columns of B) times blocks along K.
    pub(crate) k_blocks: usize,
    /// Start of each block in `data`, block (i, p) at `i·k_blocks + p`, plus the end.
    pub(crate) offsets: Vec<usize>,
    pub(crate) data: Vec<f32>,
}

impl PackedF32 {
    pub fn side(&self) -> PackedSide {
        self.side
    }
    /// Rows of the matrix (m for A, k for B).
    pub fn rows(&self) -> usize {
        self.rows
    }
    /// Columns of the matrix (k for A, n for B).
    pub fn cols(&self) -> usize {
        self.cols
    }
}

/// An operand of the f32 GEMM: a strided matrix (packed on the fly) or one packed ahead of
/// time.
#[derive(Clone, Copy, Debug)]
pub enum F32Operand<'a> {
    Mat(MatRef<'a, f32>),
    Packed(&'a PackedF32),
}

impl<'a> From<MatRef<'a, f32>> for F32Operand<'a> {
    fn from(m: MatRef<'a, f32>) -> Self {
        F32Operand::Mat(m)
    }
}

impl<'a> From<&'a PackedF32> for F32Operand<'a> {
    fn from(p: &'a PackedF32) -> Self {
        F32Operand::Packed(p)
    }
}

impl F32Operand<'_> {
    pub fn rows(&self) -> usize {
        match self {
            F32Operand::Mat(m) => m.rows,
            F32Operand::Packed(p) => p.rows,
        }
    }
    pub fn cols(&self) -> usize {
        match self {
            F32Operand::Mat(m) => m.cols,
            F32Operand::Packed(p) => p.cols,
        }
    }
}

/// An element the generic GEMM (f64 and the integer MatMul/Gemm types) can accumulate.
pub trait MacElement: Copy + Default {
    /// `self + a·b` (wrapping for integers).
    fn mul_add_to(self, a: Self, b: Self) -> Self;
}

macro_rules! float_mac {
    ($($t:ty),*) => {$(
        impl MacElement for $t {
            #[inline(always)]
            fn mul_add_to(self, a: Self, b: Self) -> Self {
                self + a * b
            }
        }
    )*};
}
macro_rules! int_mac {
    ($($t:ty),*) => {$(
        impl MacElement for $t {
            #[inline(always)]
            fn mul_add_to(self, a: Self, b: Self) -> Self {
                self.wrapping_add(a.wrapping_mul(b))
            }
        }
    )*};
}
float_mac!(f32, f64);
int_mac!(i8, i16, i32, i64, u8, u16, u32, u64);

// ------------------------------------------------------------------------------- 8-bit values

/// An 8-bit GEMM operand, widened exactly to i32.
pub trait Int8Operand: Copy + Send + Sync + 'static {
    /// The smallest value of the type, widened (0 for u8, −128 for i8).
    const MIN: i32;
    fn widen(self) -> i32;
    /// The operand with its type as a value: the entry points hand it to a non-generic
    /// function, so their u8/i8 copies are compiled in this crate (at its opt-level) and not in
    /// the caller's (see `gemm_i8`).
    fn erase(operand: Operand<'_, Self>) -> AnyOperand<'_>;
    /// The value's byte (two's complement for i8).
    fn to_byte(self) -> u8;
    /// The values' bytes (two's complement for i8), for kernels that only move values
    /// (`im2col_runs_q8`): one byte copy serves both types.
    fn as_bytes(values: &[Self]) -> &[u8];
    fn as_bytes_mut(values: &mut [Self]) -> &mut [u8];
    /// The slice with its type as a value ([`Int8Operand::erase`]'s reason).
    fn erase_slice(values: &[Self]) -> AnySlice<'_>;
}

impl Int8Operand for u8 {
    const MIN: i32 = 0;
    #[inline(always)]
    fn widen(self) -> i32 {
        i32::from(self)
    }
    #[inline(always)]
    fn erase(operand: Operand<'_, Self>) -> AnyOperand<'_> {
        AnyOperand::U8(operand)
    }
    #[inline(always)]
    fn to_byte(self) -> u8 {
        self
    }
    #[inline(always)]
    fn as_bytes(values: &[Self]) -> &[u8] {
        values
    }
    #[inline(always)]
    fn as_bytes_mut(values: &mut [Self]) -> &mut [u8] {
        values
    }
    #[inline(always)]
    fn erase_slice(values: &[Self]) -> AnySlice<'_> {
        AnySlice::U8(values)
    }
}

impl Int8Operand for i8 {
    const MIN: i32 = -128;
    #[inline(always)]
    fn widen(self) -> i32 {
        i32::from(self)
    }
    #[inline(always)]
    fn erase(operand: Operand<'_, Self>) -> AnyOperand<'_> {
        AnyOperand::I8(operand)
    }
    #[inline(always)]
    fn to_byte(self) -> u8 {
        self as u8
    }
    #[inline(always)]
    fn as_bytes(values: &[Self]) -> &[u8] {
        // SAFETY: i8 and u8 have the same size, alignment and validity (every bit pattern),
        // and the returned slice borrows `values` for its whole life.
        unsafe { std::slice::from_raw_parts(values.as_ptr().cast::<u8>(), values.len()) }
    }
    #[inline(always)]
    fn as_bytes_mut(values: &mut [Self]) -> &mut [u8] {
        // SAFETY: as `as_bytes`, borrowing `values` mutably.
        unsafe { std::slice::from_raw_parts_mut(values.as_mut_ptr().cast::<u8>(), values.len()) }
    }
    #[inline(always)]
    fn erase_slice(values: &[Self]) -> AnySlice<'_> {
        AnySlice::I8(values)
    }
}

/// An [`Operand`] of either 8-bit type ([`Int8Operand::erase`]).
#[derive(Clone, Copy, Debug)]
pub enum AnyOperand<'a> {
    U8(Operand<'a, u8>),
    I8(Operand<'a, i8>),
}

/// An 8-bit input slice of either type ([`Int8Operand::erase_slice`]).
#[derive(Clone, Copy, Debug)]
pub enum AnySlice<'a> {
    U8(&'a [u8]),
    I8(&'a [i8]),
}

/// An 8-bit output slice of either type ([`Int8Output::erase`]).
#[derive(Debug)]
pub enum AnyOutput<'a> {
    U8(&'a mut [u8]),
    I8(&'a mut [i8]),
}

/// An 8-bit matrix operand (row-major, contiguous) with its zero points: one per row for A,
/// one per column for B.
#[derive(Clone, Copy, Debug)]
pub struct Operand<'a, T> {
    pub values: &'a [T],
    pub zero_points: &'a [i32],
}

/// An 8-bit output type of (re)quantization.
pub trait Int8Output: Copy + Default + Send + Sync + 'static {
    const MIN: i32;
    const MAX: i32;
    /// `v`, already inside `[MIN, MAX]`, as the type.
    fn from_clamped(v: i32) -> Self;
    /// The values' bytes (two's complement for i8), for kernels that store whole vectors.
    fn bytes_mut(values: &mut [Self]) -> &mut [u8];
    /// The slice with its type as a value ([`Int8Operand::erase`]'s reason).
    fn erase(values: &mut [Self]) -> AnyOutput<'_>;
}

impl Int8Output for u8 {
    const MIN: i32 = 0;
    const MAX: i32 = 255;
    #[inline(always)]
    fn from_clamped(v: i32) -> Self {
        v as u8
    }
    fn bytes_mut(values: &mut [Self]) -> &mut [u8] {
        values
    }
    #[inline(always)]
    fn erase(values: &mut [Self]) -> AnyOutput<'_> {
        AnyOutput::U8(values)
    }
}

impl Int8Output for i8 {
    const MIN: i32 = -128;
    const MAX: i32 = 127;
    #[inline(always)]
    fn from_clamped(v: i32) -> Self {
        v as i8
    }
    fn bytes_mut(values: &mut [Self]) -> &mut [u8] {
        // SAFETY: i8 and u8 have the same size, alignment and validity (every bit pattern),
        // and the returned slice borrows `values` mutably for its whole life.
        unsafe { std::slice::from_raw_parts_mut(values.as_mut_ptr().cast::<u8>(), values.len()) }
    }
    #[inline(always)]
    fn erase(values: &mut [Self]) -> AnyOutput<'_> {
        AnyOutput::I8(values)
    }
}

// ---------------------------------------------------------------------------------- sign bits

/// Bits per packed vector of signs; rows of [`PackedBits`] are padded to a multiple of it.
pub const VECTOR_BITS: usize = 128;

/// Something whose sign becomes a bit: `true` for values that stand for −1.
pub trait SignBit: Copy {
    fn is_minus(self) -> bool;
}

impl SignBit for f32 {
    #[inline(always)]
    fn is_minus(self) -> bool {
        self < 0.0
    }
}

impl SignBit for i8 {
    #[inline(always)]
    fn is_minus(self) -> bool {
        self < 0
    }
}

/// Ternary weight codes ({−1, 0, +1}, `rows×k`) as position lists, the A operand of the
/// row-add ternary GEMM (`kernels::gemm_ternary`), built once by `kernels::pack_ternary_rows`.
/// Per K block of [`TERNARY_KC`] values and row: the block-relative positions whose code is
/// +1, then those whose code is −1 (zeros are not listed: they cost nothing).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TernaryRows {
    pub rows: usize,
    pub k: usize,
    /// Block-relative positions (< `TERNARY_KC`), per (block, row): plus list, minus list.
    pub(crate) positions: Vec<u16>,
    /// Per (block, row) in block-major order: (first position, plus count, minus count).
    pub(crate) spans: Vec<(u32, u16, u16)>,
}

/// K values per block of the row-add ternary GEMM: a block of 32 activation columns
/// (`TERNARY_KC × 32` f32, 32 KB) stays in L1 while every row's lists are summed.
pub const TERNARY_KC: usize = 256;

impl TernaryRows {
    /// Nonzero codes (listed positions).
    pub fn nonzeros(&self) -> usize {
        self.positions.len()
    }
}

/// `rows` bit rows of `k` signs each (bit 1 = −1), `words_per_row` u64 words per row (a
/// multiple of `VECTOR_BITS / 64`, the padding bits zero): the operands of the binary GEMM.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackedBits {
    pub rows: usize,
    pub k: usize,
    pub words_per_row: usize,
    pub words: Vec<u64>,
}

impl PackedBits {
    /// The words of row `r`.
    pub fn row(&self, r: usize) -> &[u64] {
        &self.words[r * self.words_per_row..(r + 1) * self.words_per_row]
    }

    /// Words per row for `k` signs (whole 128-bit vectors).
    pub fn words_for(k: usize) -> usize {
        k.div_ceil(VECTOR_BITS) * (VECTOR_BITS / 64)
    }

    /// `rows` rows of `k` signs, all +1 (every bit zero).
    pub fn zeroed(rows: usize, k: usize) -> Self {
        let words_per_row = Self::words_for(k);
        PackedBits { rows, k, words_per_row, words: vec![0; rows * words_per_row] }
    }
}

// ------------------------------------------------------------------------------------ errors

/// A slice handed to a kernel is shorter than its sizes require (or the operands disagree).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GemmShapeError {
    pub what: &'static str,
    pub needed: usize,
    pub got: usize,
}

impl fmt::Display for GemmShapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "integer GEMM: `{}` holds {} values but {} are needed", self.what, self.got, self.needed)
    }
}

impl std::error::Error for GemmShapeError {}

/// `Ok` when `got ≥ needed`; `needed == None` stands for a size that overflowed.
pub(crate) fn check_len(what: &'static str, got: usize, needed: Option<usize>) -> Result<(), GemmShapeError> {
    match needed {
        Some(needed) if got >= needed => Ok(()),
        Some(needed) => Err(GemmShapeError { what, needed, got }),
        None => Err(GemmShapeError { what, needed: usize::MAX, got }),
    }
}

/// Checks the slices of an `m×k` by `k×n` 8-bit product into `c` (`m×n`).
pub(crate) fn check_int8_gemm<A, B>(m: usize, n: usize, k: usize, a: &Operand<A>, b: &Operand<B>, c: &[i32]) -> Result<(), GemmShapeError> {
    check_len("a", a.values.len(), m.checked_mul(k))?;
    check_len("b", b.values.len(), k.checked_mul(n))?;
    check_len("c", c.len(), m.checked_mul(n))?;
    check_len("a zero points", a.zero_points.len(), Some(m))?;
    check_len("b zero points", b.zero_points.len(), Some(n))
}

// ---------------------------------------------------------------------------- window geometry

/// Spatial sizes and hyper-parameters of a convolution-like sliding window (all slices have
/// the same length, the number of spatial axes, at least 1): what im2col, col2im and the
/// direct depthwise convolution walk.
///
/// For output position `o` and kernel tap `k`, the input position along each spatial axis is
/// `o·stride − pad_begin + k·dilation`. Instead of testing that per element, the grid is
/// walked one *row* (a run along the last axis) at a time: for a fixed tap and a fixed outer
/// output index, the input row is either entirely in the padding or valid for a contiguous
/// range `lo..hi` of the last output axis, computed once ([`Window::for_each_row`]).
#[derive(Clone, Copy, Debug)]
pub struct Window<'a> {
    /// Sizes of the grid the window reads (Conv input; ConvTranspose output).
    pub input: &'a [usize],
    /// Sizes of the grid of window positions (Conv output; ConvTranspose input).
    pub output: &'a [usize],
    pub kernel: &'a [usize],
    pub strides: &'a [usize],
    pub dilations: &'a [usize],
    /// Leading padding per axis (negative values crop, as ConvTranspose's output_shape may ask).
    pub pads_begin: &'a [isize],
}

/// One run of window positions along the last axis, for one kernel tap.
#[derive(Clone, Copy, Debug)]
pub struct RowSpan {
    /// Flat index (in the output grid) of the row's first position.
    pub out_row: usize,
    /// Flat index (in the input grid) of element 0 of the input row read, or `None` when the
    /// whole row falls in the padding.
    pub in_row: Option<usize>,
    /// Positions `lo..hi` of the row read inside the input row; the others read padding.
    pub lo: usize,
    pub hi: usize,
    /// Position `ow` reads input column `ow·stride + shift`.
    pub stride: usize,
    pub shift: isize,
}

impl RowSpan {
    /// Index in the input grid of what position `lo` reads (meaningful when `in_row` is Some
    /// and `lo < hi`).
    #[inline]
    pub fn first_input(&self, in_row: usize) -> usize {
        (in_row as isize + (self.lo * self.stride) as isize + self.shift) as usize
    }
}

impl Window<'_> {
    pub fn rank(&self) -> usize {
        self.input.len()
    }

    /// Number of kernel taps (product of the kernel sizes).
    pub fn taps(&self) -> usize {
        self.kernel.iter().product()
    }

    /// Number of window positions (product of the output sizes).
    pub fn positions(&self) -> usize {
        self.output.iter().product()
    }

    /// Number of input grid elements.
    pub fn input_len(&self) -> usize {
        self.input.iter().product()
    }

    /// Calls `f(tap_index, tap)` for every kernel tap in row-major order.
    pub fn for_each_tap(&self, mut f: impl FnMut(usize, &[usize])) {
        let mut tap = vec![0usize; self.rank()];
        for index in 0..self.taps() {
            f(index, &tap);
            advance(&mut tap, self.kernel);
        }
    }

    /// Calls `f(tap_index, span)` for every row of window positions and, within a row, every
    /// kernel tap in row-major order: the (tap, row) pairs of [`Window::for_each_tap`] with
    /// [`Window::for_each_row`], rows outermost, so all taps add to one output row while it is
    /// in cache (each position still sees the taps in order).
    pub fn for_each_row_of_taps(&self, mut f: impl FnMut(usize, RowSpan)) {
        let (rank, taps) = (self.rank(), self.taps());
        if rank == 0 || taps == 0 || self.positions() == 0 {
            return;
        }
        let last = rank - 1;
        let stride = self.strides[last];
        // Per tap: its coordinates and its valid range along the last axis.
        let mut coords = Vec::with_capacity(taps * rank);
        let mut ranges = Vec::with_capacity(taps);
        let mut tap = vec![0usize; rank];
        for _ in 0..taps {
            coords.extend_from_slice(&tap);
            let shift = (tap[last] * self.dilations[last]) as isize - self.pads_begin[last];
            let (lo, hi) = valid_range(shift, stride, self.input[last], self.output[last]);
            ranges.push((lo, hi, shift));
            advance(&mut tap, self.kernel);
        }
        let outer = &self.output[..last];
        let rows: usize = outer.iter().product();
        let mut index = vec![0usize; last];
        for row in 0..rows {
            for (t, (tap, &(lo, hi, shift))) in coords.chunks_exact(rank).zip(&ranges).enumerate() {
                let in_row = self.input_row(&index, tap);
                f(t, RowSpan { out_row: row * self.output[last], in_row, lo, hi, stride, shift });
            }
            advance(&mut index, outer);
        }
    }

    /// Calls `f` for every row of window positions, for the kernel tap `tap`.
    pub fn for_each_row(&self, tap: &[usize], mut f: impl FnMut(RowSpan)) {
        let rank = self.rank();
        if rank == 0 || self.positions() == 0 {
            return;
        }
        let last = rank - 1;
        let stride = self.strides[last];
        let shift = (tap[last] * self.dilations[last]) as isize - self.pads_begin[last];
        let (lo, hi) = valid_range(shift, stride, self.input[last], self.output[last]);
        let outer = &self.output[..last];
        let rows: usize = outer.iter().product();
        let mut index = vec![0usize; last];
        for row in 0..rows {
            let in_row = self.input_row(&index, tap);
            f(RowSpan { out_row: row * self.output[last], in_row, lo, hi, stride, shift });
            advance(&mut index, outer);
        }
    }
}

impl Window<'_> {
    /// Flat index (in the input grid) of element 0 of the input row that output row `index`
    /// (the outer output coordinates) reads through kernel tap `tap`, or `None` when it lies in
    /// the padding on some outer axis.
    fn input_row(&self, index: &[usize], tap: &[usize]) -> Option<usize> {
        let last = self.rank() - 1;
        let mut in_row = 0usize;
        for axis in 0..last {
            let pos = (index[axis] * self.strides[axis] + tap[axis] * self.dilations[axis]) as isize - self.pads_begin[axis];
            if pos < 0 || pos as usize >= self.input[axis] {
                return None;
            }
            in_row = in_row * self.input[axis] + pos as usize;
        }
        Some(in_row * self.input[last])
    }
}

/// Odometer step over `sizes` (row-major: the last axis moves fastest).
pub fn advance(index: &mut [usize], sizes: &[usize]) {
    for axis in (0..index.len()).rev() {
        index[axis] += 1;
        if index[axis] < sizes[axis] {
            return;
        }
        index[axis] = 0;
    }
}

/// The positions `ow < out_len` with `0 <= ow·stride + shift < in_len`, as `lo..hi`.
pub fn valid_range(shift: isize, stride: usize, in_len: usize, out_len: usize) -> (usize, usize) {
    let s = stride.max(1) as isize;
    let lo = if shift >= 0 { 0 } else { ((-shift) + s - 1) / s };
    let room = in_len as isize - shift;
    let hi = if room <= 0 { 0 } else { (room + s - 1) / s };
    let hi = (hi as usize).min(out_len);
    let lo = (lo as usize).min(hi);
    (lo, hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_range_matches_a_brute_force_scan() {
        for shift in -7isize..7 {
            for stride in 1..4 {
                for in_len in 0..6 {
                    let out_len = 6;
                    let want: Vec<usize> = (0..out_len)
                        .filter(|&o| {
                            let i = (o * stride) as isize + shift;
                            i >= 0 && (i as usize) < in_len
                        })
                        .collect();
                    let (lo, hi) = valid_range(shift, stride, in_len, out_len);
                    assert_eq!((lo..hi).collect::<Vec<_>>(), want, "shift {shift} stride {stride} in {in_len}");
                }
            }
        }
    }

    #[test]
    fn row_of_taps_walk_visits_the_tap_by_tap_pairs_row_by_row() {
        // 3-D, strides, dilation and negative (cropping) padding, and a 2-D case with padding
        // on both sides: the same (tap, span) pairs as for_each_tap + for_each_row.
        let cases: [(&[usize], &[usize], &[usize], &[usize], &[usize], &[isize]); 2] = [
            (&[4, 5, 6], &[3, 2, 4], &[2, 2, 3], &[1, 2, 1], &[1, 1, 2], &[0, 1, -1]),
            (&[7, 9], &[4, 5], &[3, 3], &[2, 2], &[1, 1], &[1, 1]),
        ];
        for (input, output, kernel, strides, dilations, pads_begin) in cases {
            let w = Window { input, output, kernel, strides, dilations, pads_begin };
            let key = |t: usize, s: RowSpan| (s.out_row, t, s.in_row, s.lo, s.hi, s.stride, s.shift);
            let mut want = Vec::new();
            w.for_each_tap(|t, tap| w.for_each_row(tap, |s| want.push(key(t, s))));
            want.sort();
            let mut got = Vec::new();
            w.for_each_row_of_taps(|t, s| got.push(key(t, s)));
            assert!(got.windows(2).all(|p| (p[0].0, p[0].1) < (p[1].0, p[1].1)), "rows outermost, taps in order");
            assert_eq!(got, want);
        }
    }

    #[test]
    fn matref_transpose_and_bounds() {
        let data = [1, 2, 3, 4, 5, 6];
        let m = MatRef::row_major(&data, 2, 3);
        assert_eq!(m.t().at(2, 1), 6);
        assert!(m.fits());
        assert!(!MatRef { data: &data[..5], ..m }.fits());
    }
}

// -------------------------------------------------------------------------------- activations

/// A piecewise or sigmoid activation applied in place to f32 values ([`crate::activation_f32`]):
/// what pare's `ops::Epilogue` fuses into the operator that produces its input.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Activation {
    Relu,
    LeakyRelu { alpha: f32 },
    Clip { lo: Option<f32>, hi: Option<f32> },
    HardSigmoid { alpha: f32, beta: f32 },
    HardSwish,
    Sigmoid,
    /// `v · sigmoid(v)`.
    Silu,
}

/// Registers of an elementwise program ([`crate::program_f32`]); register 0 starts as the value.
pub const PROGRAM_REGISTERS: usize = 4;

/// An operand of an elementwise program step: a register or a constant.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ProgramOperand {
    Reg(u8),
    Const(f32),
}

/// One step of an elementwise program ([`crate::program_f32`]): `dst = a op b`, or `dst =
/// activation(src)`; registers below [`PROGRAM_REGISTERS`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ProgramStep {
    Binary { op: ArithF32, a: ProgramOperand, b: ProgramOperand, dst: u8 },
    Activation { activation: Activation, src: u8, dst: u8 },
}

/// The f32 binary arithmetic of [`crate::arith_f32`] (ONNX Add, Sub, Mul, Div).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArithF32 {
    Add,
    Sub,
    Mul,
    Div,
}
