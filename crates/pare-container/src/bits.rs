//! Bit I/O for the Huffman coder: most significant bit first; the last byte is padded with zeros.

use alloc::vec::Vec;

pub struct BitWriter {
    pub out: Vec<u8>,
    acc: u64,
    nbits: u32,
}

impl BitWriter {
    pub fn new() -> BitWriter {
        BitWriter { out: Vec::new(), acc: 0, nbits: 0 }
    }

    /// Appends the low `len` bits of `code` (len ≤ 32).
    pub fn put(&mut self, code: u32, len: u32) {
        self.acc = (self.acc << len) | code as u64;
        self.nbits += len;
        while self.nbits >= 8 {
            self.nbits -= 8;
            self.out.push((self.acc >> self.nbits) as u8);
        }
        self.acc &= (1u64 << self.nbits) - 1;
    }

    pub fn finish(mut self) -> Vec<u8> {
        if self.nbits > 0 {
            self.out.push((self.acc << (8 - self.nbits)) as u8);
        }
        self.out
    }
}

/// Reads `N`-bit windows at a bit position; bits past the end read as zero (the caller checks
/// that it did not consume them).
pub struct BitReader<'a> {
    data: &'a [u8],
    pub pos: usize,
}

impl<'a> BitReader<'a> {
    pub fn new(data: &'a [u8]) -> BitReader<'a> {
        BitReader { data, pos: 0 }
    }

    /// The next 12 bits, not consumed.
    #[inline]
    pub fn peek12(&self) -> u32 {
        let byte = self.pos >> 3;
        let w = if byte + 3 <= self.data.len() {
            (self.data[byte] as u32) << 16 | (self.data[byte + 1] as u32) << 8 | self.data[byte + 2] as u32
        } else {
            let at = |i: usize| self.data.get(i).copied().unwrap_or(0) as u32;
            at(byte) << 16 | at(byte + 1) << 8 | at(byte + 2)
        };
        (w >> (12 - (self.pos & 7))) & 0xFFF
    }

    #[inline]
    pub fn skip(&mut self, n: u32) {
        self.pos += n as usize;
    }

    /// Bits consumed so far.
    pub fn bits(&self) -> usize {
        self.pos
    }
}
