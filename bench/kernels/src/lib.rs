//! Kernel benchmark cases for Node: a `Case` holds the operands of one GEMM (random values
//! from a fixed seed) and `run` performs it once; run.mjs times repeated runs. Which kernels
//! exist depends on the build's target features (`available` lists them).

use pare::kernels::types::{MatRef, Operand, PackedBits};
use pare::kernels::testing::Rng;
use pare::kernels::{Twin, pack_bits_columns, pack_bits_rows, twins};
use wasm_bindgen::prelude::*;

/// The twin named `name` from a list of `pare::kernels::twins` (None if this build lacks it).
fn twin<F: Copy>(list: Vec<Twin<F>>, name: &str) -> Option<F> {
    list.into_iter().find(|t| t.name == name).map(|t| t.run)
}

/// The kernel of each benchmark label: labels stay as they were (the JSON keys of `make bench`
/// are built from them), the kernels are pare's twins by name.
const F32_SCALAR: &str = "gemm_f32_6x8_scalar";
const F32_SIMD: &str = "gemm_f32_6x8_simd128";
const F32_RELAXED: &str = "gemm_f32_6x8_relaxed";
const I8_REFERENCE: &str = "gemm_i8_reference";
const I8_SCALAR_PACKED: &str = "gemm_i8_4x16c2_scalar";
const I8_SIMD: &str = "gemm_i8_4x16c2_simd128";
const I8_RELAXED: &str = "gemm_i8_4x8c4_split_relaxed";
const BINARY_SCALAR: &str = "gemm_binary_2x4_scalar";
const BINARY_SIMD: &str = "gemm_binary_2x4_simd128";

/// The kernels this build can run, comma-separated.
#[wasm_bindgen]
pub fn available() -> String {
    #[allow(unused_mut)]
    let mut names = vec!["f32_scalar", "i8_scalar_reference", "i8_scalar_packed", "binary_scalar"];
    #[cfg(target_feature = "simd128")]
    names.extend(["f32_simd", "i8_simd", "binary_simd"]);
    #[cfg(target_feature = "relaxed-simd")]
    names.extend(["i8_relaxed", "f32_relaxed"]);
    names.join(",")
}

/// Whether this build was compiled with SIMD128.
#[wasm_bindgen]
pub fn has_simd128() -> bool {
    cfg!(target_feature = "simd128")
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
        let mut rng = Rng::new(0x5eed);
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
        if kernel.starts_with("f32") {
            case.a_f32 = rng.floats(m * k);
            case.b_f32 = rng.floats(k * n);
            case.c_f32 = vec![0.0; m * n];
        } else if kernel.starts_with("i8") {
            // Activations u8 with a zero point (like QLinearConv's x), weights i8 symmetric.
            case.a_u8 = rng.bytes(m * k);
            case.b_i8 = rng.bytes(k * n).into_iter().map(|v| v as i8).collect();
            case.za = vec![128; m];
            case.zb = vec![0; n];
            case.c_i32 = vec![0; m * n];
        } else {
            let signs = rng.signs_i8(m * k);
            case.a_bits = pack_bits_rows(&signs, m, k).ok();
            case.b_signs = rng.signs_i8(k * n);
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
        let f32_kernel = match self.kernel.as_str() {
            "f32_scalar" => Some(F32_SCALAR),
            "f32_simd" => Some(F32_SIMD),
            "f32_relaxed" => Some(F32_RELAXED),
            _ => None,
        };
        let i8_kernel = match self.kernel.as_str() {
            "i8_scalar_reference" => Some(I8_REFERENCE),
            "i8_scalar_packed" => Some(I8_SCALAR_PACKED),
            "i8_simd" => Some(I8_SIMD),
            "i8_relaxed" => Some(I8_RELAXED),
            _ => None,
        };
        let ok = if let Some(name) = f32_kernel {
            let (a, b) = (MatRef::row_major(&self.a_f32, m, k), MatRef::row_major(&self.b_f32, k, n));
            twin(twins::gemm_f32(), name).map(|gemm| gemm(1.0, a.into(), b.into(), 0.0, &mut self.c_f32, n)).is_some()
        } else if let Some(name) = i8_kernel {
            twin(twins::gemm_i8::<u8, i8>(), name).is_some_and(|gemm| gemm(m, n, k, a8, b8, &mut self.c_i32).is_ok())
        } else {
            self.run_binary()
        };
        self.checksum = self.checksum.wrapping_add(self.c_i32.first().map_or(0, |&v| i64::from(v)));
        self.checksum = self.checksum.wrapping_add(self.c_f32.first().map_or(0, |&v| v as i64));
        ok
    }

    fn run_binary(&mut self) -> bool {
        let name = match self.kernel.as_str() {
            "binary_scalar" => BINARY_SCALAR,
            "binary_simd" => BINARY_SIMD,
            _ => return false,
        };
        let (Some(a), Ok(b), Some(gemm)) = (&self.a_bits, pack_bits_columns(&self.b_signs, self.k, self.n), twin(twins::gemm_binary(), name))
        else {
            return false;
        };
        gemm(a, &b, &mut self.c_i32).is_ok()
    }

    /// Something derived from the results, so the work cannot be optimized away.
    pub fn checksum(&self) -> f64 {
        self.checksum as f64
    }
}
