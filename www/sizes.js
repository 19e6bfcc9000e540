// gzip -9 and brotli -11 sizes of a file, for the page's .pare comparison (worker.js, only when the
// user asks for it): crates/pare-sizes-wasm built into ./pare_sizes.wasm (miniz_oxide's deflate at
// level 9 + gzip's 18-byte frame; Dropbox's rust-brotli at quality 11, window 2^24, size hint = the
// length, as scripts/container_sizes.mjs asks Node's zlib). Plain C exports, no glue: this file is
// the wrapper. Runs in Node too, given the wasm's bytes (tests/web/sizes_test.mjs).
//
//   const sizes = await loadSizes();         // fetches pare_sizes.wasm next to this file
//   sizes.gzip9(bytes)                       // → number of bytes
//   sizes.brotli11(bytes, (done, total) => …) // → number of bytes; progress every 256 KiB of input

/** Loads the wasm from `source`: a URL (fetched; default: next to this module), or its bytes. */
export async function loadSizes(source = new URL("./pare_sizes.wasm", import.meta.url)) {
  let onProgress = null;
  const imports = { env: { sizes_progress: (done, total) => onProgress?.(done, total) } };
  let instance;
  if (source instanceof URL || typeof source === "string") {
    const response = await fetch(source);
    if (!response.ok) throw new Error(`loading ${source} failed: HTTP ${response.status}`);
    ({ instance } = await WebAssembly.instantiate(await response.arrayBuffer(), imports));
  } else {
    ({ instance } = await WebAssembly.instantiate(source, imports));
  }
  const wasm = instance.exports;

  /** Copies `bytes` into the module, runs `f(ptr, len)`, frees the copy. */
  function withInput(bytes, f) {
    const len = bytes.length;
    const ptr = wasm.sizes_alloc(len);
    if (!ptr && len) throw new Error(`not enough memory for ${len} bytes in the size comparison's wasm`);
    try {
      new Uint8Array(wasm.memory.buffer, ptr, len).set(bytes);
      const size = f(ptr, len);
      if (size < 0) throw new Error("the encoder failed");
      return size;
    } finally {
      wasm.sizes_free(ptr, len);
    }
  }

  return {
    gzip9: (bytes) => withInput(bytes, wasm.sizes_gzip9),
    brotli11(bytes, progress = null) {
      onProgress = progress;
      try {
        return withInput(bytes, wasm.sizes_brotli11);
      } finally {
        onProgress = null;
      }
    },
  };
}
