// The placeholder page: loads pare's wasm package (copied into ./pkg by `make serve`), lets the
// user drop or pick an .onnx file and shows what `inspect` reports, or the error.

import init, { inspect } from "./pkg/pare.js";

const $ = (id) => document.getElementById(id);

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = false;
}

function clearError() {
  $("error").hidden = true;
  $("error").textContent = "";
}

function fillRows(tbody, rows) {
  tbody.replaceChildren(
    ...rows.map((cells) => {
      const tr = document.createElement("tr");
      for (const cell of cells) {
        const td = document.createElement("td");
        td.textContent = String(cell);
        tr.append(td);
      }
      return tr;
    }),
  );
}

function show(fileName, summary) {
  $("model-name").textContent = fileName;
  $("producer").textContent = summary.producer || "(not recorded)";
  $("ir-version").textContent = summary.ir_version;
  $("opsets").textContent = summary.opsets.map(([domain, version]) => `${domain || "ai.onnx"} ${version}`).join(", ");
  $("node-count").textContent = summary.node_count;
  fillRows($("inputs"), summary.inputs.map((v) => [v.name, v.type]));
  fillRows($("outputs"), summary.outputs.map((v) => [v.name, v.type]));
  const ops = Object.entries(summary.op_histogram).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  fillRows($("ops"), ops);
  $("summary").hidden = false;
}

async function open(file) {
  clearError();
  $("summary").hidden = true;
  $("status").textContent = `Reading ${file.name}…`;
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const started = performance.now();
    const summary = inspect(bytes);
    const ms = (performance.now() - started).toFixed(0);
    $("status").textContent = `${file.name}: ${bytes.length.toLocaleString()} bytes, parsed in ${ms} ms.`;
    show(file.name, summary);
  } catch (e) {
    $("status").textContent = `${file.name} could not be read.`;
    showError(e instanceof Error ? e.message : String(e));
  }
}

function wireUp() {
  const drop = $("drop");
  $("file").addEventListener("change", (event) => {
    const file = event.target.files[0];
    if (file) open(file);
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
    if (file) open(file);
  });
}

try {
  await init();
  wireUp();
  $("status").textContent = "Ready.";
} catch (e) {
  $("status").textContent = "pare could not start.";
  showError(`Loading the wasm package failed: ${e instanceof Error ? e.message : e}. Run \`make serve\` to build it.`);
}
