// Writes a tensor ({ dtype, shape, data } as pare's API returns it) as a NumPy .npy file (format
// 1.0), for `pare run --out DIR` of the npm CLI; and the output file names, by the native CLI's
// rule (src/bin/pare/output_files.rs, also in `pare run --help`).

const DESCR = {
  float32: "<f4",
  float64: "<f8",
  float16: "<f2",
  int8: "|i1",
  int16: "<i2",
  int32: "<i4",
  int64: "<i8",
  uint8: "|u1",
  uint16: "<u2",
  uint32: "<u4",
  uint64: "<u8",
  bool: "|b1",
};

/** The .npy bytes of `tensor`, or an Error for a dtype .npy cannot hold (strings, bfloat16). */
export function npyBytes(tensor) {
  const descr = DESCR[tensor.dtype];
  if (!descr) throw new Error(`a ${tensor.dtype} tensor cannot be written as .npy`);
  const shape = tensor.shape.length === 1 ? `(${tensor.shape[0]},)` : `(${tensor.shape.join(", ")})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  // magic (6) + version (2) + length (2) + header + "\n", padded with spaces to a multiple of 64.
  const unpadded = 10 + header.length + 1;
  header += " ".repeat((64 - (unpadded % 64)) % 64) + "\n";
  const data = tensor.data;
  const body = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(10 + header.length + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(body, 10 + header.length);
  return out;
}

/** `x.npy` per output name: ASCII letters, digits, `.`, `_`, `-` kept, others `_`, empty →
 * `output`, at most 200 characters, collisions (ignoring case) numbered _1, _2… in order. */
export function outputFileNames(names) {
  const taken = new Set();
  return names.map((name) => {
    const stem = Array.from(name, (c) => (/^[A-Za-z0-9._-]$/.test(c) ? c : "_")).slice(0, 200).join("") || "output";
    let candidate = stem;
    for (let suffix = 1; taken.has(candidate.toLowerCase()); suffix++) candidate = `${stem}_${suffix}`;
    taken.add(candidate.toLowerCase());
    return `${candidate}.npy`;
  });
}
