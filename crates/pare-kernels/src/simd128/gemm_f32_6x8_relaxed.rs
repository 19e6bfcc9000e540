//! f32 GEMM, 6×8 register tile on relaxed SIMD's `f32x4.relaxed_madd` (second wasm build
//! only; twin of `gemm_f32_6x8_scalar`): the layout, packing and blocking of
//! `gemm_f32_6x8_simd128`, with each `f32x4.mul` + `f32x4.add` pair replaced by one
//! multiply-add (a fused `vfmadd` on x86-64 with FMA and ARM64, mul + add elsewhere), so the
//! twelve accumulators, two B vectors and one broadcast fit in fifteen vector registers.
//!
//! Relaxed: an engine may round once (fused) or twice, so results differ from the scalar
//! twin's in the last bits of each step (tests compare within a rounding tolerance; f32
//! kernels are not bit-identical across engines, integer ones are).

use core::arch::wasm32::{f32x4_relaxed_madd, f32x4_splat, v128, v128_load, v128_load32_splat};

use super::gemm_f32_6x8_simd128::store_tile;
use crate::gemm::gemm_f32_6x8;
use crate::types::F32Operand;

const MR: usize = 6;
const NR: usize = 8;

/// Same contract as `gemm_f32_6x8_scalar`, within rounding.
pub(crate) fn gemm_f32_6x8_relaxed(alpha: f32, a: F32Operand, b: F32Operand, beta: f32, c: &mut [f32], ldc: usize) {
    gemm_f32_6x8(alpha, a, b, beta, c, ldc, tile_6x8);
}

/// `acc[i][j] = Σ_p a_panel[p*MR+i]·b_panel[p*NR+j]` with multiply-adds.
#[inline(never)]
fn tile_6x8(a_panel: &[f32], b_panel: &[f32]) -> [[f32; NR]; MR] {
    let steps = (a_panel.len() / MR).min(b_panel.len() / NR);
    let zero = f32x4_splat(0.0);
    let (mut c00, mut c01, mut c10, mut c11, mut c20, mut c21) = (zero, zero, zero, zero, zero, zero);
    let (mut c30, mut c31, mut c40, mut c41, mut c50, mut c51) = (zero, zero, zero, zero, zero, zero);
    let (mut a, mut b) = (a_panel.as_ptr(), b_panel.as_ptr());
    for _ in 0..steps {
        // SAFETY: as in `gemm_f32_6x8_simd128`: `steps` whole K steps lie inside both panels.
        unsafe {
            let b0 = v128_load(b.cast::<v128>());
            let b1 = v128_load(b.add(4).cast::<v128>());
            let a0 = v128_load32_splat(a.cast::<u32>());
            c00 = f32x4_relaxed_madd(a0, b0, c00);
            c01 = f32x4_relaxed_madd(a0, b1, c01);
            let a1 = v128_load32_splat(a.add(1).cast::<u32>());
            c10 = f32x4_relaxed_madd(a1, b0, c10);
            c11 = f32x4_relaxed_madd(a1, b1, c11);
            let a2 = v128_load32_splat(a.add(2).cast::<u32>());
            c20 = f32x4_relaxed_madd(a2, b0, c20);
            c21 = f32x4_relaxed_madd(a2, b1, c21);
            let a3 = v128_load32_splat(a.add(3).cast::<u32>());
            c30 = f32x4_relaxed_madd(a3, b0, c30);
            c31 = f32x4_relaxed_madd(a3, b1, c31);
            let a4 = v128_load32_splat(a.add(4).cast::<u32>());
            c40 = f32x4_relaxed_madd(a4, b0, c40);
            c41 = f32x4_relaxed_madd(a4, b1, c41);
            let a5 = v128_load32_splat(a.add(5).cast::<u32>());
            c50 = f32x4_relaxed_madd(a5, b0, c50);
            c51 = f32x4_relaxed_madd(a5, b1, c51);
            a = a.add(MR);
            b = b.add(NR);
        }
    }
    store_tile([[c00, c01], [c10, c11], [c20, c21], [c30, c31], [c40, c41], [c50, c51]])
}
