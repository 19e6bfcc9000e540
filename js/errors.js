// PareError, the one error class the npm package throws, and the guard that wraps every call into
// the wasm module (index.js). pare's Rust side throws JS Errors named "PareError" with a `kind`
// (src/wasm/error.rs; the names are src/error.rs's ErrorKind); the guard turns them into
// instances of this class, so `e instanceof PareError` and `e.kind` work. Two kinds are the
// loader's own: "not-ready" (a call before ready() resolved) and "wasm-trap" (the module trapped:
// out of memory, or a bug in pare). A trapped module's memory may be inconsistent, so after a
// trap every call fails with "wasm-trap" without entering the module again.

/** Every kind a PareError may have (index.d.ts lists the same as the PareErrorKind type). */
export const PARE_ERROR_KINDS = Object.freeze([
  "not-onnx",
  "external-data",
  "invalid-model",
  "unsupported-op",
  "bad-input",
  "bad-argument",
  "invalid-recipe",
  "cannot-compress",
  "run-failed",
  "models-differ",
  "too-large",
  "not-ready",
  "wasm-trap",
]);

export class PareError extends Error {
  constructor(message, kind, options) {
    super(message, options);
    this.name = "PareError";
    this.kind = kind;
  }
}

let trapped = null; // the WebAssembly.RuntimeError that stopped the module, once one did

/** Whether the module trapped (then nothing may enter it again, not even to free memory). */
export function isTrapped() {
  return trapped !== null;
}

/** Throws the PareError a call gets now: "wasm-trap" after a trap, "not-ready" before ready(). */
export function checkUsable(isLoaded) {
  if (trapped) {
    throw new PareError(
      `pare's WebAssembly module stopped earlier (${trapped.message}) and cannot be used again: ` +
        "load pare afresh (a new page, Worker or process)",
      "wasm-trap",
      { cause: trapped },
    );
  }
  if (!isLoaded()) throw new PareError("pare is not loaded yet: call and await ready() first", "not-ready");
}

/** The PareError for an exception out of the wasm module; other values (a TypeError of the
 * glue, the caller's own exception from onProgress) are returned unchanged. */
export function toPareError(e) {
  if (e instanceof PareError) return e;
  if (e instanceof Error && e.name === "PareError" && typeof e.kind === "string") {
    return new PareError(e.message, e.kind);
  }
  if (e instanceof WebAssembly.RuntimeError) {
    trapped ??= e;
    return new PareError(
      `pare's WebAssembly module stopped (${e.message}). The usual cause is running out of memory ` +
        "(a WebAssembly module gets at most 4 GiB); otherwise it is a bug in pare. The module cannot " +
        "be used again: load pare afresh (a new page, Worker or process)",
      "wasm-trap",
      { cause: e },
    );
  }
  return e;
}

/** `fn` checked before (loaded, not trapped) and with its exceptions passed through toPareError. */
export function guard(fn, isLoaded) {
  return function guarded(...args) {
    checkUsable(isLoaded);
    try {
      return fn.apply(this, args);
    } catch (e) {
      throw toPareError(e);
    }
  };
}
