//! Canonical Huffman coding of bytes with codes of at most 12 bits, so that decoding is one
//! lookup in a 4096-entry table per symbol. Encoded form: the 256 code lengths, the bit stream's
//! byte count as a varint, the bits (MSB first). The lengths are either `0` and 128 bytes of
//! nibbles (symbol 2i in the low nibble), or `1` and runs, one byte each: `length << 4 | (run - 1)`
//! for runs of 1–16 symbols of the same length, until 256 are covered (the smaller of the two; a
//! table costs ~20–60 bytes instead of 128 on the skewed data of small tensors). Lengths over 12
//! are avoided by halving the counts and rebuilding.

use alloc::collections::BinaryHeap;
use alloc::vec;
use alloc::vec::Vec;
use core::cmp::Reverse;

use crate::bits::{BitReader, BitWriter};
use crate::error::ContainerError;
use crate::varint;

pub const MAX_LEN: u32 = 12;
const TABLE_BYTES: usize = 128;

/// Code lengths (0 = unused) for the byte counts `freq`.
fn code_lengths(freq: &[u64; 256]) -> [u8; 256] {
    let mut counts = *freq;
    loop {
        let lengths = huffman_lengths(&counts);
        if lengths.iter().all(|&l| l as u32 <= MAX_LEN) {
            return lengths;
        }
        for c in counts.iter_mut() {
            if *c > 0 {
                *c = (*c >> 1).max(1);
            }
        }
    }
}

fn huffman_lengths(counts: &[u64; 256]) -> [u8; 256] {
    let mut lengths = [0u8; 256];
    let used: Vec<usize> = (0..256).filter(|&s| counts[s] > 0).collect();
    match used.len() {
        0 => return lengths,
        1 => {
            lengths[used[0]] = 1;
            return lengths;
        }
        _ => {}
    }
    // Nodes 0..n are leaves; each merge adds one; parent[i] links upwards.
    let mut parent: Vec<usize> = vec![usize::MAX; used.len()];
    let mut heap: BinaryHeap<Reverse<(u64, usize)>> = used.iter().enumerate().map(|(i, &s)| Reverse((counts[s], i))).collect();
    while heap.len() > 1 {
        let Reverse((wa, a)) = heap.pop().unwrap();
        let Reverse((wb, b)) = heap.pop().unwrap();
        let id = parent.len();
        parent.push(usize::MAX);
        parent[a] = id;
        parent[b] = id;
        heap.push(Reverse((wa + wb, id)));
    }
    for (i, &s) in used.iter().enumerate() {
        let mut depth = 0u32;
        let mut node = i;
        while parent[node] != usize::MAX {
            node = parent[node];
            depth += 1;
        }
        lengths[s] = depth.min(255) as u8;
    }
    lengths
}

/// Canonical codes: symbols ordered by (length, value) get consecutive codes.
fn canonical_codes(lengths: &[u8; 256]) -> Result<[u32; 256], ContainerError> {
    let mut codes = [0u32; 256];
    let mut code = 0u32;
    let mut prev = 0u32;
    for len in 1..=MAX_LEN {
        for s in 0..256 {
            if lengths[s] as u32 == len {
                code <<= len - prev;
                prev = len;
                if code >= 1 << len {
                    return Err(ContainerError::Corrupt("Huffman code lengths are over-subscribed"));
                }
                codes[s] = code;
                code += 1;
            }
        }
    }
    Ok(codes)
}

/// The Huffman encoding of `raw` (not empty), without the stream header.
pub fn encode(raw: &[u8]) -> Vec<u8> {
    let mut freq = [0u64; 256];
    for &b in raw {
        freq[b as usize] += 1;
    }
    let lengths = code_lengths(&freq);
    let codes = canonical_codes(&lengths).expect("Huffman lengths satisfy Kraft's inequality");
    let mut out = Vec::with_capacity(TABLE_BYTES + 1 + raw.len() / 2);
    let mut runs = Vec::new();
    let mut s = 0;
    while s < 256 {
        let run = lengths[s..].iter().take(16).take_while(|&&l| l == lengths[s]).count();
        runs.push(lengths[s] << 4 | (run - 1) as u8);
        s += run;
    }
    if runs.len() < TABLE_BYTES {
        out.push(1);
        out.extend_from_slice(&runs);
    } else {
        out.push(0);
        for pair in lengths.chunks(2) {
            out.push(pair[0] | pair[1] << 4);
        }
    }
    let mut bits = BitWriter::new();
    for &b in raw {
        bits.put(codes[b as usize], lengths[b as usize] as u32);
    }
    let bits = bits.finish();
    varint::put(&mut out, bits.len() as u64);
    out.extend_from_slice(&bits);
    out
}

/// Decodes `n` symbols from `data[*at..]` (table, byte count, bits), appending them to `out`.
pub fn decode(data: &[u8], at: &mut usize, n: usize, out: &mut Vec<u8>) -> Result<(), ContainerError> {
    let past_end = ContainerError::Corrupt("a Huffman table runs past the end");
    let mode = *data.get(*at).ok_or(past_end.clone())?;
    *at += 1;
    let mut lengths = [0u8; 256];
    match mode {
        0 => {
            let table_bytes = data.get(*at..*at + TABLE_BYTES).ok_or(past_end)?;
            *at += TABLE_BYTES;
            for (i, &b) in table_bytes.iter().enumerate() {
                lengths[2 * i] = b & 0x0F;
                lengths[2 * i + 1] = b >> 4;
            }
        }
        1 => {
            let mut s = 0;
            while s < 256 {
                let b = *data.get(*at).ok_or(past_end.clone())?;
                *at += 1;
                let run = (b & 0x0F) as usize + 1;
                if s + run > 256 {
                    return Err(ContainerError::Corrupt("a Huffman table has more than 256 lengths"));
                }
                lengths[s..s + run].fill(b >> 4);
                s += run;
            }
        }
        _ => return Err(ContainerError::Corrupt("an unknown Huffman table form")),
    }
    if lengths.iter().any(|&l| l as u32 > MAX_LEN) {
        return Err(ContainerError::Corrupt("a Huffman code is longer than 12 bits"));
    }
    let codes = canonical_codes(&lengths)?;
    // Entry: symbol | length << 8; 0 marks a bit pattern no code starts with.
    let mut table = vec![0u16; 1 << MAX_LEN];
    for s in 0..256 {
        let len = lengths[s] as u32;
        if len > 0 {
            let first = (codes[s] << (MAX_LEN - len)) as usize;
            let entry = s as u16 | (len as u16) << 8;
            table[first..first + (1 << (MAX_LEN - len))].fill(entry);
        }
    }
    let nbytes = varint::get(data, at).ok_or(ContainerError::Corrupt("a Huffman stream's length runs past the end"))?;
    let bits = usize::try_from(nbytes)
        .ok()
        .and_then(|nb| data.get(*at..at.checked_add(nb)?))
        .ok_or(ContainerError::Corrupt("a Huffman stream runs past the end"))?;
    *at += bits.len();
    let mut reader = BitReader::new(bits);
    let start = out.len();
    out.resize(start + n, 0);
    for slot in out[start..].iter_mut() {
        let entry = table[reader.peek12() as usize];
        if entry == 0 {
            return Err(ContainerError::Corrupt("an invalid Huffman code"));
        }
        *slot = entry as u8;
        reader.skip((entry >> 8) as u32);
    }
    if reader.bits().div_ceil(8) != bits.len() {
        return Err(ContainerError::Corrupt("a Huffman stream's length does not match its symbols"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use alloc::vec::Vec;

    fn round_trip(raw: &[u8]) -> usize {
        let coded = super::encode(raw);
        let mut at = 0;
        let mut out = Vec::new();
        super::decode(&coded, &mut at, raw.len(), &mut out).unwrap();
        assert_eq!(at, coded.len());
        assert_eq!(out, raw);
        coded.len()
    }

    #[test]
    fn round_trips_and_limits_lengths() {
        round_trip(b"a");
        round_trip(b"aaaaaaaaaaaaaaaaab");
        let all: Vec<u8> = (0..=255u8).cycle().take(5000).collect();
        assert!(round_trip(&all) <= 1 + 16 + 5 + 5000);
        // Lengths that change at every symbol: the nibble form.
        let mixed: Vec<u8> = (0..=255u8).flat_map(|s| core::iter::repeat(s).take(1 + (s as usize % 2) * 3)).collect();
        round_trip(&mixed);
        assert_eq!(super::encode(&mixed)[0], 0);
        assert_eq!(super::encode(&all)[0], 1);
        // Fibonacci counts make a Huffman tree as deep as there are symbols.
        let mut skewed = Vec::new();
        let (mut a, mut b) = (1usize, 1usize);
        for s in 0..24u8 {
            skewed.extend(core::iter::repeat(s).take(a));
            (a, b) = (b, a + b);
        }
        round_trip(&skewed);
    }
}
