//! The `.pare` container (docs/container.md, crate `pare-container`): `pack` stores an ONNX file
//! losslessly in fewer bytes (tensor payloads cut out of the protobuf and entropy-coded), `unpack`
//! gives back the exact bytes. Used by `pare pack`/`pare decode` and the wasm API's
//! `pack`/`decode`; errors keep their kind (`not-onnx` for pack, `bad-container` for unpack).

use serde::Serialize;

use crate::onnx::OnnxError;

pub use pare_container::{ContainerError, MAGIC, VERSION};

/// A packed model and its sizes.
#[derive(Clone, Debug)]
pub struct Packed {
    pub container: Vec<u8>,
    pub report: PackReport,
}

/// What `pack` did.
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct PackReport {
    pub onnx_bytes: usize,
    pub container_bytes: usize,
    /// Tensor payloads coded on their own, their bytes; the rest (the skeleton) before and after coding.
    pub payloads: usize,
    pub payload_bytes: usize,
    pub skeleton_bytes: usize,
    pub skeleton_coded_bytes: usize,
}

/// Packs an ONNX file. Refuses bytes that are not a ModelProto with a graph (`not-onnx`): the
/// format would store them losslessly, but a `.pare` file is meant to hold a model.
pub fn pack(onnx: &[u8]) -> Result<Packed, crate::Error> {
    let (container, stats) = pare_container::encode(onnx);
    if !stats.onnx {
        return Err(OnnxError::NotOnnx("no ModelProto with a graph (the protobuf does not parse as a model)".into()).into());
    }
    let report = PackReport {
        onnx_bytes: onnx.len(),
        container_bytes: container.len(),
        payloads: stats.payloads,
        payload_bytes: stats.payload_bytes,
        skeleton_bytes: stats.skeleton_bytes,
        skeleton_coded_bytes: stats.skeleton_coded,
    };
    Ok(Packed { container, report })
}

/// The exact ONNX bytes a container holds.
pub fn unpack(container: &[u8]) -> Result<Vec<u8>, crate::Error> {
    Ok(pare_container::decode(container)?)
}

/// True when `bytes` start like a container (its magic), to tell a `.pare` file from an ONNX one.
pub fn is_container(bytes: &[u8]) -> bool {
    bytes.starts_with(&MAGIC)
}

#[cfg(test)]
mod tests {
    use crate::error::ErrorKind;

    #[test]
    fn packs_a_model_and_refuses_other_bytes() {
        let model = crate::fixtures::fixture("mnist_cnn/model.onnx");
        let packed = super::pack(&model).unwrap();
        assert_eq!(packed.report.container_bytes, packed.container.len());
        assert!(super::is_container(&packed.container));
        assert_eq!(super::unpack(&packed.container).unwrap(), model);
        let not_onnx = crate::onnx::decode_model(&packed.container).unwrap_err();
        assert!(not_onnx.to_string().contains(".pare container"), "{not_onnx}");
        assert_eq!(super::pack(b"\xFF\xFF not a model").unwrap_err().kind(), ErrorKind::NotOnnx);
        let mut bad = packed.container.clone();
        bad.truncate(bad.len() - 1);
        let error = super::unpack(&bad).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::BadContainer);
        assert!(error.to_string().contains("truncated"), "{error}");
    }
}
