// pare/container in Node: the same decoder (container.js), its wasm read from the file system
// (a URL or a path; by default pare_container.wasm next to this module).

import { readFile } from "node:fs/promises";

import { loadDecoder as loadFrom } from "./container.js";
import { PareError } from "./errors.js";

export { decoderFromInstance } from "./container.js";

export async function loadDecoder(source = new URL("./pare_container.wasm", import.meta.url)) {
  if (typeof source === "string" || source instanceof URL) {
    try {
      source = await readFile(source);
    } catch (e) {
      throw new PareError(`cannot load the .pare decoder: ${e.message}`, "load-failed", { cause: e });
    }
  }
  return loadFrom(source);
}
