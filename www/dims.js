// The page's "Dimensions" field: sizes for a model's symbolic input dims (`height=640`) and whole
// input shapes (`images=1,3,640,640`), as `pare compare --dim … --shape …` takes them, for the
// random samples the wasm API makes ({ dims, shapes } of `calibrationRandom` and `random`).
// Entries are separated by `;` or new lines; a name that is a model input sets its whole shape
// (dims separated by `,` or `x`), any other name a symbolic dim. Pure functions: Node tests them.

/** Declared dims of a summary input type like "float32 [N, 3, height, width]": numbers stay
 * numbers, symbols are strings, "?" is null; null when the type shows no shape. */
export function declaredDims(type) {
  const match = /\[([^\]]*)\]\s*$/.exec(type ?? "");
  if (!match) return null;
  if (!match[1].trim()) return [];
  return match[1].split(",").map((d) => {
    const text = d.trim();
    if (/^-?\d+$/.test(text)) return Number(text) >= 0 ? Number(text) : null;
    return text === "?" ? null : text;
  });
}

/** The field's starting text for a model: each symbolic dim, and the whole shape of an input
 * with unnamed dims, at the size `resolvedInputs` ([{ name, shape }]: pare's `inputSizes`, the
 * sizes the model runs on) gives it, else 1; "" when every dim is known. */
export function prefill(summaryInputs, resolvedInputs) {
  const entries = [];
  const seen = new Set();
  for (const { name, type } of summaryInputs ?? []) {
    const dims = declaredDims(type);
    if (!dims) continue;
    const resolved = resolvedInputs?.find((i) => i.name === name)?.shape;
    const sizeAt = (axis) => (resolved?.length === dims.length ? resolved[axis] : 1);
    if (dims.includes(null)) {
      entries.push(`${name}=${dims.map((d, axis) => (typeof d === "number" ? d : sizeAt(axis))).join(",")}`);
      continue;
    }
    dims.forEach((d, axis) => {
      if (typeof d === "string" && !seen.has(d)) {
        seen.add(d);
        entries.push(`${d}=${sizeAt(axis)}`);
      }
    });
  }
  return entries.join("; ");
}

/** Reads the field: { dims: { symbol: size }, shapes: { input: [sizes] } }, or throws an Error
 * naming the entry that is wrong. Sizes are whole numbers ≥ 1 (pare checks the upper bounds). */
export function parseDims(text, inputNames) {
  const dims = {};
  const shapes = {};
  for (const entry of text.split(/[;\n]/).map((e) => e.trim()).filter(Boolean)) {
    const match = /^([^=]+?)\s*=\s*(.+)$/.exec(entry);
    if (!match) throw new Error(`Dimensions: \`${entry}\` is not NAME=SIZE or INPUT=D0,D1,…`);
    const [, name, value] = match;
    const sizes = value.split(/\s*[,x×]\s*/).map((s) => s.trim());
    if (!sizes.every((s) => /^\d+$/.test(s) && Number(s) >= 1 && Number.isSafeInteger(Number(s)))) {
      throw new Error(`Dimensions: \`${entry}\`: sizes must be whole numbers ≥ 1`);
    }
    if (inputNames.includes(name)) {
      shapes[name] = sizes.map(Number);
    } else if (sizes.length === 1) {
      dims[name] = Number(sizes[0]);
    } else {
      throw new Error(`Dimensions: \`${name}\` is not an input of this model, so it takes one size, not a shape`);
    }
  }
  return { dims, shapes };
}
