//! Kernel benchmark cases for Node: a `Case` holds the operands of one GEMM (random values
//! from a fixed seed) and `run` performs it once; run.mjs times repeated runs. Which kernels
//! exist depends on the build's target features (`available` lists them).

use pare::kernels::types::{MatRef, Operand, PackedBits, PackedF32};
use pare::kernels::testing::Rng;
use pare::kernels::{Twin, gemm_f32_operands, pack_bits_columns, pack_bits_rows, pack_f32_a, twins};
use weight_codes::Grid;
use weight_codes::dense::{DenseCodes, gemm_dense_scalar};
use weight_codes::rowadd::{RowLevels, gemm_rowadd_scalar};
use wasm_bindgen::prelude::*;

pub mod ternary_models;
pub mod weight_codes;

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
    let mut names = vec!["f32_scalar", "f32_prepacked", "i8_scalar_reference", "i8_scalar_packed", "binary_scalar"];
    names.extend(["ternary_signsel_scalar", "pow2_expadd_scalar", "ternary_rowadd_scalar", "pow2_rowadd_scalar"]);
    #[cfg(target_feature = "simd128")]
    names.extend(["f32_simd", "i8_simd", "binary_simd"]);
    #[cfg(target_feature = "simd128")]
    names.extend(["ternary_signsel_simd", "pow2_expadd_simd", "ternary_rowadd_simd", "pow2_rowadd_simd"]);
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
    /// A packed once, as the runtime packs Conv weights (`f32_prepacked`).
    a_packed: Option<PackedF32>,
    /// The rejected weight-code candidates' A (`weight_codes`), packed once like weights.
    a_dense: Option<DenseCodes>,
    a_rows: Option<RowLevels>,
    checksum: i64,
}

/// The SIMD128 twins of the weight-code candidates against their scalar twins, bit for bit:
/// "ok" (or "ok, scalar only" without SIMD128), else what differed. run.mjs stops on anything else.
#[wasm_bindgen]
pub fn check_weight_code_twins() -> String {
    weight_codes::check_twins()
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
            a_packed: None,
            a_dense: None,
            a_rows: None,
            checksum: 0,
        };
        let grid = if kernel.starts_with("ternary") { Some(Grid::Ternary) } else if kernel.starts_with("pow2") { Some(Grid::Pow2) } else { None };
        if let Some(grid) = grid {
            // Float activations (B) times codes on the grid with a scale per row (A).
            let codes = weight_codes::random_codes(&mut rng, m * k, grid);
            let scales = rng.floats(m);
            case.b_f32 = rng.floats(k * n);
            case.c_f32 = vec![0.0; m * n];
            if kernel.contains("rowadd") {
                case.a_rows = RowLevels::new(&codes, &scales, m, k, grid).ok();
            } else {
                case.a_dense = DenseCodes::new(&codes, &scales, m, k, grid).ok();
            }
        } else if kernel.starts_with("f32") {
            case.a_f32 = rng.floats(m * k);
            case.b_f32 = rng.floats(k * n);
            case.c_f32 = vec![0.0; m * n];
            if kernel == "f32_prepacked" {
                case.a_packed = Some(pack_f32_a(MatRef::row_major(&case.a_f32, m, k)));
            }
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
        let ok = if self.kernel == "f32_prepacked" {
            let b = MatRef::row_major(&self.b_f32, k, n);
            self.a_packed.as_ref().map(|a| gemm_f32_operands(1.0, a.into(), b.into(), 0.0, &mut self.c_f32, n)).is_some()
        } else if self.a_dense.is_some() || self.a_rows.is_some() {
            self.run_weight_codes()
        } else if let Some(name) = f32_kernel {
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

    /// The rejected candidates (`weight_codes`): B packed per run, A packed at construction.
    fn run_weight_codes(&mut self) -> bool {
        let (b, n, c) = (&self.b_f32[..], self.n, &mut self.c_f32[..]);
        let simd = self.kernel.ends_with("_simd");
        if let Some(w) = &self.a_dense {
            if !simd {
                gemm_dense_scalar(w, b, n, c);
                return true;
            }
            #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
            {
                weight_codes::dense::gemm_dense_simd128(w, b, n, c);
                return true;
            }
        } else if let Some(w) = &self.a_rows {
            if !simd {
                gemm_rowadd_scalar(w, b, n, c);
                return true;
            }
            #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
            {
                weight_codes::rowadd::gemm_rowadd_simd128(w, b, n, c);
                return true;
            }
        }
        false
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
