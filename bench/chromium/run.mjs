// The benchmarks of bench/kernels and bench/models in headless Chromium (Debian /usr/bin/chromium
// through playwright-core), single thread: serves the repo's files the page needs on localhost,
// opens bench/chromium/index.html, prints the page's log and, last, one JSON line whose keys are
// the Node suites' keys prefixed with `chromium_` (also written to target/bench/chromium.json).
// Needs bench/kernels/run.sh's packages, `make build-wasm` and bench/models/prepare.py first
// (`make bench` runs them in that order).
// Usage: node bench/chromium/run.mjs [REPEAT] [MIN_SECONDS]   (from the repo root)
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { chromium } = require('playwright-core');
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const [repeat = '5', minSeconds = process.env.BENCH_MIN_SECONDS ?? '0.4'] = process.argv.slice(2);
const manifestPath = path.join(root, 'target/bench-models/manifest.json');
const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
// The model and input files the manifest names (absolute paths): the only files /file serves.
const listed = new Set(manifest.flatMap((m) => [m.f32, m.int8, ...Object.values(m.inputs)]));
const SERVED = ['/bench/', '/pkg/', '/node_modules/onnxruntime-web/dist/'];
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };

const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  let file = null;
  if (url.pathname === '/file' && listed.has(url.searchParams.get('path'))) file = url.searchParams.get('path');
  else if (url.pathname === '/manifest.json') file = manifestPath;
  else if (SERVED.some((p) => url.pathname.startsWith(p)) && !url.pathname.includes('..')) file = path.join(root, decodeURIComponent(url.pathname));
  if (!file || !fs.existsSync(file) || !fs.statSync(file).isFile()) return res.writeHead(404).end();
  res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
  fs.createReadStream(file).pipe(res);
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update'],
});
try {
  const page = await browser.newPage();
  let printed = 0;
  const flush = async () => {
    const lines = await page.evaluate(() => window.benchLog ?? []);
    for (; printed < lines.length; printed++) console.log(lines[printed]);
  };
  await page.goto(`http://127.0.0.1:${server.address().port}/bench/chromium/index.html?repeat=${repeat}&min_seconds=${minSeconds}`);
  const deadline = Date.now() + 60 * 60 * 1000;
  let outcome = null;
  while (!outcome) {
    await new Promise((r) => setTimeout(r, 2000));
    await flush();
    outcome = await page.evaluate(() => (window.benchResult ? { result: window.benchResult } : window.benchError ? { error: window.benchError } : null));
    if (!outcome && Date.now() > deadline) outcome = { error: 'timed out after an hour' };
  }
  await flush();
  if (outcome.error) throw new Error(`the benchmark page failed: ${outcome.error}`);
  const prefixed = Object.fromEntries(Object.entries(outcome.result).map(([k, v]) => [`chromium_${k}`, v]));
  fs.mkdirSync(path.join(root, 'target/bench'), { recursive: true });
  fs.writeFileSync(path.join(root, 'target/bench/chromium.json'), JSON.stringify(prefixed));
  console.log(JSON.stringify(prefixed));
} finally {
  await browser.close();
  server.close();
}
