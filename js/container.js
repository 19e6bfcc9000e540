// The tiny .pare decoder (docs/container.md): decode(bytes) → the exact ONNX bytes a container
// holds, from pare_container.wasm (crates/pare-decoder-wasm: pare-container's decoder behind four
// C exports, no wasm-bindgen, ~17 KB, ~9 KB gzipped). Independent of the rest of the package (it
// imports only PareError), so a docs page can ship this file, errors.js and the wasm alone.
//
//   import { loadDecoder } from "pare/container";
//   const { decode } = await loadDecoder();            // fetches pare_container.wasm next to this file
//   const onnx = decode(new Uint8Array(await (await fetch("model.pare")).arrayBuffer()));
//
// loadDecoder(source) takes a URL or string (fetched; in Node, container.node.js reads them from
// the file system), a Response, the wasm's bytes or a compiled WebAssembly.Module;
// decoderFromInstance(instance) wraps an instance made by the caller. decode is
// synchronous. A container that does not decode throws a PareError of kind "bad-container" whose
// `code` says why (the Rust ContainerError::code names).

import { PareError } from "./errors.js";

/** ContainerError::number() (negative) → [code, message]. */
const ERRORS = {
  "-1": ["not-a-container", "not a .pare container (wrong magic bytes)"],
  "-2": ["unsupported-version", ".pare container version {version} is not supported (this decoder reads version 1)"],
  "-3": ["truncated", ".pare container is truncated"],
  "-4": ["trailing-bytes", ".pare container has more bytes than its header says"],
  "-5": ["checksum-mismatch", ".pare container is damaged: a checksum does not match"],
  "-6": ["corrupt", ".pare container is corrupt"],
  "-7": ["too-large", ".pare container decodes to more bytes than can be allocated"],
};

function containerError(status, bytes) {
  const [code, message] = ERRORS[status] ?? ["corrupt", `.pare decoder returned ${status}`];
  const error = new PareError(message.replace("{version}", String(bytes[8])), "bad-container");
  error.code = code;
  return error;
}

function asBytes(bytes) {
  if (bytes instanceof Uint8Array) return bytes;
  if (bytes instanceof ArrayBuffer) return new Uint8Array(bytes);
  if (ArrayBuffer.isView(bytes)) return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  throw new PareError(`decode needs a Uint8Array or an ArrayBuffer, got ${bytes === null ? "null" : typeof bytes}`, "bad-argument");
}

/** `{ decode }` over an instance of pare_container.wasm. */
export function decoderFromInstance(instance) {
  const wasm = instance.exports;
  return {
    /** The ONNX bytes the container holds (a fresh Uint8Array). */
    decode(bytes) {
      const input = asBytes(bytes);
      let status;
      try {
        const ptr = wasm.pare_alloc(input.length);
        if (ptr === 0 && input.length > 0) throw containerError(-7, input);
        new Uint8Array(wasm.memory.buffer, ptr, input.length).set(input);
        status = wasm.pare_decode(ptr, input.length);
      } catch (e) {
        if (e instanceof PareError) throw e;
        throw new PareError(`the .pare decoder stopped: ${e?.message ?? e}`, "wasm-trap", { cause: e });
      }
      if (status !== 0) throw containerError(String(status), input);
      const out = new Uint8Array(wasm.memory.buffer, wasm.pare_output_ptr(), wasm.pare_output_len()).slice();
      wasm.pare_output_free();
      return out;
    },
  };
}

/** Loads pare_container.wasm (by default the file next to this module) and returns `{ decode }`.
 * `source`: a URL or string (fetched), a Response, the wasm's bytes or a WebAssembly.Module
 * (container.node.js reads URLs and paths from the file system first). */
export async function loadDecoder(source = new URL("./pare_container.wasm", import.meta.url)) {
  try {
    let module = source;
    if (!(source instanceof WebAssembly.Module)) {
      let bytes = source;
      if (typeof source === "string" || typeof source?.href === "string") bytes = await fetch(source);
      if (typeof bytes?.arrayBuffer === "function") {
        if (bytes.ok === false) throw new Error(`HTTP ${bytes.status} for ${bytes.url}`);
        bytes = await bytes.arrayBuffer();
      }
      module = await WebAssembly.compile(bytes);
    }
    return decoderFromInstance(await WebAssembly.instantiate(module, {}));
  } catch (e) {
    throw new PareError(`cannot load the .pare decoder: ${e?.message ?? e}`, "load-failed", { cause: e });
  }
}
