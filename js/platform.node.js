// How Node reads pare's wasm (core.js takes the platform from the entry points, so that no Node
// module is ever imported by the browser entries): a file: URL or a path from the file system,
// an http(s) URL with fetch. When the package's own file is not next to the module that asks
// (a bundle: esbuild or webpack put this code in out/bundle.js without the .wasm), the file is
// looked up as `pare/wasm/<build>` from the bundle's folder, which finds node_modules/pare when
// the bundle runs inside the project; elsewhere the error says to pass ready({ wasmUrl }).

import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

import { PareError } from "./errors.js";
import { WHERE_HINT, compileBytes, fetchAndCompile } from "./core.js";

/** A string with a scheme (file:, http:, data:…) is a URL; anything else a path. */
const asUrl = (v) => (typeof v === "string" && !/^[a-z][a-z0-9+.-]+:/i.test(v) ? pathToFileURL(v) : new URL(String(v.href ?? v)));

export async function compile(source, { level, packaged } = {}) {
  const url = asUrl(source);
  if (url.protocol !== "file:") return fetchAndCompile(url, { packaged });
  let bytes;
  try {
    bytes = await readFile(url);
  } catch (e) {
    if (!(packaged && e?.code === "ENOENT")) {
      throw new PareError(`pare's wasm could not be read from ${url.pathname}: ${e?.message ?? e}`, "load-failed", { cause: e });
    }
    let found;
    try {
      found = createRequire(url).resolve(`pare/wasm/${level}`);
    } catch {
      throw new PareError(
        `pare's wasm is not at ${url.pathname}, and pare/wasm/${level} cannot be resolved from there (no node_modules/pare)` +
          WHERE_HINT.replace("A bundler", "A Node bundle run outside the project").replace(/ with `import wasmUrl[^`]*`[^,]*,/, ", for example with esbuild's file loader,"),
        "load-failed",
      );
    }
    bytes = await readFile(found);
    return compileBytes(bytes, found);
  }
  return compileBytes(bytes, url.pathname);
}
