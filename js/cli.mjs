#!/usr/bin/env node
// `pare` from npm (`npx pare …`): the common subset of the native CLI (src/bin/pare) on the wasm
// build: inspect, run, compress (a recipe file or the short flags) and compare. Same flags, same
// exit codes: 0 success, 1 the command failed (bad model, bad file…), 2 the command line is wrong.
// Runs the SIMD128 build (see index.js: Node 20's relaxed SIMD is opt-in via PARE_SIMD=relaxed).
// Not here (use the native CLI): `sensitivity`, run --float-qdq, inspect --no-run/--top.

import fs from "node:fs";
import { parseArgs } from "node:util";

import { Model, analyze, compare, compressCommand as wasmCompressCommand, randomInputs, ready, simdLevel } from "./sync.node.js";
import { npyBytes, outputFileNames } from "./npy_write.mjs";
import { firstSamples, parseNpy, readArrays } from "./npz.js";

const USAGE = `pare — inspect, compress and compare ONNX models (npm package, WebAssembly)

Usage:
  pare inspect MODEL [--json]
  pare run MODEL [--input NAME=FILE.npy]... [--random [--seed N]] [--dim NAME=SIZE]... [--shape INPUT=D0,D1,...]...
               [--out DIR] [--repeat N]
  pare compress MODEL -o OUT.onnx (--recipe RECIPE.json | --quantize KIND | --prune M:R)...
                [--calib FILE.npz | --calib-random N [--seed N]] [--dim NAME=SIZE]... [--report FILE.json]
  pare compare REFERENCE CANDIDATE [--inputs FILE.npz | --random [--seed N]] [--samples N] [--dim NAME=SIZE]... [--json]
  pare help [COMMAND]

Commands:
  inspect   parameters, FLOPs/MACs, memory access, structure and architecture lint
  run       run a model on .npy inputs or seeded random ones; print and save the outputs
  compress  prune and quantize with a recipe; writes standard ONNX and a report
  compare   error of one model against another (outputs and intermediates) on the same inputs

Options for every command:
  -h, --help     help for the command
  -V, --version  pare's version

\`sensitivity\` is in the native CLI (cargo build --release --bin pare).
Environment: PARE_SIMD=relaxed|simd128 picks the wasm build (default simd128 in Node).`;

const HELP = {
  run: `Usage: pare run MODEL [--input NAME=FILE.npy]... [--random [--seed N]] [--dim NAME=SIZE]...
                [--shape INPUT=D0,D1,...]... [--out DIR] [--repeat N]

Runs MODEL with pare's interpreter (WebAssembly). Prints one line per output (dtype, shape,
min/max/mean), and the wall time of the run on stderr (model preparation shown apart). A
quantized (QDQ) model runs its quantized layers on integer kernels, as the native CLI does.

Each output is written as DIR/<name>.npy, where <name> is the output name with every
character other than A-Z a-z 0-9 . _ - replaced by _ (an empty name becomes \`output\`,
long names are cut to 200 characters). Names that collide (ignoring case) get _1, _2, …
in output order.

Options:
  --input NAME=FILE.npy    feed input NAME from a NumPy .npy file (repeat per input);
                           a model with one input also takes --input FILE.npy
  --random                 make seeded random data for every input not given with --input:
                           floats uniform in [-1, 1), integers in [0, 4), bools 50/50
  --seed N                 seed of the random inputs (default 0)
  --dim NAME=SIZE          size of symbolic dim NAME for random inputs (default 1; repeatable)
  --shape INPUT=D0,D1,...  whole shape of random input INPUT, e.g. --shape x=1,3,48,192
                           (for unnamed dims, which are 1 otherwise)
  --out DIR                write each output as DIR/<name>.npy (DIR is created if needed)
  --repeat N               run N times and report min/median/mean time (outputs of the last run)
  -h, --help               this help`,
  inspect: `Usage: pare inspect MODEL [--json]

Reports what MODEL holds and costs: parameters, FLOPs/MACs, memory access, structure and the
architecture lint (shapes from one run on seeded random inputs, symbolic dims = 1).

Options:
  --json      print the full analysis as JSON (every node, every finding)
  -h, --help  this help`,
  compare: `Usage: pare compare REFERENCE.onnx CANDIDATE.onnx [--inputs FILE.npz | --random [--seed N]] [--samples N] [--json]

Runs both models on the same samples and reports the error of CANDIDATE against REFERENCE for
every output and shared intermediate tensor: max/mean abs error, cosine, SQNR in dB, top-1/top-5.

Options:
  --inputs FILE.npz  samples from an .npz named after the model inputs (first axis = samples)
  --random           seeded random samples (the default)
  --seed N           seed of the random samples (default 0)
  --samples N        how many samples: random ones (default 8), or the first N of the .npz
  --dim NAME=SIZE    size of symbolic dim NAME in random samples (default 1; repeatable)
  --shape IN=D0,...  whole shape of random input IN, e.g. --shape x=1,3,48,192; repeatable
  --json             print the full report as JSON
  -h, --help         this help`,
};

/** The command line is wrong: exit 2. */
class UsageError extends Error {}

async function main(argv) {
  const [command, ...rest] = argv;
  if (command === undefined) return print(USAGE);
  switch (command) {
    case "inspect":
      return inspectCommand(rest);
    case "compress":
      return compressCommand(rest);
    case "compare":
      return compareCommand(rest);
    case "run":
      return runCommand(rest);
    case "sensitivity":
      throw new UsageError(`\`pare ${command}\` is only in the native CLI (cargo build --release --bin pare)`);
    case "help":
    case "-h":
    case "--help": {
      const topic = rest[0];
      if (topic === undefined) return print(USAGE);
      if (topic === "compress") return compressCommand(["--help"]);
      if (HELP[topic]) return print(HELP[topic]);
      throw new UsageError(`no command \`${topic}\`; commands: inspect, run, compress, compare`);
    }
    case "-V":
    case "--version":
      return print(`pare ${version()}`);
    default:
      if (command.startsWith("-")) throw new UsageError(`unknown option \`${command}\`; a command comes first (see \`pare --help\`)`);
      throw new UsageError(`no command \`${command}\`; commands: inspect, run, compress, compare (see \`pare --help\`)`);
  }
}

function print(text) {
  process.stdout.write(text + "\n");
}

function version() {
  const pkg = JSON.parse(fs.readFileSync(new URL("./package.json", import.meta.url), "utf8"));
  return pkg.version;
}

/** node:util parseArgs with the native CLI's messages for what goes wrong (exit 2). */
function parse(command, argv, options) {
  try {
    return parseArgs({ args: argv, options: { ...options, help: { type: "boolean", short: "h" } }, allowPositionals: true, tokens: true });
  } catch (e) {
    throw new UsageError(`${e.message.replace(/\. To specify a positional.*$/s, "")} (see \`pare ${command} --help\`)`);
  }
}

function oneModel(command, positionals) {
  if (positionals.length === 0) throw new UsageError(`\`pare ${command}\` needs a MODEL file (see \`pare ${command} --help\`)`);
  if (positionals.length > 1) {
    throw new UsageError(`unexpected argument \`${positionals[1]}\`: \`pare ${command}\` takes one MODEL (see \`pare ${command} --help\`)`);
  }
  return positionals[0];
}

function readFile(path) {
  try {
    return fs.readFileSync(path);
  } catch (e) {
    const reason = { ENOENT: "No such file or directory", EACCES: "Permission denied", EISDIR: "Is a directory" }[e.code] ?? e.message;
    throw failure(`cannot read \`${path}\`: ${reason}`, "bad-argument");
  }
}

/** Writes `files` ([path, bytes] pairs) all or none, as the native CLI does: each to a new
 * temporary file in its folder, then all renamed into place; on any failure the temporary files
 * and the folder `createdDir` (what `fs.mkdirSync(…, { recursive: true })` created) are removed. */
function writeFiles(files, createdDir) {
  const staged = [];
  try {
    files.forEach(([path, data], i) => {
      const slash = path.lastIndexOf("/");
      const temporary = `${path.slice(0, slash + 1)}.${path.slice(slash + 1)}.pare-${process.pid}-${i}.tmp`;
      try {
        fs.writeFileSync(temporary, data, { flag: "wx" });
      } catch (e) {
        throw failure(`cannot write \`${path}\`: ${e.code ?? e.message}`, "bad-argument");
      }
      staged.push([temporary, path]);
    });
    const directory = staged.find(([, path]) => fs.statSync(path, { throwIfNoEntry: false })?.isDirectory());
    if (directory) throw failure(`cannot write \`${directory[1]}\`: it is a directory`, "bad-argument");
    while (staged.length > 0) {
      const [temporary, path] = staged.shift();
      try {
        fs.renameSync(temporary, path);
      } catch (e) {
        fs.rmSync(temporary, { force: true });
        throw failure(`cannot write \`${path}\`: ${e.code ?? e.message}`, "bad-argument");
      }
    }
  } catch (e) {
    for (const [temporary] of staged) fs.rmSync(temporary, { force: true });
    if (createdDir) fs.rmSync(createdDir, { recursive: true, force: true });
    throw e;
  }
}

/** Refuses outputs that are the same file (device and inode: through `..`, symlinks, hard links)
 * as one of `inputs` or as an earlier output — the native CLI's rule. */
function refuseOverwritingInputs(outputs, inputs) {
  const stat = (p) => fs.statSync(p, { throwIfNoEntry: false });
  outputs.forEach((output, i) => {
    const target = stat(output);
    if (!target) return;
    for (const other of [...inputs, ...outputs.slice(0, i)]) {
      const s = other ? stat(other) : undefined;
      if (s && s.dev === target.dev && s.ino === target.ino) {
        throw new UsageError(`\`${output}\` is the same file as \`${other}\`: write elsewhere, pare never overwrites its inputs`);
      }
    }
  });
}

/** Every value of `argv` that may name an input file: each argument, and what follows `=`. */
function argumentPaths(argv) {
  return argv.flatMap((a) => (a.includes("=") ? [a, a.slice(a.indexOf("=") + 1)] : [a])).filter((a) => a !== "");
}

/** An error of the command with its kind (`PareError.kind`'s names), printed as the native CLI
 * prints it: `pare: error[KIND]: MESSAGE`. */
function failure(message, kind) {
  const error = new Error(message);
  error.kind = kind;
  return error;
}

/** A wasm call whose error names the file it was about (its kind kept). */
function about(path, call) {
  try {
    return call();
  } catch (e) {
    throw failure(`\`${path}\`: ${e instanceof Error ? e.message : String(e)}`, e?.kind);
  }
}

function count(text, name, min) {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < min || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`--${name} expects ${min > 0 ? "a positive" : "a non-negative"} integer, got \`${text}\``);
  }
  return Number(text);
}

const RANDOM_SHAPE_OPTIONS = { dim: { type: "string", multiple: true }, shape: { type: "string", multiple: true } };

/** --dim NAME=SIZE and --shape INPUT=D0,D1,... as the wasm API's random-sample options
 * ({ dims, shapes }, empty when none is given), checked as the native CLI checks them. */
function randomShapes(values) {
  const out = {};
  const pair = (flag, text) => {
    const at = text.indexOf("=");
    if (at <= 0) throw new UsageError(`--${flag} \`${text}\`: expected ${flag === "dim" ? "NAME=SIZE" : "INPUT=D0,D1,..."}`);
    return [text.slice(0, at), text.slice(at + 1)];
  };
  const size = (flag, text, whole) => {
    if (!/^\d+$/.test(text) || Number(text) < 1 || !Number.isSafeInteger(Number(text))) {
      throw new UsageError(`--${flag} \`${whole}\`: \`${text}\` is not a whole number ≥ 1`);
    }
    return Number(text);
  };
  for (const text of values.dim ?? []) {
    const [name, value] = pair("dim", text);
    out.dims ??= {};
    if (name in out.dims) throw new UsageError(`--dim ${name} is given twice`);
    out.dims[name] = size("dim", value, text);
  }
  for (const text of values.shape ?? []) {
    const [name, value] = pair("shape", text);
    out.shapes ??= {};
    if (name in out.shapes) throw new UsageError(`--shape ${name} is given twice`);
    out.shapes[name] = value.split(",").map((d) => size("shape", d.trim(), text));
  }
  return out;
}

async function npzArrays(path) {
  return readArrays(new Uint8Array(readFile(path)), path);
}

// --- inspect -------------------------------------------------------------------------------------

async function inspectCommand(argv) {
  const { values, positionals } = parse("inspect", argv, { json: { type: "boolean" } });
  if (values.help) return print(HELP.inspect);
  const path = oneModel("inspect", positionals);
  const bytes = readFile(path);
  await ready();
  const analysis = about(path, () => analyze(bytes));
  if (values.json) return print(JSON.stringify(analysis, null, 2));
  print(renderAnalysis(path, analysis));
}

function renderAnalysis(path, a) {
  const s = a.summary ?? {};
  const lines = [];
  const opsets = (s.opsets ?? []).map(([d, v]) => `${d || "ai.onnx"} ${v}`).join(", ");
  lines.push(`model      ${path} (${s.producer || "unknown producer"}, IR ${s.ir_version}, opsets ${opsets})`);
  for (const i of s.inputs ?? []) lines.push(`input      ${i.name}: ${i.type}`);
  for (const o of s.outputs ?? []) lines.push(`output     ${o.name}: ${o.type}`);
  lines.push(`nodes      ${s.node_count}: ${Object.entries(s.op_histogram ?? {}).map(([op, n]) => `${op} ×${n}`).join(", ")}`);
  const t = a.totals ?? {};
  const p = a.params ?? {};
  if (p.total_params !== undefined) lines.push(`params     ${human(p.total_params)} (${bytesText(p.total_bytes)}) in ${p.tensor_count} tensors`);
  if (t.flops !== undefined) lines.push(`compute    ${human(t.flops)} FLOPs, ${human(t.macs)} MACs`);
  if (t.memory) lines.push(`memory     ${bytesText(t.memory.total_bytes)} accessed: ${bytesText(t.memory.activation_read_bytes)} activations read, ${bytesText(t.memory.weight_read_bytes)} weights read, ${bytesText(t.memory.written_bytes)} written`);
  const findings = a.lint?.findings ?? [];
  for (const f of findings) lines.push(`lint       ${f.message ?? f.rule ?? JSON.stringify(f)}`);
  lines.push("(the full analysis, every node: --json)");
  return lines.join("\n");
}

function human(n) {
  if (typeof n !== "number") return String(n);
  for (const [limit, suffix] of [[1e9, " G"], [1e6, " M"], [1e3, " k"]]) {
    if (Math.abs(n) >= limit) return `${(n / limit).toPrecision(3)}${suffix}`;
  }
  return String(n);
}

function bytesText(n) {
  if (typeof n !== "number") return String(n);
  for (const [limit, suffix] of [[2 ** 30, "GiB"], [2 ** 20, "MiB"], [2 ** 10, "KiB"]]) {
    if (n >= limit) return `${(n / limit).toPrecision(3)} ${suffix}`;
  }
  return `${n} B`;
}

// --- run -----------------------------------------------------------------------------------------

async function runCommand(argv) {
  const options = {
    input: { type: "string", multiple: true },
    random: { type: "boolean" },
    seed: { type: "string" },
    out: { type: "string" },
    repeat: { type: "string" },
    ...RANDOM_SHAPE_OPTIONS,
  };
  const { values, positionals } = parse("run", argv, options);
  if (values.help) return print(HELP.run);
  const path = oneModel("run", positionals);
  const seed = count(values.seed, "seed", 0) ?? 0;
  const repeat = count(values.repeat, "repeat", 1) ?? 1;
  const shapes = randomShapes(values);
  if (!values.random && (values.seed !== undefined || values.dim || values.shape)) {
    throw new UsageError("--seed, --dim and --shape shape random inputs: add --random");
  }
  const bytes = readFile(path);
  await ready();
  const loadStarted = performance.now();
  const model = about(path, () => new Model(bytes));
  const prepareMs = performance.now() - loadStarted;
  try {
    if (values.out !== undefined) {
      const planned = outputFileNames(model.outputNames).map((f) => `${values.out.replace(/\/+$/, "")}/${f}`);
      refuseOverwritingInputs(planned, [path, ...argumentPaths(values.input ?? [])]);
    }
    const inputs = {};
    for (const text of values.input ?? []) {
      const at = text.indexOf("=");
      let name;
      let file;
      if (at > 0) {
        [name, file] = [text.slice(0, at), text.slice(at + 1)];
      } else if (model.inputNames.length === 1) {
        [name, file] = [model.inputNames[0], text];
      } else {
        throw new UsageError(`--input \`${text}\`: the model has ${model.inputNames.length} inputs, so name one: --input NAME=FILE.npy (inputs: ${model.inputNames.join(", ")})`);
      }
      if (name in inputs) throw new UsageError(`--input ${name} is given twice`);
      inputs[name] = parseNpy(new Uint8Array(readFile(file)), file);
    }
    const missing = model.inputNames.filter((n) => !(n in inputs));
    if (missing.length > 0) {
      if (!values.random) {
        throw new UsageError(`no data for input${missing.length > 1 ? "s" : ""} ${missing.map((n) => `\`${n}\``).join(", ")}: give --input NAME=FILE.npy or --random`);
      }
      const random = about(path, () => randomInputs(bytes, { seed, ...shapes }));
      for (const name of missing) inputs[name] = random[name];
    }
    const times = [];
    let outputs = null;
    for (let r = 0; r < repeat; r++) {
      const started = performance.now();
      outputs = about(path, () => model.run(inputs));
      times.push(performance.now() - started);
    }
    const names = Object.keys(outputs);
    const files = values.out === undefined ? null : outputFileNames(names).map((f) => `${values.out.replace(/\/+$/, "")}/${f}`);
    if (files) {
      const encoded = names.map((name, i) => [files[i], npyBytes(outputs[name])]);
      writeFiles(encoded, fs.mkdirSync(values.out, { recursive: true }));
    }
    names.forEach((name, i) => print(`${name}  ${describeTensor(outputs[name])}${files ? `  → ${files[i]}` : ""}`));
    process.stderr.write(`pare: ${timing(times, prepareMs)} (wasm ${simdLevel()})\n`);
  } finally {
    model.free();
  }
}

/** `float32 [1, 16]  min -0.5  max 0.75  mean 0.125` (NaNs counted apart), as the native CLI. */
function describeTensor(t) {
  const head = `${t.dtype} [${t.shape.join(", ")}]`;
  if (!ArrayBuffer.isView(t.data) || t.dtype === "float16" || t.dtype === "bfloat16") return head;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let finite = 0;
  let nan = 0;
  for (const raw of t.data) {
    const v = Number(raw);
    if (Number.isNaN(v)) {
      nan++;
      continue;
    }
    if (!Number.isFinite(v)) continue;
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
    finite++;
  }
  if (finite === 0) return `${head}${nan ? `  (${nan} NaN)` : ""}`;
  const nanNote = nan ? `  (${nan} NaN)` : "";
  return `${head}  min ${sixDigits(min)}  max ${sixDigits(max)}  mean ${sixDigits(sum / finite)}${nanNote}`;
}

/** Six significant digits without trailing zeros, as the native CLI prints them
 * (src/bin/pare/run.rs `number`): fixed-point within [1e-4, 1e6), else 1.23457e-5. */
function sixDigits(v) {
  if (v === 0 || !Number.isFinite(v)) return String(v);
  const magnitude = Math.abs(v);
  if (magnitude < 1e-4 || magnitude >= 1e6) return v.toExponential(5);
  const decimals = Math.max(0, 5 - Math.floor(Math.log10(magnitude)));
  const text = v.toFixed(decimals);
  return text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
}

function timing(times, prepareMs) {
  const ms = (t) => (t >= 1000 ? `${(t / 1000).toFixed(3)} s` : `${t.toFixed(3)} ms`);
  if (times.length === 1) return `ran in ${ms(times[0])} (prepare ${ms(prepareMs)})`;
  const sorted = [...times].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  return `ran ${times.length} times: min ${ms(sorted[0])}, median ${ms(median)}, mean ${ms(mean)} (prepare ${ms(prepareMs)})`;
}

// --- compress ------------------------------------------------------------------------------------

/** `pare compress`: parsing, the job and the text all come from the library
 * (`compressCommand`, src/wasm/command.rs → pare::workflow), as in the native CLI; this reads
 * the files it asks for and writes the files it returns — only when the whole job succeeded. */
async function compressCommand(argv) {
  const started = performance.now();
  await ready();
  const result = wasmCompressCommand(argv, (path) => readFile(path), (line) => process.stderr.write(line + "\n"));
  if (result.error) {
    if (result.error.usage) throw new UsageError(result.error.message);
    throw failure(result.error.message, result.error.kind);
  }
  const outputs = result.files.map(([path]) => path);
  refuseOverwritingInputs(outputs, argumentPaths(argv).filter((p) => !outputs.includes(p)));
  writeFiles(result.files);
  process.stdout.write(result.stdout);
  for (const warning of result.warnings) process.stderr.write(`pare: warning: ${warning}\n`);
  if (result.files.length > 0) {
    process.stderr.write(`pare: done in ${((performance.now() - started) / 1000).toFixed(2)} s (wasm ${simdLevel()})\n`);
  }
}

// --- compare -------------------------------------------------------------------------------------

async function compareCommand(argv) {
  const options = {
    inputs: { type: "string" },
    random: { type: "boolean" },
    seed: { type: "string" },
    samples: { type: "string" },
    json: { type: "boolean" },
    ...RANDOM_SHAPE_OPTIONS,
  };
  const { values, positionals } = parse("compare", argv, options);
  if (values.help) return print(HELP.compare);
  if (positionals.length !== 2) {
    throw new UsageError(`\`pare compare\` takes two models, REFERENCE.onnx and CANDIDATE.onnx; got ${positionals.length} (see \`pare compare --help\`)`);
  }
  if (values.inputs !== undefined && (values.random || values.seed !== undefined || values.dim || values.shape)) {
    throw new UsageError("give --inputs or --random/--seed/--dim/--shape, not both");
  }
  const shapes = randomShapes(values);
  const samples = count(values.samples, "samples", 1);
  const seed = count(values.seed, "seed", 0) ?? 0;
  const [refPath, candPath] = positionals;
  const reference = readFile(refPath);
  const candidate = readFile(candPath);
  const compareOptions = {};
  if (values.inputs !== undefined) {
    const arrays = await npzArrays(values.inputs);
    compareOptions.inputs = samples === undefined ? arrays : firstSamples(arrays, samples);
    compareOptions.inputSource = `from ${values.inputs}`;
  } else {
    compareOptions.random = { seed, samples: samples ?? 8, ...shapes };
  }
  await ready();
  const report = about(candPath, () => compare(reference, candidate, compareOptions));
  print(values.json ? JSON.stringify(report, null, 2) : renderComparison(report));
}

function renderComparison(report) {
  const lines = [`compared on ${report.samples} samples (${report.input_source})`];
  const row = (c) => {
    const m = c.metrics;
    const sqnr = m.exact ? "exact" : m.sqnr_db === null ? "—" : `${m.sqnr_db.toFixed(1)} dB`;
    const top1 = c.agreement ? `  top-1 ${(100 * c.agreement.top1_rate).toFixed(1)}%` : "";
    return `  ${c.name}: max abs ${m.max_abs.toPrecision(3)}  mean abs ${m.mean_abs.toPrecision(3)}  cosine ${m.cosine === null ? "—" : m.cosine.toFixed(6)}  SQNR ${sqnr}${top1}`;
  };
  lines.push("outputs:", ...report.outputs.map(row));
  if (report.intermediates?.length) {
    const worst = [...report.intermediates].sort((x, y) => (x.metrics.sqnr_db ?? Infinity) - (y.metrics.sqnr_db ?? Infinity)).slice(0, 5);
    lines.push(`intermediates (${report.intermediates.length}; lowest SQNR first):`, ...worst.map(row));
  }
  return lines.join("\n");
}

// --- exit codes ----------------------------------------------------------------------------------

const oneLine = (text) => String(text).split(/\s+/).filter(Boolean).join(" ");

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (e) => {
    if (e instanceof UsageError) {
      process.stderr.write(`pare: ${oneLine(e.message)}\n`);
      process.exit(2);
    }
    const kind = typeof e?.kind === "string" ? `[${e.kind}]` : "";
    process.stderr.write(`pare: error${kind}: ${oneLine(e instanceof Error ? e.message : e)}\n`);
    process.exit(1);
  },
);
