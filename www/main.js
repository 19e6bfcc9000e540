// The page: open a model, pick a recipe and samples, compress in the worker (worker.js), show the
// sizes, the error against the original and the latency, and offer the results as downloads (the
// compressed .onnx, its .pare container with its size against gzip -9 and brotli -11, the report).
// No wasm runs here; this thread only handles the UI, so it stays responsive and Cancel can
// terminate the worker at any point.
//
// Layout, action first: after a drop, one line about the model and the Compress panel (preset,
// calibration, Compress) fill the first screen; results come as pictures (size bars, per-layer
// error coloured by precision, weight histograms) with the numbers below; everything else about
// the model (facts, operators, the lint grouped by rule, weights) is folded into <details>.
// A problem is shown next to the control that caused it (the Dimensions field, the recipe, the
// calibration files…), with what to do about it.

import { readArrays } from "./npz.js";
import { imageLayout, perChannel } from "./images.js";
import { drawLayerChart, drawSizeChart, drawTrajectoryChart, layerLegend } from "./chart.js";
import { showPredictions } from "./predictions.js";
import { showWeights, showWeightsAfter } from "./weights.js";
import { PRESETS, presetText } from "./presets.js";
import { applyQuality, parseTarget, qualityOf } from "./quality.js";
import { Cancelled, PareWorker, explain } from "./client.js";
import { LayersTable } from "./layers.js";
import { parseDims, prefill } from "./dims.js";
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

/** The places a problem can be shown, next to the control that caused it. */
const FIELD_ERRORS = ["recipe-error", "quality-error", "samples-error", "dims-error", "compress-error", "images-error", "compare-error"];

/** Shows `text` under the control `id` names (one of FIELD_ERRORS); "" hides it. The kind of a
 * PareError goes to data-kind. The message is announced (role=alert) and scrolled into view. */
function showFieldError(id, text, kind = null) {
  const box = $(id);
  box.textContent = text;
  box.hidden = !text;
  if (kind) box.dataset.kind = kind;
  else delete box.dataset.kind;
  if (!text) return;
  // A problem inside the folded options opens them, so it is seen.
  const folded = box.closest("details");
  if (folded) folded.open = true;
  box.scrollIntoView({ block: "nearest" });
}

function clearFieldErrors() {
  for (const id of FIELD_ERRORS) showFieldError(id, "");
}

function showWarning(text) {
  $("warning").textContent = text;
  $("warning").hidden = !text;
}

const errorText = (e) => (e instanceof Error ? e.message : String(e));
/** "the comparison failed: x" → "The comparison failed: x." */
const sentence = (text) => `${text[0]?.toUpperCase() ?? ""}${text.slice(1)}${/[.!?]$/.test(text) ? "" : "."}`;

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
  clearFieldErrors();
  $("summary").hidden = true;
  $("compress-panel").hidden = true;
  $("results").hidden = true;
  $("details").hidden = true;
  state.bytes = null;
  state.result = null;
  stopComparison();
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
    showSizes(opened);
    setStatus(`${file.name}: ${fmtBytes(bytes.length)}, analysed in ${fmtMs(performance.now() - started)}.`);
    if (opened.runError) {
      state.openWarning = `pare cannot run this model, so it cannot calibrate or compare it: ${opened.runError}`;
    } else if (opened.analysisError) {
      state.openWarning = `The analysis failed: ${opened.analysisError}`;
    }
    showWarning(state.openWarning);
    $("compress-panel").hidden = false;
    $("details").hidden = false;
    $("drop").classList.add("compact");
    $("drop-text").textContent = "Open another .onnx file (drop it here, or click)";
    // Keyboard users land on the action: Enter compresses with the preset shown.
    $("compress").focus({ preventScroll: true });
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

/** The Dimensions field at the sizes pare's resolver chose (inputSizes: the model's own, else
 * the first that ran), and the line under it saying which and why; sizes that did not run are
 * not offered (the field then holds 1s and the line says what failed). */
function showSizes({ summary, sizes, sizesError }) {
  const resolved = sizes && sizes.source !== "unresolved" ? sizes.inputs.map(([name, shape]) => ({ name, shape })) : null;
  $("dims").value = prefill(summary.inputs, resolved);
  let text = "";
  if (sizesError) {
    text = `pare could not choose sizes for random samples: ${sizesError}`;
  } else if (sizes?.source === "unresolved") {
    text = `No size pare tried ran this model (${sizes.failure ?? "see the error"}): set the sizes it expects.`;
  } else if (sizes && sizes.source !== "fixed") {
    text = `Random samples: ${sizes.summary}.`;
  }
  $("dims-info").textContent = text;
  $("dims-info").hidden = !text;
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
  $("ops-title").textContent = `Operators (${summary.node_count.toLocaleString("en")} nodes, ${ops.length} types)`;

  // The one line: size, parameters, compute, inputs → outputs.
  const io = (list) => list.map((v) => `${v.name} ${v.type}`).join(", ");
  const facts = [fmtBytes(bytes.length)];
  if (analysis) {
    facts.push(`${fmtCount(analysis.params.total_params)} params`, `${fmtCount(analysis.totals.flops)} FLOPs`);
  }
  facts.push(`${io(summary.inputs)} → ${io(summary.outputs)}`);
  $("model-line").textContent = facts.join(" · ");

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
    showLint(analysis.lint);
  } else {
    for (const id of ["params", "flops", "shapes-note"]) $(id).textContent = "(analysis failed)";
    $("lint").replaceChildren();
    $("lint-title").textContent = "Architecture lint (the analysis failed)";
  }
  showWeights($("weights-summary"), analysis?.weights);
  $("weights-details-title").textContent = analysis?.weights ? `Weights (${plural(analysis.weights.length, "layer")})` : "Weights";
  $("summary").hidden = false;
}

/** The lint grouped by rule: one item per rule with its count, title and reason, the findings
 * folded under it (a model can have a hundred findings of one rule). */
function showLint(lint) {
  const findings = lint?.findings ?? [];
  const rules = new Map((lint?.rules ?? []).map((r) => [r.id, r]));
  const groups = new Map();
  for (const f of findings) {
    if (!groups.has(f.rule)) groups.set(f.rule, []);
    groups.get(f.rule).push(f);
  }
  const severityRank = (list) => (list.some((f) => f.severity === "warning") ? 0 : 1);
  const ordered = [...groups].sort((a, b) => severityRank(a[1]) - severityRank(b[1]) || b[1].length - a[1].length);
  $("lint").replaceChildren(
    ...(ordered.length
      ? ordered.map(([rule, list]) => {
          const li = document.createElement("li");
          const severity = list.some((f) => f.severity === "warning") ? "warning" : list[0].severity;
          li.className = `lint-${severity}`;
          li.dataset.rule = rule;
          li.dataset.count = String(list.length);
          const details = document.createElement("details");
          const summary = document.createElement("summary");
          const title = rules.get(rule)?.title ?? rule;
          summary.textContent = `${severity}: ${title} (${list.length})`;
          details.append(summary);
          const reason = rules.get(rule)?.reason;
          if (reason) details.append(Object.assign(document.createElement("p"), { className: "hint", textContent: reason }));
          const items = document.createElement("ul");
          items.append(...list.map((f) => Object.assign(document.createElement("li"), { textContent: f.message })));
          details.append(items);
          li.append(details);
          return li;
        })
      : [Object.assign(document.createElement("li"), { textContent: "No findings." })]),
  );
  const warnings = findings.filter((f) => f.severity === "warning").length;
  $("lint-title").textContent =
    `Architecture lint (${plural(findings.length, "finding")} of ${plural(groups.size, "rule")}` + (warnings ? `, ${plural(warnings, "warning")})` : ")");
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

/** What each preset does, in a line under the presets. */
const PRESET_HINTS = {
  "int8-weights": "int8 weights with a DequantizeLinear each; float compute. No calibration needed.",
  "int4-weights":
    "int4 weights (opset 21; MatMul/Gemm in blocks of 32 along K, Conv per output channel) with a DequantizeLinear each; float compute. " +
    "About half the size of INT8 weights; rounding to nearest, so check the comparison. No calibration needed.",
  kmeans16:
    "k-means weight sharing (Deep Compression): each layer's weights take one of 16 shared values (a codebook scaled per output channel), " +
    "stored as uint4 indices (two a byte; the model is taken to opset 21) read through Cast → Gather; float compute. " +
    "Half the size of INT8 weights, less again with gzip or the .pare download; no calibration needed " +
    "(add \"rounding\": \"learned\" and calibration samples to refit the indices and codebooks to your data).",
  "deep-compression":
    "Deep Compression's first two stages: half the weights of each layer set to zero (corrected by least squares when you give calibration samples), " +
    "then 16 shared values per layer (k-means, pruned zeros kept). The third stage, entropy coding, is the .pare container (`pare pack`, npm `pack`).",
  pow2:
    "Power-of-two weights: every weight is 0 or ±2^k times a power-of-two scale per output channel (15 levels, int8 codes); float compute. " +
    "Add \"rounding\": \"learned\" and calibration samples for a much closer model on real CNNs.",
  ternary:
    "Ternary weights −α, 0, +α per output channel (the least-squares α and threshold), int8 codes; float compute. " +
    "Without retraining this costs accuracy on most models: check the comparison.",
  "int8-static": "int8 weights and uint8 activations in QDQ form, ranges from the calibration samples; onnxruntime runs it on integer kernels.",
  "int8-target20":
    "INT8 static that keeps the output within 20 dB SQNR of the original on samples held back from calibration: " +
    "the layers and activations that cost the most stay in float (listed under the results). Give real samples for a target that holds on real data.",
  "prune50-int8": "Half the weights of each layer set to zero (first and last layers kept), then INT8 static.",
  filter25: "A quarter of the output channels removed from the graph (each layer a quarter; with your own samples, fewer from the layers that matter more): fewer parameters and FLOPs.",
  "binary-weights": "XNOR-Net: weights α·sign(w) per output channel, first and last layers in float.",
  "binary-xnor":
    "XNOR-Net with binary inputs too: each binary layer's input becomes ±1 (x ≥ t), so pare's runtime runs it on XOR + popcount. " +
    "With your own samples (files or images) the threshold t and an affine correction are calibrated per layer; random samples give t = 0. " +
    "Costly without retraining (MNIST CNN: 84 % top-1 calibrated against 98 % float): check the comparison.",
  custom: "Your recipe JSON, under More options.",
};

function applyPreset() {
  const preset = selectedPreset();
  $("preset-hint").textContent = PRESET_HINTS[preset] ?? "";
  if (preset !== "custom") {
    // The quality fields show the preset's own (INT8 ≥ 20 dB: 20), so they change nothing yet.
    const quality = qualityOf(PRESETS[preset]);
    $("target-sqnr").value = quality.targetSqnr ?? "";
    $("learned-rounding").checked = quality.learned;
    $("quality-note").textContent = "";
    showFieldError("quality-error", "");
    $("recipe-json").value = presetText(preset);
    layersTable.apply(); // the preset with the per-layer overrides set
  } else {
    $("more-options").open = true;
    $("advanced").open = true;
  }
}

/** The quality fields as applyQuality's options (throws on a bad target). */
function qualityOptions() {
  return { targetSqnr: parseTarget($("target-sqnr").value), learned: $("learned-rounding").checked };
}

/** `text` (a recipe's JSON) with the quality fields applied; `text` when it cannot be. */
function withQuality(text) {
  try {
    return JSON.stringify(applyQuality(JSON.parse(text), qualityOptions()).recipe, null, 2);
  } catch {
    return text;
  }
}

/** Rewrites the recipe JSON with the quality fields (after a change of either). */
function applyQualityFields() {
  let options;
  try {
    options = qualityOptions();
  } catch (e) {
    showFieldError("quality-error", `${errorText(e)}.`);
    return;
  }
  showFieldError("quality-error", "");
  let recipe;
  try {
    recipe = JSON.parse($("recipe-json").value);
  } catch {
    $("quality-note").textContent = "Not applied: the recipe JSON does not parse.";
    return;
  }
  const { recipe: out, notes } = applyQuality(recipe, options);
  $("recipe-json").value = JSON.stringify(out, null, 2);
  $("quality-note").textContent = notes.map((n) => `Note: ${n}.`).join(" ");
  markCustom();
}

/** A recipe's JSON with its object keys sorted: the same recipe whatever order its options were set in. */
function canonical(text) {
  const sorted = (v) =>
    Array.isArray(v) ? v.map(sorted) : v && typeof v === "object" ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted(v[k])])) : v;
  try {
    return JSON.stringify(sorted(JSON.parse(text)));
  } catch {
    return text;
  }
}

function markCustom() {
  const text = $("recipe-json").value;
  // A preset with the per-layer overrides set is still that preset; so is the chosen preset
  // with the quality fields set (INT8 static with a target stays INT8 static, not INT8 ≥ 20 dB).
  const names = Object.keys(PRESETS);
  const exact = names.find((name) => presetText(name) === text || layersTable.withOverrides(presetText(name)) === text);
  const wanted = canonical(text);
  const withFields = (name) => canonical(withQuality(layersTable.withOverrides(presetText(name)))) === wanted;
  const current = selectedPreset();
  const match = exact ?? (current in PRESETS && withFields(current) ? current : names.find(withFields));
  document.querySelector(`input[name="preset"][value="${match ?? "custom"}"]`).checked = true;
  $("preset-hint").textContent = PRESET_HINTS[match ?? "custom"] ?? "";
}

async function importRecipe(file) {
  try {
    const text = await file.text();
    JSON.parse(text); // a syntax error is reported now; pare checks the rest when compressing
    $("recipe-json").value = text.trim();
    markCustom();
    $("more-options").open = true;
    $("advanced").open = true;
    showFieldError("recipe-error", "");
  } catch (e) {
    showFieldError("recipe-error", `${file.name} is not JSON: ${errorText(e)}. Fix the file, or pick a preset.`);
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
function loadImages(files, infoId, errorId) {
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
    showFieldError(errorId, errorText(e));
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

async function loadArrays(file, infoId, errorId) {
  $(infoId).textContent = `Reading ${file.name}…`;
  try {
    const arrays = await readArrays(new Uint8Array(await file.arrayBuffer()), file.name, defaultInputName());
    $(infoId).textContent = `${file.name}: ${describeArrays(arrays)}`;
    return { arrays };
  } catch (e) {
    $(infoId).textContent = "";
    showFieldError(errorId, `${errorText(e)} Save one array per model input, named after it, samples along the first axis: np.savez("calib.npz", ${defaultInputName()}=x).`);
    return null;
  }
}

/** An error of the page's own checks, tagged with the control it is about. */
class FieldError extends Error {
  constructor(field, message) {
    super(message);
    this.field = field;
  }
}

function samplesChoice() {
  if (document.querySelector('input[name="samples"]:checked').value === "file") {
    if (!state.samples) throw new FieldError("samples-error", "Choose a calibration .npz file or images, or pick Random.");
    try {
      return forWorker(state.samples);
    } catch (e) {
      throw new FieldError("images-error", errorText(e));
    }
  }
  const seed = Number($("seed").value);
  const samples = Number($("sample-count").value);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new FieldError("samples-error", "The seed must be a whole number ≥ 0.");
  if (!Number.isSafeInteger(samples) || samples < 1) throw new FieldError("samples-error", "The number of samples must be a whole number ≥ 1.");
  let sizes;
  try {
    sizes = parseDims($("dims").value, state.opened.summary.inputs.map((i) => i.name));
  } catch (e) {
    throw new FieldError("dims-error", `${errorText(e)} Example: height=224; width=224.`);
  }
  const random = { seed, samples };
  if (Object.keys(sizes.dims).length) random.dims = sizes.dims;
  if (Object.keys(sizes.shapes).length) random.shapes = sizes.shapes;
  return { random };
}

// --- compressing -------------------------------------------------------------------------------

function setBusy(busy) {
  $("compress").disabled = busy;
  $("compress").setAttribute("aria-busy", String(busy));
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
  clearFieldErrors();
  try {
    qualityOptions();
  } catch (e) {
    showFieldError("quality-error", `${errorText(e)}.`);
    return;
  }
  let samples;
  try {
    samples = samplesChoice();
  } catch (e) {
    showFieldError(e.field ?? "compress-error", errorText(e));
    return;
  }
  const recipe = $("recipe-json").value;
  $("results").hidden = true;
  state.result = null;
  stopComparison();
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
    };
    const result = await request("compress", payload, showProgress);
    const seconds = (performance.now() - started) / 1000;
    state.result = result;
    showResults(result, seconds);
    showPredictions(result.predictions, payload);
    packResult(result);
    setStatus(`Compressed ${state.fileName} in ${seconds.toFixed(2)} s.`);
  } catch (e) {
    if (e instanceof Cancelled) {
      setStatus("Cancelled.");
    } else {
      setStatus("Compression failed.");
      const [field, text] = placeError(e, samples);
      showFieldError(field, text, e?.kind);
    }
  } finally {
    setBusy(false);
  }
}

/** Which control a failed compression is about, and the message with what to do: a recipe
 * pare refuses goes to the presets, calibration that fails on random samples of a model with
 * symbolic dims to the Dimensions field, bad calibration files to theirs; the rest under the
 * Compress button. */
function placeError(e, samples) {
  const text = explain(e);
  const kind = e?.kind;
  if (kind === "invalid-recipe") return ["recipe-error", `${text} Fix the recipe JSON under More options, or pick a preset.`];
  if (kind === "cannot-compress") return ["recipe-error", `${text} Try another preset.`];
  const symbolic = /\w=/.test($("dims").value);
  if (samples?.random && symbolic && ["run-failed", "bad-input", "bad-argument", "too-large"].includes(kind)) {
    return ["dims-error", `${text} The random samples are made at the sizes in Dimensions (unset dims are 1): set the sizes the model expects, e.g. height=224; width=224.`];
  }
  if (samples && !samples.random && ["bad-input", "run-failed"].includes(kind)) {
    return ["samples-error", `${text} Check that the calibration files fit the model's inputs (names, dtypes, shapes).`];
  }
  return ["compress-error", text];
}

function showResults(result, seconds) {
  const { report, comparison, compareError, warnings, inputSizes, analysisAfter, latency, latencyError } = result;
  const before = state.opened.analysis;
  // The file the user dropped, as pare's report says it (input_file_bytes; `before` is pare's
  // re-encoding of it, which can differ by a few bytes): the CLI prints the same number.
  const fileBytes = report.input_file_bytes ?? report.before.bytes;
  $("results-note").textContent = `Done in ${seconds.toFixed(2)} s (compression and comparison ${fmtMs(result.compressMs)}).`;
  $("results-note").dataset.seconds = seconds.toFixed(3);
  $("sizes-used").textContent = inputSizes ? `Random samples: ${inputSizes.summary}.` : "";
  $("sizes-used").hidden = !inputSizes;
  $("results-note").dataset.compressMs = result.compressMs.toFixed(1);

  const row = (label, key, a, b, fmt) => [
    label,
    { text: a == null ? "–" : fmt(a), value: a ?? "", key: `${key}-before` },
    { text: b == null ? "–" : fmt(b), value: b ?? "", key: `${key}-after` },
    { text: a && b != null ? fmtRatio(b / a) : "–" },
  ];
  const rows = [
    row("file size", "bytes", fileBytes, report.after.bytes, fmtBytes),
    row("gzip size", "gzip", report.before.gzip_bytes, report.after.gzip_bytes, fmtBytes),
    row("parameters", "params", before?.params.total_params, analysisAfter?.params.total_params, fmtCount),
    row("weight bytes", "weight-bytes", before?.params.total_bytes, analysisAfter?.params.total_bytes, fmtBytes),
    row("FLOPs", "flops", before?.totals.flops, analysisAfter?.totals.flops, fmtCount),
  ];
  if (latency) {
    rows.push(row(`latency (median of ${latency.timings} × ${latency.runs_per_timing} runs)`, "latency", latency.original_ms, latency.compressed_ms, fmtMs));
  }
  fillRows($("sizes"), rows);
  drawSizeChart($("size-chart"), [
    { key: "bytes", label: "file", before: fileBytes, after: report.after.bytes, format: fmtBytes },
    { key: "gzip", label: "gzip", before: report.before.gzip_bytes, after: report.after.gzip_bytes, format: fmtBytes },
    { key: "weight-bytes", label: "weights", before: before?.params.total_bytes, after: analysisAfter?.params.total_bytes, format: fmtBytes },
  ]);
  showWeightsAfter($("weights-results"), before?.weights, analysisAfter?.weights);
  // pare's warnings (a failed comparison among them: the compressed model is still offered).
  const problems = [state.openWarning, ...(warnings ?? []).map(sentence)];
  if (compareError && !(warnings ?? []).some((w) => w.includes(compareError))) {
    problems.push(`The comparison with the original failed: ${compareError}`);
  }
  if (latencyError) problems.push(`Latency was not measured: ${latencyError}`);
  showWarning(problems.filter(Boolean).join("\n"));

  // One line per step, as `pare compress` prints them (pare's step_lines, with any automatic opset
  // upgrade before the step that needed it).
  $("steps").replaceChildren(...result.steps.map((text) => Object.assign(document.createElement("li"), { textContent: text })));
  $("container-status").textContent = "";
  showContainer(result);
  $("results").hidden = false;
  $("comparison-block").hidden = !comparison;
  if (comparison) showComparison(comparison, report, analysisAfter);
  $("layer-figure").hidden = !comparison;
  // The quality target's search, when a step had one (the last such step's).
  const target = report.steps.map((step) => step.quantize?.quality_target).filter(Boolean).at(-1);
  $("trajectory-figure").hidden = !target;
  drawTrajectoryChart($("trajectory-chart"), target);
  $("results").scrollIntoView({ block: "start" });
}

// --- the .pare download ---------------------------------------------------------------------------
// After a compression, pare's worker packs the compressed .onnx into a .pare container (pare's pack)
// for the "Download .pare" button; the gzip -9 / brotli -11 sizes of the same .onnx come on request,
// from sizes_worker.js (its own wasm, crates/pare-sizes-wasm), which is started by the first
// comparison and stopped by Stop or a new compression.

let sizesWorker = null;
let comparing = null; // the result being compared, while the comparison runs

/** The sizes table of the downloads: the .onnx, the .pare (once packed), gzip -9 and brotli -11
 * (once compared). data-key/data-value carry the exact byte counts. */
function showContainer(result) {
  const onnx = result.model.length;
  const { pack, sizes = {} } = result;
  const row = (label, key, bytes, pending) => [
    label,
    bytes == null ? { text: pending, key } : { text: bytes.toLocaleString("en-US"), value: bytes, key },
    bytes == null ? { text: "" } : { text: fmtBytes(bytes) },
    bytes == null ? { text: "" } : { text: fmtRatio(bytes / onnx) },
  ];
  fillRows($("container-sizes"), [
    row("compressed .onnx", "container-onnx", onnx),
    row(".pare", "container-pare", pack?.report.containerBytes, result.packError ? `failed: ${result.packError}` : "packing…"),
    row("gzip -9 of the .onnx (miniz_oxide)", "container-gzip", sizes.gzip, comparing === result && sizes.gzip == null ? "computing…" : "–"),
    row("brotli -11 of the .onnx (rust-brotli)", "container-brotli", sizes.brotli, comparing === result && sizes.brotli == null ? "computing…" : "–"),
  ]);
  $("download-pare").disabled = !pack;
  $("container-compare").disabled = comparing !== null || sizes.brotli != null;
}

/** Packs the result's model in pare's worker; the table and the button follow. */
async function packResult(result) {
  showContainer(result);
  try {
    result.pack = await request("pack", { bytes: result.model });
  } catch (e) {
    if (e instanceof Cancelled) return;
    result.packError = explain(e);
  }
  if (state.result === result) showContainer(result);
}

/** gzip -9, then brotli -11 (with progress) of the result's model, in sizes_worker.js. */
async function compareSizes() {
  const result = state.result;
  if (!result || comparing) return;
  comparing = result;
  result.sizes = {};
  sizesWorker ??= new PareWorker(new URL("./sizes_worker.js", import.meta.url));
  const worker = sizesWorker;
  const bar = $("container-progress");
  $("container-stop").hidden = false;
  $("container-status").textContent = "gzip -9…";
  showContainer(result);
  const started = performance.now();
  const mb = (n) => (n / 1e6).toFixed(1);
  try {
    result.sizes.gzip = await worker.request("gzip", { bytes: result.model });
    showContainer(result);
    $("container-status").textContent = "brotli -11…";
    bar.hidden = false;
    bar.removeAttribute("value");
    result.sizes.brotli = await worker.request("brotli", { bytes: result.model }, (p) => {
      bar.max = p.total;
      bar.value = p.done;
      $("container-status").textContent = `brotli -11: ${mb(p.done)} of ${mb(p.total)} MB read`;
    });
    const seconds = (performance.now() - started) / 1000;
    $("container-status").textContent = `Compared in ${seconds.toFixed(1)} s.`;
    $("container-status").dataset.seconds = seconds.toFixed(3);
  } catch (e) {
    if (state.result === result) {
      $("container-status").textContent = e instanceof Cancelled ? "Stopped." : `The comparison failed: ${explain(e)}`;
    }
    if (result.sizes.brotli == null) delete result.sizes.brotli;
  } finally {
    if (comparing === result) comparing = null;
    bar.hidden = true;
    $("container-stop").hidden = true;
    if (state.result === result) showContainer(result);
  }
}

/** Stops a running comparison (its worker is terminated; the next one starts afresh). */
function stopComparison() {
  if (comparing) sizesWorker?.cancel();
}

/** The precision of the layer that made each tensor of the compressed model: its node (from the
 * analysis, which names each node's outputs) and that node's weights (int8, binary: two levels,
 * float), or "no weights". */
function precisionMap(analysisAfter) {
  const map = new Map();
  if (!analysisAfter) return map;
  const weights = new Map(analysisAfter.weights.map((w) => [`${w.graph ?? ""}/${w.name}`, w]));
  for (const node of analysisAfter.nodes) {
    const w = weights.get(`${node.graph ?? ""}/${node.name}`);
    let precision = { kind: "none", text: "no weights", node: node.name };
    if (w) {
      const levels = w.stored_levels ?? w.stats?.levels;
      const zeros = w.stats?.zero_fraction ? `, ${(w.stats.zero_fraction * 100).toFixed(0)}% zeros` : "";
      if (/^u?int/.test(w.dtype) && levels != null && levels <= 2) precision = { kind: "binary", text: `binary weights${zeros}`, node: node.name };
      else if (/^u?int/.test(w.dtype)) precision = { kind: "int8", text: `${w.dtype} weights${zeros}`, node: node.name };
      else precision = { kind: "float", text: `${w.dtype} weights${zeros}`, node: node.name };
    }
    for (const output of node.outputs ?? []) if (output) map.set(output, precision);
  }
  return map;
}

function showComparison(comparison, report, analysisAfter) {
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
  const precisions = precisionMap(analysisAfter);
  drawLayerChart($("layer-chart"), layers, folded, (name) => precisions.get(name) ?? null);
  const kinds = new Set(layers.map((l) => precisions.get(l.name)?.kind ?? "none"));
  if (layers.length) $("layer-chart").append(layerLegend(kinds, layers.some((l) => folded.has(l.name))));
  const foldedShown = layers.filter((l) => folded.has(l.name)).map((l) => l.name);
  $("folded-note").textContent = foldedShown.length
    ? `Faded: ${foldedShown.join(", ")} — activations folded into quantization; the compressed model gives their ` +
      "name to the layer before, so these bars compare values before the activation with values after it."
    : "";
  $("folded-note").hidden = !foldedShown.length;
  fillRows(
    $("layer-metrics"),
    layers.map((l) => [
      l.name,
      { text: `${precisions.get(l.name)?.text ?? "–"}${folded.has(l.name) ? " (folded activation)" : ""}`, key: "precision" },
      fmtNumber(l.metrics.max_abs),
      l.metrics.cosine == null ? "–" : l.metrics.cosine.toFixed(6),
      l.metrics.sqnr_db == null ? "exact" : l.metrics.sqnr_db.toFixed(1),
    ]),
  );
}

const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** The report as `pare compress --report` writes it (same keys), plus the page's latency. */
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
      compare_error: r.compareError,
      input_sizes: r.inputSizes,
      warnings: r.warnings,
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
  $("target-sqnr").addEventListener("change", applyQualityFields);
  $("learned-rounding").addEventListener("change", applyQualityFields);
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
    showFieldError("samples-error", "");
    state.samples = await loadArrays(file, "samples-info", "samples-error");
    if (state.samples) document.querySelector('input[name="samples"][value="file"]').checked = true;
  });
  $("samples-images").addEventListener("change", (event) => {
    const files = [...event.target.files];
    event.target.value = "";
    if (!files.length) return;
    showFieldError("samples-error", "");
    state.samples = loadImages(files, "samples-info", "samples-error");
    if (state.samples) document.querySelector('input[name="samples"][value="file"]').checked = true;
  });
  $("compare-file").addEventListener("change", async (event) => {
    const file = event.target.files[0];
    event.target.value = "";
    if (!file) return;
    showFieldError("compare-error", "");
    state.compareInputs = await loadArrays(file, "compare-info", "compare-error");
    $("compare-clear").disabled = !state.compareInputs;
  });
  $("compare-images").addEventListener("change", (event) => {
    const files = [...event.target.files];
    event.target.value = "";
    if (!files.length) return;
    showFieldError("compare-error", "");
    state.compareInputs = loadImages(files, "compare-info", "compare-error");
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
  $("download-pare").addEventListener("click", () =>
    download(state.result.pack.container, `${baseName(state.fileName)}.pare`, "application/octet-stream"),
  );
  $("container-compare").addEventListener("click", compareSizes);
  $("container-stop").addEventListener("click", stopComparison);
  $("download-report").addEventListener("click", () =>
    download(reportJson() + "\n", `${baseName(state.fileName)}.report.json`, "application/json"),
  );
  $("download-recipe").addEventListener("click", () =>
    download(JSON.stringify(state.result.recipe, null, 2) + "\n", "recipe.json", "application/json"),
  );
}

/** The colour scheme: follows the system ("auto"), or light or dark as chosen (kept across visits). */
const THEMES = ["auto", "light", "dark"];
function applyTheme(theme) {
  if (theme === "auto") delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
  $("theme").textContent = `Theme: ${theme}`;
  $("theme").title = `Colour scheme: ${theme === "auto" ? "follows the system" : theme}; click to change`;
}
function wireTheme() {
  let theme = "auto";
  try {
    theme = THEMES.includes(localStorage.getItem("pare-theme")) ? localStorage.getItem("pare-theme") : "auto";
  } catch {
    // storage unavailable: the choice lasts for this visit
  }
  applyTheme(theme);
  $("theme").addEventListener("click", () => {
    theme = THEMES[(THEMES.indexOf(theme) + 1) % THEMES.length];
    applyTheme(theme);
    try {
      localStorage.setItem("pare-theme", theme);
    } catch {
      // as above
    }
  });
}

/** Offline once loaded (sw.js). Not fatal: the page works online without it. */
function registerServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker
    .register("sw.js", { type: "module", updateViaCache: "none" })
    .catch((e) => console.warn(`pare will not work offline: ${errorText(e)}`));
}

applyPreset();
wireUp();
wireTheme();
registerServiceWorker();
try {
  await pare.ready;
  setStatus("Ready: open a model.");
  document.body.dataset.ready = "true";
} catch (e) {
  setStatus("pare could not start.");
  showError(errorText(e));
}
