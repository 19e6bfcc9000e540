// Patches the package.json wasm-pack writes into pkg/ so that the package is the loader (index.js
// picks the SIMD128 or the relaxed-SIMD build) rather than the bare glue, ships both wasm files,
// and installs the `pare` command. Run by scripts/build_pkg.sh; not shipped.
//
// Usage: node js/package_json.mjs pkg/package.json

import fs from "node:fs";

const file = process.argv[2];
if (!file) {
  console.error("usage: node js/package_json.mjs PKG/package.json");
  process.exit(2);
}
/** The JS modules of the package at run time (scripts/build_pkg.sh copies them from js/). */
const RUNTIME_FILES = [
  "index.js",
  "index.node.js",
  "sync.js",
  "sync.node.js",
  "worker.js",
  "worker.node.js",
  "api.js",
  "client.js",
  "core.js",
  "errors.js",
  "options.js",
  "platform.node.js",
  "simd.js",
  "worker_core.js",
  "pare.js",
  "container.js",
  "container.node.js",
];

const pkg = JSON.parse(fs.readFileSync(file, "utf8"));

pkg.type = "module";
pkg.main = "index.node.js";
pkg.module = "index.js";
pkg.browser = "index.js";
pkg.types = "index.d.ts";
// Conditions in the order a resolver tries them: types for TypeScript; "node" (Node, esbuild's
// and webpack's node targets) gets the entry that reads the wasm from the file system; "browser"
// (Vite, webpack's web target, esbuild's browser platform), "import" and "default" get the
// fetch-based entry, which imports no Node module. The wasm files are exported so that bundlers
// can import their URL (`import url from "pare/wasm/simd128?url"` in Vite).
pkg.exports = {
  ".": { types: "./index.d.ts", node: "./index.node.js", browser: "./index.js", import: "./index.js", default: "./index.js" },
  "./sync": { types: "./sync.d.ts", node: "./sync.node.js", browser: "./sync.js", import: "./sync.js", default: "./sync.js" },
  "./worker": { types: "./worker.d.ts", node: "./worker.node.js", default: "./worker.js" },
  // The tiny .pare decoder alone (docs/container.md), and its wasm.
  "./container": { types: "./container.d.ts", node: "./container.node.js", default: "./container.js" },
  "./wasm/container": "./pare_container.wasm",
  "./wasm/simd128": "./pare_bg.wasm",
  "./wasm/relaxed": "./pare_relaxed_bg.wasm",
  "./package.json": "./package.json",
};
pkg.sideEffects = ["./worker.js", "./worker.node.js"];
pkg.bin = { pare: "cli.mjs" };
pkg.files = [
  ...RUNTIME_FILES,
  "index.d.ts",
  "types.d.ts",
  "sync.d.ts",
  "worker.d.ts",
  "container.d.ts",
  "cli.mjs",
  "npy_write.mjs",
  "npz.js",
  "pare_bg.wasm",
  "pare_relaxed_bg.wasm",
  "pare_container.wasm",
  "README.md",
];
pkg.engines = { node: ">=20" };

fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + "\n");
