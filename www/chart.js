// The results' pictures, plain SVG styled by style.css (so they follow the light/dark scheme):
//  - the per-layer error chart: one bar per intermediate tensor (graph order), its height the
//    SQNR in dB of the compressed model's tensor against the original's, its colour the
//    precision of the layer that made it (int8, binary, float, no weights); each bar has a
//    <title> and is focusable;
//  - the size chart: for each measure (file, gzip, weights) a bar for the original and one for
//    the compressed model on a common scale, with the sizes and the ratio written beside them.

const SVG = "http://www.w3.org/2000/svg";

function el(name, attributes = {}, text) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, String(v));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** Draws `layers` ([{ name, metrics: { sqnr_db, cosine, max_abs, exact } }]) into `container`.
 * `folded` names the ReLU/Clip activations static quantization removed: the compressed model
 * gives their name to the output of the layer before (the quantized range does the clamping), so
 * those tensors compare values before the activation with values after it; they are drawn apart. */
export function drawLayerChart(container, layers, folded = new Set(), precisionOf = () => null) {
  container.replaceChildren();
  if (!layers.length) {
    container.textContent = "No intermediate tensors in common (the models name their tensors differently).";
    return;
  }
  const finite = layers.map((l) => l.metrics.sqnr_db).filter((v) => v != null && Number.isFinite(v));
  const top = Math.max(10, Math.ceil(Math.max(...finite, 0) / 10) * 10);
  const bottom = Math.min(0, Math.floor(Math.min(...finite, 0) / 10) * 10);
  const width = 720;
  const height = 220;
  const left = 44;
  const right = 8;
  const plotTop = 10;
  // Names under the bars when they fit, else only the ends are labelled.
  const named = layers.length <= 24;
  const plotBottom = height - (named ? 70 : 24);
  const y = (v) => plotBottom - ((v - bottom) / (top - bottom)) * (plotBottom - plotTop);
  const slot = (width - left - right) / layers.length;

  const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", class: "layer-chart" });
  svg.append(el("title", {}, `SQNR per layer, ${layers.length} tensors, ${bottom} to ${top} dB`));
  for (let v = bottom; v <= top; v += 10) {
    svg.append(el("line", { x1: left, x2: width - right, y1: y(v), y2: y(v), class: v === 0 ? "axis" : "grid" }));
    svg.append(el("text", { x: left - 6, y: y(v) + 4, "text-anchor": "end", class: "tick" }, String(v)));
  }
  svg.append(el("text", { x: 4, y: 12, class: "tick" }, "dB"));
  layers.forEach((layer, i) => {
    const m = layer.metrics;
    const exact = m.sqnr_db == null && m.exact;
    const value = exact ? top : (m.sqnr_db ?? bottom);
    const barWidth = Math.max(1, Math.min(48, slot - Math.min(2, slot * 0.3)));
    const x = left + i * slot + (slot - barWidth) / 2;
    const y0 = y(Math.max(0, bottom));
    const y1 = y(value);
    const precision = precisionOf(layer.name);
    const bar = el("rect", {
      x,
      y: Math.min(y0, y1),
      width: barWidth,
      height: Math.max(1, Math.abs(y0 - y1)),
      class: `bar p-${precision?.kind ?? "none"}${folded.has(layer.name) ? " folded" : ""}${exact ? " exact" : ""}`,
      tabindex: 0,
      "data-name": layer.name,
      "data-precision": precision?.kind ?? "none",
    });
    const sqnr = exact ? "exact" : m.sqnr_db == null ? "n/a" : `${m.sqnr_db.toFixed(1)} dB`;
    const cosine = m.cosine == null ? "n/a" : m.cosine.toFixed(5);
    const note = folded.has(layer.name) ? " (activation folded into quantization: compares before/after it)" : "";
    const made = precision ? `, made by ${precision.node} (${precision.text})` : "";
    bar.append(el("title", {}, `${layer.name}: SQNR ${sqnr}, cosine ${cosine}, max abs ${m.max_abs.toPrecision(3)}${made}${note}`));
    svg.append(bar);
  });
  if (named) {
    layers.forEach((layer, i) => {
      const x = left + (i + 0.5) * slot;
      const shown = layer.name.length > 14 ? `${layer.name.slice(0, 13)}…` : layer.name;
      svg.append(el("text", { x, y: plotBottom + 12, transform: `rotate(-35 ${x} ${plotBottom + 12})`, "text-anchor": "end", class: "tick" }, shown));
    });
  } else {
    svg.append(el("text", { x: left, y: height - 6, class: "tick" }, "input side"));
    svg.append(el("text", { x: width - right, y: height - 6, "text-anchor": "end", class: "tick" }, "output side"));
  }
  container.append(svg);
}

/** The precisions the layer chart colours, in legend order: [kind, text]. */
export const PRECISIONS = [
  ["int8", "int8 weights"],
  ["binary", "binary weights"],
  ["float", "float weights"],
  ["none", "no weights"],
];

/** A legend for the layer chart (HTML, so it wraps on a phone); `folded`: some bars are folded
 * activations (drawn faded). */
export function layerLegend(kinds, folded = false) {
  const list = document.createElement("ul");
  list.className = "legend";
  for (const [kind, text] of PRECISIONS.filter(([k]) => kinds.has(k))) {
    const item = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = `swatch p-${kind}`;
    swatch.setAttribute("aria-hidden", "true");
    item.append(swatch, text);
    list.append(item);
  }
  if (folded) {
    const item = document.createElement("li");
    const swatch = document.createElement("span");
    swatch.className = "swatch folded";
    swatch.setAttribute("aria-hidden", "true");
    item.append(swatch, "faded: activation folded into quantization");
    list.append(item);
  }
  return list;
}

/** Draws the size bars: `rows` = [{ key, label, before, after, format }] (missing values are
 * left out). Each bar carries data-bar (`bytes-before`…) and data-value. */
export function drawSizeChart(container, rows) {
  container.replaceChildren();
  const shown = rows.filter((r) => r.before != null && r.after != null && r.before > 0);
  if (!shown.length) return;
  const width = 560;
  const rowHeight = 64;
  const left = 80;
  const right = 70;
  const height = shown.length * rowHeight + 8;
  const top = Math.max(...shown.map((r) => Math.max(r.before, r.after)));
  const scale = (v) => ((width - left - right) * v) / top;
  const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", class: "size-chart", "aria-labelledby": "size-title size-desc" });
  const description = shown.map((r) => `${r.label}: ${r.format(r.before)} → ${r.format(r.after)} (${(r.after / r.before).toFixed(3)}×)`).join("; ");
  svg.append(el("desc", { id: "size-desc" }, description));
  shown.forEach((r, i) => {
    const y = 4 + i * rowHeight;
    svg.append(el("text", { x: left - 8, y: y + 32, "text-anchor": "end", class: "label" }, r.label));
    for (const [j, which] of ["before", "after"].entries()) {
      const value = r[which];
      const barY = y + j * 28;
      const barWidth = Math.max(1, scale(value));
      svg.append(el("rect", { x: left, y: barY, width: barWidth, height: 24, class: `size-bar ${which}`, "data-bar": `${r.key}-${which}`, "data-value": value }));
      // The size inside a long bar, after a short one.
      const inside = barWidth > 150;
      svg.append(el("text", { x: inside ? left + 6 : left + barWidth + 6, y: barY + 17, class: inside ? `tick on-bar ${which}` : "tick" }, `${which === "before" ? "original" : "compressed"} ${r.format(value)}`));
    }
    svg.append(el("text", { x: width - 4, y: y + 32, "text-anchor": "end", class: "ratio" }, `${(r.after / r.before).toFixed(3)}×`));
  });
  container.append(svg);
}

/** The quality-target search (issue 12): one point per model pare measured, its output SQNR
 * against the share of the quantized layers' weight elements still int8, coloured by whose
 * ranges it used (`ranges`: the search's calibration part, all samples, or a fallback quantized
 * again); the target as a dashed line and the model written ringed. A non-finite SQNR sits on
 * the bottom edge. `target` is pare's `quality_target` report (`trajectory`, `target_db`,
 * `reached_db`, `int8_weight_share`). Each point has a <title> and data-sqnr / data-share. */
export function drawTrajectoryChart(container, target) {
  container.replaceChildren();
  const points = target?.trajectory ?? [];
  if (!points.length) return;
  const width = 560;
  const height = 240;
  const left = 44;
  const right = 24;
  const plotTop = 24;
  const plotBottom = height - 40;
  const values = points.map((p) => p.sqnr_db).filter((v) => v != null && Number.isFinite(v));
  if (target.target_db != null) values.push(target.target_db);
  const top = Math.max(10, Math.ceil(Math.max(...values, 0) / 10) * 10);
  const bottom = Math.min(0, Math.floor(Math.min(...values, 0) / 10) * 10);
  const y = (v) => plotBottom - ((Math.min(top, Math.max(bottom, v)) - bottom) / (top - bottom)) * (plotBottom - plotTop);
  const x = (share) => left + share * (width - left - right);
  const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", class: "trajectory-chart", "aria-labelledby": "trajectory-title trajectory-desc" });
  const written = points.filter((p) => p.ranges !== "calibration part").at(-1);
  svg.append(
    el(
      "desc",
      { id: "trajectory-desc" },
      `${points.length} models measured; target ${target.target_db ?? "none"} dB; the model written: ${target.reached_db == null ? "exact or non-finite" : `${target.reached_db.toFixed(1)} dB`} with ${(100 * target.int8_weight_share).toFixed(1)}% of weights int8`,
    ),
  );
  for (let v = bottom; v <= top; v += 10) {
    svg.append(el("line", { x1: left, x2: width - right, y1: y(v), y2: y(v), class: v === 0 ? "axis" : "grid" }));
    svg.append(el("text", { x: left - 6, y: y(v) + 4, "text-anchor": "end", class: "tick" }, String(v)));
  }
  for (const share of [0, 0.25, 0.5, 0.75, 1]) {
    svg.append(el("text", { x: x(share), y: plotBottom + 16, "text-anchor": "middle", class: "tick" }, `${share * 100}%`));
  }
  svg.append(el("text", { x: 4, y: 12, class: "tick" }, "dB"));
  svg.append(el("text", { x: (left + width - right) / 2, y: height - 6, "text-anchor": "middle", class: "tick" }, "weights still int8"));
  if (target.target_db != null) {
    svg.append(el("line", { x1: left, x2: width - right, y1: y(target.target_db), y2: y(target.target_db), class: "target" }));
  }
  const phase = { "calibration part": "search", "all samples": "written", "all samples, one quantized again": "requantized" };
  for (const p of points) {
    const sqnr = p.sqnr_db == null ? (p.non_finite ? -Infinity : top) : p.sqnr_db;
    const dot = el("circle", {
      cx: x(p.int8_weight_share),
      cy: y(sqnr),
      r: p === written ? 6 : 4,
      class: `point ${phase[p.ranges] ?? "search"}${p === written ? " chosen" : ""}`,
      tabindex: 0,
      "data-sqnr": p.sqnr_db ?? (p.non_finite ? "-inf" : "exact"),
      "data-share": p.int8_weight_share,
    });
    const shown = p.sqnr_db == null ? (p.non_finite ? "non-finite" : "exact") : `${p.sqnr_db.toFixed(1)} dB`;
    dot.append(el("title", {}, `${p.fallbacks} fallback(s) to ${p.fallback_to ?? "float"}, ${(100 * p.int8_weight_share).toFixed(1)}% of weights int8: ${shown} (ranges from ${p.ranges})`));
    svg.append(dot);
  }
  container.append(svg);
}
