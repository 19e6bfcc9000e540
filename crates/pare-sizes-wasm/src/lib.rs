//! The page's size comparison: how many bytes `gzip -9` and `brotli -11` make of a file, for the
//! page to show next to the `.pare` container's size (docs/container.md, "In the page"). Browsers'
//! `CompressionStream` has gzip at its default level only and no brotli, so the page loads this
//! small wasm (www/pare_sizes.wasm) when the user asks for the comparison.
//!
//! - gzip -9: miniz_oxide's deflate at level 9 plus gzip's 18 bytes of header and trailer (a
//!   header without a file name, as `gzip -9 < file` and Node's `zlib.gzipSync` write). miniz's
//!   level-9 search is not zlib's, so the size can differ from zlib's by a fraction of a percent.
//! - brotli -11: Dropbox's rust-brotli, a port of Google's C encoder, at quality 11 with a 2^24
//!   window and the input's length as size hint (what scripts/container_sizes.mjs asks Node's
//!   zlib, Google's C brotli, for).
//!
//! Only sizes are computed: the compressed bytes are counted, not kept.
//!
//! The wasm's exports (plain C ABI, no wasm-bindgen; the caller owns one input at a time):
//! `sizes_alloc(len) -> ptr` (0: no memory), `sizes_free(ptr, len)`, `sizes_gzip9(ptr, len) -> f64`
//! and `sizes_brotli11(ptr, len) -> f64` (the size in bytes, or −1 when the encoder failed). The
//! brotli one calls the import `env.sizes_progress(done, total)` every 256 KiB of input read.

use std::io::{self, Read, Write};

/// gzip's fixed overhead around the deflate stream: a 10-byte header (no file name, as for a
/// pipe) and an 8-byte trailer (CRC-32, length).
pub const GZIP_OVERHEAD: usize = 18;

/// Brotli's window, as scripts/container_sizes.mjs gives Node (BROTLI_PARAM_LGWIN).
pub const BROTLI_LGWIN: i32 = 24;

/// How often the brotli encoder reports progress: every this many input bytes read.
pub const PROGRESS_STEP: usize = 256 << 10;

/// The size of `gzip -9` of `data`: raw deflate at level 9 and gzip's header and trailer.
pub fn gzip9_len(data: &[u8]) -> usize {
    miniz_oxide::deflate::compress_to_vec(data, 9).len() + GZIP_OVERHEAD
}

/// The size of `brotli -11` of `data` (quality 11, window 2^24, size hint = `data.len()`).
/// `progress(done, total)` sees the input bytes handed to the encoder, every [`PROGRESS_STEP`]
/// bytes and once at the end. `None` if the encoder fails (it does not on any input; an I/O error
/// of the counting sink cannot happen).
pub fn brotli11_len(data: &[u8], progress: &mut dyn FnMut(usize, usize)) -> Option<usize> {
    let params = brotli11_params(data.len());
    let mut reader = Progress { data, done: 0, reported: 0, progress };
    let mut sink = Count(0);
    let mut input = vec![0u8; 64 << 10];
    let mut output = vec![0u8; 64 << 10];
    let alloc = brotli::enc::StandardAlloc::default();
    brotli::BrotliCompressCustomAlloc(&mut reader, &mut sink, &mut input, &mut output, &params, alloc).ok()?;
    (reader.progress)(data.len(), data.len());
    Some(sink.0)
}

/// `brotli -11`'s parameters for `len` bytes: quality 11, window 2^24, the length as size hint
/// (BROTLI_PARAM_SIZE_HINT, which Node's zlib is given too); the rest the encoder's defaults.
pub fn brotli11_params(len: usize) -> brotli::enc::BrotliEncoderParams {
    let mut params = brotli::enc::BrotliEncoderParams::default();
    params.quality = 11;
    params.lgwin = BROTLI_LGWIN;
    params.size_hint = len;
    params
}

/// The input, read in order, telling `progress` how far it got.
struct Progress<'a> {
    data: &'a [u8],
    done: usize,
    reported: usize,
    progress: &'a mut dyn FnMut(usize, usize),
}

impl Read for Progress<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(self.data.len() - self.done);
        buf[..n].copy_from_slice(&self.data[self.done..self.done + n]);
        self.done += n;
        if self.done - self.reported >= PROGRESS_STEP {
            self.reported = self.done;
            (self.progress)(self.done, self.data.len());
        }
        Ok(n)
    }
}

/// A writer that only counts.
struct Count(usize);

impl Write for Count {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(target_arch = "wasm32")]
mod exports {
    //! The wasm's C exports (see the module header).

    #[link(wasm_import_module = "env")]
    unsafe extern "C" {
        fn sizes_progress(done: f64, total: f64);
    }

    #[unsafe(no_mangle)]
    pub extern "C" fn sizes_alloc(len: usize) -> *mut u8 {
        let mut buffer: Vec<u8> = Vec::new();
        if buffer.try_reserve_exact(len).is_err() {
            return std::ptr::null_mut();
        }
        let ptr = buffer.as_mut_ptr();
        std::mem::forget(buffer);
        ptr
    }

    /// # Safety
    /// `ptr` and `len` come from one `sizes_alloc(len)`.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn sizes_free(ptr: *mut u8, len: usize) {
        drop(unsafe { Vec::from_raw_parts(ptr, 0, len) });
    }

    /// # Safety
    /// `ptr` and `len` come from one `sizes_alloc(len)`, the bytes written by the caller.
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn sizes_gzip9(ptr: *const u8, len: usize) -> f64 {
        super::gzip9_len(unsafe { std::slice::from_raw_parts(ptr, len) }) as f64
    }

    /// # Safety
    /// As [`sizes_gzip9`].
    #[unsafe(no_mangle)]
    pub unsafe extern "C" fn sizes_brotli11(ptr: *const u8, len: usize) -> f64 {
        let data = unsafe { std::slice::from_raw_parts(ptr, len) };
        let mut progress = |done: usize, total: usize| unsafe { sizes_progress(done as f64, total as f64) };
        super::brotli11_len(data, &mut progress).map_or(-1.0, |n| n as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bytes that compress somewhat: a repeated phrase with a counter, then seeded noise.
    fn sample(len: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(len);
        let mut state = 12345u32;
        let mut i = 0u32;
        while out.len() < len {
            if out.len() < len / 2 {
                out.extend_from_slice(format!("tensor {i} weight ").as_bytes());
            } else {
                state = state.wrapping_mul(1103515245).wrapping_add(12345);
                out.push((state >> 24) as u8 & 0x0f);
            }
            i += 1;
        }
        out.truncate(len);
        out
    }

    /// The sizes are those of real streams: the deflate one inflates back to the input.
    #[test]
    fn gzip9_counts_a_deflate_stream_and_the_gzip_frame() {
        let data = sample(100_000);
        let deflated = miniz_oxide::deflate::compress_to_vec(&data, 9);
        assert_eq!(miniz_oxide::inflate::decompress_to_vec(&deflated).unwrap(), data);
        assert_eq!(gzip9_len(&data), deflated.len() + 18);
        assert!(gzip9_len(&data) < data.len() / 2, "{}", gzip9_len(&data));
        // An empty file: gzip -9 writes 20 bytes (an empty final block is 2 bytes).
        assert_eq!(gzip9_len(&[]), 20);
    }

    /// The count is the length of the stream the plain one-call encoder writes, which decodes
    /// back to the input; the progress reaches the total in steps.
    #[test]
    fn brotli11_counts_the_stream_and_reports_progress() {
        let data = sample(700_000);
        let mut steps = Vec::new();
        let n = brotli11_len(&data, &mut |done, total| steps.push((done, total))).unwrap();
        let params = brotli11_params(data.len());
        let mut stream = Vec::new();
        brotli::BrotliCompress(&mut &data[..], &mut stream, &params).unwrap();
        assert_eq!(n, stream.len());
        let mut back = Vec::new();
        brotli::BrotliDecompress(&mut &stream[..], &mut back).unwrap();
        assert_eq!(back, data);
        assert!(n < gzip9_len(&data), "brotli {n} vs gzip {}", gzip9_len(&data));
        assert_eq!(steps.last(), Some(&(data.len(), data.len())));
        assert!(steps.len() >= 3, "{steps:?}");
        assert!(steps.windows(2).all(|w| w[0].0 <= w[1].0 && w[0].1 == data.len()), "{steps:?}");
    }

    /// The parameters are those of `brotli -11` and scripts/container_sizes.mjs (on model files
    /// quality 10 or another window differ from 11 by less than the implementations do, so the
    /// size tests against Node's brotli cannot pin them; this does). Standard brotli otherwise:
    /// no rust-brotli extensions (magic number, catable/appendable streams, large window).
    #[test]
    fn brotli11_params_are_quality_11_window_24_with_size_hint() {
        let p = brotli11_params(123_456);
        assert_eq!((p.quality, p.lgwin, p.size_hint), (11, 24, 123_456));
        assert_eq!(p.mode, brotli::enc::BrotliEncoderParams::default().mode);
        assert!(!p.large_window && !p.magic_number && !p.catable && !p.appendable && !p.byte_align && !p.bare_stream);
        assert!(p.use_dictionary && !p.q9_5 && !p.favor_cpu_efficiency);
    }

    /// Quality matters: quality 11 beats quality 1 on redundant bytes.
    #[test]
    fn brotli11_is_quality_11() {
        let data = sample(200_000);
        let mut params = brotli::enc::BrotliEncoderParams::default();
        params.quality = 1;
        let mut fast = Vec::new();
        brotli::BrotliCompress(&mut &data[..], &mut fast, &params).unwrap();
        let best = brotli11_len(&data, &mut |_, _| {}).unwrap();
        assert!(best < fast.len(), "q11 {best} vs q1 {}", fast.len());
    }
}
