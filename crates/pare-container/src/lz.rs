//! LZ77 for the skeleton (names, small tensors, attributes: text that repeats) and small
//! payloads. The parse is split into four byte streams, each coded on its own (stored or
//! Huffman, `stream`): the literals, and per sequence three varints — literal run, match length
//! (0 only in the last sequence), match distance (absent when the length is 0). A sequence
//! copies its literals, then `length` bytes from `distance` back (overlapping copies repeat).
//! The encoder: a hash of 4 bytes, chains of up to 64 candidates over the whole input, matches
//! of at most 4096 bytes, greedy with one step of lazy matching.

use alloc::vec;
use alloc::vec::Vec;

use crate::error::ContainerError;
use crate::varint;

pub const MIN_MATCH: usize = 4;
const HASH_BITS: u32 = 16;
const MAX_CHAIN: usize = 64;
/// Longer matches are cut (a long run of zeros would otherwise be compared again at every candidate).
const MAX_MATCH: usize = 1 << 12;

/// The parse: (literals, literal runs, match lengths, distances), the last three as varints.
pub struct Parse {
    pub literals: Vec<u8>,
    pub runs: Vec<u8>,
    pub lengths: Vec<u8>,
    pub distances: Vec<u8>,
    pub sequences: usize,
}

fn hash(bytes: &[u8]) -> usize {
    let v = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    (v.wrapping_mul(0x9E37_79B1) >> (32 - HASH_BITS)) as usize
}

pub fn parse(raw: &[u8]) -> Parse {
    let n = raw.len();
    let mut head = vec![usize::MAX; 1 << HASH_BITS];
    let mut prev = vec![usize::MAX; n];
    let mut p = Parse { literals: Vec::new(), runs: Vec::new(), lengths: Vec::new(), distances: Vec::new(), sequences: 0 };
    let insert = |head: &mut Vec<usize>, prev: &mut Vec<usize>, i: usize| {
        if i + MIN_MATCH <= n {
            let h = hash(&raw[i..]);
            prev[i] = head[h];
            head[h] = i;
        }
    };
    let longest = |head: &Vec<usize>, prev: &Vec<usize>, i: usize| -> (usize, usize) {
        if i + MIN_MATCH > n {
            return (0, 0);
        }
        let mut best = (0, 0);
        let mut candidate = head[hash(&raw[i..])];
        let mut chain = 0;
        while candidate != usize::MAX && chain < MAX_CHAIN {
            let len = raw[candidate..].iter().zip(&raw[i..]).take(MAX_MATCH).take_while(|(a, b)| a == b).count();
            if len > best.0 {
                best = (len, i - candidate);
                if len == MAX_MATCH {
                    break;
                }
            }
            candidate = prev[candidate];
            chain += 1;
        }
        if best.0 >= MIN_MATCH { best } else { (0, 0) }
    };
    let mut i = 0;
    let mut run_start = 0;
    while i < n {
        let (len, dist) = longest(&head, &prev, i);
        if len == 0 {
            insert(&mut head, &mut prev, i);
            i += 1;
            continue;
        }
        // Lazy: a longer match one byte later wins.
        insert(&mut head, &mut prev, i);
        let (next_len, _) = longest(&head, &prev, i + 1);
        if next_len > len + 1 {
            i += 1;
            continue;
        }
        p.literals.extend_from_slice(&raw[run_start..i]);
        varint::put(&mut p.runs, (i - run_start) as u64);
        varint::put(&mut p.lengths, len as u64);
        varint::put(&mut p.distances, dist as u64);
        p.sequences += 1;
        for j in i + 1..i + len {
            insert(&mut head, &mut prev, j);
        }
        i += len;
        run_start = i;
    }
    p.literals.extend_from_slice(&raw[run_start..]);
    varint::put(&mut p.runs, (n - run_start) as u64);
    varint::put(&mut p.lengths, 0);
    p.sequences += 1;
    p
}

/// Rebuilds `n` bytes from a parse's decoded streams, appending them to `out`.
pub fn unparse(literals: &[u8], runs: &[u8], lengths: &[u8], distances: &[u8], sequences: u64, n: usize, out: &mut Vec<u8>) -> Result<(), ContainerError> {
    let bad = ContainerError::Corrupt("an LZ stream does not fit its length");
    let start = out.len();
    let (mut r, mut l, mut d, mut lit) = (0usize, 0usize, 0usize, 0usize);
    for s in 0..sequences {
        let run = varint::get(runs, &mut r).ok_or(bad.clone())? as usize;
        let end = lit.checked_add(run).filter(|&e| e <= literals.len()).ok_or(bad.clone())?;
        if out.len() - start + run > n {
            return Err(bad);
        }
        out.extend_from_slice(&literals[lit..end]);
        lit = end;
        let len = varint::get(lengths, &mut l).ok_or(bad.clone())? as usize;
        if len == 0 {
            if s + 1 != sequences {
                return Err(bad);
            }
            break;
        }
        let dist = varint::get(distances, &mut d).ok_or(bad.clone())? as usize;
        let produced = out.len() - start;
        if dist == 0 || dist > produced || len > n - produced {
            return Err(bad);
        }
        let from = out.len() - dist;
        for k in 0..len {
            let b = out[from + k];
            out.push(b);
        }
    }
    if out.len() - start != n || lit != literals.len() || r != runs.len() || l != lengths.len() || d != distances.len() {
        return Err(bad);
    }
    Ok(())
}
