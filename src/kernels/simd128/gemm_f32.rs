//! f32 GEMM with an explicit SIMD128 register tile: the scalar kernel's packing and cache
//! blocking (`gemm_with_tile`), and a 6×8 tile of twelve f32x4 accumulators (one `f32x4.mul`
//! and one `f32x4.add` per four multiply-adds; wasm has no fused multiply-add outside relaxed
//! SIMD). Per K step: two vector loads of B, six broadcasts of A, twelve mul+add pairs; the
//! twelve accumulators, two B vectors and one broadcast fit in the 16 vector registers of x86-64.
//!
//! Each lane adds its products in the same order as the scalar tile, so results equal the
//! scalar kernel's (tests allow a tight tolerance all the same).

use core::arch::wasm32::{f32x4_add, f32x4_mul, f32x4_splat, v128, v128_load, v128_store};

use crate::kernels::scalar::gemm_f32::{MR, NR, Tile, gemm_with_tile};
use crate::kernels::scalar::matrix::MatRef;

/// Same contract as `scalar::gemm_f32::gemm`.
pub fn gemm(alpha: f32, a: MatRef<f32>, b: MatRef<f32>, beta: f32, c: &mut [f32], ldc: usize) {
    gemm_with_tile(alpha, a, b, beta, c, ldc, micro_tile);
}

const _: () = assert!(NR == 8, "the tile below holds two f32x4 per row");

/// `acc[i][j] = Σ_p a_panel[p*MR+i]·b_panel[p*NR+j]` (the scalar `micro_tile`'s contract).
#[inline(never)]
pub fn micro_tile(a_panel: &[f32], b_panel: &[f32]) -> Tile {
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
