//! The helpers of both test binaries (tests/native/main.rs and tests/wasm/main.rs), in one
//! place: where the Python venv and its data live, tolerance checks, a seeded generator; and,
//! per target, the MNIST CNN fixture and the `pare` binary (native), the JS-side helpers (wasm).
#![allow(dead_code)]

#[cfg(not(target_arch = "wasm32"))]
pub mod cli;
#[cfg(target_arch = "wasm32")]
pub mod js;
#[cfg(not(target_arch = "wasm32"))]
pub mod mnist_cnn;

use std::path::{Path, PathBuf};
use std::process::Command;

use pare::ir::{Graph, Model, OpsetImport, Tensor};
use pare::npy::write_npy;
use pare::onnx::{decode_tensor, encode_model};
use pare::runtime::Session;

/// The repository root.
/// A model of `graph` at IR 8, default-domain opset 17, producer `pare-tests`: the frame of the
/// hand-built test graphs.
pub fn opset17_model(graph: Graph) -> Model {
    Model {
        ir_version: 8,
        opset_import: vec![OpsetImport { domain: String::new(), version: 17 }],
        producer_name: "pare-tests".into(),
        graph,
        ..Model::default()
    }
}

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

/// The venv's Python interpreter (see [`site_packages`]).
pub fn venv_python() -> PathBuf {
    site_packages().expect("no .venv: run `make setup`").join("../../../bin/python")
}

/// The venv's Python on tests/python/`script`; add the arguments and run it.
pub fn python_script(script: &str) -> Command {
    let mut command = Command::new(venv_python());
    command.arg(repo_root().join("tests/python").join(script));
    command
}

/// Runs tests/python/`script` with `args`, fails the test if the script fails, and returns its
/// stdout, one JSON value a line.
pub fn python_json_lines<S: AsRef<std::ffi::OsStr>>(script: &str, args: impl IntoIterator<Item = S>) -> Vec<serde_json::Value> {
    let output = python_script(script).args(args).output().unwrap_or_else(|e| panic!("cannot run {script}: {e}"));
    assert!(output.status.success(), "{script} failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// A small deterministic generator (xorshift64*), so failures reproduce.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// How close two float results must be.
#[derive(Clone, Copy, Debug)]
pub enum Tolerance {
    /// The ONNX backend test runner's default: |a−b| ≤ atol + rtol·|b| with rtol 1e-3, atol 1e-7.
    OnnxBackend,
    /// Absolute difference only.
    MaxAbs(f64),
    /// |a−b| ≤ r · max(max|expected| over the whole tensor, 0.01): for deep nets whose outputs
    /// reach large magnitudes, where float summation order alone moves the last digits. The
    /// 0.01 floor keeps all-but-zero outputs (a detector's sigmoid on noise) from demanding
    /// exact equality.
    RelativeToMax(f64),
    /// |a−b| ≤ r · max(max|expected| over the slice at the same index of `axis`, 0.01): the same
    /// rule per channel, for outputs that concatenate quantities of different scales along one
    /// axis (a detector's box coordinates in pixels, up to ~320, next to sigmoid scores in
    /// [0, 1]). One scale for the whole tensor would let the scores be off by r·320.
    RelativeToChannelMax { axis: usize, r: f64 },
}

/// For each element of a tensor of `shape` (row-major), its index along `axis`.
fn channel_of(shape: &[usize], axis: usize) -> impl Fn(usize) -> usize + '_ {
    let inner: usize = shape[axis + 1..].iter().product();
    let channels = shape[axis];
    move |i| (i / inner.max(1)) % channels.max(1)
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
    let scale = b.iter().filter(|v| v.is_finite()).fold(0.0f64, |m, v| m.max(v.abs())).max(0.01);
    // Per-channel scales for RelativeToChannelMax (each at least 0.01, as above).
    let shape = want.shape();
    let channel_scales: Vec<f64> = match tol {
        Tolerance::RelativeToChannelMax { axis, .. } => {
            if axis >= shape.len() {
                return Err(format!("channel axis {axis} but the output has rank {}", shape.len()));
            }
            let channel = channel_of(&shape, axis);
            let mut scales = vec![0.01f64; shape[axis]];
            for (i, v) in b.iter().enumerate().filter(|(_, v)| v.is_finite()) {
                scales[channel(i)] = scales[channel(i)].max(v.abs());
            }
            scales
        }
        _ => Vec::new(),
    };
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
                Tolerance::RelativeToMax(r) => (x - y).abs() <= r * scale,
                Tolerance::RelativeToChannelMax { axis, r } => (x - y).abs() <= r * channel_scales[channel_of(&shape, axis)(i)],
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

/// The values of the float initializer `name` of `model`, in order.
pub fn weight(model: &Model, name: &str) -> Vec<f32> {
    let init = model.graph.initializer(name).unwrap_or_else(|| panic!("no initializer {name}"));
    init.tensor.as_array::<f32>().unwrap().iter().copied().collect()
}

/// A `.npy` file as a tensor.
pub fn npy(path: &Path) -> Tensor {
    pare::npy::read_npy(&read(path)).unwrap()
}

/// Runs every `test_data_set_*` folder in `dir` (ONNX backend-test layout: input_N.pb follow the
/// model's feed inputs in order, output_N.pb its outputs) and compares with `tol`.
/// Returns the largest absolute difference seen over all float outputs.
pub fn run_data_sets(model: &Model, dir: &Path, tol: Tolerance) -> Result<f64, String> {
    let session = Session::new(model).map_err(|e| format!("prepare: {e}"))?;
    let feed_names: Vec<String> = model.graph.feed_inputs().map(|v| v.name.clone()).collect();
    let mut sets: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir() && p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("test_data_set")))
        .collect();
    sets.sort();
    if sets.is_empty() {
        return Err(format!("no test_data_set_* in {}", dir.display()));
    }
    let mut worst: f64 = 0.0;
    for set in sets {
        let mut inputs = Vec::new();
        for (i, name) in feed_names.iter().enumerate() {
            let path = set.join(format!("input_{i}.pb"));
            if !path.exists() {
                continue; // an omitted optional input
            }
            let (_, t) = decode_tensor(&read(&path)).map_err(|e| format!("input {i} not a tensor: {e}"))?;
            inputs.push((name.clone(), t));
        }
        let outputs = session.run(inputs).map_err(|e| format!("run: {e}"))?;
        for (i, (name, got)) in outputs.iter().enumerate() {
            let path = set.join(format!("output_{i}.pb"));
            let (_, want) = decode_tensor(&read(&path)).map_err(|e| format!("expected output {i} not a tensor: {e}"))?;
            compare(got, &want, tol).map_err(|msg| format!("{}: output `{name}`: {msg}", set.display()))?;
            if let (Ok(a), Ok(b)) = (got.to_f64_vec(), want.to_f64_vec()) {
                worst = worst.max(max_abs_diff(&a, &b));
            }
        }
    }
    Ok(worst)
}

/// Writes one case for tests/python/check_quantized.py: model.onnx, inputs/<name>.npy, pare's
/// outputs pare/<i>.npy and tolerance.json.
pub fn write_case(dir: &Path, model: &Model, inputs: &[(&str, &Tensor)], tolerance: &str) {
    std::fs::create_dir_all(dir.join("inputs")).unwrap();
    std::fs::create_dir_all(dir.join("pare")).unwrap();
    std::fs::write(dir.join("model.onnx"), encode_model(model)).unwrap();
    std::fs::write(dir.join("tolerance.json"), tolerance).unwrap();
    let feeds: Vec<(String, Tensor)> = inputs.iter().map(|(n, t)| (n.to_string(), (*t).clone())).collect();
    for (name, t) in &feeds {
        std::fs::write(dir.join("inputs").join(format!("{name}.npy")), write_npy(t).unwrap()).unwrap();
    }
    let outputs = Session::new(model).unwrap().run(feeds).unwrap();
    for (i, (_, t)) in outputs.iter().enumerate() {
        std::fs::write(dir.join("pare").join(format!("{i}.npy")), write_npy(t).unwrap()).unwrap();
    }
}

/// Runs `cmd`, fails the test on a non-zero exit, returns stdout.
pub fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(out.status.success(), "{cmd:?} failed:\n{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// The rows of a model's first output (`[N, classes]` float logits) for one batch of `image`.
pub fn logits(session: &Session, images: &Tensor) -> Vec<Vec<f32>> {
    let out = session.run(vec![("image".into(), images.clone())]).unwrap();
    let Tensor::F32(a) = &out[0].1 else { panic!("float logits expected") };
    a.outer_iter().map(|row| row.iter().copied().collect()).collect()
}

/// Index of the largest value (the first one on ties).
pub fn argmax(row: &[f32]) -> usize {
    row.iter().enumerate().fold((0, f32::NEG_INFINITY), |best, (i, &v)| if v > best.1 { (i, v) } else { best }).0
}

/// Writes each `(name, model)` to `dir/<name>.onnx` (creating `dir`) and returns the paths, in
/// order, for a Python check to read.
pub fn write_models<S: AsRef<str>>(dir: &Path, models: &[(S, Model)]) -> Vec<PathBuf> {
    std::fs::create_dir_all(dir).unwrap();
    models
        .iter()
        .map(|(name, model)| {
            let path = dir.join(format!("{}.onnx", name.as_ref()));
            std::fs::write(&path, encode_model(model)).unwrap();
            path
        })
        .collect()
}

/// Every ONNX file the tests have locally: the ONNX conformance models (from the onnx wheel), the
/// MNIST fixture and the Silero VAD models (from the silero-vad wheel).
pub fn local_models() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(venv_path("onnx/backend/test/data/node"))
        .unwrap()
        .flatten()
        .map(|e| e.path().join("model.onnx"))
        .collect();
    files.sort();
    files.push(repo_root().join("tests/fixtures/mnist_cnn/model.onnx"));
    let mut silero: Vec<PathBuf> =
        std::fs::read_dir(venv_path("silero_vad/data")).unwrap().flatten().map(|e| e.path()).collect();
    silero.sort();
    files.extend(silero.into_iter().filter(|p| p.extension().is_some_and(|e| e == "onnx")));
    files
}
