// Time to compress a model in the web app (headless Chromium, Web Worker, wasm) against the
// native CLI with the same recipe and the same seeded random calibration samples. Prints both
// times and their ratio (the page's "compress" time is the worker's, without the comparison,
// analysis and latency runs that follow it; the CLI's is the whole process with --no-compare).
// Needs `make build-wasm` and `cargo build --release --bin pare` first.
// Usage: node bench/page_vs_cli.mjs MODEL.onnx RECIPE_JSON SAMPLES [DIMS]
//   e.g. node bench/page_vs_cli.mjs common_det.onnx '{"steps":[{"quantize":{"mode":"static","per_channel":false}}]}' 8
//   DIMS sizes symbolic dims of the random samples, as the page's Dimensions field takes them
//   ("image_width=256; batch=1"); the CLI gets the same as --dim NAME=SIZE.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");
const [modelPath, recipeJson, samples, dims = ""] = process.argv.slice(2);
const dimArgs = dims.split(";").map((d) => d.trim()).filter(Boolean).flatMap((d) => ["--dim", d]);
const www = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../www");
const TYPES = { ".html": "text/html", ".js": "text/javascript", ".css": "text/css", ".wasm": "application/wasm" };
const server = http.createServer((req, res) => {
  const rel = decodeURIComponent(new URL(req.url, "http://x").pathname);
  const file = path.join(www, rel === "/" ? "/index.html" : rel);
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) return res.writeHead(404).end();
  res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" });
  fs.createReadStream(file).pipe(res);
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
const page = await browser.newPage();
await page.goto(`http://127.0.0.1:${server.address().port}/`);
await page.waitForSelector("body[data-ready=true]");
await page.setInputFiles("#file", modelPath);
await page.waitForSelector("#summary:not([hidden])", { timeout: 600000 });
await page.check('input[name="preset"][value="custom"]').catch(() => {});
await page.fill("#recipe-json", recipeJson);
await page.fill("#seed", "3");
await page.fill("#sample-count", samples);
if (dims) await page.fill("#dims", dims);
const t = Date.now();
await page.click("#compress");
await page.waitForSelector("#results:not([hidden]), #error:not([hidden])", { timeout: 1800000 });
const err = await page.locator("#error").isVisible();
if (err) console.log("page error:", await page.locator("#error").innerText());
const compressMs = Number(await page.locator("#results-note").getAttribute("data-compress-ms"));
console.log(`page: compress ${compressMs.toFixed(0)} ms (whole job seen by the test ${(Date.now() - t) / 1000} s)`);
await browser.close();
server.close();
const out = "/tmp/pare_page_vs_cli.onnx";
fs.writeFileSync("/tmp/pare_page_vs_cli_recipe.json", recipeJson);
const t2 = process.hrtime.bigint();
execFileSync(path.resolve(path.dirname(new URL(import.meta.url).pathname), "../target/release/pare"), ["compress", modelPath, "-o", out, "--recipe", "/tmp/pare_page_vs_cli_recipe.json", "--calib-random", samples, "--seed", "3", "--no-compare", ...dimArgs]);
const cliMs = Number(process.hrtime.bigint() - t2) / 1e6;
console.log(`cli: compress ${cliMs.toFixed(0)} ms (whole process, no compare); page/cli ${(compressMs / cliMs).toFixed(2)}`);
