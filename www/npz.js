// Reads NumPy .npy and .npz files into the tensors pare's wasm API takes ({ dtype, shape, data }).
// The wasm `compress`/`compare` take calibration and comparison samples as JS arrays only, so the
// page parses uploads here. .npz is a zip: stored members are sliced out, deflated ones inflated
// with the browser's DecompressionStream("deflate-raw"). Files are untrusted: every problem
// throws an Error naming the file part at fault; nothing is allocated beyond what the file holds.

const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"

// numpy descr (without byte order) → [pare dtype, typed array, bytes per element].
// float16 travels as the raw bits (Uint16Array), as pare's API expects.
const DTYPES = {
  f4: ["float32", Float32Array, 4],
  f8: ["float64", Float64Array, 8],
  f2: ["float16", Uint16Array, 2],
  i1: ["int8", Int8Array, 1],
  i2: ["int16", Int16Array, 2],
  i4: ["int32", Int32Array, 4],
  i8: ["int64", BigInt64Array, 8],
  u1: ["uint8", Uint8Array, 1],
  u2: ["uint16", Uint16Array, 2],
  u4: ["uint32", Uint32Array, 4],
  u8: ["uint64", BigUint64Array, 8],
  b1: ["bool", Uint8Array, 1],
};

/** Parses one .npy file (a Uint8Array) into { dtype, shape, data }. */
export function parseNpy(bytes, what = "the .npy file") {
  const fail = (why) => {
    throw new Error(`${what}: ${why}`);
  };
  if (bytes.length < 10 || !NPY_MAGIC.every((b, i) => bytes[i] === b)) fail("not a .npy array (no \\x93NUMPY magic)");
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLen;
  let headerStart;
  if (major === 1) {
    headerLen = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) fail("the header is cut off");
    headerLen = view.getUint32(8, true);
    headerStart = 12;
  } else {
    fail(`.npy format version ${major} is not supported (1–3 are)`);
  }
  const dataStart = headerStart + headerLen;
  if (dataStart > bytes.length) fail("the header runs past the end of the file");
  const header = new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(bytes.subarray(headerStart, dataStart));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) fail(`cannot read the header ${header.trim()}`);
  if (fortran === "True") fail("Fortran-ordered arrays are not supported; save with np.ascontiguousarray");
  const shape = shapeText
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((s) => {
      if (!/^\d+$/.test(s)) fail(`bad dimension "${s}" in the shape`);
      return Number(s);
    });
  const order = descr[0];
  const kind = DTYPES[descr.slice(1)];
  if (!kind || !"<|=".includes(order)) {
    const why = order === ">" ? "big-endian data is not supported" : "pare does not take this dtype";
    fail(`dtype '${descr}': ${why}`);
  }
  const [dtype, Ctor, size] = kind;
  const count = shape.reduce((a, b) => a * b, 1);
  if (!Number.isSafeInteger(count) || count * size !== bytes.length - dataStart) {
    fail(`the shape [${shape}] of ${descr} needs ${count * size} bytes of data, the file has ${bytes.length - dataStart}`);
  }
  // Copy so the typed array is aligned and owns its buffer (it may be transferred to a worker).
  const data = new Ctor(bytes.slice(dataStart).buffer);
  return { dtype, shape, data };
}

// --- zip ---------------------------------------------------------------------------------------

const END_OF_DIRECTORY = 0x06054b50;
const CENTRAL_HEADER = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;

let crcTable;
function crc32(bytes) {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = crcTable[(crc ^ bytes[i]) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

async function inflateRaw(compressed, expectedSize, what) {
  if (typeof DecompressionStream === "undefined") {
    throw new Error(`${what} is deflated and this browser has no DecompressionStream; save with np.savez (not _compressed)`);
  }
  const stream = new Blob([compressed]).stream().pipeThrough(new DecompressionStream("deflate-raw"));
  const out = new Uint8Array(expectedSize);
  let filled = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (filled + value.length > expectedSize) {
      await reader.cancel();
      throw new Error(`${what} inflates to more than the ${expectedSize} bytes the archive declares`);
    }
    out.set(value, filled);
    filled += value.length;
  }
  if (filled !== expectedSize) throw new Error(`${what} inflates to ${filled} bytes, the archive declares ${expectedSize}`);
  return out;
}

/** Parses an .npz archive (a Uint8Array): [{ name, tensor }] in archive order. */
export async function parseNpz(bytes, fileName = "the .npz file") {
  const fail = (why) => {
    throw new Error(`${fileName}: ${why}`);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = -1;
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 0xffff); at--) {
    if (view.getUint32(at, true) === END_OF_DIRECTORY && view.getUint16(at + 20, true) === bytes.length - at - 22) {
      end = at;
      break;
    }
  }
  if (end < 0) fail("not a zip archive (.npz files are zips of .npy arrays)");
  const count = view.getUint16(end + 10, true);
  const dirSize = view.getUint32(end + 12, true);
  const dirOffset = view.getUint32(end + 16, true);
  if (count === 0xffff || dirSize === 0xffffffff || dirOffset === 0xffffffff) fail("zip64 archives (over 4 GiB) are not supported");
  if (dirOffset + dirSize > end) fail("the central directory lies outside the file");
  const arrays = [];
  let at = dirOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > end || view.getUint32(at, true) !== CENTRAL_HEADER) fail(`central directory entry ${i} is damaged`);
    const flags = view.getUint16(at + 8, true);
    const method = view.getUint16(at + 10, true);
    const crc = view.getUint32(at + 16, true);
    const compressedSize = view.getUint32(at + 20, true);
    const size = view.getUint32(at + 24, true);
    const nameLen = view.getUint16(at + 28, true);
    const variableLen = nameLen + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
    const localOffset = view.getUint32(at + 42, true);
    if (at + 46 + variableLen > end) fail(`central directory entry ${i} runs past the directory`);
    const name = new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLen));
    at += 46 + variableLen;
    const what = `${fileName}: member \`${name}\``;
    if (!name.endsWith(".npy")) fail(`member \`${name}\` is not a .npy array`);
    if (flags & 1) fail(`member \`${name}\` is encrypted`);
    if (method !== 0 && method !== 8) fail(`member \`${name}\` uses compression method ${method} (stored and deflate are read)`);
    if ([compressedSize, size, localOffset].includes(0xffffffff)) fail("zip64 archives (over 4 GiB) are not supported");
    if (localOffset + 30 > bytes.length || view.getUint32(localOffset, true) !== LOCAL_HEADER) {
      fail(`member \`${name}\`: no local header where the directory points`);
    }
    const start = localOffset + 30 + view.getUint16(localOffset + 26, true) + view.getUint16(localOffset + 28, true);
    if (start + compressedSize > bytes.length) fail(`member \`${name}\`: its data runs past the end of the file`);
    const raw = bytes.subarray(start, start + compressedSize);
    let npy;
    if (method === 0) {
      if (compressedSize !== size) fail(`member \`${name}\` is stored but its sizes differ`);
      npy = raw;
    } else {
      npy = await inflateRaw(raw, size, what);
    }
    if (crc32(npy) !== crc) fail(`member \`${name}\` fails its CRC-32 check`);
    const arrayName = name.slice(0, -".npy".length);
    if (arrays.some((a) => a.name === arrayName)) fail(`two members are named \`${name}\``);
    arrays.push({ name: arrayName, tensor: parseNpy(npy, what) });
  }
  return arrays;
}

/** An .npz or a single .npy (named `defaultName`) → { name: tensor }. */
export async function readArrays(bytes, fileName, defaultName) {
  if (fileName.toLowerCase().endsWith(".npy")) {
    return { [defaultName]: parseNpy(bytes, fileName) };
  }
  const arrays = await parseNpz(bytes, fileName);
  return Object.fromEntries(arrays.map(({ name, tensor }) => [name, tensor]));
}

/** The first `n` samples (first axis) of each stacked array. */
export function firstSamples(arrays, n) {
  const out = {};
  for (const [name, t] of Object.entries(arrays)) {
    const rows = t.shape[0] ?? 1;
    if (t.shape.length === 0 || rows <= n) {
      out[name] = t;
      continue;
    }
    const rowSize = t.data.length / rows;
    out[name] = { dtype: t.dtype, shape: [n, ...t.shape.slice(1)], data: t.data.slice(0, n * rowSize) };
  }
  return out;
}
