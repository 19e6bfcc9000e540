// The recipe presets the page offers, as the JSON `pare compress --recipe` reads (README, Recipes).

export const PRESETS = {
  "int8-weights": { steps: [{ quantize: { mode: "weights" } }] },
  "int4-weights": { steps: [{ quantize: { mode: "int4_weights" } }] },
  kmeans16: { steps: [{ quantize: { mode: "kmeans", clusters: 16 } }] },
  "deep-compression": {
    steps: [{ prune: { method: "unstructured", ratio: 0.5 } }, { quantize: { mode: "kmeans", clusters: 16 } }],
  },
  pow2: { steps: [{ quantize: { mode: "pow2" } }] },
  ternary: { steps: [{ quantize: { mode: "ternary" } }] },
  "int8-static": { steps: [{ quantize: { mode: "static" } }] },
  "int8-target20": { steps: [{ quantize: { mode: "static", min_sqnr_db: 20 } }] },
  "prune50-int8": {
    // Uniform, as the preset's description says: half of each layer (the adaptive allocation,
    // the default with your own samples, is a recipe option).
    steps: [{ prune: { method: "unstructured", ratio: 0.5, allocation: "uniform" } }, { quantize: { mode: "static" } }],
  },
  filter25: { steps: [{ prune: { method: "filter", ratio: 0.25 } }] },
  "binary-weights": { steps: [{ binarize: { activations: false } }] },
  "binary-xnor": { steps: [{ binarize: { activations: true } }] },
};

/** The preset as the text the recipe editor shows. */
export function presetText(name) {
  return JSON.stringify(PRESETS[name], null, 2);
}
