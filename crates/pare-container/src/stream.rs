//! Coded streams: `coder: u8, raw_len: varint, body`. The coders (docs/container.md):
//!
//! - 0 stored: the raw bytes;
//! - 1 Huffman over bytes (`huffman`);
//! - 2 byte planes: `width: u8` (2–8), then `width` streams, plane k holding byte k of every
//!   element (the sign/exponent bytes of floats compress far better apart from the mantissa's);
//! - 3 sparse: `width: u8` (1–8), a stream of varint gaps (zero elements before each non-zero
//!   element) and a stream of the non-zero elements; trailing zeros are implied by `raw_len`;
//! - 4 LZ77 (`lz`): `sequences: varint`, then four streams: literals, literal runs, match
//!   lengths, distances.
//!
//! Sub-streams nest at most two deep. The encoder tries every coder that applies and keeps the
//! smallest.

use alloc::vec::Vec;

use crate::error::ContainerError;
use crate::{huffman, varint};

const STORED: u8 = 0;
const HUFFMAN: u8 = 1;
const PLANES: u8 = 2;
const SPARSE: u8 = 3;
const LZ: u8 = 4;
const MAX_DEPTH: u32 = 2;

fn corrupt(what: &'static str) -> ContainerError {
    ContainerError::Corrupt(what)
}

/// Decodes the stream at `data[*at..]`, appending its bytes to `out`; `budget` bounds its length.
pub fn decode(data: &[u8], at: &mut usize, budget: u64, depth: u32, out: &mut Vec<u8>) -> Result<(), ContainerError> {
    let coder = *data.get(*at).ok_or(corrupt("a stream runs past the end"))?;
    *at += 1;
    let raw_len = varint::get(data, at).ok_or(corrupt("a stream's length runs past the end"))?;
    if raw_len > budget {
        return Err(corrupt("a stream is longer than the model"));
    }
    let n = usize::try_from(raw_len).map_err(|_| ContainerError::TooLarge(raw_len))?;
    out.try_reserve(n).map_err(|_| ContainerError::TooLarge(raw_len))?;
    match coder {
        STORED => {
            let bytes = data.get(*at..at.checked_add(n).ok_or(corrupt("a stored stream runs past the end"))?);
            out.extend_from_slice(bytes.ok_or(corrupt("a stored stream runs past the end"))?);
            *at += n;
        }
        HUFFMAN => huffman::decode(data, at, n, out)?,
        LZ => {
            if depth >= MAX_DEPTH {
                return Err(corrupt("streams nest too deep"));
            }
            let sequences = varint::get(data, at).ok_or(corrupt("a stream runs past the end"))?;
            if sequences > raw_len + 1 {
                return Err(corrupt("an LZ stream has more sequences than bytes"));
            }
            let mut parts: [Vec<u8>; 4] = [Vec::new(), Vec::new(), Vec::new(), Vec::new()];
            for part in parts.iter_mut() {
                decode(data, at, raw_len.saturating_mul(10).saturating_add(10), depth + 1, part)?;
            }
            crate::lz::unparse(&parts[0], &parts[1], &parts[2], &parts[3], sequences, n, out)?;
        }
        PLANES | SPARSE => {
            if depth >= MAX_DEPTH {
                return Err(corrupt("streams nest too deep"));
            }
            let width = *data.get(*at).ok_or(corrupt("a stream runs past the end"))? as usize;
            *at += 1;
            let min = if coder == PLANES { 2 } else { 1 };
            if width < min || width > 8 || n % width != 0 {
                return Err(corrupt("a stream's element width does not fit it"));
            }
            if coder == PLANES {
                decode_planes(data, at, n, width, depth, out)?;
            } else {
                decode_sparse(data, at, n, width, depth, out)?;
            }
        }
        _ => return Err(corrupt("an unknown coder")),
    }
    Ok(())
}

fn decode_planes(data: &[u8], at: &mut usize, n: usize, width: usize, depth: u32, out: &mut Vec<u8>) -> Result<(), ContainerError> {
    let count = n / width;
    let start = out.len();
    out.resize(start + n, 0);
    let mut plane = Vec::new();
    for k in 0..width {
        plane.clear();
        decode(data, at, count as u64, depth + 1, &mut plane)?;
        if plane.len() != count {
            return Err(corrupt("a byte plane has the wrong length"));
        }
        for (i, &b) in plane.iter().enumerate() {
            out[start + i * width + k] = b;
        }
    }
    Ok(())
}

fn decode_sparse(data: &[u8], at: &mut usize, n: usize, width: usize, depth: u32, out: &mut Vec<u8>) -> Result<(), ContainerError> {
    let mut gaps = Vec::new();
    decode(data, at, n as u64 * 10, depth + 1, &mut gaps)?;
    let mut values = Vec::new();
    decode(data, at, n as u64, depth + 1, &mut values)?;
    if values.len() % width != 0 {
        return Err(corrupt("sparse values are not whole elements"));
    }
    let start = out.len();
    out.resize(start + n, 0);
    let mut g = 0usize;
    let mut pos = 0usize; // elements written
    for value in values.chunks_exact(width) {
        let gap = varint::get(&gaps, &mut g).ok_or(corrupt("sparse gaps run out"))?;
        pos = usize::try_from(gap).ok().and_then(|gap| pos.checked_add(gap)).ok_or(corrupt("a sparse gap is out of range"))?;
        if pos >= n / width {
            return Err(corrupt("a sparse gap is out of range"));
        }
        out[start + pos * width..start + (pos + 1) * width].copy_from_slice(value);
        pos += 1;
    }
    if g != gaps.len() {
        return Err(corrupt("sparse gaps left over"));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------------

fn header(coder: u8, raw_len: usize) -> Vec<u8> {
    let mut out = Vec::new();
    out.push(coder);
    varint::put(&mut out, raw_len as u64);
    out
}

fn stored(raw: &[u8]) -> Vec<u8> {
    let mut out = header(STORED, raw.len());
    out.extend_from_slice(raw);
    out
}

fn huffman(raw: &[u8]) -> Option<Vec<u8>> {
    if raw.is_empty() {
        return None;
    }
    let mut out = header(HUFFMAN, raw.len());
    out.extend_from_slice(&huffman::encode(raw));
    Some(out)
}

/// The smaller of stored and Huffman.
fn simple(raw: &[u8]) -> Vec<u8> {
    smallest(stored(raw), huffman(raw))
}

fn smallest(a: Vec<u8>, b: Option<Vec<u8>>) -> Vec<u8> {
    match b {
        Some(b) if b.len() < a.len() => b,
        _ => a,
    }
}

fn planes(raw: &[u8], width: usize) -> Option<Vec<u8>> {
    if width < 2 || raw.is_empty() || raw.len() % width != 0 {
        return None;
    }
    let mut out = header(PLANES, raw.len());
    out.push(width as u8);
    let count = raw.len() / width;
    let mut plane = Vec::with_capacity(count);
    for k in 0..width {
        plane.clear();
        plane.extend(raw.iter().skip(k).step_by(width));
        out.extend_from_slice(&simple(&plane));
    }
    Some(out)
}

fn sparse(raw: &[u8], width: usize) -> Option<Vec<u8>> {
    if raw.is_empty() || raw.len() % width != 0 {
        return None;
    }
    let mut gaps = Vec::new();
    let mut values = Vec::new();
    let mut run = 0u64;
    for element in raw.chunks_exact(width) {
        if element.iter().all(|&b| b == 0) {
            run += 1;
        } else {
            varint::put(&mut gaps, run);
            values.extend_from_slice(element);
            run = 0;
        }
    }
    // Worth trying only when at least one element in eight is zero.
    if values.len() > raw.len() - raw.len() / 8 {
        return None;
    }
    let mut out = header(SPARSE, raw.len());
    out.push(width as u8);
    out.extend_from_slice(&simple(&gaps));
    out.extend_from_slice(&smallest(simple(&values), planes(&values, width)));
    Some(out)
}

fn lz(raw: &[u8]) -> Option<Vec<u8>> {
    if raw.len() < 64 || raw.len() > LZ_MAX {
        return None;
    }
    // The search costs ~1 s per 8 MB of floats, where it seldom pays: on a long stream, only when
    // it wins on the first 64 KiB.
    if raw.len() > 4 * LZ_SAMPLE {
        let sample = &raw[..LZ_SAMPLE];
        if lz(sample)?.len() * 100 >= simple(sample).len() * 97 {
            return None;
        }
    }
    let p = crate::lz::parse(raw);
    let mut out = header(LZ, raw.len());
    varint::put(&mut out, p.sequences as u64);
    for part in [&p.literals, &p.runs, &p.lengths, &p.distances] {
        out.extend_from_slice(&simple(part));
    }
    Some(out)
}

/// LZ is tried on streams up to this long (its search is the slow part of encoding).
const LZ_MAX: usize = 64 << 20;
const LZ_SAMPLE: usize = 64 << 10;

/// The smallest coding of `raw`, whose elements are `width` bytes wide (1 for bytes or varints).
pub fn encode_best(raw: &[u8], width: usize) -> Vec<u8> {
    let mut best = simple(raw);
    for candidate in [planes(raw, width), sparse(raw, width), lz(raw)] {
        best = smallest(best, candidate);
    }
    best
}

#[cfg(test)]
mod tests {
    use alloc::vec::Vec;

    fn round_trip(raw: &[u8], width: usize) -> Vec<u8> {
        let coded = super::encode_best(raw, width);
        let mut at = 0;
        let mut out = alloc::vec![7u8];
        super::decode(&coded, &mut at, raw.len() as u64, 0, &mut out).unwrap();
        assert_eq!(at, coded.len());
        assert_eq!(&out[1..], raw);
        coded
    }

    #[test]
    fn each_coder_round_trips() {
        assert_eq!(round_trip(&[], 1)[0], super::STORED);
        assert_eq!(round_trip(&[1, 2, 3], 1)[0], super::STORED);
        // Skewed random bytes: no repeats for LZ, few bits each for Huffman.
        let mut state = 0x2545_F491_4F6C_DD1Du64;
        let mut random = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 32) as usize
        };
        let text: Vec<u8> = (0..4000).map(|_| b"aaaabbbcca"[random() % 10]).collect();
        assert_eq!(round_trip(&text, 1)[0], super::HUFFMAN);
        // Floats near 1: the exponent planes are nearly constant.
        let floats: Vec<u8> = (0..2000).flat_map(|_| (1.0f32 + (random() % 1_000_000) as f32 * 1e-7).to_le_bytes()).collect();
        assert_eq!(round_trip(&floats, 4)[0], super::PLANES);
        // 90% zero floats.
        let sparse: Vec<u8> = floats.chunks(4).enumerate().flat_map(|(i, c)| if i % 10 == 3 { c.to_vec() } else { alloc::vec![0; 4] }).collect();
        assert_eq!(round_trip(&sparse, 4)[0], super::SPARSE);
        let tail_zeros: Vec<u8> = [&floats[..400], &[0u8; 4000][..]].concat();
        round_trip(&tail_zeros, 4);
        let names: Vec<u8> = (0..300).flat_map(|i| alloc::format!("conv{i}_weights_quantized/conv{}_scale;", i % 7).into_bytes()).collect();
        assert_eq!(round_trip(&names, 1)[0], super::LZ);
        let mut overlapping = alloc::vec![1u8, 2, 3];
        overlapping.extend(core::iter::repeat(7u8).take(500));
        overlapping.extend_from_slice(b"abcdefgh");
        round_trip(&overlapping, 1);
    }

    #[test]
    fn bad_streams_are_errors() {
        let floats: Vec<u8> = (0..500u32).flat_map(|i| (i as f32).to_le_bytes()).collect();
        let coded = super::encode_best(&floats, 4);
        for cut in 0..coded.len() {
            let mut at = 0;
            assert!(super::decode(&coded[..cut], &mut at, floats.len() as u64, 0, &mut Vec::new()).is_err(), "cut {cut}");
        }
        let mut at = 0;
        assert!(super::decode(&coded, &mut at, floats.len() as u64 - 1, 0, &mut Vec::new()).is_err());
        assert!(super::decode(&[9, 0], &mut 0, 10, 0, &mut Vec::new()).is_err());
    }
}
