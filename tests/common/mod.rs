//! Shared test helpers: where the Python venv and its data live, tolerance checks.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use pare::ir::Tensor;

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `site-packages` of the project venv made by `make test` (`.venv`), or `$PARE_SITE_PACKAGES`.
pub fn site_packages() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("PARE_SITE_PACKAGES") {
        return Some(PathBuf::from(p));
    }
    let lib = repo_root().join(".venv/lib");
    let entries = std::fs::read_dir(&lib).ok()?;
    for e in entries.flatten() {
        let candidate = e.path().join("site-packages");
        if candidate.is_dir() {
            return Some(candidate);
        }
    }
    None
}

/// A file or folder inside the venv's site-packages, with a message saying how to get it.
pub fn venv_path(relative: &str) -> PathBuf {
    let base = site_packages().unwrap_or_else(|| {
        panic!("no Python venv at .venv: run `make test` (it creates the venv) or set PARE_SITE_PACKAGES")
    });
    let p = base.join(relative);
    assert!(p.exists(), "{} is missing: run `make setup` to install the pinned Python packages", p.display());
    p
}

/// How close two float results must be.
#[derive(Clone, Copy, Debug)]
pub enum Tolerance {
    /// The ONNX backend test runner's default: |a−b| ≤ atol + rtol·|b| with rtol 1e-3, atol 1e-7.
    OnnxBackend,
    /// Absolute difference only.
    MaxAbs(f64),
}

/// Compares two tensors; returns a message describing the first difference, if any.
pub fn compare(got: &Tensor, want: &Tensor, tol: Tolerance) -> Result<(), String> {
    if got.onnx_type() != want.onnx_type() {
        return Err(format!("type {} but expected {}", got.type_name(), want.type_name()));
    }
    if got.shape() != want.shape() {
        return Err(format!("shape {:?} but expected {:?}", got.shape(), want.shape()));
    }
    if let (Tensor::String(a), Tensor::String(b)) = (got, want) {
        return if a == b { Ok(()) } else { Err("strings differ".into()) };
    }
    let (Ok(a), Ok(b)) = (got.to_f64_vec(), want.to_f64_vec()) else {
        return if got == want { Ok(()) } else { Err("values differ".into()) };
    };
    let exact = !got.dtype().map(|d| d.is_float()).unwrap_or(false);
    for (i, (&x, &y)) in a.iter().zip(&b).enumerate() {
        if x.is_nan() && y.is_nan() {
            continue;
        }
        let ok = if exact {
            x == y
        } else if x.is_infinite() || y.is_infinite() {
            x == y
        } else {
            match tol {
                Tolerance::OnnxBackend => (x - y).abs() <= 1e-7 + 1e-3 * y.abs(),
                Tolerance::MaxAbs(m) => (x - y).abs() <= m,
            }
        };
        if !ok {
            return Err(format!("element {i}: got {x}, expected {y} (max abs diff over all: {})", max_abs_diff(&a, &b)));
        }
    }
    Ok(())
}

pub fn max_abs_diff(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).filter(|d| !d.is_nan()).fold(0.0, f64::max)
}

pub fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}
