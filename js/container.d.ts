// Types of pare/container (js/container.js, container.node.js): the tiny .pare decoder. Compiles
// with `lib: ["ES2022"]` alone, like the rest of the package's types.
import type { PareError, UrlLike } from "./types.js";

/** Decodes .pare containers (docs/container.md). */
export interface ContainerDecoder {
    /** The exact ONNX bytes `container` holds. Throws a PareError of kind "bad-container" (with
     * `code`, a ContainerErrorCode) when it does not decode; never a wrong model. */
    decode(container: Uint8Array | ArrayBuffer): Uint8Array;
}

/** Why a container does not decode (`code` of a PareError of kind "bad-container"). */
export type ContainerErrorCode =
    | "not-a-container"
    | "unsupported-version"
    | "truncated"
    | "trailing-bytes"
    | "checksum-mismatch"
    | "corrupt"
    | "too-large";

/** Where the decoder's wasm comes from: a URL (a string is a URL in a page, a path in Node), a
 * fetch Response, the wasm's bytes, or a compiled WebAssembly.Module. */
export type DecoderSource = string | UrlLike | ArrayBuffer | ArrayBufferView | WebAssembly.Module | { arrayBuffer(): Promise<ArrayBuffer> };

/** Loads pare_container.wasm (default: the file next to this module) and returns its decoder;
 * rejects with a PareError of kind "load-failed". */
export function loadDecoder(source?: DecoderSource): Promise<ContainerDecoder>;

/** The decoder over an instance of pare_container.wasm made by the caller. */
export function decoderFromInstance(instance: { exports: object }): ContainerDecoder;

export type { PareError };
