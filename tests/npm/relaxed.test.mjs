// The relaxed-SIMD build against the SIMD128 one, in headless Chromium (playwright-core, Debian's
// chromium), where relaxed SIMD is on by default and its dot-add is right; Node 20 has it only
// behind a flag and computes the dot-add wrong (js/simd.js). One page per build (pare/sync, the
// synchronous API), forced through ready({ simd }): INT8 static compression of the MNIST CNN on 100 calibration digits must give
// the same bytes, and the quantized model's logits on 1000 held-out digits must be bit-identical.
// A third page with the default ("auto") must pick relaxed. The INT8 run time of each build is
// printed (min of alternating runs). Then the same in Node with --experimental-wasm-relaxed-simd, reported, not asserted.
// Run: node --test tests/npm/ (make test-npm).

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { createRequire } from "node:module";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const ROUTES = { "/pkg/": path.join(root, "pkg"), "/tests/npm/": path.join(root, "tests/npm"), "/fixture/": path.join(root, "tests/fixtures/mnist_cnn") };
const TYPES = { ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".html": "text/html" };

// The page: loads the package through its loader and does the work; the result lands in window.result.
const PAGE = `<!doctype html><meta charset="utf-8"><title>pare relaxed check</title>
<script type="module">
import { ready, compress, Model, simdInfo } from "/pkg/sync.js";
import { parseNpy } from "/pkg/npz.js";
import { INT8_STATIC, imageTensor } from "/tests/npm/mnist.mjs";
try {
  const simd = new URL(location.href).searchParams.get("simd");
  await ready({ simd });
  const bytes = async (name) => new Uint8Array(await (await fetch("/fixture/" + name)).arrayBuffer());
  const model = await bytes("model.onnx");
  const calibration = imageTensor(parseNpy(await bytes("calib_pixels.npy")), 100);
  const heldout = imageTensor(parseNpy(await bytes("heldout_pixels.npy")), 1000);
  const int8 = compress(model, INT8_STATIC, { calibration }).model;
  const session = new Model(int8);
  const logits = session.run(heldout).logits;
  // One timed run of the quantized model on the 1000 digits; the test alternates the pages.
  window.timeRun = () => {
    const t0 = performance.now();
    session.run(heldout);
    return performance.now() - t0;
  };
  const hex = (buffer) => Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
  window.result = {
    info: simdInfo(),
    modelSha256: hex(await crypto.subtle.digest("SHA-256", int8)),
    logitsSha256: hex(await crypto.subtle.digest("SHA-256", logits.data)),
    firstLogits: Array.from(logits.data.slice(0, 10)),
  };
} catch (e) {
  window.result = { error: String(e && e.stack || e) };
}
</script>`;

let server;
let origin;
let browser;
before(async () => {
  server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://localhost");
    if (url.pathname === "/page.html") return res.writeHead(200, { "content-type": "text/html" }).end(PAGE);
    const prefix = Object.keys(ROUTES).find((p) => url.pathname.startsWith(p));
    const file = prefix && path.join(ROUTES[prefix], decodeURIComponent(url.pathname.slice(prefix.length)));
    if (!file || !file.startsWith(ROUTES[prefix] + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      return res.writeHead(404).end("not found");
    }
    res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" });
    fs.createReadStream(file).pipe(res);
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
  browser = await chromium.launch({ executablePath: "/usr/bin/chromium", headless: true, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
});
after(async () => {
  await browser?.close();
  server?.close();
});

/** Opens the page with ready({ simd }) and waits for its result; the page stays open. */
async function inPage(simd) {
  const page = await browser.newPage();
  const wasmRequests = [];
  page.on("request", (r) => r.url().endsWith(".wasm") && wasmRequests.push(path.basename(new URL(r.url()).pathname)));
  await page.goto(`${origin}/page.html?simd=${simd}`);
  await page.waitForFunction(() => window.result, null, { timeout: 180_000 });
  const result = await page.evaluate(() => window.result);
  assert.equal(result.error, undefined, result.error);
  return { ...result, wasmRequests, page };
}

/** Min run time of each page's quantized model, the pages taking turns (a shared machine drifts). */
async function alternateTimes(pages, rounds) {
  const times = pages.map(() => []);
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? [...pages.entries()] : [...pages.entries()].reverse();
    for (const [i, page] of order) {
      await page.bringToFront(); // a background page's renderer runs at a lower priority
      times[i].push(await page.evaluate(() => window.timeRun()));
    }
  }
  return times.map((t) => Math.min(...t));
}

test("Chromium: relaxed and SIMD128 builds give bit-identical compress and run results", async () => {
  const relaxed = await inPage("relaxed");
  const simd128 = await inPage("simd128");
  const auto = await inPage("auto");
  assert.equal(relaxed.info.level, "relaxed");
  assert.deepEqual(relaxed.wasmRequests, ["pare_relaxed_bg.wasm"]);
  assert.equal(simd128.info.level, "simd128");
  assert.deepEqual(simd128.wasmRequests, ["pare_bg.wasm"]);
  assert.equal(relaxed.info.relaxedDotAddCorrect, true, "Chromium's relaxed dot-add passes the known-answer check");
  assert.equal(auto.info.level, "relaxed", `auto picked ${auto.info.level}: ${auto.info.reason}`);

  assert.equal(relaxed.modelSha256, simd128.modelSha256, "INT8 static compress output");
  assert.deepEqual(relaxed.firstLogits, simd128.firstLogits);
  assert.equal(relaxed.logitsSha256, simd128.logitsSha256, "quantized model logits on 1000 digits");
  const [relaxedMs, simd128Ms] = await alternateTimes([relaxed.page, simd128.page], 20);
  console.log(`INT8 MNIST CNN on 1000 digits in one run, Chromium, min of 20 alternating runs: relaxed ${relaxedMs.toFixed(1)} ms, simd128 ${simd128Ms.toFixed(1)} ms`);
});

test("Node 20 with --experimental-wasm-relaxed-simd: reported, not asserted", () => {
  const script = `import { ready, compress, Model, simdInfo } from ${JSON.stringify(path.join(root, "pkg/sync.node.js"))};
import { parseNpy } from ${JSON.stringify(path.join(root, "pkg/npz.js"))};
import { INT8_STATIC, imageTensor } from ${JSON.stringify(path.join(root, "tests/npm/mnist.mjs"))};
import fs from "node:fs";
import crypto from "node:crypto";
await ready();
const f = (n) => new Uint8Array(fs.readFileSync(${JSON.stringify(ROUTES["/fixture/"])} + "/" + n));
const int8 = compress(f("model.onnx"), INT8_STATIC, { calibration: imageTensor(parseNpy(f("calib_pixels.npy")), 100) }).model;
const logits = new Model(int8).run(imageTensor(parseNpy(f("heldout_pixels.npy")), 200)).logits;
const sha = (b) => crypto.createHash("sha256").update(b).digest("hex");
console.log(JSON.stringify({ info: simdInfo(), modelSha256: sha(int8), logitsSha256: sha(new Uint8Array(logits.data.buffer)) }));`;
  const run = (simd, flags) => {
    const r = spawnSync(process.execPath, [...flags, "--input-type=module", "-e", script], { env: { ...process.env, PARE_SIMD: simd }, encoding: "utf8" });
    return r.status === 0 ? JSON.parse(r.stdout) : { error: r.stderr.trim().split("\n").pop() };
  };
  const plain = run("simd128", []);
  const relaxed = run("relaxed", ["--experimental-wasm-relaxed-simd"]);
  assert.equal(plain.info.level, "simd128");
  console.log(
    `Node ${process.version} relaxed build: ${relaxed.error ?? `dot-add check ${relaxed.info.relaxedDotAddCorrect ? "passed" : "FAILED"}; ` +
      `compress output ${relaxed.modelSha256 === plain.modelSha256 ? "same" : "differs"}, logits ${relaxed.logitsSha256 === plain.logitsSha256 ? "same" : "differ"}`}`,
  );
});
