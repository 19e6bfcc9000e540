// The page: open a model, pick a recipe and samples, compress in the worker (worker.js), show the
// sizes, the error against the original and the latency, and offer the results as downloads.
// No wasm runs here; this thread only handles the UI, so it stays responsive and Cancel can
// terminate the worker at any point.

import { readArrays } from "./npz.js";
import { imageLayout, perChannel } from "./images.js";
import { drawLayerChart } from "./chart.js";
import { showPredictions } from "./predictions.js";
import { showWeights, showWeightsAfter } from "./weights.js";
import { PRESETS, presetText } from "./presets.js";
import { Cancelled, PareWorker, explain } from "./client.js";
import { LayersTable } from "./layers.js";
import { parseDims, prefill, resolvedShapes } from "./dims.js";
import { bytes as fmtBytes, count as fmtCount, number as fmtNumber, ratio as fmtRatio, ms as fmtMs } from "./format.js";

const $ = (id) => document.getElementById(id);

// --- state ---------------------------------------------------------------------------------------

const state = {
  fileName: "",
  bytes: null, // the original model, Uint8Array
  opened: null, // { summary, analysis, analysisError, runError }
  samples: null, // calibration samples from files: { arrays } or { images, layout }
  compareInputs: null, // comparison inputs, the same way
  result: null, // the last compress result
  openWarning: "", // what the page says about the model since it was opened
};

// --- the worker --------------------------------------------------------------------------------

const pare = new PareWorker();
const request = (kind, payload, onProgress) => pare.request(kind, payload, onProgress);
const cancelWork = () => pare.cancel();

// --- messages ------------------------------------------------------------------------------------

function setStatus(text) {
  $("status").textContent = text;
}

/** Shows `text` as the page's error; `kind` (a PareError kind, or none) goes to data-kind. */
function showError(text, kind = null) {
  $("error").textContent = text;
  $("error").hidden = !text;
  if (kind) $("error").dataset.kind = kind;
  else delete $("error").dataset.kind;
}

function showWarning(text) {
  $("warning").textContent = text;
  $("warning").hidden = !text;
}

const errorText = (e) => (e instanceof Error ? e.message : String(e));

// --- helpers -----------------------------------------------------------------------------------

function fillRows(tbody, rows) {
  tbody.replaceChildren(
    ...rows.map((cells) => {
      const tr = document.createElement("tr");
      for (const cell of cells) {
        const td = document.createElement("td");
        if (cell && typeof cell === "object") {
          td.textContent = cell.text;
          if (cell.value !== undefined) td.dataset.value = String(cell.value);
          if (cell.key) td.dataset.key = cell.key;
        } else {
          td.textContent = String(cell);
        }
        tr.append(td);
      }
      return tr;
    }),
  );
}

function download(data, fileName, type) {
  const url = URL.createObjectURL(new Blob([data], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const baseName = (name) => name.replace(/\.onnx$/i, "");

// --- opening a model ---------------------------------------------------------------------------

async function openModel(file) {
  showError("");
  showWarning("");
  $("summary").hidden = true;
  $("compress-panel").hidden = true;
  $("results").hidden = true;
  state.bytes = null;
  state.result = null;
  state.openWarning = "";
  // Samples chosen for another model would not fit this one.
  state.samples = null;
  state.compareInputs = null;
  $("samples-info").textContent = "";
  $("compare-info").textContent = "";
  $("compare-clear").disabled = true;
  document.querySelector('input[name="samples"][value="random"]').checked = true;
  setStatus(`Reading ${file.name}…`);
  $("open-cancel").hidden = false;
  $("file").disabled = true;
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const started = performance.now();
    const opened = await request("open", { bytes });
    state.fileName = file.name;
    state.bytes = bytes;
    state.opened = opened;
    showSummary(file.name, bytes, opened);
    layersTable.show(opened.analysis);
    applyPreset(); // the chosen preset again, without another model's overrides
    $("dims").value = prefill(opened.summary.inputs, opened.analysis?.shapes?.inputs);
    setStatus(`${file.name}: ${fmtBytes(bytes.length)}, analysed in ${fmtMs(performance.now() - started)}.`);
    if (opened.runError) {
      state.openWarning = `pare cannot run this model, so it cannot calibrate or compare it: ${opened.runError}`;
    } else if (opened.analysisError) {
      state.openWarning = `The analysis failed: ${opened.analysisError}`;
    }
    showWarning(state.openWarning);
    $("compress-panel").hidden = false;
  } catch (e) {
    if (e instanceof Cancelled) {
      setStatus(`Opening ${file.name} cancelled.`);
      return;
    }
    setStatus(`${file.name} could not be opened.`);
    showError(`${file.name}: ${explain(e)}`, e?.kind);
  } finally {
    $("open-cancel").hidden = true;
    $("file").disabled = false;
  }
}

function showSummary(fileName, bytes, { summary, analysis }) {
  $("model-name").textContent = fileName;
  $("file-bytes").textContent = `${fmtBytes(bytes.length)} (${bytes.length.toLocaleString("en")} bytes)`;
  $("producer").textContent = summary.producer || "(not recorded)";
  const opsets = summary.opsets.map(([domain, version]) => `${domain || "ai.onnx"} ${version}`).join(", ");
  $("opsets").textContent = `IR ${summary.ir_version}; ${opsets}`;
  $("node-count").textContent = summary.node_count.toLocaleString("en");
  fillRows($("inputs"), summary.inputs.map((v) => [v.name, v.type]));
  fillRows($("outputs"), summary.outputs.map((v) => [v.name, v.type]));

  const flopsByOp = new Map((analysis?.ops ?? []).map((o) => [o.op_type, o.flops]));
  const ops = Object.entries(summary.op_histogram).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  fillRows($("ops"), ops.map(([op, n]) => [op, n, flopsByOp.has(op) ? fmtCount(flopsByOp.get(op)) : "–"]));

  if (analysis) {
    const p = analysis.params;
    $("params").textContent = `${fmtCount(p.total_params)} in ${p.tensor_count} tensors (${fmtBytes(p.total_bytes)})`;
    $("params").dataset.value = String(p.total_params);
    const t = analysis.totals;
    $("flops").textContent = `${fmtCount(t.flops)} FLOPs, ${fmtCount(t.macs)} MACs`;
    $("flops").dataset.value = String(t.flops);
    const s = analysis.shapes;
    const assumed = s.inputs.map((i) => `${i.name} [${i.shape.join(", ")}]`).join(", ");
    $("shapes-note").textContent = `${s.source}${assumed ? `, analysed as ${assumed}` : ""}${s.note ? ` (${s.note})` : ""}`;
    const findings = analysis.lint?.findings ?? [];
    $("lint").replaceChildren(
      ...(findings.length
        ? findings.map((f) => {
            const li = document.createElement("li");
            li.className = `lint-${f.severity}`;
            li.textContent = `${f.severity}: ${f.message}`;
            return li;
          })
        : [Object.assign(document.createElement("li"), { textContent: "No findings." })]),
    );
  } else {
    for (const id of ["params", "flops", "shapes-note"]) $(id).textContent = "(analysis failed)";
    $("lint").replaceChildren();
  }
  showWeights($("weights-summary"), analysis?.weights);
  $("summary").hidden = false;
}

// --- recipe ------------------------------------------------------------------------------------

function selectedPreset() {
  return document.querySelector('input[name="preset"]:checked')?.value ?? "custom";
}

const layersTable = new LayersTable(
  $("layers"),
  $("layers-note"),
  (text) => (text === undefined ? $("recipe-json").value : ($("recipe-json").value = text)),
  () => markCustom(),
);

function applyPreset() {
  const preset = selectedPreset();
  if (preset !== "custom") {
    $("recipe-json").value = presetText(preset);
    layersTable.apply(); // the preset with the per-layer overrides set
  } else {
    $("advanced").open = true;
  }
}

function markCustom() {
  const text = $("recipe-json").value;
  // A preset with the per-layer overrides set is still that preset.
  const match = Object.keys(PRESETS).find((name) => presetText(name) === text || layersTable.withOverrides(presetText(name)) === text);
  document.querySelector(`input[name="preset"][value="${match ?? "custom"}"]`).checked = true;
}

async function importRecipe(file) {
  try {
    const text = await file.text();
    JSON.parse(text); // a syntax error is reported now; pare checks the rest when compressing
    $("recipe-json").value = text.trim();
    markCustom();
    $("advanced").open = true;
    showError("");
  } catch (e) {
    showError(`${file.name} is not JSON: ${errorText(e)}`);
  }
}

// --- samples -----------------------------------------------------------------------------------

const describeArrays = (arrays) =>
  Object.entries(arrays)
    .map(([name, t]) => `${name}: ${t.dtype} [${t.shape.join(", ")}]`)
    .join("; ");

function defaultInputName() {
  return state.opened?.summary.inputs[0]?.name ?? "input";
}

/** How the model takes images (its only input must be a float32 image), or an Error. */
function modelImageLayout() {
  const inputs = state.opened?.analysis?.shapes?.inputs;
  if (!inputs) throw new Error("Images need the model's input shape, and the analysis of this model failed.");
  if (inputs.length !== 1) throw new Error(`Images fill a model with one input; this one has ${inputs.length}.`);
  return imageLayout(inputs[0]);
}

/** Picked image files as a sample source; the worker decodes them when compressing. */
function loadImages(files, infoId) {
  try {
    const layout = modelImageLayout();
    const shape =
      layout.layout === "NCHW"
        ? [files.length, layout.channels, layout.height, layout.width]
        : [files.length, layout.height, layout.width, layout.channels];
    $(infoId).textContent = `${files.length} image${files.length === 1 ? "" : "s"} → ${layout.name}: float32 [${shape.join(", ")}]`;
    return { images: files, layout };
  } catch (e) {
    $(infoId).textContent = "";
    showError(errorText(e));
    return null;
  }
}

/** The image preprocessing the page's fields ask for. */
function imageOptions(layout) {
  return {
    mean: perChannel($("image-mean").value, layout.channels, 0, "The image mean"),
    std: perChannel($("image-std").value, layout.channels, 1, "The image std"),
    bgr: $("image-order").value === "bgr",
    range: $("image-range").value,
  };
}

/** A sample source as the worker takes it: { arrays } or { images, layout, mean, std }. */
function forWorker(source) {
  if (!source || source.arrays) return source;
  return { ...source, ...imageOptions(source.layout) };
}

async function loadArrays(file, infoId) {
  $(infoId).textContent = `Reading ${file.name}…`;
  try {
    const arrays = await readArrays(new Uint8Array(await file.arrayBuffer()), file.name, defaultInputName());
    $(infoId).textContent = `${file.name}: ${describeArrays(arrays)}`;
    return { arrays };
  } catch (e) {
    $(infoId).textContent = "";
    showError(errorText(e));
    return null;
  }
}

function samplesChoice() {
  if (document.querySelector('input[name="samples"]:checked').value === "file") {
    if (!state.samples) throw new Error("Choose a calibration .npz file or images, or pick random samples.");
    return forWorker(state.samples);
  }
  const seed = Number($("seed").value);
  const samples = Number($("sample-count").value);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error("The seed must be a whole number ≥ 0.");
  if (!Number.isSafeInteger(samples) || samples < 1) throw new Error("The number of samples must be a whole number ≥ 1.");
  const sizes = parseDims($("dims").value, state.opened.summary.inputs.map((i) => i.name));
  const random = { seed, samples };
  if (Object.keys(sizes.dims).length) random.dims = sizes.dims;
  if (Object.keys(sizes.shapes).length) random.shapes = sizes.shapes;
  return { random };
}

// --- compressing -------------------------------------------------------------------------------

function setBusy(busy) {
  $("compress").disabled = busy;
  $("cancel").disabled = !busy;
  $("file").disabled = busy;
  $("progress-box").hidden = !busy;
}

const PHASES = { prepare: "Preparing", compress: "Compressing", compare: "Comparing with the original", analyze: "Analysing the result", latency: "Timing both models" };

function showProgress(p) {
  const bar = $("progress");
  const stepText = p.steps ? ` (step ${p.step + 1} of ${p.steps})` : "";
  const amount = p.total ? ` ${p.done}/${p.total}` : "";
  $("progress-label").textContent = `${PHASES[p.phase] ?? p.phase}: ${p.stage}${stepText}${amount}`;
  if (p.total) {
    bar.max = p.total;
    bar.value = p.done;
  } else {
    bar.removeAttribute("value"); // indeterminate
  }
}

async function runCompress(event) {
  event.preventDefault();
  if (!state.bytes) return;
  showError("");
  let samples;
  try {
    samples = samplesChoice();
  } catch (e) {
    showError(errorText(e));
    return;
  }
  const recipe = $("recipe-json").value;
  $("results").hidden = true;
  state.result = null;
  setBusy(true);
  showProgress({ phase: "compress", stage: "starting", done: 0, total: 0 });
  setStatus(`Compressing ${state.fileName}…`);
  const started = performance.now();
  try {
    const payload = {
      bytes: state.bytes,
      recipe,
      samples,
      compareInputs: forWorker(state.compareInputs),
      analysis: state.opened.analysis,
      // Random samples are timed at the dims they were made with.
      inputShapes: samples.random ? resolvedShapes(state.opened.summary.inputs, { dims: {}, shapes: {}, ...samples.random }) : null,
    };
    const result = await request("compress", payload, showProgress);
    const seconds = (performance.now() - started) / 1000;
    state.result = result;
    showResults(result, seconds);
    showPredictions(result.predictions, payload);
    setStatus(`Compressed ${state.fileName} in ${seconds.toFixed(2)} s.`);
  } catch (e) {
    if (e instanceof Cancelled) {
      setStatus("Cancelled.");
    } else {
      setStatus("Compression failed.");
      showError(explain(e), e?.kind);
    }
  } finally {
    setBusy(false);
  }
}

function showResults(result, seconds) {
  const { report, comparison, compareError, analysisAfter, latency, latencyError } = result;
  const before = state.opened.analysis;
  $("results-note").textContent = `Done in ${seconds.toFixed(2)} s (compression itself ${fmtMs(result.compressMs)}).`;
  $("results-note").dataset.seconds = seconds.toFixed(3);
  $("results-note").dataset.compressMs = result.compressMs.toFixed(1);

  const row = (label, key, a, b, fmt) => [
    label,
    { text: a == null ? "–" : fmt(a), value: a ?? "", key: `${key}-before` },
    { text: b == null ? "–" : fmt(b), value: b ?? "", key: `${key}-after` },
    { text: a && b != null ? fmtRatio(b / a) : "–" },
  ];
  const rows = [
    row("file size", "bytes", report.before.bytes, report.after.bytes, fmtBytes),
    row("gzip size", "gzip", report.before.gzip_bytes, report.after.gzip_bytes, fmtBytes),
    row("parameters", "params", before?.params.total_params, analysisAfter?.params.total_params, fmtCount),
    row("weight bytes", "weight-bytes", before?.params.total_bytes, analysisAfter?.params.total_bytes, fmtBytes),
    row("FLOPs", "flops", before?.totals.flops, analysisAfter?.totals.flops, fmtCount),
  ];
  if (latency) {
    rows.push(row(`latency (median of ${latency.timings} × ${latency.runs_per_timing} runs)`, "latency", latency.original_ms, latency.compressed_ms, fmtMs));
  }
  fillRows($("sizes"), rows);
  showWeightsAfter($("weights-results"), before?.weights, analysisAfter?.weights);
  const problems = [state.openWarning];
  if (compareError) problems.push(`The comparison with the original failed: ${compareError}`);
  if (latencyError) problems.push(`Latency was not measured: ${latencyError}`);
  showWarning(problems.filter(Boolean).join("\n"));

  $("steps").replaceChildren(
    ...report.steps.map((step) => {
      const li = document.createElement("li");
      li.textContent = describeStep(step);
      return li;
    }),
  );
  $("results").hidden = false;
  $("comparison-block").hidden = !comparison;
  if (comparison) showComparison(comparison, report);
  $("results").scrollIntoView({ block: "start" });
}

function showComparison(comparison, report) {
  $("compare-source").textContent = `On ${comparison.samples} samples: ${comparison.input_source}.`;
  fillRows(
    $("output-metrics"),
    comparison.outputs.map((o) => {
      const m = o.metrics;
      const top1 = o.agreement
        ? { text: `${(o.agreement.top1_rate * 100).toFixed(1)}% (${o.agreement.top1_matches}/${o.agreement.rows})`, value: o.agreement.top1_rate, key: "top1" }
        : { text: "–" };
      return [
        o.name,
        { text: fmtNumber(m.max_abs), value: m.max_abs, key: "max-abs" },
        { text: fmtNumber(m.mean_abs), value: m.mean_abs, key: "mean-abs" },
        { text: m.cosine == null ? "–" : m.cosine.toFixed(6), value: m.cosine ?? "", key: "cosine" },
        { text: m.sqnr_db == null ? "exact" : m.sqnr_db.toFixed(1), value: m.sqnr_db ?? "", key: "sqnr" },
        top1,
      ];
    }),
  );

  const layers = comparison.intermediates ?? [];
  const folded = new Set(report.steps.flatMap((step) => step.quantize?.folded_activations ?? []));
  drawLayerChart($("layer-chart"), layers, folded);
  const foldedShown = layers.filter((l) => folded.has(l.name)).map((l) => l.name);
  $("folded-note").textContent = foldedShown.length
    ? `Grey: ${foldedShown.join(", ")} — activations folded into quantization; the compressed model gives their ` +
      "name to the layer before, so these bars compare values before the activation with values after it."
    : "";
  $("folded-note").hidden = !foldedShown.length;
  fillRows(
    $("layer-metrics"),
    layers.map((l) => [
      l.name,
      fmtNumber(l.metrics.max_abs),
      l.metrics.cosine == null ? "–" : l.metrics.cosine.toFixed(6),
      l.metrics.sqnr_db == null ? "exact" : l.metrics.sqnr_db.toFixed(1),
    ]),
  );
}

const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

function describeStep(step) {
  if (step.binarize) {
    const b = step.binarize;
    const what = b.activations ? "weights and inputs" : "weights";
    return `binarize (${what}): ${plural(b.layers.length, "layer")}${b.skipped?.length ? `, ${b.skipped.length} kept in float` : ""}`;
  }
  if (step.quantize) {
    const q = step.quantize;
    const skipped = q.skipped?.length ? `, ${q.skipped.length} skipped` : "";
    const activations = q.activations?.length ? `, ${q.activations.length} activations` : "";
    return `quantize (${q.mode}): ${plural(q.layers.length, "layer")}${activations}${skipped}, ${q.per_channel ? "per channel" : "per tensor"}`;
  }
  if (step.prune) {
    const p = step.prune;
    const t = p.totals ?? {};
    // Filter pruning removes channels instead of zeroing weights.
    const sparsity = t.sparsity != null && p.method !== "filter" ? `, ${(t.sparsity * 100).toFixed(1)}% zeros` : "";
    const flops = p.flops ? `, FLOPs ${fmtCount(p.flops.before)} → ${fmtCount(p.flops.after)}` : "";
    return `prune (${p.method}): ${plural(p.layers.length, "layer")}${sparsity}${flops}${p.skipped?.length ? `, ${p.skipped.length} skipped` : ""}`;
  }
  return JSON.stringify(step);
}

function reportJson() {
  const r = state.result;
  return JSON.stringify(
    {
      model: state.fileName,
      output: `${baseName(state.fileName)}.pare.onnx`,
      recipe: r.recipe,
      calibration_samples: r.calibrationSamples,
      report: r.report,
      compare: r.comparison,
      latency: r.latency,
    },
    null,
    2,
  );
}

// --- wiring ------------------------------------------------------------------------------------

function wireUp() {
  const drop = $("drop");
  $("file").addEventListener("change", (event) => {
    const file = event.target.files[0];
    event.target.value = ""; // picking the same file again still opens it
    if (file) openModel(file);
  });
  for (const type of ["dragenter", "dragover"]) {
    drop.addEventListener(type, (event) => {
      event.preventDefault();
      drop.classList.add("over");
    });
  }
  for (const type of ["dragleave", "drop"]) {
    drop.addEventListener(type, () => drop.classList.remove("over"));
  }
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    const file = event.dataTransfer.files[0];
    if (file && !$("file").disabled) openModel(file);
  });
  // Labels styled as buttons (and the drop zone) are the keyboard stops for their hidden file
  // inputs: Enter or Space opens the picker.
  for (const label of document.querySelectorAll("label.button, label.drop")) {
    label.tabIndex = 0;
    label.setAttribute("role", "button");
    $(label.htmlFor).tabIndex = -1;
    label.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        $(label.htmlFor).click();
      }
    });
  }

  for (const radio of document.querySelectorAll('input[name="preset"]')) radio.addEventListener("change", applyPreset);
  $("recipe-json").addEventListener("input", markCustom);
  $("recipe-file").addEventListener("change", (event) => {
    const file = event.target.files[0];
    event.target.value = "";
    if (file) importRecipe(file);
  });
  $("recipe-export").addEventListener("click", () => download($("recipe-json").value + "\n", "recipe.json", "application/json"));

  $("samples-file").addEventListener("change", async (event) => {
    const file = event.target.files[0];
    event.target.value = "";
    if (!file) return;
    state.samples = await loadArrays(file, "samples-info");
    if (state.samples) document.querySelector('input[name="samples"][value="file"]').checked = true;
  });
  $("samples-images").addEventListener("change", (event) => {
    const files = [...event.target.files];
    event.target.value = "";
    if (!files.length) return;
    state.samples = loadImages(files, "samples-info");
    if (state.samples) document.querySelector('input[name="samples"][value="file"]').checked = true;
  });
  $("compare-file").addEventListener("change", async (event) => {
    const file = event.target.files[0];
    event.target.value = "";
    if (!file) return;
    state.compareInputs = await loadArrays(file, "compare-info");
    $("compare-clear").disabled = !state.compareInputs;
  });
  $("compare-images").addEventListener("change", (event) => {
    const files = [...event.target.files];
    event.target.value = "";
    if (!files.length) return;
    state.compareInputs = loadImages(files, "compare-info");
    $("compare-clear").disabled = !state.compareInputs;
  });
  $("compare-clear").addEventListener("click", () => {
    state.compareInputs = null;
    $("compare-info").textContent = "";
    $("compare-clear").disabled = true;
  });

  $("compress-form").addEventListener("submit", runCompress);
  $("cancel").addEventListener("click", cancelWork);
  $("open-cancel").addEventListener("click", cancelWork);

  $("download-model").addEventListener("click", () =>
    download(state.result.model, `${baseName(state.fileName)}.pare.onnx`, "application/octet-stream"),
  );
  $("download-report").addEventListener("click", () =>
    download(reportJson() + "\n", `${baseName(state.fileName)}.report.json`, "application/json"),
  );
  $("download-recipe").addEventListener("click", () =>
    download(JSON.stringify(state.result.recipe, null, 2) + "\n", "recipe.json", "application/json"),
  );
}

/** Offline once loaded (sw.js). Not fatal: the page works online without it. */
function registerServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker
    .register("sw.js", { updateViaCache: "none" })
    .catch((e) => console.warn(`pare will not work offline: ${errorText(e)}`));
}

applyPreset();
wireUp();
registerServiceWorker();
try {
  await pare.ready;
  setStatus("Ready: open a model.");
  document.body.dataset.ready = "true";
} catch (e) {
  setStatus("pare could not start.");
  showError(errorText(e));
}
