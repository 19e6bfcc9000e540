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
const pkg = JSON.parse(fs.readFileSync(file, "utf8"));

pkg.type = "module";
pkg.main = "index.js";
pkg.module = "index.js";
pkg.types = "index.d.ts";
pkg.exports = {
  ".": { types: "./index.d.ts", default: "./index.js" },
  "./package.json": "./package.json",
};
pkg.bin = { pare: "cli.mjs" };
pkg.files = [
  "index.js",
  "index.d.ts",
  "errors.js",
  "simd.js",
  "cli.mjs",
  "npy_write.mjs",
  "npz.js",
  "pare.js",
  "pare.d.ts",
  "pare_bg.wasm",
  "pare_bg.wasm.d.ts",
  "pare_relaxed_bg.wasm",
  "README.md",
];
pkg.engines = { node: ">=20" };

fs.writeFileSync(file, JSON.stringify(pkg, null, 2) + "\n");
