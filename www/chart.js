// The per-layer error chart: one SVG bar per intermediate tensor (graph order), its height the
// SQNR in dB of the compressed model's tensor against the original's. Plain SVG, styled by
// style.css (so it follows the light/dark scheme); each bar has a <title> and is focusable.

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
export function drawLayerChart(container, layers, folded = new Set()) {
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
    const bar = el("rect", {
      x,
      y: Math.min(y0, y1),
      width: barWidth,
      height: Math.max(1, Math.abs(y0 - y1)),
      class: folded.has(layer.name) ? "bar folded" : exact ? "bar exact" : "bar",
      tabindex: 0,
      "data-name": layer.name,
    });
    const sqnr = exact ? "exact" : m.sqnr_db == null ? "n/a" : `${m.sqnr_db.toFixed(1)} dB`;
    const cosine = m.cosine == null ? "n/a" : m.cosine.toFixed(5);
    const note = folded.has(layer.name) ? " (activation folded into quantization: compares before/after it)" : "";
    bar.append(el("title", {}, `${layer.name}: SQNR ${sqnr}, cosine ${cosine}, max abs ${m.max_abs.toPrecision(3)}${note}`));
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
