// The page's quality options, as the Preset panel sets them: a target SQNR (dB) for INT8 static
// steps (`min_sqnr_db`: pare keeps in float what the target needs) and learned rounding for the
// weight-only steps (`"rounding": "learned"`: GPTQ indices and, for k-means, refit codebooks,
// from the calibration samples). Pure, so Node tests it (tests/web/quality_test.mjs).

/** Quantize modes whose weights take learned rounding. */
export const WEIGHT_ONLY_MODES = new Set(["weights", "int4_weights", "ternary", "pow2", "kmeans"]);

/** `recipe` (an object, not changed) with the options applied. `targetSqnr`: a number (dB) sets
 * `min_sqnr_db` on every static quantize step, `null` removes it; `learned`: true sets
 * `"rounding": "learned"` on every weight-only quantize step, false removes it. Returns
 * { recipe, notes } (notes: an option no step of the recipe takes). */
export function applyQuality(recipe, { targetSqnr, learned }) {
  const notes = [];
  if (!recipe || !Array.isArray(recipe.steps)) return { recipe, notes: ["the recipe has no steps list"] };
  let targetTaken = false;
  let learnedTaken = false;
  const steps = recipe.steps.map((step) => {
    const spec = step?.quantize;
    if (spec === null || typeof spec !== "object" || Array.isArray(spec)) return step;
    const out = { ...spec };
    if (spec.mode === "static") {
      if (targetSqnr === null) delete out.min_sqnr_db;
      else out.min_sqnr_db = targetSqnr;
      targetTaken = true;
    }
    if (WEIGHT_ONLY_MODES.has(spec.mode)) {
      if (learned) out.rounding = "learned";
      else delete out.rounding;
      learnedTaken = true;
    }
    return { ...step, quantize: out };
  });
  if (targetSqnr !== null && !targetTaken) notes.push("a target SQNR applies to INT8 static quantization; this recipe has none");
  if (learned && !learnedTaken) {
    notes.push("learned rounding applies to weight-only quantization (INT8/INT4 weights, k-means, power of two, ternary); this recipe has none");
  }
  return { recipe: { ...recipe, steps }, notes };
}

/** The options a recipe holds (what the panel shows for a preset): the first static step's
 * target, and whether a weight-only step rounds learned. */
export function qualityOf(recipe) {
  const specs = (Array.isArray(recipe?.steps) ? recipe.steps : []).map((s) => s?.quantize).filter((s) => s && typeof s === "object");
  const target = specs.find((s) => s.mode === "static" && typeof s.min_sqnr_db === "number")?.min_sqnr_db ?? null;
  const learned = specs.some((s) => WEIGHT_ONLY_MODES.has(s.mode) && s.rounding === "learned");
  return { targetSqnr: target, learned };
}

/** The target field's text as a number of dB, `null` when empty; throws on anything else. */
export function parseTarget(text) {
  const t = String(text ?? "").trim();
  if (t === "") return null;
  const v = Number(t);
  if (!Number.isFinite(v) || v <= 0 || v > 200) throw new Error(`target SQNR "${t}": expected a number of dB above 0 (20 to 40 is usual), or nothing`);
  return v;
}
