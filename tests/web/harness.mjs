// What the browser tests of www/ share (embed_test.mjs, offline_test.mjs): a local HTTP server
// for www/ that logs every request, and headless Chromium through playwright-core with the
// page's console, errors and every request it or its workers made recorded.

import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const www = path.join(root, "www");
export const screenshots = path.join(root, "target/web-screenshots");
export const TIMEOUT = 180_000;

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".onnx": "application/octet-stream",
  ".png": "image/png",
  ".npz": "application/octet-stream",
};

export function step(text) {
  console.log(`\n== ${text}`);
}

/** Serves www/ on 127.0.0.1; `served` lists { path, status } of every request, and `overrides`
 * (path → text or bytes) replaces a file's content or adds one (a test's stand-in for a new
 * build, or data only a test serves). */
export async function serve() {
  const served = [];
  const overrides = new Map();
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://localhost");
    const relative = decodeURIComponent(url.pathname === "/" ? "/index.html" : url.pathname);
    const file = path.join(www, relative);
    let status = 200;
    if (overrides.has(url.pathname)) {
      res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" });
      res.end(overrides.get(url.pathname));
    } else if (!file.startsWith(www + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      status = 404;
      res.writeHead(404).end("not found");
    } else {
      res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" });
      res.end(fs.readFileSync(file));
    }
    served.push({ path: url.pathname, status });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, served, overrides, origin: `http://127.0.0.1:${server.address().port}` };
}

/** Headless Chromium with one context and page; `requested` collects every URL asked for. */
export async function launch() {
  fs.mkdirSync(screenshots, { recursive: true });
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
  });
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  const requested = new Set();
  const pageErrors = [];
  page.on("request", (r) => requested.add(r.url()));
  context.on("request", (r) => requested.add(r.url()));
  page.on("console", (m) => console.log(`page console.${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => pageErrors.push(e.message));
  return { browser, context, page, requested, pageErrors };
}
