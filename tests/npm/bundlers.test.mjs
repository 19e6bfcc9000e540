// The npm package in the bundlers people use, as a user installs it: `npm pack` of pkg/ installed
// offline into a fresh app (tests/npm/bundler_app: a page that compresses the MNIST CNN in pare's
// own worker with progress and an abort, and a module Worker of the app's own that compresses it
// too). Production builds with Vite, esbuild and webpack (pinned in package.json), each served
// statically and opened in headless Chromium; `vite dev` too; and a Node bundle made by esbuild,
// run inside the project and, with the wasm emitted by esbuild's file loader, moved elsewhere.
// Every page must compress, fetch exactly one .wasm (the build its engine runs) and load nothing
// from outside its server. The options each bundler needs are the README's ("Using pare with a
// bundler"); the sizes of what each build emits are printed. Run: node --test tests/npm/ (make test-npm).

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");
const vite = await import("vite");
const esbuild = require("esbuild");
const webpack = require("webpack");

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const modelPath = path.join(root, "tests/fixtures/mnist_cnn/model.onnx");
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "pare-bundlers-"));
const app = path.join(scratch, "app");
const src = path.join(app, "src");
const TIMEOUT = 240_000;
const relaxedWasm = fs.readFileSync(path.join(root, "pkg/pare_relaxed_bg.wasm"));

const npmEnv = { ...process.env, npm_config_offline: "true", npm_config_cache: path.join(scratch, "npm-cache"), npm_config_audit: "false", npm_config_fund: "false", npm_config_update_notifier: "false" };
const npm = (args, cwd) => execFileSync("npm", args, { cwd, env: npmEnv, encoding: "utf8" });

/** src/pare-options.js: what ready() gets in the page, the app's worker and the Node program. */
const writeOptions = (text) => fs.writeFileSync(path.join(src, "pare-options.js"), text);
const ZERO_CONFIG = "export default { page: {}, worker: {}, node: {} };\n";

let browser;
const servers = [];
const sizes = {};

before(async () => {
  const [packed] = JSON.parse(npm(["pack", "--json", "--pack-destination", scratch], path.join(root, "pkg")));
  fs.mkdirSync(src, { recursive: true });
  fs.writeFileSync(path.join(app, "package.json"), JSON.stringify({ name: "bundled-app", private: true, type: "module" }));
  npm(["install", path.join(scratch, packed.filename)], app);
  for (const f of fs.readdirSync(path.join(root, "tests/npm/bundler_app"))) fs.copyFileSync(path.join(root, "tests/npm/bundler_app", f), path.join(src, f));
  writeOptions(ZERO_CONFIG);
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
});

after(async () => {
  await browser?.close();
  for (const s of servers) s.close();
  fs.rmSync(scratch, { recursive: true, force: true });
  console.log(`bundle sizes (bytes; JS raw/gzip, wasm files emitted): ${JSON.stringify(sizes, null, 1)}`);
});

const TYPES = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".onnx": "application/octet-stream" };

/** Serves `dir` on 127.0.0.1 (the model at /mnist.onnx); resolves to { origin, served }. */
async function serveStatic(dir) {
  const served = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://localhost");
    served.push(url.pathname);
    const relative = decodeURIComponent(url.pathname === "/" ? "/index.html" : url.pathname);
    const file = relative === "/mnist.onnx" ? modelPath : path.join(dir, relative);
    if (!file.startsWith(dir + path.sep) && file !== modelPath) return res.writeHead(404).end();
    if (!fs.existsSync(file) || !fs.statSync(file).isFile()) return res.writeHead(404).end("not found");
    res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push(server);
  return { origin: `http://127.0.0.1:${server.address().port}`, served };
}

/** Opens `origin/` in Chromium and waits for window.result; every request must stay on `origin`. */
async function openApp(origin, what) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const requested = [];
  const logs = [];
  context.on("request", (r) => requested.push(r.url()));
  page.on("console", (m) => logs.push(`${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => logs.push(`pageerror: ${e.message}`));
  try {
    await page.goto(`${origin}/`);
    await page.waitForFunction(() => window.result !== undefined, null, { timeout: TIMEOUT });
    const result = await page.evaluate(() => window.result);
    assert.ok(!result.error, `${what}: ${result.error} (${result.kind})\n${logs.join("\n")}`);
    const outside = requested.filter((u) => !u.startsWith(origin) && !u.startsWith("blob:") && !u.startsWith("data:"));
    assert.deepEqual(outside, [], `${what} loaded from outside its server`);
    return { result, requested };
  } finally {
    await context.close();
  }
}

/** What every page must show: INT8 static compression in pare's worker with progress, an abort,
 * and the app's own worker compressing too; one .wasm fetched. */
function checkApp(what, { result, requested }, served, dir) {
  assert.ok(result.after < result.before / 3, `${what}: ${result.before} → ${result.after}`);
  assert.equal(result.modelBytes, result.after);
  assert.ok(result.stages.includes("calibrate") && result.stages.includes("quantize"), `${what}: progress ${result.stages}`);
  assert.equal(result.abortKind, "aborted", `${what}: the aborted call`);
  assert.equal(result.level, "relaxed", `${what}: Chromium runs the relaxed build`);
  assert.ok(!result.worker.error, `${what} app worker: ${result.worker.error} (${result.worker.kind})`);
  assert.equal(result.worker.after, result.after, `${what}: the app's worker compressed to the same size`);
  const wasm = [...new Set((served ?? requested).filter((u) => u.endsWith(".wasm")))];
  assert.equal(wasm.length, 1, `${what}: fetched one .wasm, got ${wasm.join(", ")}`);
  assert.ok(result.info.source.endsWith(wasm[0]), `${what}: ${result.info.source} is what was fetched (${wasm[0]})`);
  // The file fetched is the package's relaxed build, whatever the bundler named it.
  if (dir) assert.ok(fs.readFileSync(path.join(dir, wasm[0])).equals(relaxedWasm), `${what}: ${wasm[0]} is pare_relaxed_bg.wasm`);
  else assert.match(wasm[0], /pare_relaxed_bg/);
}

/** Sizes of what a build emitted: JS raw and gzip, and each .wasm. */
function measure(dir) {
  const files = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else files.push(p);
    }
  };
  walk(dir);
  const js = files.filter((f) => /\.m?js$/.test(f));
  const zlib = require("node:zlib");
  const raw = js.reduce((n, f) => n + fs.statSync(f).size, 0);
  const gzip = js.reduce((n, f) => n + zlib.gzipSync(fs.readFileSync(f), { level: 9 }).length, 0);
  const wasm = Object.fromEntries(files.filter((f) => f.endsWith(".wasm")).map((f) => [path.basename(f), fs.statSync(f).size]));
  return { js_files: js.length, js_raw: raw, js_gzip: gzip, wasm };
}

test("Vite production build, zero config", { timeout: TIMEOUT }, async () => {
  writeOptions(ZERO_CONFIG);
  const outDir = path.join(app, "dist-vite");
  await vite.build({ root: src, configFile: false, logLevel: "warn", build: { outDir, emptyOutDir: true } });
  sizes.vite = measure(outDir);
  const { origin, served } = await serveStatic(outDir);
  checkApp("vite build", await openApp(origin, "vite build"), served, outDir);
});

test("Vite production build, wasm URLs from ?url imports", { timeout: TIMEOUT }, async () => {
  writeOptions(`import simd128 from "pare/wasm/simd128?url";
import relaxed from "pare/wasm/relaxed?url";
const wasmPaths = { simd128, relaxed };
export default { page: { wasmPaths }, worker: { wasmPaths }, node: {} };
`);
  const outDir = path.join(app, "dist-vite-url");
  await vite.build({ root: src, configFile: false, logLevel: "warn", build: { outDir, emptyOutDir: true } });
  const { origin, served } = await serveStatic(outDir);
  const opened = await openApp(origin, "vite build ?url");
  checkApp("vite build ?url", opened, served, outDir);
  assert.match(opened.result.info.source, /\/assets\/pare_relaxed_bg-[\w-]+\.wasm$/);
});

test("vite dev", { timeout: TIMEOUT }, async () => {
  writeOptions(ZERO_CONFIG);
  const server = await vite.createServer({ root: src, configFile: false, logLevel: "warn", server: { port: 0, host: "127.0.0.1" } });
  await server.listen();
  try {
    const { port } = server.httpServer.address();
    const origin = `http://127.0.0.1:${port}`;
    // vite dev serves the model from src/ (its root).
    fs.copyFileSync(modelPath, path.join(src, "mnist.onnx"));
    checkApp("vite dev", await openApp(origin, "vite dev"));
  } finally {
    await server.close();
    fs.rmSync(path.join(src, "mnist.onnx"), { force: true });
  }
});

test("esbuild browser bundle", { timeout: TIMEOUT }, async () => {
  // esbuild leaves `new URL(…, import.meta.url)` alone: the wasm comes in through its file
  // loader and pare's worker is bundled as an entry of its own (the README's configuration).
  writeOptions(`import simd128 from "pare/wasm/simd128";
import relaxed from "pare/wasm/relaxed";
const wasmPaths = { simd128: new URL(simd128, import.meta.url), relaxed: new URL(relaxed, import.meta.url) };
export default { page: { wasmPaths, workerUrl: new URL("./pare-worker.js", import.meta.url) }, worker: { wasmPaths }, node: {} };
`);
  const outdir = path.join(app, "dist-esbuild");
  fs.rmSync(outdir, { recursive: true, force: true });
  await esbuild.build({
    absWorkingDir: app,
    entryPoints: { main: "src/main.js", "app-worker": "src/app-worker.js", "pare-worker": "pare/worker" },
    bundle: true,
    format: "esm",
    platform: "browser",
    outdir,
    loader: { ".wasm": "file" },
    minify: true,
    logLevel: "warning",
  });
  fs.copyFileSync(path.join(src, "index.html"), path.join(outdir, "index.html"));
  sizes.esbuild = measure(outdir);
  const { origin, served } = await serveStatic(outdir);
  checkApp("esbuild", await openApp(origin, "esbuild"), served, outdir);
});

test("webpack production build, zero config", { timeout: TIMEOUT }, async () => {
  writeOptions(ZERO_CONFIG);
  const outdir = path.join(app, "dist-webpack");
  fs.rmSync(outdir, { recursive: true, force: true });
  const stats = await new Promise((resolve, reject) =>
    webpack({ mode: "production", context: app, entry: "./src/main.js", output: { path: outdir }, target: "web", performance: { hints: false } }, (e, s) => (e ? reject(e) : resolve(s))),
  );
  assert.ok(!stats.hasErrors(), stats.toString({ all: false, errors: true }));
  fs.writeFileSync(path.join(outdir, "index.html"), '<!doctype html><meta charset="utf-8"><title>pare in webpack</title><p id="status">loading</p><script src="main.js"></script>');
  sizes.webpack = measure(outdir);
  const { origin, served } = await serveStatic(outdir);
  checkApp("webpack", await openApp(origin, "webpack"), served, outdir);
});

test("esbuild Node bundle: inside the project, and moved out with the wasm from the file loader", { timeout: TIMEOUT }, async () => {
  writeOptions(ZERO_CONFIG);
  const inside = path.join(app, "dist-node");
  await esbuild.build({ absWorkingDir: app, entryPoints: ["src/node-app.js"], bundle: true, platform: "node", format: "esm", minify: true, outfile: path.join(inside, "app.mjs"), logLevel: "warning" });
  const plain = JSON.parse(execFileSync(process.execPath, [path.join(inside, "app.mjs"), modelPath], { cwd: app, encoding: "utf8" }));
  assert.ok(plain.after < plain.before / 3);
  assert.equal(plain.info.level, "simd128");

  writeOptions(`import simd128 from "pare/wasm/simd128";
export default { page: {}, worker: {}, node: { wasmUrl: new URL(simd128, import.meta.url) } };
`);
  const built = path.join(app, "dist-node-file");
  await esbuild.build({ absWorkingDir: app, entryPoints: ["src/node-app.js"], bundle: true, platform: "node", format: "esm", outdir: built, loader: { ".wasm": "file" }, minify: true, logLevel: "warning" });
  const moved = fs.mkdtempSync(path.join(os.tmpdir(), "pare-node-bundle-"));
  try {
    fs.cpSync(built, moved, { recursive: true });
    const out = JSON.parse(execFileSync(process.execPath, [path.join(moved, "node-app.js"), modelPath], { cwd: moved, encoding: "utf8" }));
    assert.equal(out.after, plain.after);
    sizes.esbuild_node = measure(moved);
  } finally {
    fs.rmSync(moved, { recursive: true, force: true });
  }
});
