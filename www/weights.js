// The "Weights" parts of the page: in the model summary, one table row per layer with its
// weights' range, spread, zeros, levels and a small histogram; in the results, a chosen layer's
// histogram before and after compression on one axis (pruning's spike at 0, INT8's levels) and a
// table of every layer's zeros and levels before → after. The numbers are pare's analysis
// (`analyze(bytes).weights`, LayerWeights in the TypeScript types); this file only draws them.
// Plain SVG styled by weights.css with style.css's colours, so it follows the light/dark scheme.

import { count as fmtCount } from "./format.js";

const SVG = "http://www.w3.org/2000/svg";
/** `levels` counts distinct values up to this; 257 means "more than 256". */
const LEVELS_CAP = 257;

function svgEl(name, attributes = {}, text) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

function htmlEl(name, attributes = {}, text) {
  const node = document.createElement(name);
  for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** A cell whose shown text may round; `data-value` keeps the exact number for tests and tools. */
function cell(text, key, value) {
  const td = htmlEl("td", {}, text);
  if (key) td.dataset.key = key;
  if (value !== undefined && value !== null) td.dataset.value = String(value);
  return td;
}

const num = (x) => (x === 0 ? "0" : Math.abs(x) < 1e-3 || Math.abs(x) >= 1e4 ? x.toExponential(2) : x.toPrecision(4));
const percent = (share) => `${(share * 100).toFixed(1)}%`;
const levelsText = (n) => (n >= LEVELS_CAP ? `>${LEVELS_CAP - 1}` : String(n));
const layerKey = (l) => (l.graph ? `${l.graph}/${l.name}` : l.name);

/** "248 int8 levels" for a quantized weight (its stored integers), else "144 values" / ">256 values". */
function levelsOf(layer) {
  if (layer.stored_levels != null) return `${levelsText(layer.stored_levels)} ${layer.dtype} levels`;
  return `${levelsText(layer.stats.levels)} values`;
}

function describe(layer) {
  const s = layer.stats;
  return `${layerKey(layer)}: ${layer.values} ${layer.dtype} [${layer.shape.join(", ")}], min ${num(s.min)}, max ${num(s.max)}, ` +
    `std ${num(s.std)}, ${percent(s.zero_fraction)} zeros, ${levelsOf(layer)}`;
}

/** Heights ∝ √count, so a spike of pruned zeros does not flatten every other bin. */
const heightOf = (n, top) => (top > 0 ? Math.sqrt(n) / Math.sqrt(top) : 0);

/** A small histogram of one layer (a table cell's worth). */
function miniHistogram(layer) {
  const { counts } = layer.stats.histogram;
  const width = 160;
  const height = 36;
  const top = Math.max(...counts);
  const slot = width / counts.length;
  const svg = svgEl("svg", { viewBox: `0 0 ${width} ${height}`, class: "weights-mini", role: "img", "data-counts": JSON.stringify(counts) });
  svg.append(svgEl("title", {}, `Histogram of ${describe(layer)} (${counts.length} bins, heights ∝ √count)`));
  svg.append(svgEl("line", { x1: 0, x2: width, y1: height - 0.5, y2: height - 0.5, class: "axis" }));
  counts.forEach((n, i) => {
    if (!n) return;
    const h = Math.max(1, heightOf(n, top) * (height - 2));
    svg.append(svgEl("rect", { x: i * slot, y: height - 1 - h, width: Math.max(0.5, slot - 0.3), height: h, class: "bin" }));
  });
  return svg;
}

/** The summary's table: one row per layer. `layers` is `analysis.weights` (or undefined). */
export function showWeights(container, layers) {
  container.replaceChildren();
  if (!layers) return;
  container.append(htmlEl("h3", { id: "weights-title" }, "Weights"));
  if (!layers.length) {
    container.append(htmlEl("p", { class: "hint" }, "No layer with stored weights (Conv, Gemm, MatMul or their quantized forms)."));
    return;
  }
  container.append(
    htmlEl(
      "p",
      { class: "hint" },
      "Per layer, the values it computes with (int8 weights dequantized with their scales): range, standard deviation, " +
        "exact zeros (pruned weights), distinct levels, and a histogram over [min, max] (bar heights ∝ √count).",
    ),
  );
  const table = htmlEl("table", { id: "weights-table", class: "numbers weights", "aria-labelledby": "weights-title" });
  const head = htmlEl("tr");
  for (const h of ["layer", "op", "weight", "min", "max", "std", "zeros", "levels", "histogram"]) head.append(htmlEl("th", { scope: "col" }, h));
  table.append(htmlEl("thead"));
  table.tHead.append(head);
  const body = htmlEl("tbody");
  for (const layer of layers) {
    const tr = htmlEl("tr", { "data-layer": layerKey(layer) });
    const stored = layer.dtype ? `${layer.dtype} [${layer.shape.join(", ")}]` : layer.weight;
    tr.append(cell(layerKey(layer)), cell(layer.op_type), cell(stored, "weight", layer.count));
    const s = layer.stats;
    if (!s) {
      const td = cell(layer.error ?? "no finite values", "error");
      td.colSpan = 6;
      td.className = "weights-error";
      tr.append(td);
    } else {
      tr.append(
        cell(num(s.min), "min", s.min),
        cell(num(s.max), "max", s.max),
        cell(num(s.std), "std", s.std),
        cell(percent(s.zero_fraction), "zeros", s.zero_fraction),
        cell(levelsOf(layer), "levels", layer.stored_levels ?? s.levels),
      );
      const chart = htmlEl("td", { class: "weights-histogram" });
      chart.dataset.key = "histogram";
      chart.append(miniHistogram(layer));
      tr.append(chart);
    }
    body.append(tr);
  }
  table.append(body);
  container.append(table);
}

/** One layer's histograms before (outline) and after (bars) compression on a common value axis. */
function comparisonChart(before, after) {
  const width = 720;
  const height = 200;
  const left = 10;
  const right = 10;
  const plotTop = 10;
  const plotBottom = height - 36;
  const series = [before, after].filter((l) => l?.stats);
  if (!series.length) return htmlEl("p", { class: "hint" }, "Neither model has statistics for this layer.");
  const lo = Math.min(...series.map((l) => l.stats.histogram.edges[0]));
  const hi = Math.max(...series.map((l) => l.stats.histogram.edges.at(-1)));
  const x = (v) => left + ((v - lo) / (hi - lo || 1)) * (width - left - right);
  const top = Math.max(...series.flatMap((l) => l.stats.histogram.counts));
  const y = (n) => plotBottom - heightOf(n, top) * (plotBottom - plotTop);
  const svg = svgEl("svg", { viewBox: `0 0 ${width} ${height}`, class: "weights-chart", role: "img" });
  const title = [before?.stats && `original: ${describe(before)}`, after?.stats && `compressed: ${describe(after)}`].filter(Boolean).join("; ");
  svg.append(svgEl("title", {}, `Weight histograms, heights ∝ √count. ${title}`));
  svg.append(svgEl("line", { x1: left, x2: width - right, y1: plotBottom, y2: plotBottom, class: "axis" }));
  if (lo < 0 && hi > 0) svg.append(svgEl("line", { x1: x(0), x2: x(0), y1: plotTop, y2: plotBottom, class: "grid" }));
  const draw = (layer, kind) => {
    if (!layer?.stats) return;
    const { edges, counts } = layer.stats.histogram;
    const group = svgEl("g", { class: kind, "data-counts": JSON.stringify(counts) });
    counts.forEach((n, i) => {
      if (!n) return;
      const x0 = x(edges[i]);
      const w = Math.max(1, x(edges[i + 1]) - x0);
      group.append(svgEl("rect", { x: x0, y: y(n), width: w, height: Math.max(1, plotBottom - y(n)), class: "bin" }));
    });
    svg.append(group);
  };
  draw(after, "after");
  draw(before, "before");
  svg.append(svgEl("text", { x: left, y: height - 18, class: "tick" }, num(lo)));
  svg.append(svgEl("text", { x: width - right, y: height - 18, "text-anchor": "end", class: "tick" }, num(hi)));
  if (lo < 0 && hi > 0) svg.append(svgEl("text", { x: x(0), y: height - 18, "text-anchor": "middle", class: "tick" }, "0"));
  const legend = svgEl("g", { class: "legend" });
  legend.append(svgEl("rect", { x: left, y: height - 12, width: 12, height: 8, class: "before-key" }));
  legend.append(svgEl("text", { x: left + 16, y: height - 4, class: "tick" }, "original"));
  legend.append(svgEl("rect", { x: left + 90, y: height - 12, width: 12, height: 8, class: "after-key" }));
  legend.append(svgEl("text", { x: left + 106, y: height - 4, class: "tick" }, "compressed"));
  svg.append(legend);
  return svg;
}

/** The results' comparison: a layer picker with one chart, and a before → after table. */
export function showWeightsAfter(container, beforeLayers, afterLayers) {
  container.replaceChildren();
  if (!beforeLayers?.length || !afterLayers) return;
  const afterByKey = new Map(afterLayers.map((l) => [layerKey(l), l]));
  const pairs = beforeLayers.map((b) => ({ key: layerKey(b), before: b, after: afterByKey.get(layerKey(b)) }));
  container.append(htmlEl("h3", { id: "weights-after-title" }, "Weights before and after"));
  container.append(
    htmlEl(
      "p",
      { class: "hint" },
      "One layer's weight histogram in the original (outline) and the compressed model (bars), on one value axis: " +
        "pruning shows as a spike at 0, quantization as at most 256 levels per channel.",
    ),
  );
  const row = htmlEl("p", { class: "row" });
  const label = htmlEl("label", { for: "weights-layer" }, "Layer");
  const select = htmlEl("select", { id: "weights-layer" });
  for (const { key, after } of pairs) select.append(htmlEl("option", { value: key }, after ? key : `${key} (not in the compressed model)`));
  row.append(label, select);
  const chart = htmlEl("div", { id: "weights-chart", class: "chart" });
  const text = htmlEl("p", { id: "weights-chart-text", class: "hint", "aria-live": "polite" });
  const draw = () => {
    const pair = pairs.find((p) => p.key === select.value) ?? pairs[0];
    chart.replaceChildren(comparisonChart(pair.before, pair.after));
    const side = (label, l) => (l?.stats ? `${label}: ${describe(l)}` : `${label}: ${l?.error ?? "no such layer"}`);
    text.textContent = `${side("original", pair.before)}. ${side("compressed", pair.after)}.`;
  };
  select.addEventListener("change", draw);
  // The layer with the most weights is the most telling one to show first.
  const biggest = pairs.reduce((best, p) => (p.after?.stats && p.before.count > (best?.before.count ?? -1) ? p : best), null);
  if (biggest) select.value = biggest.key;
  container.append(row, chart, text);
  draw();

  const table = htmlEl("table", { id: "weights-after-table", class: "numbers weights", "aria-labelledby": "weights-after-title" });
  const head = htmlEl("tr");
  for (const h of ["layer", "stored as", "zeros before", "zeros after", "levels before", "levels after", "std before", "std after"]) {
    head.append(htmlEl("th", { scope: "col" }, h));
  }
  table.append(htmlEl("thead"));
  table.tHead.append(head);
  const body = htmlEl("tbody");
  for (const { key, before, after } of pairs) {
    const tr = htmlEl("tr", { "data-layer": key });
    const a = after?.stats;
    const b = before.stats;
    tr.append(
      cell(key),
      cell(after ? `${after.dtype}${after.quantization ? `, ${after.quantization}` : ""}` : "–", "dtype-after", after?.dtype),
      cell(b ? percent(b.zero_fraction) : "–", "zeros-before", b?.zero_fraction),
      cell(a ? percent(a.zero_fraction) : "–", "zeros-after", a?.zero_fraction),
      cell(b ? levelsOf(before) : "–", "levels-before", b ? (before.stored_levels ?? b.levels) : null),
      cell(a ? levelsOf(after) : "–", "levels-after", a ? (after.stored_levels ?? a.levels) : null),
      cell(b ? num(b.std) : "–", "std-before", b?.std),
      cell(a ? num(a.std) : "–", "std-after", a?.std),
    );
    body.append(tr);
  }
  table.append(body);
  const details = htmlEl("details");
  details.append(htmlEl("summary", {}, `Every layer (${fmtCount(pairs.length)})`), table);
  container.append(details);
}
