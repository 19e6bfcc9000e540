//! Bad files never panic, abort or allocate gigabytes: empty, non-ONNX, truncated at every
//! offset, and randomly byte-flipped models must give `Err` (or, when a flip happens to leave
//! a valid model, run or fail cleanly). A counting global allocator fails the test if any
//! single allocation of its thread exceeds 256 MiB, so "huge claimed size" bugs show up here too.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind};

use pare::onnx::{decode_model, decode_tensor};
use pare::runtime::Session;

use crate::common::{Rng, read, repo_root, venv_path};

/// The allocator of the whole native test binary: the system one, noting the largest request
/// per thread. Each test runs on its own thread, so the other tests of the binary, which may
/// allocate more than the limit on purpose (real models), do not count here.
struct LargestAllocation;

thread_local! {
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

fn note_allocation(size: usize) {
    let _ = LARGEST.try_with(|largest| largest.set(largest.get().max(size)));
}

/// The largest allocation the calling thread (test) has made (since its last reset).
pub(crate) fn largest_allocation() -> usize {
    LARGEST.with(Cell::get)
}

/// Starts the calling thread's count afresh (tests/wasm/robustness.rs, run natively here too).
pub(crate) fn reset_largest_allocation() {
    LARGEST.with(|largest| largest.set(0));
}

unsafe impl GlobalAlloc for LargestAllocation {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_allocation(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_allocation(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: LargestAllocation = LargestAllocation;

pub(crate) const ALLOCATION_LIMIT: usize = 256 << 20;

/// Decodes `bytes` and, if that works, prepares and runs the model on `inputs`.
/// Returns a panic message if anything panicked.
fn exercise(bytes: &[u8], inputs: &[(String, pare::ir::Tensor)]) -> Result<(), String> {
    catch_unwind(AssertUnwindSafe(|| {
        if let Ok(model) = decode_model(bytes) {
            let _ = pare::onnx::encode_model(&model);
            if let Ok(session) = Session::new(&model) {
                let _ = session.run(inputs.to_vec());
            }
        }
    }))
    .map_err(|p| p.downcast_ref::<String>().cloned().or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default())
}

fn check_corpus(label: &str, original: &[u8], inputs: &[(String, pare::ir::Tensor)], every_offset: bool, flips: usize) {
    let mut failures = Vec::new();
    let step = if every_offset { 1 } else { (original.len() / 1500).max(1) };
    for cut in (0..original.len()).step_by(step) {
        if let Err(p) = exercise(&original[..cut], inputs) {
            failures.push(format!("truncated at {cut}: panic {p}"));
        }
    }
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ original.len() as u64);
    for _ in 0..flips {
        let mut mutated = original.to_vec();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(mutated.len());
            mutated[at] ^= 1 << rng.below(8);
            if rng.below(4) == 0 {
                mutated[at] = rng.next() as u8;
            }
        }
        if let Err(p) = exercise(&mutated, inputs) {
            failures.push(format!("mutated: panic {p}"));
        }
    }
    let largest = largest_allocation();
    assert!(failures.is_empty(), "{label}: {} panics, first: {:?}", failures.len(), &failures[..failures.len().min(5)]);
    assert!(largest < ALLOCATION_LIMIT, "{label}: an allocation of {largest} bytes happened");
}

fn inputs_of(dir: &std::path::Path, names: &[&str]) -> Vec<(String, pare::ir::Tensor)> {
    names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.to_string(), decode_tensor(&read(&dir.join(format!("test_data_set_0/input_{i}.pb")))).unwrap().1))
        .collect()
}

#[test]
fn non_onnx_and_empty_files_are_clear_errors() {
    let cases: [(&[u8], &str); 5] = [
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n....", "image"),
        (b"PK\x03\x04rest", "zip"),
        (b"{\"json\": true}", "text"),
        (&[0xff; 64], "protobuf decoding failed"),
    ];
    for (bytes, want) in cases {
        let err = decode_model(bytes).unwrap_err().to_string();
        assert!(err.starts_with("not an ONNX model") && err.contains(want), "{err}");
    }
}

/// The model's first initializer, to vary one field of.
fn huge_tensor_like(model: &pare::onnx::proto::ModelProto) -> pare::onnx::proto::TensorProto {
    model.graph.as_ref().unwrap().initializer[0].clone()
}

#[test]
fn huge_claimed_sizes_fail_without_allocating() {
    use pare::onnx::proto::{GraphProto, ModelProto, OperatorSetIdProto, TensorProto};
    use prost::Message;
    let huge = TensorProto {
        dims: vec![1 << 20, 1 << 20, 1 << 10],
        data_type: Some(1),
        name: Some("w".into()),
        raw_data: Some(vec![0; 16]),
        ..Default::default()
    };
    let model = ModelProto {
        ir_version: Some(8),
        opset_import: vec![OperatorSetIdProto { domain: None, version: Some(13) }],
        graph: Some(GraphProto { initializer: vec![huge], ..Default::default() }),
        ..Default::default()
    };
    let err = decode_model(&model.encode_to_vec()).unwrap_err().to_string();
    assert!(err.contains("too large") || err.contains("raw_data has 16 bytes"), "{err}");
    // A claim that can be counted (2^28 float32 values: 1 GiB, under every element limit) but
    // that 16 bytes of data do not back: refused by comparing sizes, before any allocation.
    let countable = TensorProto { dims: vec![1 << 28], ..huge_tensor_like(&model) };
    let model = ModelProto { graph: Some(GraphProto { initializer: vec![countable], ..Default::default() }), ..model };
    let err = decode_model(&model.encode_to_vec()).unwrap_err().to_string();
    assert!(err.contains("raw_data has 16 bytes"), "{err}");
    // A length prefix claiming 2 GB inside a 20-byte file.
    let mut bytes = vec![0x3a, 0xff, 0xff, 0xff, 0xff, 0x07];
    bytes.extend_from_slice(&[0u8; 14]);
    assert!(decode_model(&bytes).is_err());
    assert!(largest_allocation() < ALLOCATION_LIMIT);
}

#[test]
fn small_models_with_subgraphs_survive_truncation_at_every_offset_and_flips() {
    for test in ["test_if", "test_loop11", "test_conv_with_strides_padding", "test_lstm_defaults"] {
        let dir = venv_path(&format!("onnx/backend/test/data/node/{test}"));
        let bytes = read(&dir.join("model.onnx"));
        let model = decode_model(&bytes).unwrap();
        let names: Vec<String> = model.graph.feed_inputs().map(|v| v.name.clone()).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let inputs = inputs_of(&dir, &names);
        check_corpus(test, &bytes, &inputs, true, 3000);
    }
}

#[test]
fn mnist_cnn_survives_truncation_and_flips() {
    let dir = repo_root().join("tests/fixtures/mnist_cnn");
    let bytes = read(&dir.join("model.onnx"));
    let inputs = inputs_of(&dir, &["image"]);
    check_corpus("mnist_cnn", &bytes, &inputs, false, 1500);
}
