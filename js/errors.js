// PareError, the one error class the npm package throws or rejects with, and the guard that wraps
// every call into the wasm module (core.js). pare's Rust side throws JS Errors named "PareError"
// with a `kind` (src/wasm/error.rs; the names are src/error.rs's ErrorKind); the guard turns them
// into instances of this class, so `e instanceof PareError` and `e.kind` work. The loader adds
// its own kinds: "not-ready" (a call before ready() resolved), "load-failed" (the wasm or the
// worker could not be loaded), "wasm-trap" (the module trapped: out of memory, or a bug in pare),
// "aborted" (an AbortSignal stopped the call) and "model-freed" (a Model used after free()). A
// trapped module's memory may be inconsistent, so after a trap every call fails with "wasm-trap"
// without entering the module again.

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
  "bad-container",
  "not-ready",
  "load-failed",
  "wasm-trap",
  "aborted",
  "model-freed",
]);

export class PareError extends Error {
  constructor(message, kind, options) {
    super(message, options);
    this.name = "PareError";
    this.kind = kind;
  }
}

/** A PareError of kind "bad-argument" (a value of the wrong type, an unknown option). */
export const badArgument = (message) => new PareError(message, "bad-argument");

let trapped = null; // the WebAssembly.RuntimeError that stopped the module, once one did

/** Whether the module trapped (then nothing may enter it again, not even to free memory). */
export function isTrapped() {
  return trapped !== null;
}

/** The PareError after a trap (the message says to load pare afresh). */
function trappedError() {
  return new PareError(
    `pare's WebAssembly module stopped earlier (${trapped.message}) and cannot be used again: ` +
      "load pare afresh (a new page, Worker or process)",
    "wasm-trap",
    { cause: trapped },
  );
}

/** Throws the PareError a call gets now: "wasm-trap" after a trap, "not-ready" before ready(). */
export function checkUsable(isLoaded) {
  if (trapped) throw trappedError();
  if (!isLoaded()) throw new PareError("pare is not loaded yet: call and await ready() first", "not-ready");
}

/** The PareError for an exception out of the wasm module or the glue; `passThrough` (the
 * caller's own exception from onProgress) is returned unchanged. */
export function toPareError(e, passThrough) {
  if (e instanceof PareError) return e;
  if (passThrough !== undefined && e === passThrough) return e;
  if (e instanceof Error && e.name === "PareError" && typeof e.kind === "string") {
    return new PareError(e.message, e.kind);
  }
  if (typeof WebAssembly !== "undefined" && e instanceof WebAssembly.RuntimeError) {
    trapped ??= e;
    return new PareError(
      `pare's WebAssembly module stopped (${e.message}). The usual cause is running out of memory ` +
        "(a WebAssembly module gets at most 4 GiB); otherwise it is a bug in pare. The module cannot " +
        "be used again: load pare afresh (a new page, Worker or process)",
      "wasm-trap",
      { cause: e },
    );
  }
  // What the wasm-bindgen glue throws on values it cannot pass (a TypeError, a string…).
  const message = e instanceof Error ? e.message : String(e);
  return new PareError(message, "bad-argument", { cause: e });
}

/** A serializable form of an error for postMessage (a worker's reply). */
export function errorToMessage(e) {
  if (e instanceof PareError) return { pare: true, message: e.message, kind: e.kind };
  if (e instanceof Error) return { pare: false, message: e.message, name: e.name };
  return { pare: false, message: String(e), name: "Error" };
}

/** The error a worker's reply describes, on the calling side. */
export function errorFromMessage(m) {
  if (m.pare) return new PareError(m.message, m.kind);
  return new PareError(`${m.name}: ${m.message}`, "bad-argument");
}

/** `fn` checked before (loaded, not trapped) and with its exceptions passed through toPareError. */
export function guard(fn, isLoaded) {
  return function guarded(...args) {
    checkUsable(isLoaded);
    try {
      return fn.apply(this, args);
    } catch (e) {
      throw toPareError(e, thrownByCallback.value);
    } finally {
      thrownByCallback.value = undefined;
    }
  };
}

/** The exception the caller's onProgress threw during the current call, if any (core.js sets
 * it, so that exception passes through the guard unchanged). */
export const thrownByCallback = { value: undefined };
