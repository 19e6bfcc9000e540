//! f32 GEMM, 6×8 register tile in SIMD128 (twin of `gemm_f32_6x8_scalar`): the shared
//! packing and blocking (`kernels::gemm`), and a 6×8 tile of twelve f32x4 accumulators (one `f32x4.mul`
//! and one `f32x4.add` per four multiply-adds; wasm has no fused multiply-add outside relaxed
//! SIMD). Per K step: two vector loads of B, six broadcasts of A, twelve mul+add pairs; the
//! twelve accumulators, two B vectors and one broadcast fit in the 16 vector registers of x86-64.
//!
//! Each lane adds its products in the same order as the scalar tile, so results equal the
//! scalar kernel's (tests allow a tight tolerance all the same).

use core::arch::wasm32::{f32x4_add, f32x4_mul, f32x4_splat, v128, v128_load, v128_store};

use crate::kernels::gemm::gemm_f32_6x8;
use crate::kernels::types::MatRef;

const MR: usize = 6;
const NR: usize = 8;

/// Same contract as `gemm_f32_6x8_scalar`.
pub(crate) fn gemm_f32_6x8_simd128(alpha: f32, a: MatRef<f32>, b: MatRef<f32>, beta: f32, c: &mut [f32], ldc: usize) {
    gemm_f32_6x8(alpha, a, b, beta, c, ldc, tile_6x8);
}

/// `acc[i][j] = Σ_p a_panel[p*MR+i]·b_panel[p*NR+j]` (the scalar `tile_6x8`'s contract).
#[inline(never)]
fn tile_6x8(a_panel: &[f32], b_panel: &[f32]) -> [[f32; NR]; MR] {
    let steps = (a_panel.len() / MR).min(b_panel.len() / NR);
    let mut acc = [[f32x4_splat(0.0); 2]; MR];
    let (a_ptr, b_ptr) = (a_panel.as_ptr(), b_panel.as_ptr());
    for p in 0..steps {
        // SAFETY: p < steps, so p*NR + 8 ≤ b_panel.len() and p*MR + MR ≤ a_panel.len();
        // v128_load has no alignment requirement.
        let (b0, b1, a) = unsafe {
            let b = b_ptr.add(p * NR);
            (v128_load(b.cast::<v128>()), v128_load(b.add(4).cast::<v128>()), a_ptr.add(p * MR))
        };
        for (i, acc_row) in acc.iter_mut().enumerate() {
            // SAFETY: i < MR, see above.
            let a_i = f32x4_splat(unsafe { *a.add(i) });
            acc_row[0] = f32x4_add(acc_row[0], f32x4_mul(a_i, b0));
            acc_row[1] = f32x4_add(acc_row[1], f32x4_mul(a_i, b1));
        }
    }
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
