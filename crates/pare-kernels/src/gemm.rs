//! The GEMMs as their twins share them: operand checks, the packed layout, the blocking
//! driver and how finished tiles land in C. A twin supplies only its register tile, so the
//! scalar kernel and its SIMD twins differ exactly where the instructions do.
//!
//! | layout          | tile | K grouping       | packed A / B            | kernels                                   |
//! |-----------------|------|------------------|-------------------------|-------------------------------------------|
//! | [`F32x6x8`]     | 6×8  | 1                | f32 / f32               | `gemm_f32_6x8_{scalar,simd128,relaxed,avx,avx512}` |
//! | [`I8x4x16c2`]   | 4×16 | pairs (c2)       | i16 − zero / i16 − zero | `gemm_i8_4x16c2_{scalar,simd128}`         |
//! | [`I8x4x8c4Split`] | 4×8 | quads (c4), B split 7+1 bit | i8 / u8 lo+hi | `gemm_i8_4x8c4_split_{scalar,relaxed}`   |
//! | binary          | 2×4  | 128-bit vectors  | sign bits               | `gemm_binary_2x4_{scalar,simd128}`        |
//! | ternary row-add | 1×32 | 256-value blocks | ±1 position lists / f32 panel | `gemm_ternary_rowadd_{scalar,simd128}` |

use crate::driver::{Layout, PanelSource, Tile, gemm_blocked};
use crate::pack;
use crate::types::{
    F32Operand, GemmShapeError, Int8Operand, MatRef, Operand, PackedBits, PackedF32, PackedSide, TERNARY_KC, TernaryRows, check_int8_gemm, check_len,
};

// ------------------------------------------------------------------------------------ f32 6×8

/// f32, a 6×8 tile (two 4-lane vectors per row), K one value at a time.
pub(crate) struct F32x6x8;

impl Layout for F32x6x8 {
    type A = f32;
    type B = f32;
    type Acc = f32;
    type Tile = [[f32; 8]; 6];
    const MR: usize = 6;
    const NR: usize = 8;
    const KR: usize = 1;
    const A_PER_GROUP: usize = 1;
    const B_PER_GROUP: usize = 1;
    /// One micro-panel of B (KC×NR) fits in L1.
    const KC: usize = 256;
    /// MC×KC floats of A fit in L2.
    const MC: usize = 72;
    const NC: usize = 2048;
}

/// `m` packed ahead of time as operand `side` of the 6×8 f32 GEMM (every cache block).
pub(crate) fn pack_f32_6x8(m: MatRef<f32>, side: PackedSide) -> PackedF32 {
    assert!(m.fits(), "pack: strides run past the slice");
    pack::f32::pack_whole::<F32x6x8>(m, side)
}

/// `c[i*ldc + j] = alpha·Σ_p a(i,p)·b(p,j) + beta·c[i*ldc + j]` for `i < a.rows`, `j < b.cols`.
///
/// `beta` is applied to C once, up front; `beta == 0` overwrites C (NaNs in C do not leak),
/// as BLAS does. Row and column vectors (m == 1 or n == 1) of unpacked operands take a GEMV
/// path without packing; operands packed ahead of time skip the packing step.
/// Panics if the operands do not describe an `m×k` times `k×n` product inside their slices,
/// or a packed operand was packed as the other side (callers validate shapes first; this is
/// a programming error, not a data error).
pub(crate) fn gemm_f32_6x8(
    alpha: f32,
    a: F32Operand,
    b: F32Operand,
    beta: f32,
    c: &mut [f32],
    ldc: usize,
    tile: impl Tile<F32x6x8> + Sync,
) {
    let (m, k, n) = (a.rows(), a.cols(), b.cols());
    assert!(b.rows() == k, "gemm: inner dimensions differ ({} vs {})", k, b.rows());
    for (operand, side) in [(&a, PackedSide::A), (&b, PackedSide::B)] {
        match operand {
            F32Operand::Mat(mat) => assert!(mat.fits(), "gemm: operand strides run past their slices"),
            F32Operand::Packed(p) => assert!(p.side == side, "gemm: operand packed as {:?} used as {side:?}", p.side),
        }
    }
    assert!(m == 0 || n == 0 || (ldc >= n && (m - 1) * ldc + n <= c.len()), "gemm: C is too small");
    if m == 0 || n == 0 {
        return;
    }
    scale_c(beta, m, n, c, ldc);
    if k == 0 || alpha == 0.0 {
        return;
    }
    if let (F32Operand::Mat(a), F32Operand::Mat(b)) = (a, b) {
        if m == 1 {
            gemv(alpha, a, b, c, 1);
            return;
        }
        if n == 1 {
            // C's column is Bᵀ·Aᵀ: the same GEMV with the roles swapped, written with stride ldc.
            gemv(alpha, b.t(), a.t(), c, ldc);
            return;
        }
    }
    let rows = pack::f32::Rows::<F32x6x8>(a, std::marker::PhantomData);
    let cols = pack::f32::Columns::<F32x6x8>(b, std::marker::PhantomData);
    gemm_blocked::<F32x6x8, f32>(m, n, k, &rows, &cols, tile, c, ldc, |_, acc, c_row| {
        for (cv, &av) in c_row.iter_mut().zip(acc) {
            *cv += alpha * av;
        }
    });
}

/// `C = beta·C` over the m×n window; `beta == 0` writes zeros without reading.
fn scale_c(beta: f32, m: usize, n: usize, c: &mut [f32], ldc: usize) {
    if beta == 1.0 {
        return;
    }
    for i in 0..m {
        let row = &mut c[i * ldc..i * ldc + n];
        if beta == 0.0 {
            row.fill(0.0);
        } else {
            row.iter_mut().for_each(|v| *v *= beta);
        }
    }
}

/// `out[j*out_stride] += alpha·Σ_p x(0,p)·mat(p,j)` for a 1×k row `x` and a k×n `mat`.
fn gemv(alpha: f32, x: MatRef<f32>, mat: MatRef<f32>, out: &mut [f32], out_stride: usize) {
    let (k, n) = (mat.rows, mat.cols);
    let x_row: Vec<f32> = (0..k).map(|p| x.at(0, p)).collect();
    if mat.row_stride == 1 {
        // Each column of `mat` is contiguous: one dot product per output.
        for j in 0..n {
            let start = j * mat.col_stride;
            out[j * out_stride] += alpha * dot(&x_row, &mat.data[start..start + k]);
        }
    } else if mat.col_stride == 1 {
        // Rows are contiguous: accumulate scaled rows (an axpy per p).
        let mut acc = vec![0f32; n];
        for (p, &xv) in x_row.iter().enumerate() {
            let start = p * mat.row_stride;
            for (a, &m) in acc.iter_mut().zip(&mat.data[start..start + n]) {
                *a += xv * m;
            }
        }
        for (j, a) in acc.into_iter().enumerate() {
            out[j * out_stride] += alpha * a;
        }
    } else {
        let mut column = vec![0f32; k];
        for j in 0..n {
            column.iter_mut().enumerate().for_each(|(p, v)| *v = mat.at(p, j));
            out[j * out_stride] += alpha * dot(&x_row, &column);
        }
    }
}

/// Dot product with eight independent partial sums (vectorizable without reassociation).
fn dot(x: &[f32], y: &[f32]) -> f32 {
    let mut lanes = [0f32; 8];
    let xc = x.chunks_exact(8);
    let yc = y.chunks_exact(8);
    let tail: f32 = xc.remainder().iter().zip(yc.remainder()).map(|(a, b)| a * b).sum();
    for (a, b) in xc.zip(yc) {
        for l in 0..8 {
            lanes[l] += a[l] * b[l];
        }
    }
    let pairs = [lanes[0] + lanes[4], lanes[1] + lanes[5], lanes[2] + lanes[6], lanes[3] + lanes[7]];
    (pairs[0] + pairs[2]) + (pairs[1] + pairs[3]) + tail
}

// ------------------------------------------------------------------------------------ INT8

/// A packed INT8 layout: how it packs the two 8-bit operands and what it adds to C once every
/// tile is stored, so [`gemm_i8_packed`] is the one INT8 driver of every layout.
pub(crate) trait Int8Layout: Layout<Acc = i32> {
    /// A (`m×k`) in MR-tall row panels.
    fn rows<A: Int8Operand>(a: Operand<'_, A>, k: usize) -> impl PanelSource<Self::A> + Sync;
    /// B (`k×n`) in NR-wide column panels.
    fn columns<B: Int8Operand>(b: Operand<'_, B>, n: usize, k: usize) -> impl PanelSource<Self::B> + Sync;
    /// What C still needs after the tiles (nothing when packing subtracts the zero points).
    fn finish<A: Int8Operand, B: Int8Operand>(_m: usize, _n: usize, _k: usize, _a: &Operand<A>, _b: &Operand<B>, _c: &mut [i32]) {}
}

/// `c[i·n + j] = Σ_p (a[i·k + p] − a_zero[i])·(b[p·n + j] − b_zero[j])`, wrapping in i32 (the
/// contract of the reference `gemm_i8_reference`), through layout `L` and its register `tile`:
/// the slice checks, `C = 0` for an empty K, the blocked loop storing tiles wrapping, then
/// `L::finish`.
pub(crate) fn gemm_i8_packed<L: Int8Layout, A: Int8Operand, B: Int8Operand>(
    m: usize,
    n: usize,
    k: usize,
    a: Operand<A>,
    b: Operand<B>,
    c: &mut [i32],
    tile: impl Fn(&[L::A], &[L::B]) -> L::Tile + Sync,
) -> Result<(), GemmShapeError> {
    check_int8_gemm(m, n, k, &a, &b, c)?;
    if k == 0 {
        c[..m * n].fill(0);
        return Ok(());
    }
    gemm_blocked::<L, i32>(m, n, k, &L::rows(a, k), &L::columns(b, n, k), tile, c, n, store_wrapping);
    L::finish(m, n, k, &a, &b, c);
    Ok(())
}

/// Declares an INT8 GEMM twin: a function with the [`GemmI8Fn`](crate::GemmI8Fn)
/// signature (the contract of `gemm_i8_reference`) that runs [`gemm_i8_packed`] over `layout`
/// with `tile`, so the twins of every INT8 layout state their signature in this one place.
macro_rules! gemm_i8_twin {
    ($(#[$doc:meta])* $name:ident = $layout:ty, $tile:path) => {
        $(#[$doc])*
        pub(crate) fn $name<A: $crate::types::Int8Operand, B: $crate::types::Int8Operand>(
            m: usize,
            n: usize,
            k: usize,
            a: $crate::types::Operand<A>,
            b: $crate::types::Operand<B>,
            c: &mut [i32],
        ) -> Result<(), $crate::types::GemmShapeError> {
            $crate::gemm::gemm_i8_packed::<$layout, A, B>(m, n, k, a, b, c, $tile)
        }
    };
}
pub(crate) use gemm_i8_twin;

/// Puts a row of an integer tile into its part of C's row: written on the first K block,
/// added (wrapping) on the others.
fn store_wrapping(first_k: bool, acc: &[i32], c_row: &mut [i32]) {
    if first_k {
        c_row.copy_from_slice(acc);
    } else {
        for (cv, &av) in c_row.iter_mut().zip(acc) {
            *cv = cv.wrapping_add(av);
        }
    }
}

/// 8-bit operands with zero points subtracted, as i16 pairs along K; a 4×16 tile.
pub(crate) struct I8x4x16c2;

impl Layout for I8x4x16c2 {
    type A = i16;
    type B = i16;
    type Acc = i32;
    type Tile = [[i32; 16]; 4];
    const MR: usize = 4;
    const NR: usize = 16;
    const KR: usize = 2;
    const A_PER_GROUP: usize = 2;
    const B_PER_GROUP: usize = 2;
    /// Even, so pairs never straddle blocks.
    const KC: usize = 512;
    const MC: usize = 64;
    const NC: usize = 1024;
}

impl Int8Layout for I8x4x16c2 {
    fn rows<A: Int8Operand>(a: Operand<'_, A>, k: usize) -> impl PanelSource<i16> + Sync {
        pack::i8_c2::RowPairs::<A, 4> { a, k }
    }
    fn columns<B: Int8Operand>(b: Operand<'_, B>, n: usize, k: usize) -> impl PanelSource<i16> + Sync {
        pack::i8_c2::ColumnPairs::<B, 16> { b, n, k }
    }
}

/// 8-bit operands in quads along K, A as i8 and B split into 7-bit and 1-bit parts; a 4×8
/// tile. Tiles sum `Σ a·b` of the shifted bytes, then the zero-point corrections make it
/// `Σ (a − za)(b − zb)`.
pub(crate) struct I8x4x8c4Split;

impl Layout for I8x4x8c4Split {
    type A = i8;
    type B = u8;
    type Acc = i32;
    type Tile = [[i32; 8]; 4];
    const MR: usize = 4;
    const NR: usize = 8;
    const KR: usize = 4;
    const A_PER_GROUP: usize = 4;
    /// A low and a high quad per column.
    const B_PER_GROUP: usize = 8;
    const KC: usize = 512;
    const MC: usize = 64;
    const NC: usize = 1024;
}

impl Int8Layout for I8x4x8c4Split {
    fn rows<A: Int8Operand>(a: Operand<'_, A>, k: usize) -> impl PanelSource<i8> + Sync {
        pack::i8_c4_split::RowQuads::<A, 4> { a, k }
    }
    fn columns<B: Int8Operand>(b: Operand<'_, B>, n: usize, _k: usize) -> impl PanelSource<u8> + Sync {
        pack::i8_c4_split::ColumnSplitQuads::<B, 8> { b, n }
    }
    fn finish<A: Int8Operand, B: Int8Operand>(m: usize, n: usize, k: usize, a: &Operand<A>, b: &Operand<B>, c: &mut [i32]) {
        pack::i8_c4_split::correct_zero_points(m, n, k, a, b, c);
    }
}

// ---------------------------------------------------------------------------- binary 2×4

/// Checks that A (`m` rows) and B (`n` columns) share K and that C holds `m×n` dots, and
/// returns `(m, n)`.
fn check_binary(a: &PackedBits, b: &PackedBits, c: &[i32]) -> Result<(usize, usize), GemmShapeError> {
    if a.k != b.k || a.words_per_row != b.words_per_row {
        return Err(GemmShapeError { what: "b (its K must equal a's)", needed: a.k, got: b.k });
    }
    if i32::try_from(a.k).is_err() {
        return Err(GemmShapeError { what: "k (a dot product must fit in i32)", needed: i32::MAX as usize, got: a.k });
    }
    if a.words_per_row != PackedBits::words_for(a.k) {
        return Err(GemmShapeError { what: "a (words per row)", needed: PackedBits::words_for(a.k), got: a.words_per_row });
    }
    for (what, p) in [("a", a), ("b", b)] {
        check_len(what, p.words.len(), p.rows.checked_mul(p.words_per_row))?;
    }
    check_len("c", c.len(), a.rows.checked_mul(b.rows))?;
    Ok((a.rows, b.rows))
}

/// `k − 2·differing` (in i64, so `2·differing` cannot overflow; the result lies in [−k, k]
/// and `check_binary` guarantees `k` fits in i32).
#[inline(always)]
fn dot_from_differing(k: usize, differing: u64) -> i32 {
    (k as i64 - 2 * differing as i64) as i32
}

/// `c[i·n + j] = Σ_p a(i,p)·b(p,j)` over ±1 values: `k − 2·popcount(a_i XOR b_j)`.
/// `tile(a, b, i, j)` counts the differing bits of rows `i..i+2` of A against rows `j..j+4`
/// of B; `single(a, b, i, j)` of one pair (the edges).
pub(crate) fn gemm_binary_2x4(
    a: &PackedBits,
    b: &PackedBits,
    c: &mut [i32],
    tile: impl Fn(&PackedBits, &PackedBits, usize, usize) -> [[u64; 4]; 2],
    single: impl Fn(&PackedBits, &PackedBits, usize, usize) -> u64,
) -> Result<(), GemmShapeError> {
    let (m, n) = check_binary(a, b, c)?;
    let k = a.k;
    let mut i = 0;
    while i < m {
        let rows = 2.min(m - i);
        let mut j = 0;
        while j < n {
            let cols = 4.min(n - j);
            if rows == 2 && cols == 4 {
                for (r, row) in tile(a, b, i, j).iter().enumerate() {
                    for (s, &differing) in row.iter().enumerate() {
                        c[(i + r) * n + j + s] = dot_from_differing(k, differing);
                    }
                }
            } else {
                for r in 0..rows {
                    for s in 0..cols {
                        c[(i + r) * n + j + s] = dot_from_differing(k, single(a, b, i + r, j + s));
                    }
                }
            }
            j += cols;
        }
        i += rows;
    }
    Ok(())
}

// ----------------------------------------------------------------------- ternary row-add 1×32

/// Columns of C per tile of the row-add ternary GEMM (eight 4-lane accumulators).
pub(crate) const TERNARY_NR: usize = 32;

/// A row-add tile for `4·V` columns: `acc[j] = Σ_{p in plus} x_p[j] − Σ_{p in minus} x_p[j]`,
/// added in list order (plus list first), where `x_p` is row `p` of a `TERNARY_KC × 4V`
/// panel; lanes past `4·V` are zero. Every twin adds in this order, so they agree bit for bit.
pub(crate) type TernaryTile = fn(plus: &[u16], minus: &[u16], panel: &[f32]) -> [f32; TERNARY_NR];

/// One tile per width 4, 8, …, 32 (the last columns of C only take the width they need).
pub(crate) type TernaryTiles = [TernaryTile; TERNARY_NR / 4];

/// `c[i·n + j] = scale[i]·Σ_p code(i,p)·b[p·n + j] + bias[i]` (`c`: `rows×n`, overwritten),
/// the row-add ternary GEMM as its twins share it: per 32 columns and K block, B's panel is
/// packed once (L1-sized) and every row's tile sums its rows; block sums add up in C, and
/// the last block scales and adds the bias (`(Σ blocks)·scale + bias`, a multiply then an add).
pub(crate) fn gemm_ternary_rowadd(
    w: &TernaryRows,
    b: &[f32],
    n: usize,
    scale: &[f32],
    bias: &[f32],
    c: &mut [f32],
    tiles: &TernaryTiles,
) -> Result<(), GemmShapeError> {
    let (m, k) = (w.rows, w.k);
    check_len("b", b.len(), k.checked_mul(n))?;
    check_len("c", c.len(), m.checked_mul(n))?;
    check_len("scale", scale.len(), Some(m))?;
    check_len("bias", bias.len(), Some(m))?;
    if k == 0 {
        for (row, (&s, &t)) in c[..m * n].chunks_mut(n.max(1)).zip(scale.iter().zip(bias)) {
            row.iter_mut().for_each(|v| *v = 0.0 * s + t);
        }
        return Ok(());
    }
    let blocks = k.div_ceil(TERNARY_KC);
    let mut panel = vec![0f32; TERNARY_KC * TERNARY_NR];
    for j0 in (0..n).step_by(TERNARY_NR) {
        let cols = TERNARY_NR.min(n - j0);
        let vectors = cols.div_ceil(4);
        for (block, p0) in (0..k).step_by(TERNARY_KC).enumerate() {
            let kc = TERNARY_KC.min(k - p0);
            pack::ternary::pack_panel(b, n, p0, kc, j0, cols, 4 * vectors, &mut panel);
            let last = block + 1 == blocks;
            for i in 0..m {
                let (first, plus, minus) = w.spans[block * m + i];
                let first = first as usize;
                let (plus, minus) = (plus as usize, minus as usize);
                let lists = &w.positions[first..first + plus + minus];
                let acc = tiles[vectors - 1](&lists[..plus], &lists[plus..], &panel);
                let out = &mut c[i * n + j0..i * n + j0 + cols];
                let (s, t) = (scale[i], bias[i]);
                match (block == 0, last) {
                    (true, true) => out.iter_mut().zip(&acc).for_each(|(o, &a)| *o = a * s + t),
                    (true, false) => out.copy_from_slice(&acc[..cols]),
                    (false, false) => out.iter_mut().zip(&acc).for_each(|(o, &a)| *o += a),
                    (false, true) => out.iter_mut().zip(&acc).for_each(|(o, &a)| *o = (*o + a) * s + t),
                }
            }
        }
    }
    Ok(())
}
