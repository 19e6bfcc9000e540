//! What a `compress` run reports: file sizes before and after (raw and gzip, since unstructured
//! zeros only shrink the compressed download), and each step's own report.

use std::io::Write;

use serde::Serialize;

use super::binarize::report::BinarizeReport;
use super::bytes::ByteBreakdown;
use super::prune::PruneReport;
use super::quantize::QuantizeReport;
use crate::convert::ConvertReport;
use crate::ir::Model;

#[derive(Clone, Debug, Serialize)]
pub struct CompressReport {
    pub before: SizeReport,
    pub after: SizeReport,
    /// With two steps or more: the file's size after each step (the last is `after`), as Deep
    /// Compression's table shows each stage's size.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub after_steps: Vec<SizeReport>,
    pub steps: Vec<StepReport>,
    /// Where the bytes of the input and of the output go.
    pub bytes_before: ByteBreakdown,
    pub bytes_after: ByteBreakdown,
    /// Opset upgrades `compress` made by itself before a step that needed a newer opset.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub upgrades: Vec<AutomaticUpgrade>,
    /// What `compress` changed by itself besides the steps (e.g. weights freed from the inputs).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Bytes of the file the caller read the model from, when it did (`before` measures pare's
    /// re-encoding of the decoded model, which can differ from the file: `ls -l` shows this).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub input_file_bytes: Option<usize>,
}

impl CompressReport {
    /// The input's size as the user sees it: the file's bytes when known, else `before.bytes`.
    pub fn input_bytes(&self) -> usize {
        self.input_file_bytes.unwrap_or(self.before.bytes)
    }
}

/// An opset upgrade made for a step (`reason` says why), with the converter's report.
#[derive(Clone, Debug, Serialize)]
pub struct AutomaticUpgrade {
    /// Index of the step that needed it.
    pub step: usize,
    pub report: ConvertReport,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepReport {
    Prune(PruneReport),
    Quantize(QuantizeReport),
    Binarize(BinarizeReport),
    Opset(ConvertReport),
}

/// Bytes of the encoded ONNX file, and of the same file gzip-compressed (level 9).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct SizeReport {
    pub bytes: usize,
    pub gzip_bytes: usize,
}

impl SizeReport {
    pub fn of(model: &Model) -> SizeReport {
        SizeReport::of_bytes(&crate::onnx::encode_model(model))
    }

    pub fn of_bytes(bytes: &[u8]) -> SizeReport {
        SizeReport { bytes: bytes.len(), gzip_bytes: gzip_len(bytes) }
    }
}

/// Length of `bytes` after gzip at the best compression level: the deflate stream plus gzip's
/// 10-byte header and 8-byte trailer (CRC-32 and length), as `GzEncoder` writes them with no file
/// name, comment or extra field. Counted without `GzEncoder`, whose CRC-32 (crc32fast) brings a
/// 16 KiB table into the wasm build (docs/wasm_size.md).
pub fn gzip_len(bytes: &[u8]) -> usize {
    const GZIP_HEADER_AND_TRAILER: usize = 10 + 8;
    let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    // Writing into a Vec cannot fail.
    let _ = encoder.write_all(bytes);
    encoder.finish().map(|v| v.len() + GZIP_HEADER_AND_TRAILER).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    /// `gzip_len` is the length of what `GzEncoder` (best level) writes, byte for byte.
    #[test]
    fn gzip_len_is_gz_encoders_length() {
        let mut state = 7u32;
        let noise: Vec<u8> = (0..5000)
            .map(|_| {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                (state >> 24) as u8
            })
            .collect();
        let inputs: [&[u8]; 4] = [b"", b"a", &[0u8; 70_000], &noise];
        for bytes in inputs {
            let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
            encoder.write_all(bytes).unwrap();
            let gz = encoder.finish().unwrap();
            assert_eq!(super::gzip_len(bytes), gz.len(), "{} bytes", bytes.len());
        }
    }
}
