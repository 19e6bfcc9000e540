//! pare against onnxruntime, bit for bit, on the quantization ops.
//!
//! tests/quant_vs_ort/cases holds one-node models with inputs and the outputs onnxruntime's CPU
//! provider computed for them (made by tests/quant_vs_ort/make_cases.py; versions in
//! `cases/versions.txt`). Every case must give the same dtype, the same shape and the same
//! bits in pare: integer outputs exactly, float outputs bit-identically.

use std::path::{Path, PathBuf};

use pare::ir::Tensor;
use pare::onnx::{decode_model, decode_tensor};
use pare::runtime::Session;

fn cases_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/quant_vs_ort/cases")
}

fn read_tensor(path: &Path) -> Tensor {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    decode_tensor(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display())).1
}

/// Bits of every element, so floats compare exactly (NaN payloads included).
fn bits(t: &Tensor) -> Vec<u64> {
    match t {
        Tensor::F32(a) => a.iter().map(|v| u64::from(v.to_bits())).collect(),
        Tensor::F16(a) => a.iter().map(|v| u64::from(v.to_bits())).collect(),
        Tensor::BF16(a) => a.iter().map(|v| u64::from(v.to_bits())).collect(),
        Tensor::F64(a) => a.iter().map(|v| v.to_bits()).collect(),
        other => other.to_i64_vec().expect("integer output").into_iter().map(|v| v as u64).collect(),
    }
}

fn run_case(dir: &Path) -> Result<(), String> {
    let model = decode_model(&std::fs::read(dir.join("model.onnx")).map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
    let session = Session::new(&model).map_err(|e| format!("prepare: {e}"))?;
    let feeds: Vec<(String, Tensor)> = model
        .graph
        .feed_inputs()
        .enumerate()
        .map(|(i, v)| (v.name.clone(), read_tensor(&dir.join(format!("input_{i}.pb")))))
        .collect();
    let outputs = session.run(feeds).map_err(|e| format!("run: {e}"))?;
    for (i, (name, got)) in outputs.iter().enumerate() {
        let want = read_tensor(&dir.join(format!("output_{i}.pb")));
        if got.type_name() != want.type_name() || got.shape() != want.shape() {
            return Err(format!(
                "output `{name}`: {} {:?}, onnxruntime gives {} {:?}",
                got.type_name(),
                got.shape(),
                want.type_name(),
                want.shape()
            ));
        }
        let (g, w) = (bits(got), bits(&want));
        let differing: Vec<usize> = (0..g.len()).filter(|&k| g[k] != w[k]).collect();
        if let Some(&first) = differing.first() {
            return Err(format!(
                "output `{name}`: {} of {} elements differ; first at {first}: pare {:?} vs onnxruntime {:?}",
                differing.len(),
                g.len(),
                got.to_f64_vec().ok().map(|v| v[first]),
                want.to_f64_vec().ok().map(|v| v[first]),
            ));
        }
    }
    Ok(())
}

#[test]
fn quantization_ops_match_onnxruntime_bit_for_bit() {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(cases_dir())
        .expect("tests/quant_vs_ort/cases is missing: run make_cases.py")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let mut failures = Vec::new();
    for dir in &dirs {
        if let Err(msg) = run_case(dir) {
            failures.push(format!("{}: {msg}", dir.file_name().unwrap_or_default().to_string_lossy()));
        }
    }
    println!("quant_vs_ort: {} cases, {} differ from onnxruntime", dirs.len(), failures.len());
    // README.md's test table quotes "64 quantization-op cases": all of make_cases.py's cases must
    // be here (a case lost in a regeneration or a checkout would otherwise pass unnoticed).
    assert_eq!(dirs.len(), 64, "cases in tests/quant_vs_ort/cases (README.md: 64); if make_cases.py changed, update both");
    assert!(failures.is_empty(), "cases that differ from onnxruntime:\n{}", failures.join("\n"));
}
