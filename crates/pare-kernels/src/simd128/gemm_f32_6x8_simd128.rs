//! f32 GEMM, 6×8 register tile in SIMD128 (twin of `gemm_f32_6x8_scalar`): the shared
//! packing and blocking (`kernels::gemm`), and a 6×8 tile of twelve f32x4 accumulators held
//! in named locals (not an array, so the engine's register allocator sees twelve scalars of
//! vector type). Per K step: two vector loads of the packed B panel, six broadcast loads
//! (`v128.load32_splat`, one instruction on x86-64 with AVX and on ARM64) of the packed A
//! panel, twelve `f32x4.mul` + `f32x4.add` (wasm has no fused multiply-add outside relaxed
//! SIMD; `gemm_f32_6x8_relaxed` is the relaxed build's twin).
//!
//! Each lane adds its products in the same order as the scalar tile, so results equal the
//! scalar kernel's (tests allow a tight tolerance all the same).

use core::arch::wasm32::{f32x4_add, f32x4_mul, f32x4_splat, v128, v128_load, v128_load32_splat, v128_store};

use crate::gemm::gemm_f32_6x8;
use crate::types::F32Operand;

const MR: usize = 6;
const NR: usize = 8;

/// Same contract as `gemm_f32_6x8_scalar`.
pub(crate) fn gemm_f32_6x8_simd128(alpha: f32, a: F32Operand, b: F32Operand, beta: f32, c: &mut [f32], ldc: usize) {
    gemm_f32_6x8(alpha, a, b, beta, c, ldc, tile_6x8);
}

/// `acc[i][j] = Σ_p a_panel[p*MR+i]·b_panel[p*NR+j]` (the scalar `tile_6x8`'s contract).
#[inline(never)]
fn tile_6x8(a_panel: &[f32], b_panel: &[f32]) -> [[f32; NR]; MR] {
    let steps = (a_panel.len() / MR).min(b_panel.len() / NR);
    let zero = f32x4_splat(0.0);
    let (mut c00, mut c01, mut c10, mut c11, mut c20, mut c21) = (zero, zero, zero, zero, zero, zero);
    let (mut c30, mut c31, mut c40, mut c41, mut c50, mut c51) = (zero, zero, zero, zero, zero, zero);
    let (mut a, mut b) = (a_panel.as_ptr(), b_panel.as_ptr());
    for _ in 0..steps {
        // SAFETY: `steps` K steps of MR values of A and NR values of B lie inside the panels;
        // `a` and `b` advance by one step per iteration. Wasm loads need no alignment.
        unsafe {
            let b0 = v128_load(b.cast::<v128>());
            let b1 = v128_load(b.add(4).cast::<v128>());
            let a0 = v128_load32_splat(a.cast::<u32>());
            c00 = f32x4_add(c00, f32x4_mul(a0, b0));
            c01 = f32x4_add(c01, f32x4_mul(a0, b1));
            let a1 = v128_load32_splat(a.add(1).cast::<u32>());
            c10 = f32x4_add(c10, f32x4_mul(a1, b0));
            c11 = f32x4_add(c11, f32x4_mul(a1, b1));
            let a2 = v128_load32_splat(a.add(2).cast::<u32>());
            c20 = f32x4_add(c20, f32x4_mul(a2, b0));
            c21 = f32x4_add(c21, f32x4_mul(a2, b1));
            let a3 = v128_load32_splat(a.add(3).cast::<u32>());
            c30 = f32x4_add(c30, f32x4_mul(a3, b0));
            c31 = f32x4_add(c31, f32x4_mul(a3, b1));
            let a4 = v128_load32_splat(a.add(4).cast::<u32>());
            c40 = f32x4_add(c40, f32x4_mul(a4, b0));
            c41 = f32x4_add(c41, f32x4_mul(a4, b1));
            let a5 = v128_load32_splat(a.add(5).cast::<u32>());
            c50 = f32x4_add(c50, f32x4_mul(a5, b0));
            c51 = f32x4_add(c51, f32x4_mul(a5, b1));
            a = a.add(MR);
            b = b.add(NR);
        }
    }
    store_tile([[c00, c01], [c10, c11], [c20, c21], [c30, c31], [c40, c41], [c50, c51]])
}

/// The twelve accumulators as the tile's rows.
#[inline(always)]
pub(super) fn store_tile(acc: [[v128; 2]; MR]) -> [[f32; NR]; MR] {
    let mut out = [[0f32; NR]; MR];
    for (row, acc_row) in out.iter_mut().zip(&acc) {
        // SAFETY: each row holds NR = 8 floats, i.e. two v128 stores.
        unsafe {
            v128_store(row.as_mut_ptr().cast::<v128>(), acc_row[0]);
            v128_store(row.as_mut_ptr().add(4).cast::<v128>(), acc_row[1]);
        }
    }
    out
}
