// Runs each case directory of tests/native/quantize.rs in onnxruntime-node and prints, per case, one
// JSON line with the output shapes and the max |onnxruntime-node − pare| per output.
// Inputs are read from inputs/<name>.npy (float32 little-endian, as numpy writes them).
// Usage: node run_onnxruntime_node.mjs CASE_DIR...
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-node');

/** Minimal .npy reader for float32 / int64 / uint8 C-order arrays. */
function readNpy(file) {
  const buf = fs.readFileSync(file);
  const headerLen = buf.readUInt16LE(8);
  const header = buf.toString('latin1', 10, 10 + headerLen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1].split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const start = 10 + headerLen;
  const bytes = buf.buffer.slice(buf.byteOffset + start, buf.byteOffset + buf.length);
  const types = { '<f4': ['float32', Float32Array], '<i8': ['int64', BigInt64Array], '|u1': ['uint8', Uint8Array] };
  if (!types[descr]) throw new Error(`${file}: unsupported dtype ${descr}`);
  const [type, Ctor] = types[descr];
  return new ort.Tensor(type, new Ctor(bytes), shape);
}

for (const dir of process.argv.slice(2)) {
  const session = await ort.InferenceSession.create(path.join(dir, 'model.onnx'), { intraOpNumThreads: 1 });
  const feeds = {};
  for (const f of fs.readdirSync(path.join(dir, 'inputs')).sort()) {
    feeds[path.basename(f, '.npy')] = readNpy(path.join(dir, 'inputs', f));
  }
  const results = await session.run(feeds);
  const outputs = session.outputNames.map((name, i) => {
    const got = results[name];
    const pare = readNpy(path.join(dir, 'pare', `${i}.npy`));
    let maxAbs = 0;
    for (let j = 0; j < got.data.length; j++) maxAbs = Math.max(maxAbs, Math.abs(Number(got.data[j]) - Number(pare.data[j])));
    return { output: name, dims: got.dims, pare_dims: pare.dims, max_abs_diff_vs_pare: maxAbs };
  });
  console.log(JSON.stringify({ case: path.basename(dir), outputs }));
}
