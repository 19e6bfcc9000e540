//! Kernel benchmark cases for Node: a `Case` holds the operands of one GEMM (random values
//! from a fixed seed) and `run` performs it once; run.mjs times repeated runs. Which kernels
//! exist depends on the build's target features (`available` lists them).

use pare::kernels::scalar::gemm_binary::{PackedBits, pack_columns, pack_rows};
use pare::kernels::scalar::gemm_integer::Operand;
use pare::kernels::scalar::matrix::MatRef;
use pare::kernels::scalar::{gemm_binary, gemm_f32, gemm_i8, gemm_integer};
use wasm_bindgen::prelude::*;

/// The kernels this build can run, comma-separated.
#[wasm_bindgen]
pub fn available() -> String {
    #[allow(unused_mut)]
    let mut names = vec!["f32_scalar", "i8_scalar_reference", "i8_scalar_packed", "binary_scalar"];
    #[cfg(target_feature = "simd128")]
    names.extend(["f32_simd", "i8_simd", "binary_simd"]);
    #[cfg(target_feature = "relaxed-simd")]
    names.push("i8_relaxed");
    names.join(",")
}

/// Whether this build was compiled with SIMD128.
#[wasm_bindgen]
pub fn has_simd128() -> bool {
    cfg!(target_feature = "simd128")
}

struct Lcg(u64);
impl Lcg {
    fn next_u32(&mut self) -> u32 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 32) as u32
    }
}

#[wasm_bindgen]
pub struct Case {
    kernel: String,
    m: usize,
    n: usize,
    k: usize,
    a_f32: Vec<f32>,
    b_f32: Vec<f32>,
    c_f32: Vec<f32>,
    a_u8: Vec<u8>,
    b_i8: Vec<i8>,
    za: Vec<i32>,
    zb: Vec<i32>,
    c_i32: Vec<i32>,
    a_bits: Option<PackedBits>,
    b_signs: Vec<i8>,
    checksum: i64,
}

#[wasm_bindgen]
impl Case {
    /// Operands for `kernel` on an `m×k` by `k×n` product.
    #[wasm_bindgen(constructor)]
    pub fn new(kernel: &str, m: usize, n: usize, k: usize) -> Case {
        let mut rng = Lcg(0x5eed);
        let mut case = Case {
            kernel: kernel.to_string(),
            m,
            n,
            k,
            a_f32: vec![],
            b_f32: vec![],
            c_f32: vec![],
            a_u8: vec![],
            b_i8: vec![],
            za: vec![],
            zb: vec![],
            c_i32: vec![],
            a_bits: None,
            b_signs: vec![],
            checksum: 0,
        };
        let float = |r: &mut Lcg| (r.next_u32() >> 8) as f32 / (1u32 << 23) as f32 - 1.0;
        if kernel.starts_with("f32") {
            case.a_f32 = (0..m * k).map(|_| float(&mut rng)).collect();
            case.b_f32 = (0..k * n).map(|_| float(&mut rng)).collect();
            case.c_f32 = vec![0.0; m * n];
        } else if kernel.starts_with("i8") {
            // Activations u8 with a zero point (like QLinearConv's x), weights i8 symmetric.
            case.a_u8 = (0..m * k).map(|_| (rng.next_u32() >> 24) as u8).collect();
            case.b_i8 = (0..k * n).map(|_| (rng.next_u32() >> 24) as u8 as i8).collect();
            case.za = vec![128; m];
            case.zb = vec![0; n];
            case.c_i32 = vec![0; m * n];
        } else {
            let signs: Vec<i8> = (0..m * k).map(|_| if rng.next_u32() & 1 == 1 { -1 } else { 1 }).collect();
            case.a_bits = pack_rows(&signs, m, k).ok();
            case.b_signs = (0..k * n).map(|_| if rng.next_u32() & 1 == 1 { -1 } else { 1 }).collect();
            case.c_i32 = vec![0; m * n];
        }
        case
    }

    /// One GEMM (for binary: packing B's signs, then the GEMM; A is packed once, like
    /// weights). Returns false for a kernel this build lacks.
    pub fn run(&mut self) -> bool {
        let (m, n, k) = (self.m, self.n, self.k);
        let a8 = Operand { values: &self.a_u8[..], zero_points: &self.za[..] };
        let b8 = Operand { values: &self.b_i8[..], zero_points: &self.zb[..] };
        let ok = match self.kernel.as_str() {
            "f32_scalar" => {
                let (a, b) = (MatRef::row_major(&self.a_f32, m, k), MatRef::row_major(&self.b_f32, k, n));
                gemm_f32::gemm(1.0, a, b, 0.0, &mut self.c_f32, n);
                true
            }
            #[cfg(target_feature = "simd128")]
            "f32_simd" => {
                let (a, b) = (MatRef::row_major(&self.a_f32, m, k), MatRef::row_major(&self.b_f32, k, n));
                pare::kernels::simd128::gemm_f32::gemm(1.0, a, b, 0.0, &mut self.c_f32, n);
                true
            }
            "i8_scalar_reference" => gemm_integer::gemm_integer(m, n, k, a8, b8, &mut self.c_i32).is_ok(),
            "i8_scalar_packed" => gemm_i8::gemm_i8(m, n, k, a8, b8, &mut self.c_i32).is_ok(),
            #[cfg(target_feature = "simd128")]
            "i8_simd" => pare::kernels::simd128::gemm_i8::gemm_i8(m, n, k, a8, b8, &mut self.c_i32).is_ok(),
            #[cfg(target_feature = "relaxed-simd")]
            "i8_relaxed" => pare::kernels::simd128::gemm_i8_relaxed::gemm_i8(m, n, k, a8, b8, &mut self.c_i32).is_ok(),
            "binary_scalar" | "binary_simd" => self.run_binary(),
            _ => false,
        };
        self.checksum = self.checksum.wrapping_add(self.c_i32.first().map_or(0, |&v| i64::from(v)));
        self.checksum = self.checksum.wrapping_add(self.c_f32.first().map_or(0, |&v| v as i64));
        ok
    }

    fn run_binary(&mut self) -> bool {
        let (Some(a), Ok(b)) = (&self.a_bits, pack_columns(&self.b_signs, self.k, self.n)) else { return false };
        match self.kernel.as_str() {
            "binary_scalar" => gemm_binary::gemm_binary(a, &b, &mut self.c_i32).is_ok(),
            #[cfg(target_feature = "simd128")]
            "binary_simd" => pare::kernels::simd128::gemm_binary::gemm_binary(a, &b, &mut self.c_i32).is_ok(),
            _ => false,
        }
    }

    /// Something derived from the results, so the work cannot be optimized away.
    pub fn checksum(&self) -> f64 {
        self.checksum as f64
    }
}
