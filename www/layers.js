// The page's Layers table (in the recipe panel): one row per weight-bearing layer of the open
// model, with "keep float" (the layer goes into every step's exclude) and a prune ratio that
// overrides the prune step's for that layer. Each change rewrites the recipe JSON through
// overrides.js, so the JSON stays the one source the page compresses with, exports and
// downloads; a preset chosen afterwards gets the same overrides.

import { applyOverrides, weightLayers } from "./overrides.js";

export class LayersTable {
  /** `body`: the table's <tbody>; `note`: where to say why an override cannot apply;
   * `recipeText`: get/set the recipe JSON; `changed`: called after the JSON was rewritten. */
  constructor(body, note, recipeText, changed) {
    Object.assign(this, { body, note, recipeText, changed });
    this.layers = [];
  }

  /** Lists the layers of a freshly opened model (no overrides set). */
  show(analysis) {
    this.layers = weightLayers(analysis);
    this.body.replaceChildren(
      ...this.layers.map(({ name, op, params }, i) => {
        const row = document.createElement("tr");
        row.dataset.layer = name;
        const cell = (content) => {
          const td = document.createElement("td");
          td.append(content);
          row.append(td);
          return td;
        };
        cell(name).className = "mono";
        cell(op);
        cell(params.toLocaleString("en")).className = "num";
        const labelled = (input, id, text) => {
          input.id = id;
          const label = document.createElement("label");
          label.htmlFor = id;
          label.className = "visually-hidden";
          label.textContent = text;
          input.addEventListener("change", () => this.apply());
          cell(label).append(input);
        };
        const keep = document.createElement("input");
        keep.type = "checkbox";
        keep.className = "layer-keep";
        labelled(keep, `layer-keep-${i}`, `keep ${name} in float`);
        const ratio = document.createElement("input");
        ratio.type = "number";
        ratio.min = "0";
        ratio.max = "0.99";
        ratio.step = "0.05";
        ratio.className = "short layer-ratio";
        ratio.placeholder = "step's";
        labelled(ratio, `layer-ratio-${i}`, `prune ratio of ${name}`);
        return row;
      }),
    );
    this.note.textContent = this.layers.length ? "" : "This model has no Conv, Gemm or MatMul layers with weights.";
  }

  /** The overrides the table holds now; a ratio outside [0, 1) is an Error. */
  overrides() {
    const keepFloat = new Set();
    const ratios = new Map();
    for (const row of this.body.rows) {
      const name = row.dataset.layer;
      if (row.querySelector(".layer-keep").checked) keepFloat.add(name);
      const text = row.querySelector(".layer-ratio").value.trim();
      if (text === "") continue;
      const value = Number(text);
      if (!(value >= 0 && value < 1)) throw new Error(`the prune ratio of ${name} must be in [0, 1), got ${text}`);
      ratios.set(name, value);
    }
    return { keepFloat, ratios, managed: new Set(this.layers.map((l) => l.name)) };
  }

  /** `text` (a recipe's JSON) with the table's overrides, as apply() would write it; `text`
   * itself when there is nothing to apply or it cannot be applied. */
  withOverrides(text) {
    if (this.layers.length === 0) return text;
    try {
      return JSON.stringify(applyOverrides(JSON.parse(text), this.overrides()).recipe, null, 2);
    } catch {
      return text;
    }
  }

  /** Rewrites the recipe JSON with the table's overrides (after a change or a new preset). */
  apply() {
    if (this.layers.length === 0) return;
    let recipe;
    let overrides;
    try {
      recipe = JSON.parse(this.recipeText());
      overrides = this.overrides();
    } catch (e) {
      this.note.textContent = `Overrides not applied: ${e instanceof SyntaxError ? "the recipe JSON does not parse" : e.message}.`;
      return;
    }
    const { recipe: out, notes } = applyOverrides(recipe, overrides);
    this.note.textContent = notes.map((n) => `Note: ${n}.`).join(" ");
    this.recipeText(JSON.stringify(out, null, 2));
    this.changed();
  }
}
