// The .pare container in the npm package (docs/container.md): the full package's pack/decode
// (wasm-bindgen, pkg/pare_bg.wasm) and the tiny decoder alone (pkg/container.node.js over
// pkg/pare_container.wasm, crates/pare-decoder-wasm): containers of the MNIST CNN (float, INT8
// weights, pruned + INT8) decode byte-identical with both, the tiny decoder also decodes a
// container written by the native CLI when one is built, damaged containers (truncated, bit
// flips, wrong magic, wrong version, trailing bytes) throw PareError kind "bad-container" with the
// reason's code, never bytes; the tiny wasm's size (raw, gzip -9) is printed and bounded.
// Run: node --test tests/npm/ (make test-npm).

import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import zlib from "node:zlib";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const pare = await import(path.join(root, "pkg/sync.node.js"));
const { loadDecoder, decoderFromInstance } = await import(path.join(root, "pkg/container.node.js"));
await pare.ready();
const mnist = new Uint8Array(fs.readFileSync(path.join(root, "tests/fixtures/mnist_cnn/model.onnx")));

const models = {
  float: mnist,
  int8: pare.compress(mnist, { steps: [{ quantize: { mode: "int8-weights" } }] }).model,
  pruned_int8: pare.compress(mnist, { steps: [{ prune: { method: "unstructured", ratio: 0.5, correct: "none" } }, { quantize: { mode: "int8-weights" } }] }).model,
};

const equal = (a, b) => a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.length), Buffer.from(b.buffer, b.byteOffset, b.length)) === 0;

test("pack, then decode with the full package and with the tiny decoder: the same bytes", async () => {
  const { decode } = await loadDecoder();
  const sizes = {};
  for (const [name, onnx] of Object.entries(models)) {
    const { container, report } = pare.pack(onnx);
    assert.ok(container instanceof Uint8Array);
    assert.equal(report.onnxBytes, onnx.length);
    assert.equal(report.containerBytes, container.length);
    assert.ok(container.length < onnx.length, `${name}: ${container.length} ≥ ${onnx.length}`);
    assert.ok(equal(pare.decode(container), onnx), `${name}: the full package's decode differs`);
    assert.ok(equal(decode(container), onnx), `${name}: the tiny decoder's decode differs`);
    assert.ok(equal(decode(container.buffer.slice(container.byteOffset, container.byteOffset + container.length)), onnx), "from an ArrayBuffer");
    sizes[name] = `${onnx.length} → ${container.length}`;
  }
  console.log("container sizes:", JSON.stringify(sizes));
  // The decoded INT8 model is a model: pare runs it.
  assert.equal(pare.inspect(decode(pare.pack(models.int8).container)).op_histogram.Conv, 2);
});

test("a container written by the native CLI decodes with the tiny decoder", { skip: !fs.existsSync(path.join(root, "target/debug/pare")) && "no target/debug/pare" }, async () => {
  const { execFileSync } = await import("node:child_process");
  const dir = fs.mkdtempSync(path.join((await import("node:os")).tmpdir(), "pare-container-"));
  const out = path.join(dir, "m.pare");
  execFileSync(path.join(root, "target/debug/pare"), ["pack", path.join(root, "tests/fixtures/mnist_cnn/model.onnx"), out]);
  const { decode } = await loadDecoder(path.join(root, "pkg/pare_container.wasm"));
  assert.ok(equal(decode(new Uint8Array(fs.readFileSync(out))), mnist));
});

test("damaged containers throw bad-container with the reason, never bytes", async () => {
  const { decode } = decoderFromInstance(await WebAssembly.instantiate(new WebAssembly.Module(fs.readFileSync(path.join(root, "pkg/pare_container.wasm"))), {}));
  const container = pare.pack(models.int8).container;
  const fails = (bytes, code) => {
    for (const decoder of [decode, pare.decode]) {
      assert.throws(() => decoder(bytes), (e) => {
        assert.equal(e.name, "PareError");
        assert.equal(e.kind, "bad-container");
        if (decoder === decode) assert.equal(e.code, code, e.message);
        return true;
      });
    }
  };
  for (const cut of [1, 8, 9, 10, 100, container.length / 2, container.length - 1]) fails(container.subarray(0, Math.floor(cut)), "truncated");
  fails(new Uint8Array(), "not-a-container");
  fails(mnist, "not-a-container");
  const flip = (at, mask) => {
    const bad = container.slice();
    bad[at] ^= mask;
    return bad;
  };
  fails(flip(2, 0x20), "not-a-container");
  const version = flip(8, 3);
  assert.throws(() => decode(version), /version 2 is not supported/);
  fails(version, "unsupported-version");
  let seed = 12345;
  for (let i = 0; i < 300; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const at = 16 + (seed % (container.length - 16));
    fails(flip(at, 1 << (seed % 8)), "checksum-mismatch");
  }
  const longer = new Uint8Array(container.length + 1);
  longer.set(container);
  fails(longer, "trailing-bytes");
  // The decoder still works after errors.
  assert.ok(equal(decode(container), models.int8));
  assert.throws(() => decode("not bytes"), { kind: "bad-argument" });
  await assert.rejects(loadDecoder(path.join(root, "pkg/no_such.wasm")), { kind: "load-failed" });
});

test("the tiny decoder is small", () => {
  const wasm = fs.readFileSync(path.join(root, "pkg/pare_container.wasm"));
  const gzip = zlib.gzipSync(wasm, { level: 9 }).length;
  const js = fs.readFileSync(path.join(root, "pkg/container.js"));
  console.log(`pare_container.wasm: ${wasm.length} bytes, ${gzip} gzip -9; container.js ${js.length} bytes, ${zlib.gzipSync(js, { level: 9 }).length} gzip -9`);
  assert.ok(wasm.length < 32_000, `${wasm.length} bytes`);
  assert.ok(gzip < 14_000, `${gzip} bytes gzipped`);
});
