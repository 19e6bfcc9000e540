// The synchronous core of the npm package: loads one of the two wasm builds into this thread and
// wraps wasm-bindgen's API (pare.js) so that every failure is a PareError and every option is
// checked. The Promise-returning API (index.js) runs these functions in a worker it manages, or
// inline; `pare/sync` (sync.js) exports them as they are, for code that is already in a worker
// of its own (the web page's worker.js). No Node module is imported here: the platform (how to
// read a URL, Node or browser) is passed in by the entry points.
//
// The builds: pare_bg.wasm (SIMD128) and pare_relaxed_bg.wasm (SIMD128 + relaxed SIMD, whose
// INT8 GEMM uses i32x4.relaxed_dot_i8x16_i7x16_add_s). Both are the same Rust code with the same
// wasm-bindgen glue (pare.js; the build step checks the two glues are identical) and give
// bit-identical results (tests/npm/relaxed.test.mjs). ready() picks one before fetching anything,
// so an engine downloads only the build it runs:
//   - relaxed when the engine validates relaxed SIMD and its dot-add passes a known-answer check
//     (simd.js), except in Node;
//   - in Node, SIMD128 unless asked: Node 20 has relaxed SIMD only behind
//     --experimental-wasm-relaxed-simd, and there its dot-add returns twice the dot product (the
//     check catches it), so relaxed is opt-in: ready({ simd: "relaxed" }) or PARE_SIMD=relaxed.
// Where the wasm comes from: `wasmModule` (a compiled WebAssembly.Module or the bytes), `wasmUrl`
// (one build's URL), `wasmPaths` (a folder URL holding both files under their package names, or
// `{ simd128, relaxed }` URLs), else the file next to this module: `new URL("./pare_bg.wasm",
// import.meta.url)`, written out literally so that bundlers (Vite, webpack, Rollup) emit both
// files as assets and rewrite the URLs.

import initGlue, * as glue from "./pare.js";
import { PareError, checkUsable, guard, isTrapped, toPareError, thrownByCallback } from "./errors.js";
import { OPTIONS, checkOptions, compareOptions, compressJobOptions, compressOptions, describeValue, normalizeTensors } from "./options.js";
import { relaxedDotAddCorrect, relaxedSimdAvailable } from "./simd.js";

export const LEVELS = ["simd128", "relaxed"];
const CHOICES = ["auto", ...LEVELS];
/** The package's file name of each build (wasmPaths as a folder appends these). */
export const WASM_FILES = { simd128: "pare_bg.wasm", relaxed: "pare_relaxed_bg.wasm" };

/** Each build next to this module. Literal `new URL(…, import.meta.url)` so bundlers see them. */
export const DEFAULT_WASM_URLS = {
  simd128: () => new URL("./pare_bg.wasm", import.meta.url),
  relaxed: () => new URL("./pare_relaxed_bg.wasm", import.meta.url),
};

let loading = null;
let loaded = null; // { level, reason, relaxedAvailable, relaxedDotAddCorrect, source, module }

const isLoaded = () => loaded !== null;
const inNode = typeof process !== "undefined" && typeof process.versions?.node === "string";

// ---------------------------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------------------------

/** Loads the build this engine should run into this thread (see the header), once: later calls
 * return the same promise. `platform.compile(url, level)` fetches and compiles one URL. */
export function loadCore(options, platform) {
  if (!loading) {
    loading = load(options ?? {}, platform).catch((e) => {
      loading = null; // a failed load (network, bad option) may be retried
      throw e;
    });
  }
  return loading;
}

/** Loads an already compiled module (what a worker gets from the thread that made it). */
export function loadCompiled(module, info) {
  if (!loading) {
    loading = initGlue({ module_or_path: module }).then(() => {
      loaded = { ...info, module };
      return simdInfo();
    });
  }
  return loading;
}

/** "relaxed" or "simd128" once ready() resolved, else null. */
export function simdLevel() {
  return loaded ? loaded.level : null;
}

/** What ready() found and chose, once it resolved, else null. */
export function simdInfo() {
  if (!loaded) return null;
  const { level, reason, relaxedAvailable, relaxedDotAddCorrect, source } = loaded;
  return { level, reason, relaxedAvailable, relaxedDotAddCorrect, source };
}

/** The compiled module and what was chosen, for a worker (client.js). */
export function compiledModule() {
  return loaded ? { module: loaded.module, info: simdInfo() } : null;
}

const isUrlLike = (v) => typeof v === "string" || (v !== null && typeof v === "object" && typeof v.href === "string");
const isModule = (v) => typeof WebAssembly !== "undefined" && v instanceof WebAssembly.Module;
const isBytes = (v) => v instanceof ArrayBuffer || ArrayBuffer.isView(v);

/** Which builds the options offer: level → source ({ url } | { module } | { bytes }), or one
 * source of an unknown build (`single`). */
function sources(options) {
  const given = ["wasmUrl", "wasmPaths", "wasmModule"].filter((k) => options[k] !== undefined);
  if (given.length > 1) throw new PareError(`ready(): give one of wasmUrl, wasmPaths, wasmModule, not ${given.join(" and ")}`, "bad-argument");
  const { wasmUrl, wasmPaths, wasmModule } = options;
  if (wasmModule !== undefined) {
    if (isModule(wasmModule)) return { single: { module: wasmModule } };
    if (isBytes(wasmModule)) return { single: { bytes: wasmModule } };
    throw new PareError(`ready({ wasmModule }) must be a WebAssembly.Module or the .wasm bytes, got ${describeValue(wasmModule)}`, "bad-argument");
  }
  if (wasmUrl !== undefined) {
    if (!isUrlLike(wasmUrl)) throw new PareError(`ready({ wasmUrl }) must be a string or a URL, got ${describeValue(wasmUrl)}`, "bad-argument");
    return { single: { url: wasmUrl } };
  }
  if (wasmPaths !== undefined) {
    if (isUrlLike(wasmPaths)) {
      let base = String(wasmPaths.href ?? wasmPaths);
      if (!base.endsWith("/")) base += "/";
      return { simd128: { url: base + WASM_FILES.simd128 }, relaxed: { url: base + WASM_FILES.relaxed } };
    }
    if (wasmPaths !== null && typeof wasmPaths === "object") {
      checkOptions(wasmPaths, LEVELS, "ready({ wasmPaths })");
      const out = {};
      for (const level of LEVELS) {
        const url = wasmPaths[level];
        if (url === undefined) continue;
        if (!isUrlLike(url)) throw new PareError(`ready({ wasmPaths.${level} }) must be a string or a URL, got ${describeValue(url)}`, "bad-argument");
        out[level] = { url };
      }
      if (!Object.keys(out).length) throw new PareError("ready({ wasmPaths }) names no build: give simd128 and/or relaxed", "bad-argument");
      return out;
    }
    throw new PareError(`ready({ wasmPaths }) must be a folder URL or { simd128, relaxed }, got ${describeValue(wasmPaths)}`, "bad-argument");
  }
  return { simd128: { url: DEFAULT_WASM_URLS.simd128(), packaged: true }, relaxed: { url: DEFAULT_WASM_URLS.relaxed(), packaged: true } };
}

/** Whether a compiled module is the relaxed build: LLVM's `target_features` section lists
 * `+relaxed-simd`, and the module's code then uses it. */
function isRelaxedModule(module) {
  const sections = WebAssembly.Module.customSections(module, "target_features");
  const text = sections.map((s) => Array.from(new Uint8Array(s), (b) => String.fromCharCode(b)).join("")).join("");
  return text.includes("relaxed-simd");
}

async function load(options, platform) {
  if (options === null || typeof options !== "object") {
    throw new PareError(`ready(options): options must be an object, got ${describeValue(options)}`, "bad-argument");
  }
  checkOptions(options, OPTIONS.ready, "ready() options");
  const fromEnv = inNode ? process.env.PARE_SIMD : undefined;
  const asked = options.simd ?? (fromEnv === "" ? undefined : fromEnv) ?? "auto";
  if (!CHOICES.includes(asked)) {
    const where = options.simd !== undefined ? "ready({ simd })" : "PARE_SIMD";
    throw new PareError(`${where} must be one of ${CHOICES.join(", ")}, got ${JSON.stringify(asked)}`, "bad-argument");
  }
  const offered = sources(options);
  const available = relaxedSimdAvailable();
  const correct = available && relaxedDotAddCorrect();
  let level;
  let reason;
  let source;
  if (offered.single) {
    // One build of unknown kind: compile it, then read which one it is.
    const s = offered.single;
    const module = s.module ?? (s.bytes ? await compileBytes(s.bytes, "the wasmModule bytes") : await platform.compile(s.url));
    level = isRelaxedModule(module) ? "relaxed" : "simd128";
    if (asked !== "auto" && asked !== level) {
      throw new PareError(`ready(): simd "${asked}" was asked for, but the wasm given is the ${level} build`, "bad-argument");
    }
    if (level === "relaxed" && !available) {
      throw new PareError("the wasm given is the relaxed-SIMD build, which this engine cannot run: give the simd128 build (pare/wasm/simd128)", "load-failed");
    }
    reason = s.module ? "the WebAssembly.Module given" : s.bytes ? "the wasm bytes given" : "the wasmUrl given";
    source = s.url !== undefined ? String(s.url) : reason;
    await instantiate(module, { level, reason, available, correct, source });
    return simdInfo();
  }
  if (asked === "simd128") {
    [level, reason] = ["simd128", "asked for simd128"];
  } else if (asked === "relaxed") {
    if (!available) {
      throw new PareError(
        "relaxed SIMD was asked for but this engine does not support it" +
          (inNode ? " (Node 20 needs --experimental-wasm-relaxed-simd)" : ""),
        "load-failed",
      );
    }
    [level, reason] = ["relaxed", correct ? "asked for relaxed" : "asked for relaxed, though this engine's dot-add failed the check"];
  } else if (inNode) {
    [level, reason] = ["simd128", "Node: relaxed only when asked (PARE_SIMD=relaxed)"];
  } else if (!available) {
    [level, reason] = ["simd128", "this engine has no relaxed SIMD"];
  } else if (!correct) {
    [level, reason] = ["simd128", "this engine's relaxed dot-add gives wrong results"];
  } else {
    [level, reason] = ["relaxed", "relaxed SIMD available and correct"];
  }
  if (!offered[level]) {
    const other = LEVELS.find((l) => l !== level);
    if (asked === level || !offered[other]) {
      throw new PareError(`ready(): wasmPaths has no ${level} build`, "bad-argument");
    }
    [level, reason] = [other, `${reason}; wasmPaths offers only ${other}`];
    if (level === "relaxed" && !available) throw new PareError("wasmPaths offers only the relaxed build, which this engine cannot run", "load-failed");
  }
  const { url, packaged } = offered[level];
  const module = await platform.compile(url, { level, packaged });
  await instantiate(module, { level, reason, available, correct, source: String(url.href ?? url) });
  return simdInfo();
}

async function instantiate(module, { level, reason, available, correct, source }) {
  try {
    await initGlue({ module_or_path: module });
  } catch (e) {
    throw new PareError(`pare's wasm (${source}) could not be instantiated: ${e?.message ?? e}`, "load-failed", { cause: e });
  }
  loaded = { level, reason, relaxedAvailable: available, relaxedDotAddCorrect: correct, source, module };
}

const MAGIC = [0x00, 0x61, 0x73, 0x6d];

/** Compiles wasm bytes, after checking they are wasm (a server's HTML page instead of the file
 * is the usual mistake: the error says what arrived and where it came from). */
export async function compileBytes(bytes, from, hint = "") {
  const view = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!MAGIC.every((b, i) => view[i] === b)) {
    const start = Array.from(view.subarray(0, 16), (b) => (b >= 32 && b < 127 ? String.fromCharCode(b) : ".")).join("");
    throw new PareError(
      `${from} is not WebAssembly (it starts with ${JSON.stringify(start)}${/^\s*</.test(start) ? ", an HTML page: the server has no such file" : ""})${hint}`,
      "load-failed",
    );
  }
  try {
    return await WebAssembly.compile(view);
  } catch (e) {
    throw new PareError(`${from} could not be compiled: ${e?.message ?? e}`, "load-failed", { cause: e });
  }
}

/** What a failed fetch of a packaged wasm file should say: how to tell pare where the file is. */
export const WHERE_HINT =
  ". A bundler that does not copy the package's .wasm files needs to be told where they are: " +
  'ready({ wasmUrl }) with `import wasmUrl from "pare/wasm/simd128?url"` (Vite), or ready({ wasmPaths: "/folder/" }) ' +
  "where pare_bg.wasm and pare_relaxed_bg.wasm are served (see the README, \"Using pare with a bundler\")";

/** Fetches and compiles a wasm URL with `fetch` (browsers, workers, Deno; Node for http URLs). */
export async function fetchAndCompile(url, { packaged } = {}) {
  const hint = packaged ? WHERE_HINT : "";
  let response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new PareError(`pare's wasm could not be fetched from ${url}: ${e?.message ?? e}${hint}`, "load-failed", { cause: e });
  }
  if (!response.ok) {
    throw new PareError(`pare's wasm could not be fetched from ${url}: HTTP ${response.status}${hint}`, "load-failed");
  }
  const type = response.headers.get("content-type") ?? "";
  if (type.startsWith("application/wasm") && typeof WebAssembly.compileStreaming === "function") {
    try {
      return await WebAssembly.compileStreaming(response);
    } catch (e) {
      throw new PareError(`pare's wasm from ${url} could not be compiled: ${e?.message ?? e}${hint}`, "load-failed", { cause: e });
    }
  }
  return compileBytes(await response.arrayBuffer(), `what ${url} returned`, hint);
}

// ---------------------------------------------------------------------------------------------
// The synchronous API
// ---------------------------------------------------------------------------------------------

/** The options with onProgress wrapped so that an exception it throws passes through unchanged. */
function withCallback(options) {
  const callback = options.onProgress;
  if (typeof callback !== "function") return options;
  return {
    ...options,
    onProgress(progress) {
      try {
        callback(progress);
      } catch (e) {
        thrownByCallback.value ??= e;
        throw e;
      }
    },
  };
}

/** Summarizes a model (ModelSummary). */
export const inspect = guard((bytes) => glue.inspect(bytes), isLoaded);
/** Stores an ONNX file in a .pare container ({ container, report }; docs/container.md). */
export const pack = guard((bytes) => glue.pack(bytes), isLoaded);
/** The exact ONNX bytes a .pare container holds. */
export const decode = guard((bytes) => glue.decode(bytes), isLoaded);
/** The full analysis `pare inspect --json` prints (ModelAnalysis). */
export const analyze = guard((bytes) => glue.analyze(bytes), isLoaded);
/** Runs a model once. */
export const run = guard((bytes, inputs) => glue.run(bytes, normalizeTensors(inputs)), isLoaded);
/** Seeded random inputs for one run, as `pare run --random` makes them. */
export const randomInputs = guard(
  (bytes, options) => glue.randomInputs(bytes, checkOptions(options, OPTIONS.randomInputs, "randomInputs options")),
  isLoaded,
);
/** Compresses a model with a recipe. */
export const compress = guard(
  (bytes, recipe, options) => glue.compress(bytes, recipe, withCallback(compressOptions(recipe, options))),
  isLoaded,
);
/** Compresses, then compares on held-back samples (the page's whole job, decided in Rust:
 * pare::workflow). A comparison that fails leaves the model in the result, with `warnings` and
 * `compareError`. */
export const compressJob = guard(
  (bytes, recipe, options) => glue.compressJob(bytes, recipe, withCallback(compressJobOptions(recipe, options))),
  isLoaded,
);
/** The sizes random samples get for a model's inputs, and how they were chosen. */
export const inputSizes = guard(
  (bytes, options) => glue.inputSizes(bytes, checkOptions(options, OPTIONS.inputSizes, "inputSizes options")),
  isLoaded,
);
/** Whether a recipe reads calibration samples: the user's ("given", the default) or random ones
 * pare makes ("random"), decided in Rust (Recipe::reads_samples). */
export const recipeNeedsCalibration = guard((recipe, samples) => glue.recipeNeedsCalibration(recipe, samples), isLoaded);
/** `pare compress` from a command line (the npm CLI's whole compress job, in Rust). */
export const compressCommand = guard((argv, readFile, onLine) => glue.compressCommand(argv, readFile, onLine), isLoaded);
/** Compares two models on the same samples. */
export const compare = guard(
  (reference, candidate, options) => glue.compare(reference, candidate, withCallback(compareOptions(options))),
  isLoaded,
);

const freed = new WeakSet();

function checkNotFreed(model) {
  if (freed.has(model)) {
    throw new PareError("this Model was freed (free() was called on it): create a new Model to run it again", "model-freed");
  }
}

/** A model parsed and prepared once, to run many times on this thread; its errors are PareErrors. */
export class Model extends glue.Model {
  constructor(bytes) {
    checkUsable(isLoaded);
    try {
      super(bytes);
    } catch (e) {
      throw toPareError(e);
    }
  }

  /** Frees the model's memory (once; later calls do nothing, and so does a trapped module). */
  free() {
    if (freed.has(this)) return;
    freed.add(this);
    if (!isTrapped()) super.free();
  }
}
// Every method and getter that enters the module (run, inspect, inputNames, …) goes through the
// guard and the freed check; free is above, the constructor and wasm-bindgen internals (__…) are
// left alone. run normalizes its tensors (onnxruntime-web's form too).
for (const [name, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(glue.Model.prototype))) {
  if (name === "constructor" || name === "free" || name.startsWith("__") || typeof name !== "string") continue;
  const wrap = (fn) => {
    const guarded = guard(fn, isLoaded);
    return function (...args) {
      checkNotFreed(this);
      if (name === "run") args[0] = normalizeTensors(args[0]);
      return guarded.apply(this, args);
    };
  };
  if (typeof descriptor.value === "function") descriptor.value = wrap(descriptor.value);
  if (descriptor.get) descriptor.get = wrap(descriptor.get);
  Object.defineProperty(Model.prototype, name, descriptor);
}
