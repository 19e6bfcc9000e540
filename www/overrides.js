// Per-layer overrides of a recipe, as the page's Layers table sets them: layers kept in float
// (added to every step's `exclude`) and per-layer prune ratios (a prune step's `ratios`). The
// table owns the names it lists ("managed"): an entry of a managed layer that the table no
// longer sets is removed, entries for other names (op types, layers the table does not list)
// are kept as written. Pure, so Node tests it (tests/web/overrides_test.mjs).

/** Prune methods whose step takes per-layer `ratios` (nm has no ratio; auto chooses them). */
const RATIO_METHODS = new Set(["unstructured", "vector", "kernel", "filter"]);

/** `recipe` (an object, not changed) with the overrides applied:
 * `keepFloat`: layer names no step may touch; `ratios`: Map layer name → prune ratio;
 * `managed`: every layer name the table lists. Returns { recipe, notes } (notes: why an
 * override could not apply, e.g. ratios without a prune step). */
export function applyOverrides(recipe, { keepFloat, ratios, managed }) {
  const notes = [];
  if (!recipe || !Array.isArray(recipe.steps)) return { recipe, notes: ["the recipe has no steps list"] };
  let ratioTaken = false;
  const steps = recipe.steps.map((step) => {
    const [kind, spec] = Object.entries(step ?? {})[0] ?? [];
    if (!["quantize", "prune", "binarize"].includes(kind) || spec === null || typeof spec !== "object") return step;
    const out = { ...spec };
    const exclude = [...(Array.isArray(spec.exclude) ? spec.exclude : []).filter((n) => !managed.has(n)), ...[...keepFloat].sort()];
    if (exclude.length > 0) out.exclude = exclude;
    else delete out.exclude;
    if (kind === "prune" && RATIO_METHODS.has(spec.method) && spec.auto === undefined) {
      const kept = Object.entries(spec.ratios ?? {}).filter(([n]) => !managed.has(n));
      const set = [...ratios].filter(([n]) => !keepFloat.has(n)).sort(([a], [b]) => a.localeCompare(b));
      if (kept.length + set.length > 0) out.ratios = Object.fromEntries([...kept, ...set]);
      else delete out.ratios;
      ratioTaken ||= set.length > 0;
    }
    return { [kind]: out };
  });
  if (ratios.size > 0 && !ratioTaken) {
    notes.push("per-layer prune ratios apply to a prune step (unstructured, vector, kernel or filter, not auto); this recipe has none");
  }
  return { recipe: { ...recipe, steps }, notes };
}

/** The layers the table lists: compute nodes with weights (Conv, ConvTranspose, Gemm, MatMul
 * with parameters), from the analysis's nodes: [{ name, op, params }]. */
export function weightLayers(analysis) {
  const ops = new Set(["Conv", "ConvTranspose", "Gemm", "MatMul"]);
  return (analysis?.nodes ?? [])
    .filter((n) => ops.has(n.op_type) && n.name && n.params > 0)
    .map((n) => ({ name: n.name, op: n.op_type, params: n.params }));
}
