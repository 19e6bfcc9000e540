// <pare-compressor model-src="model.onnx">: pare in a documentation page. The element fetches the
// model, shows its name and a one-line summary, offers the presets, compresses in its own worker
// (worker.js, through client.js) on seeded random calibration samples, and shows the sizes and
// the error against the original, with a download link for the compressed file.
//
// Attributes: model-src (required), model-name (shown instead of the file name), preset (the one
// selected first: int8-weights, int8-static, prune50-int8, filter25 or binary-weights), samples (random
// calibration samples, default 16), dims (sizes of symbolic input dims, `height=640; width=640`,
// as the app's Dimensions field).
//
// Real data instead of random samples, so a docs page shows the result on its own examples:
//   calibration-src  the calibration samples: an .npz/.npy URL (arrays named after the model's
//                    inputs, samples along the first axis) or image URLs separated by spaces or
//                    commas (for a model with one image input);
//   compare-src      the same for the comparison (default: up to 16 calibration samples);
//   image-order (rgb | bgr), image-range (0-1 | 0-255), image-mean, image-std (one number or
//                    one per channel): how images become the input, as the app's image options.
//
// Everything lives in an open shadow root whose styles are constructed stylesheets (allowed under
// the app's Content-Security-Policy, unlike inline <style>): the page's CSS does not reach inside,
// `:host { all: initial }` stops inherited fonts and colours, and nothing leaks out. Parts
// (`::part(button)`, `::part(results)` …) are the deliberate way for a page to restyle it.

import { Cancelled, PareWorker, explain } from "./client.js";
import { parseDims } from "./dims.js";
import { imageLayout, perChannel } from "./images.js";
import { readArrays } from "./npz.js";
import { presetText } from "./presets.js";
import { bytes as fmtBytes, count as fmtCount, ratio as fmtRatio } from "./format.js";

const PRESET_LABELS = {
  "int8-weights": "INT8 weights only",
  "int8-static": "INT8 static (weights and activations)",
  "prune50-int8": "Prune 50% + INT8 static",
  filter25: "Filter prune 25%",
  "binary-weights": "Binary weights",
};

const CSS = `
:host {
  all: initial;
  display: block;
  box-sizing: border-box;
  max-width: 42rem;
  margin: 1rem 0;
  padding: 0.75rem 1rem;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif;
  color: #1f2328;
  background: #ffffff;
  border: 1px solid #d0d7de;
  border-radius: 8px;
}
:host([hidden]) { display: none; }
* { box-sizing: border-box; }
.title { margin: 0; font-size: 1.05em; font-weight: 600; }
.summary, .note { margin: 0.15rem 0 0.6rem; color: #59636e; font-size: 0.92em; }
.controls { display: flex; flex-wrap: wrap; gap: 0.5rem; align-items: center; }
select, button {
  font: inherit;
  padding: 0.3rem 0.7rem;
  border-radius: 6px;
  border: 1px solid #d0d7de;
  color: #1f2328;
  background: #f6f8fa;
  cursor: pointer;
}
button.primary { color: #ffffff; background: #1f6feb; border-color: #1f6feb; }
button:disabled { opacity: 0.5; cursor: default; }
progress { width: 100%; height: 0.5rem; margin-top: 0.5rem; }
.status { margin: 0.4rem 0 0; font-size: 0.92em; }
.error { color: #cf222e; }
table { border-collapse: collapse; margin: 0.6rem 0; font-variant-numeric: tabular-nums; }
th, td { padding: 0.15rem 0.8rem 0.15rem 0; text-align: right; border-bottom: 1px solid #eaeef2; }
th:first-child, td:first-child { text-align: left; }
th { font-weight: 600; }
a { color: #0969da; }
[hidden] { display: none !important; }
@media (prefers-color-scheme: dark) {
  :host { color: #e6edf3; background: #0d1117; border-color: #30363d; }
  .summary, .note { color: #9198a1; }
  select, button { color: #e6edf3; background: #21262d; border-color: #30363d; }
  th, td { border-color: #21262d; }
  a { color: #4493f8; }
  .error { color: #f85149; }
}
`;

const HTML = `
<p class="title" part="title"></p>
<p class="summary" part="summary">Loading…</p>
<div class="controls">
  <label>Recipe <select part="select" name="preset"></select></label>
  <button type="button" class="primary" part="button" name="compress" disabled>Compress</button>
  <button type="button" part="button" name="cancel" hidden>Cancel</button>
</div>
<progress part="progress" hidden></progress>
<p class="status" part="status" role="status"></p>
<div part="results" class="results" hidden>
  <table>
    <thead><tr><th></th><th>original</th><th>compressed</th><th>ratio</th></tr></thead>
    <tbody class="sizes"></tbody>
  </table>
  <table>
    <thead><tr><th>output</th><th>cosine</th><th>SQNR (dB)</th><th>top-1 agreement</th></tr></thead>
    <tbody class="metrics"></tbody>
  </table>
  <p class="note"></p>
  <a part="download" class="download" download>Download the compressed model</a>
</div>
`;

let sheet = null;
function styles() {
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
  }
  return sheet;
}

const baseName = (name) => name.replace(/\.onnx$/i, "");

class PareCompressor extends HTMLElement {
  static observedAttributes = ["model-src"];

  constructor() {
    super();
    const root = this.attachShadow({ mode: "open" });
    root.adoptedStyleSheets = [styles()];
    root.innerHTML = HTML;
    this.$ = (selector) => root.querySelector(selector);
    const select = this.$("select");
    for (const [value, label] of Object.entries(PRESET_LABELS)) {
      select.append(new Option(label, value));
    }
    this.$('button[name="compress"]').addEventListener("click", () => this.compress());
    this.$('button[name="cancel"]').addEventListener("click", () => this.pare?.cancel());
    this.model = null; // { name, bytes, opened }
    this.downloadUrl = null;
  }

  connectedCallback() {
    const preset = this.getAttribute("preset") ?? "int8-static";
    if (!this.pare && preset in PRESET_LABELS) this.$("select").value = preset;
    if (!this.pare) this.pare = new PareWorker();
    this.load();
  }

  disconnectedCallback() {
    this.pare?.close();
    this.pare = null;
    this.setDownload(null);
  }

  attributeChangedCallback() {
    if (this.pare) this.load();
  }

  setStatus(text, isError = false) {
    const status = this.$(".status");
    status.textContent = text;
    status.classList.toggle("error", isError);
  }

  setBusy(busy) {
    this.$('button[name="compress"]').disabled = busy || !this.model;
    this.$('button[name="cancel"]').hidden = !busy;
    this.$("select").disabled = busy;
    this.$("progress").hidden = !busy;
    if (busy) this.$("progress").removeAttribute("value");
  }

  setDownload(url) {
    if (this.downloadUrl) URL.revokeObjectURL(this.downloadUrl);
    this.downloadUrl = url;
  }

  /** Fetches and opens model-src. A newer load (the attribute changed) wins over an older one. */
  async load() {
    const src = this.getAttribute("model-src");
    const loading = (this.loading = Symbol(src));
    this.model = null;
    this.$(".results").hidden = true;
    const fileName = decodeURIComponent(new URL(src ?? "", document.baseURI).pathname.split("/").pop());
    const name = this.getAttribute("model-name") ?? fileName;
    this.$(".title").textContent = name;
    if (!src) {
      this.$(".summary").textContent = "No model-src given.";
      return;
    }
    this.$(".summary").textContent = "Loading…";
    this.setBusy(true);
    this.setStatus(`Fetching ${name}…`);
    try {
      const response = await fetch(src);
      if (!response.ok) throw new Error(`fetching ${src} failed: HTTP ${response.status}`);
      const bytes = new Uint8Array(await response.arrayBuffer());
      this.setStatus(`Analysing ${name}…`);
      const opened = await this.pare.request("open", { bytes });
      if (loading !== this.loading) return;
      this.model = { name, fileName, bytes, opened };
      this.$(".summary").textContent = summaryLine(bytes, opened);
      this.setStatus(opened.runError ? `pare cannot run this model: ${opened.runError}` : "Pick a recipe and compress.", !!opened.runError);
    } catch (e) {
      if (loading !== this.loading) return;
      this.$(".summary").textContent = "";
      this.setStatus(e instanceof Cancelled ? "Cancelled." : `${name}: ${explain(e)}`, !(e instanceof Cancelled));
    } finally {
      if (loading === this.loading) this.setBusy(false);
    }
  }

  async compress() {
    if (!this.model) return;
    const { name, bytes, opened } = this.model;
    const preset = this.$("select").value;
    this.$(".results").hidden = true;
    this.setBusy(true);
    this.setStatus(`Compressing ${name}…`);
    try {
      const random = { seed: 0, samples: Number(this.getAttribute("samples") ?? 16) };
      if (!Number.isSafeInteger(random.samples) || random.samples < 1) throw new Error("samples must be a whole number ≥ 1");
      const sizes = parseDims(this.getAttribute("dims") ?? "", opened.summary.inputs.map((i) => i.name));
      if (Object.keys(sizes.dims).length) random.dims = sizes.dims;
      if (Object.keys(sizes.shapes).length) random.shapes = sizes.shapes;
      const calibration = await this.sampleSource("calibration-src");
      const compareInputs = await this.sampleSource("compare-src");
      const started = performance.now();
      const result = await this.pare.request(
        "compress",
        { bytes, recipe: presetText(preset), samples: calibration ?? { random }, compareInputs, analysis: opened.analysis },
        (p) => this.progress(p),
      );
      this.showResults(result, preset, (performance.now() - started) / 1000, result.report.input_file_bytes ?? bytes.length);
    } catch (e) {
      this.setStatus(e instanceof Cancelled ? "Cancelled." : `Compression failed: ${explain(e)}`, !(e instanceof Cancelled));
    } finally {
      this.setBusy(false);
    }
  }

  /** The samples an attribute names, as the worker takes them: an .npz/.npy URL → { arrays };
   * image URLs → { images, layout, mean, std, bgr, range } (the worker decodes them); null when
   * the attribute is absent. */
  async sampleSource(attribute) {
    const urls = (this.getAttribute(attribute) ?? "").split(/[\s,]+/).filter(Boolean);
    if (!urls.length) return null;
    const { opened } = this.model;
    const get = async (url) => {
      const response = await fetch(url);
      if (!response.ok) throw new Error(`${attribute}: fetching ${url} failed: HTTP ${response.status}`);
      return response;
    };
    const nameOf = (url) => decodeURIComponent(new URL(url, document.baseURI).pathname.split("/").pop());
    this.setStatus(`Fetching ${attribute === "compare-src" ? "comparison" : "calibration"} data…`);
    if (urls.length === 1 && /\.(npz|npy)$/i.test(new URL(urls[0], document.baseURI).pathname)) {
      const bytes = new Uint8Array(await (await get(urls[0])).arrayBuffer());
      return { arrays: await readArrays(bytes, nameOf(urls[0]), opened.summary.inputs[0]?.name ?? "input") };
    }
    const inputs = opened.analysis?.shapes?.inputs;
    if (!inputs || inputs.length !== 1) throw new Error(`${attribute}: images fill a model with one input; give an .npz instead`);
    const layout = imageLayout(inputs[0]);
    const images = await Promise.all(urls.map(async (url) => new File([await (await get(url)).blob()], nameOf(url))));
    const range = this.getAttribute("image-range") ?? "0-1";
    if (!["0-1", "0-255"].includes(range)) throw new Error(`image-range must be 0-1 or 0-255, got "${range}"`);
    return {
      images,
      layout,
      mean: perChannel(this.getAttribute("image-mean") ?? "0", layout.channels, 0, "image-mean"),
      std: perChannel(this.getAttribute("image-std") ?? "1", layout.channels, 1, "image-std"),
      bgr: (this.getAttribute("image-order") ?? "rgb").toLowerCase() === "bgr",
      range,
    };
  }

  progress(p) {
    const bar = this.$("progress");
    if (p.total) {
      bar.max = p.total;
      bar.value = p.done;
    } else {
      bar.removeAttribute("value");
    }
    this.setStatus(`${p.phase}: ${p.stage}${p.total ? ` ${p.done}/${p.total}` : ""}`);
  }

  /** `fileBytes`: the model file's size (pare's report.input_file_bytes; its `before` is pare's
   * re-encoding of it). */
  showResults(result, preset, seconds, fileBytes) {
    const { report, comparison, compareError } = result;
    const row = (label, key, before, after) => {
      const tr = document.createElement("tr");
      tr.dataset.key = key;
      for (const [text, value] of [[label], [fmtBytes(before), before], [fmtBytes(after), after], [fmtRatio(after / before)]]) {
        const td = tr.insertCell();
        td.textContent = text;
        if (value !== undefined) td.dataset.value = String(value);
      }
      return tr;
    };
    this.$(".sizes").replaceChildren(
      row("file size", "bytes", fileBytes, report.after.bytes),
      row("gzip size", "gzip", report.before.gzip_bytes, report.after.gzip_bytes),
    );
    this.$(".metrics").replaceChildren(
      ...(comparison?.outputs ?? []).map((o) => {
        const tr = document.createElement("tr");
        const m = o.metrics;
        const cells = [
          [o.name],
          [m.cosine == null ? "–" : m.cosine.toFixed(5), m.cosine, "cosine"],
          [m.sqnr_db == null ? "exact" : m.sqnr_db.toFixed(1), m.sqnr_db, "sqnr"],
          [o.agreement ? `${(o.agreement.top1_rate * 100).toFixed(1)}%` : "–", o.agreement?.top1_rate, "top1"],
        ];
        for (const [text, value, key] of cells) {
          const td = tr.insertCell();
          td.textContent = text;
          if (key) td.dataset.key = key;
          if (value != null) td.dataset.value = String(value);
        }
        return tr;
      }),
    );
    this.$(".note").textContent = comparison
      ? `Compared with the original on ${comparison.samples} samples (${comparison.input_source}); ${seconds.toFixed(2)} s in this browser.`
      : `Not compared with the original: ${compareError}`;
    this.$(".note").dataset.samples = String(comparison?.samples ?? "");
    const url = URL.createObjectURL(new Blob([result.model], { type: "application/octet-stream" }));
    this.setDownload(url);
    const link = this.$(".download");
    link.href = url;
    link.download = `${baseName(this.model.fileName)}.${preset}.onnx`;
    this.$(".results").hidden = false;
    this.setStatus(`Compressed with ${PRESET_LABELS[preset]}.`);
    this.dispatchEvent(new CustomEvent("compressed", { detail: { report, comparison } }));
  }
}

/** "412.3 KiB · 12 nodes · 1.20 M parameters · image float32 [N, 1, 28, 28]" */
function summaryLine(bytes, { summary, analysis }) {
  const parts = [fmtBytes(bytes.length), `${summary.node_count} nodes`];
  if (analysis) parts.push(`${fmtCount(analysis.params.total_params)} parameters`);
  parts.push(summary.inputs.map((i) => `${i.name} ${i.type}`).join(", "));
  return parts.join(" · ");
}

customElements.define("pare-compressor", PareCompressor);
