// The results' "Predictions per image" block: for image inputs, a thumbnail of each image (the
// user's own file, through an object URL), the original's and the compressed model's top classes
// with scores side by side, and whether their top-1 agrees. The worker computes the numbers
// (predict.js); this module only draws them, and names classes from a labels file the user may
// pick (labels.js). Used by main.js: showPredictions(result.predictions, payload).

import { MAX_LABEL_BYTES, parseLabels } from "./labels.js";

const $ = (id) => document.getElementById(id);

/** What the labels line says before a labels file is loaded (index.html). */
const LABELS_HINT = $("labels-info").textContent;

/** Thumbnail width in CSS pixels; the height follows the model's input aspect. */
const THUMB_WIDTH = 48;

const current = {
  predictions: null, // the worker's result.predictions
  files: [], // the image files the predictions are about, in order
  layout: null, // how they were fed: { height, width, … } (images.js)
  labels: null, // class names, or null
  labelsName: "", // the file they came from
  urls: [], // object URLs of the thumbnails shown
};

const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** Shows `predictions` (null hides the block) for the images in `payload`, the compress request
 * the page sent: its compareInputs or samples hold the files. */
export function showPredictions(predictions, payload) {
  const source = predictions?.source === "comparison" ? payload?.compareInputs : payload?.samples;
  current.predictions = predictions ?? null;
  current.files = source?.images ?? [];
  current.layout = source?.layout ?? null;
  render();
}

const KIND_TEXT = {
  probability: "probability (its output already sums to 1)",
  softmax: "softmax of its raw output (not probabilities the model gives)",
};

function render() {
  for (const url of current.urls) URL.revokeObjectURL(url);
  current.urls = [];
  const p = current.predictions;
  $("labels-info").textContent = current.labels
    ? `${current.labelsName}: ${plural(current.labels.length, "label")}${countNote(current.labels.length)}`
    : LABELS_HINT;
  $("predictions-block").hidden = !p;
  if (!p) return;

  const which = p.source === "comparison" ? "comparison inputs" : "calibration samples (not held-out data)";
  $("predictions-source").textContent =
    p.total > p.shown && p.shown > 0
      ? `On the first ${p.shown} of the ${p.total} images given as ${which}; the other ${p.total - p.shown} are not shown (at most ${p.shown} are).`
      : `On the ${p.total === 1 ? "one image" : `${p.total} images`} given as ${which}.`;
  const problem = p.note ?? (p.error ? `The predictions could not be computed: ${p.error}` : "");
  $("predictions-note").textContent = problem;
  $("predictions-note").hidden = !problem;
  $("predictions-source").hidden = Boolean(p.note); // a model that is no classifier gets the note alone
  $("predictions-body").hidden = Boolean(problem);
  if (problem) {
    $("predictions-rows").replaceChildren();
    return;
  }

  const summary = $("predictions-summary");
  summary.textContent = `Top-1 agrees on ${p.agreeing} of ${plural(p.shown, "image")}.`;
  summary.dataset.agreeing = String(p.agreeing);
  summary.dataset.shown = String(p.shown);
  $("predictions-output").textContent = `Output \`${p.output}\`, ${p.classes} classes, top ${p.k} per model.`;
  for (const [i, who] of ["original", "compressed"].entries()) {
    const th = $(`predictions-${who}`);
    th.textContent = `${who}: top ${p.k}`;
    const kind = document.createElement("span");
    kind.className = "hint score-kind";
    kind.dataset.kind = p.kinds[i];
    kind.textContent = KIND_TEXT[p.kinds[i]];
    th.append(document.createElement("br"), kind);
  }
  $("predictions-rows").replaceChildren(...p.rows.map(rowElement));
}

function rowElement(row) {
  const tr = document.createElement("tr");
  tr.className = row.agree ? "agree" : "disagree";
  const file = current.files[row.image];

  const name = document.createElement("th");
  name.scope = "row";
  name.textContent = `${row.image + 1}. ${file?.name ?? ""}`;

  const thumb = document.createElement("td");
  if (file) {
    const url = URL.createObjectURL(file);
    current.urls.push(url);
    const img = document.createElement("img");
    img.className = "thumb";
    img.src = url;
    img.alt = `image ${row.image + 1}, ${file.name}`;
    img.width = THUMB_WIDTH;
    const { height, width } = current.layout ?? {};
    // Drawn at the input's aspect: the model sees the image stretched to its size.
    img.height = height > 0 && width > 0 ? Math.round(Math.min(2, Math.max(0.25, height / width)) * THUMB_WIDTH) : THUMB_WIDTH;
    thumb.append(img);
  }

  const agree = document.createElement("td");
  agree.className = "agreement";
  agree.dataset.agree = String(row.agree);
  agree.textContent = row.agree ? "✓ yes" : "✗ no";

  tr.append(name, thumb, classesCell(row.original, "original"), classesCell(row.compressed, "compressed"), agree);
  return tr;
}

/** A score as a percentage that does not round a near-certainty to 100% or a small one to 0%. */
function percent(score) {
  if (!Number.isFinite(score)) return "NaN";
  if (score > 0.999 && score < 1) return ">99.9%";
  if (score > 0 && score < 0.001) return "<0.1%";
  return `${(score * 100).toFixed(1)}%`;
}

/** An ordered list of [class, score]: "seven (7) 97.1%". */
function classesCell(top, who) {
  const td = document.createElement("td");
  td.dataset.model = who;
  const list = document.createElement("ol");
  list.className = "topk";
  for (const [index, score] of top) {
    const li = document.createElement("li");
    li.dataset.class = String(index);
    li.dataset.score = String(score);
    const label = current.labels?.[index];
    const classText = document.createElement("span");
    classText.className = "class";
    classText.textContent = label ? `${label} (${index})` : String(index);
    const scoreText = document.createElement("span");
    scoreText.className = "score";
    scoreText.textContent = percent(score);
    li.append(classText, " ", scoreText);
    list.append(li);
  }
  td.append(list);
  return td;
}

// --- labels --------------------------------------------------------------------------------------

function showLabelsError(text) {
  $("labels-error").textContent = text;
  $("labels-error").hidden = !text;
}

async function loadLabels(file) {
  showLabelsError("");
  try {
    if (file.size > MAX_LABEL_BYTES) {
      throw new Error(`${file.name} is not a labels file: it is over ${MAX_LABEL_BYTES / 1024 / 1024} MiB`);
    }
    const labels = parseLabels(await file.text(), file.name);
    current.labels = labels;
    current.labelsName = file.name;
    $("labels-clear").disabled = false;
  } catch (e) {
    current.labels = null;
    $("labels-clear").disabled = true;
    showLabelsError(`${e instanceof Error ? e.message : String(e)}. Classes show their index only.`);
  }
  render();
}

/** What a label count that does not fit the classes means. */
function countNote(count) {
  const classes = current.predictions?.classes;
  if (!classes || count === classes) return "";
  return count < classes
    ? ` for ${classes} classes: classes ${count} and up show their index only`
    : ` for ${classes} classes: the last ${count - classes} are not used`;
}

$("labels-file").addEventListener("change", (event) => {
  const file = event.target.files[0];
  event.target.value = ""; // picking the same file again still loads it
  if (file) loadLabels(file);
});
$("labels-clear").addEventListener("click", () => {
  current.labels = null;
  $("labels-clear").disabled = true;
  showLabelsError("");
  render();
});
