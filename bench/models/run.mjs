// Whole-model latency under WebAssembly in Node, single thread, in one run (suite.mjs: pare vs
// onnxruntime-web, float and INT8 QDQ; bench/chromium runs the same in Chromium).
// Prints a table of median times, then one JSON line of ratios ("A vs B" = B's time / A's:
// above 1 means A is faster). Usage: node bench/models/run.mjs [REPEAT] (from the repo root;
// see `make bench`).
import fs from 'node:fs';
import * as ort from 'onnxruntime-web';
import { initSync, Model } from '../../pkg/pare.js';
import { runModelSuite } from './suite.mjs';

const repeat = Number(process.argv[2] ?? 5);
const manifest = JSON.parse(fs.readFileSync('target/bench-models/manifest.json', 'utf8'));
initSync({ module: fs.readFileSync('pkg/pare_bg.wasm') });
const readBytes = async (path) => new Uint8Array(fs.readFileSync(path));
const ratios = await runModelSuite({ ort, Model, manifest, readBytes, repeat, log: console.log, where: `Node ${process.versions.node}` });
fs.mkdirSync('target/bench', { recursive: true });
fs.writeFileSync('target/bench/models.json', JSON.stringify(ratios));
console.log(JSON.stringify(ratios));
