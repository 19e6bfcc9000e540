//! The encoder: ONNX bytes (any bytes) → container. Layout in docs/container.md.

use alloc::vec::Vec;

use crate::crc32::crc32;
use crate::{MAGIC, VERSION, stream, varint, wire};

/// What `encode` did, for reports.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EncodeStats {
    /// Whether the input parsed as an ONNX ModelProto with a graph.
    pub onnx: bool,
    /// Tensor payloads cut out and coded on their own, and their bytes.
    pub payloads: usize,
    pub payload_bytes: usize,
    /// The rest of the file and its coded size.
    pub skeleton_bytes: usize,
    pub skeleton_coded: usize,
}

/// The container of `file` (and what went into it). Lossless for any bytes.
pub fn encode(file: &[u8]) -> (Vec<u8>, EncodeStats) {
    let (payloads, onnx) = wire::payloads(file);
    let mut stats = EncodeStats { onnx, payloads: payloads.len(), ..EncodeStats::default() };
    let mut body = Vec::new();
    varint::put(&mut body, file.len() as u64);
    body.extend_from_slice(&crc32(file).to_le_bytes());
    varint::put(&mut body, payloads.len() as u64);
    let mut skeleton = Vec::with_capacity(file.len());
    let mut at = 0;
    for p in &payloads {
        varint::put(&mut body, (p.start - at) as u64);
        skeleton.extend_from_slice(&file[at..p.start]);
        at = p.end;
        stats.payload_bytes += p.end - p.start;
    }
    skeleton.extend_from_slice(&file[at..]);
    let coded = stream::encode_best(&skeleton, 1);
    stats.skeleton_bytes = skeleton.len();
    stats.skeleton_coded = coded.len();
    body.extend_from_slice(&coded);
    for p in &payloads {
        body.extend_from_slice(&stream::encode_best(&file[p.start..p.end], p.width));
    }
    // The header holds the container's own length (so truncation is told apart from damage),
    // which counts the bytes of its varint: find the fixed point.
    let mut total = MAGIC.len() + 1 + body.len() + 4 + 1;
    loop {
        let mut len = Vec::new();
        varint::put(&mut len, total as u64);
        let t = MAGIC.len() + 1 + len.len() + body.len() + 4;
        if t == total {
            break;
        }
        total = t;
    }
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(&MAGIC);
    out.push(VERSION);
    varint::put(&mut out, total as u64);
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32(&out).to_le_bytes());
    debug_assert_eq!(out.len(), total);
    (out, stats)
}
