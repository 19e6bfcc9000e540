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

/** The field's starting text for a model: each symbolic dim at the size the analysis ran it
 * with (1), and the whole shape of an input with unnamed dims; "" when every dim is known. */
export function prefill(summaryInputs, analysedInputs) {
  const entries = [];
  const seen = new Set();
  for (const { name, type } of summaryInputs ?? []) {
    const dims = declaredDims(type);
    if (!dims) continue;
    if (dims.includes(null)) {
      const analysed = analysedInputs?.find((i) => i.name === name)?.shape;
      entries.push(`${name}=${(analysed ?? dims.map((d) => (typeof d === "number" ? d : 1))).join(",")}`);
      continue;
    }
    for (const d of dims) {
      if (typeof d === "string" && !seen.has(d)) {
        seen.add(d);
        entries.push(`${d}=1`);
      }
    }
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

/** Concrete input shapes for the given dims and shapes (unset symbols 1), keyed by input name;
 * an input without a declared shape is left out. */
export function resolvedShapes(summaryInputs, { dims, shapes }) {
  const out = {};
  for (const { name, type } of summaryInputs ?? []) {
    if (shapes[name]) {
      out[name] = shapes[name];
      continue;
    }
    const declared = declaredDims(type);
    if (!declared) continue;
    out[name] = declared.map((d) => (typeof d === "number" ? d : (dims[d] ?? 1)));
  }
  return out;
}
