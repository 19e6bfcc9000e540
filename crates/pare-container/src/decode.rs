//! The decoder: container → the exact ONNX bytes, or a `ContainerError`. Checks, in order: the
//! magic, the version, the container's length (truncated / trailing bytes), the CRC-32 of the
//! container, the structure, and last the CRC-32 and length of the decoded bytes; a damaged
//! container never decodes to a wrong model (short of a CRC-32 collision: 2^-32).

use alloc::vec::Vec;

use crate::crc32::crc32;
use crate::error::ContainerError;
use crate::{MAGIC, VERSION, stream, varint};

struct Header {
    /// Where the body starts and the checked bytes end (before the trailing CRC).
    body: usize,
    end: usize,
    onnx_len: u64,
}

fn header(container: &[u8]) -> Result<Header, ContainerError> {
    let head = &container[..container.len().min(MAGIC.len())];
    if head != &MAGIC[..head.len()] {
        return Err(ContainerError::NotContainer);
    }
    let truncated = |expected: u64| ContainerError::Truncated { expected, actual: container.len() as u64 };
    if container.len() <= MAGIC.len() {
        // A prefix of the magic: too short to say more.
        return Err(if container.is_empty() { ContainerError::NotContainer } else { truncated(MAGIC.len() as u64 + 1) });
    }
    let version = container[MAGIC.len()];
    if version != VERSION {
        return Err(ContainerError::UnsupportedVersion(version));
    }
    let mut at = MAGIC.len() + 1;
    let total = varint::get(container, &mut at).ok_or(truncated(at as u64 + 1))?;
    if (container.len() as u64) < total {
        return Err(truncated(total));
    }
    if (container.len() as u64) > total {
        return Err(ContainerError::TrailingBytes { expected: total, actual: container.len() as u64 });
    }
    let end = container.len().checked_sub(4).filter(|&e| e >= at).ok_or(ContainerError::Corrupt("shorter than its header"))?;
    let stored = u32::from_le_bytes([container[end], container[end + 1], container[end + 2], container[end + 3]]);
    if crc32(&container[..end]) != stored {
        return Err(ContainerError::ChecksumMismatch { what: "the container" });
    }
    let onnx_len = varint::get(&container[..end], &mut at).ok_or(ContainerError::Corrupt("the header runs past the end"))?;
    Ok(Header { body: at, end, onnx_len })
}

/// The length of the ONNX file in `container` (after checking the header and the container's
/// checksum), to size a buffer.
pub fn decoded_len(container: &[u8]) -> Result<u64, ContainerError> {
    header(container).map(|h| h.onnx_len)
}

/// The ONNX bytes stored in `container`.
pub fn decode(container: &[u8]) -> Result<Vec<u8>, ContainerError> {
    let Header { body, end, onnx_len } = header(container)?;
    let data = &container[..end];
    let corrupt = ContainerError::Corrupt;
    let mut at = body;
    let expected_crc = data.get(at..at + 4).ok_or(corrupt("the header runs past the end"))?;
    let expected_crc = u32::from_le_bytes([expected_crc[0], expected_crc[1], expected_crc[2], expected_crc[3]]);
    at += 4;
    let cuts = varint::get(data, &mut at).ok_or(corrupt("the header runs past the end"))?;
    if cuts > data.len() as u64 {
        return Err(corrupt("more payloads than bytes"));
    }
    let mut gaps = Vec::with_capacity(cuts as usize);
    for _ in 0..cuts {
        gaps.push(varint::get(data, &mut at).ok_or(corrupt("the payload table runs past the end"))?);
    }
    let mut skeleton = Vec::new();
    stream::decode(data, &mut at, onnx_len, 0, &mut skeleton)?;
    let mut out = Vec::new();
    let n = usize::try_from(onnx_len).map_err(|_| ContainerError::TooLarge(onnx_len))?;
    out.try_reserve_exact(n).map_err(|_| ContainerError::TooLarge(onnx_len))?;
    let mut s = 0usize;
    for gap in gaps {
        let next = usize::try_from(gap).ok().and_then(|g| s.checked_add(g)).filter(|&e| e <= skeleton.len());
        let next = next.ok_or(corrupt("a payload lies outside the skeleton"))?;
        out.extend_from_slice(&skeleton[s..next]);
        s = next;
        let budget = onnx_len.checked_sub(out.len() as u64 + (skeleton.len() - s) as u64);
        stream::decode(data, &mut at, budget.ok_or(corrupt("the model is longer than its header says"))?, 0, &mut out)?;
    }
    out.extend_from_slice(&skeleton[s..]);
    if at != end {
        return Err(corrupt("bytes left over after the last stream"));
    }
    if out.len() as u64 != onnx_len {
        return Err(corrupt("the decoded model's length does not match the header"));
    }
    if crc32(&out) != expected_crc {
        return Err(ContainerError::ChecksumMismatch { what: "the decoded model" });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use alloc::vec::Vec;

    use crate::{ContainerError, MAGIC, decode, encode};

    /// A tiny ModelProto: graph { initializer { data_type: FLOAT, raw_data: 400 bytes } }.
    fn model() -> Vec<u8> {
        let raw: Vec<u8> = (0..100u32).flat_map(|i| (i as f32 * 0.01).to_le_bytes()).collect();
        let mut tensor = alloc::vec![0x10, 1, 0x4A];
        crate::varint::put(&mut tensor, raw.len() as u64);
        tensor.extend_from_slice(&raw);
        let mut graph = alloc::vec![0x2A];
        crate::varint::put(&mut graph, tensor.len() as u64);
        graph.extend_from_slice(&tensor);
        let mut model = alloc::vec![0x08, 7, 0x3A];
        crate::varint::put(&mut model, graph.len() as u64);
        model.extend_from_slice(&graph);
        model
    }

    #[test]
    fn round_trips_any_bytes() {
        let (c, stats) = encode(&model());
        assert!(stats.onnx);
        assert_eq!(stats.payloads, 1);
        assert_eq!(decode(&c).unwrap(), model());
        for bytes in [&b""[..], b"x", b"not protobuf at all \xFF\xFF\xFF", &[0u8; 1000]] {
            let (c, stats) = encode(bytes);
            assert!(!stats.onnx);
            assert_eq!(decode(&c).unwrap(), bytes);
        }
    }

    #[test]
    fn damage_is_an_error_never_a_wrong_model() {
        let (c, _) = encode(&model());
        for cut in 0..c.len() {
            let e = decode(&c[..cut]).unwrap_err();
            let expected = if cut == 0 { "not-a-container" } else { "truncated" };
            assert_eq!(e.code(), expected, "cut at {cut}: {e}");
        }
        for i in 0..c.len() {
            for bit in 0..8 {
                let mut bad = c.clone();
                bad[i] ^= 1 << bit;
                assert!(decode(&bad).is_err(), "flip {i}.{bit} decoded");
            }
        }
        let mut bad = c.clone();
        bad[0] = b'X';
        assert_eq!(decode(&bad).unwrap_err(), ContainerError::NotContainer);
        let mut bad = c.clone();
        bad[MAGIC.len()] = 2;
        assert_eq!(decode(&bad).unwrap_err(), ContainerError::UnsupportedVersion(2));
        let mut bad = c.clone();
        bad.push(0);
        assert_eq!(decode(&bad).unwrap_err().code(), "trailing-bytes");
        let mut bad = c.clone();
        let n = bad.len();
        bad[n - 10] ^= 0x40;
        assert_eq!(decode(&bad).unwrap_err().code(), "checksum-mismatch");
    }
}
