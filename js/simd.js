// Which of pare's two wasm builds this engine should run: the relaxed-SIMD one (INT8 GEMM on
// i32x4.relaxed_dot_i8x16_i7x16_add_s) or the SIMD128 one. Two checks, both on tiny hand-
// assembled modules so nothing large is compiled to find out:
//   - relaxedSimdAvailable(): WebAssembly.validate on a function using the relaxed dot-add;
//   - relaxedDotAddCorrect(): runs that instruction on known bytes and compares with the spec.
// The second exists because engines got it wrong: Node 20 (V8 11.3, behind
// --experimental-wasm-relaxed-simd) returns twice the dot product (bench/kernels/run.mjs found
// it), which would make every INT8 layer of the relaxed build wrong. pare's kernel only feeds the
// instruction second operands below 128, so the spec leaves it no freedom there and one right
// answer is expected from every engine.

const MAGIC = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
const V128 = 0x7b;
const I32 = 0x7f;
/** i32x4.relaxed_dot_i8x16_i7x16_add_s: prefix 0xfd, opcode 0x113 as LEB128. */
const RELAXED_DOT_ADD = [0xfd, 0x93, 0x02];

function section(id, contents) {
  return [id, contents.length, ...contents];
}

/** A module with one function of type `params → result` running `body`, exported as "f". */
function assemble(params, result, body) {
  const fullBody = [0, ...body, 0x0b]; // no locals, the instructions, end
  const bytes = [
    ...MAGIC,
    ...section(1, [1, 0x60, params.length, ...params, 1, result]),
    ...section(3, [1, 0]),
    ...section(7, [1, 1, 0x66, 0x00, 0]),
    ...section(10, [1, fullBody.length, ...fullBody]),
  ];
  return new Uint8Array(bytes);
}

const v128Const = (bytes) => [0xfd, 0x0c, ...bytes];
const i32x4Bytes = (lanes) => Array.from(new Uint8Array(Int32Array.from(lanes).buffer));
const i8x16Bytes = (lanes) => Array.from(new Uint8Array(Int8Array.from(lanes).buffer));

/** Whether the engine accepts relaxed SIMD (it validates a function using the dot-add). */
export function relaxedSimdAvailable() {
  try {
    const bytes = assemble([V128, V128, V128], V128, [0x20, 0, 0x20, 1, 0x20, 2, ...RELAXED_DOT_ADD]);
    return WebAssembly.validate(bytes);
  } catch {
    return false;
  }
}

/** Whether the engine's relaxed dot-add gives the spec's result on signed bytes times bytes
 * below 128 (what pare's kernel feeds it); false when relaxed SIMD is missing. */
export function relaxedDotAddCorrect() {
  if (!relaxedSimdAvailable()) return false;
  const a = [-1, -2, 3, 4, -128, 127, 5, -6, 1, 1, 1, 1, -128, -128, -128, -128];
  const b = [1, 2, 3, 4, 100, 100, 127, 0, 10, 20, 30, 40, 127, 127, 127, 127];
  const c = [1, -2, 3, 1000];
  const want = [0, 1, 2, 3].map((l) => c[l] + [0, 1, 2, 3].reduce((s, u) => s + a[4 * l + u] * b[4 * l + u], 0));
  // (a · b + c) == want, lane by lane, then all_true → 1 when every lane matches.
  const body = [
    ...v128Const(i8x16Bytes(a)),
    ...v128Const(i8x16Bytes(b)),
    ...v128Const(i32x4Bytes(c)),
    ...RELAXED_DOT_ADD,
    ...v128Const(i32x4Bytes(want)),
    0xfd, 0x37, // i32x4.eq
    0xfd, 0xa3, 0x01, // i32x4.all_true
  ];
  try {
    const { exports } = new WebAssembly.Instance(new WebAssembly.Module(assemble([], I32, body)));
    return exports.f() === 1;
  } catch {
    return false;
  }
}
