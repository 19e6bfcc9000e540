//! Test-only access to the checked-in fixtures (`tests/fixtures`) that unit tests read, so
//! each is located and decoded in one place.

use std::path::PathBuf;

use crate::ir::Model;

/// The bytes of `tests/fixtures/{path}`, panicking with the path when it cannot be read.
pub(crate) fn fixture(path: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(path);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The MNIST CNN fixture (`tests/fixtures/mnist_cnn/model.onnx`), decoded.
pub(crate) fn mnist() -> Model {
    crate::onnx::decode_model(&fixture("mnist_cnn/model.onnx")).unwrap()
}
