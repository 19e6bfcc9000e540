// Class names for the predictions table (predictions.js) from a file the user picks: plain text
// with one label per line, or a JSON array of strings. A file that is neither gives an Error
// that names the file and the problem. Pure: tested in Node.

/** Label files larger than this are refused (ImageNet-21k's names fit well within). */
export const MAX_LABEL_BYTES = 4 * 1024 * 1024;
/** A label is cut to this many characters in the table. */
const MAX_LABEL_CHARS = 200;

/** The labels in `text` (the contents of `fileName`): index i is the name of class i. */
export function parseLabels(text, fileName) {
  if (text.length > MAX_LABEL_BYTES) {
    throw new Error(`${fileName} is not a labels file: it is over ${MAX_LABEL_BYTES / 1024 / 1024} MiB`);
  }
  if (text.includes("\0") || text.includes("\uFFFD")) {
    throw new Error(`${fileName} is not a labels file: it is not UTF-8 text`);
  }
  const trimmed = text.trim();
  if (!trimmed) throw new Error(`${fileName} is empty: a labels file has one label per line, or is a JSON array of strings`);
  // A .json file must be JSON; another file is JSON only if it parses as such (a text label may
  // well start with a bracket).
  let labels;
  if (/\.json$/i.test(fileName)) labels = fromJson(parseJson(trimmed, fileName), fileName);
  else if (trimmed.startsWith("[") && parsesAsJson(trimmed)) labels = fromJson(JSON.parse(trimmed), fileName);
  else labels = fromLines(text);
  return labels.map((label) => (label.length > MAX_LABEL_CHARS ? `${label.slice(0, MAX_LABEL_CHARS - 1)}…` : label));
}

function parseJson(text, fileName) {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${fileName} is not valid JSON (${e.message}); a labels file is plain text with one label per line, or a JSON array of strings`);
  }
}

function parsesAsJson(text) {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** The labels of a parsed JSON value, which must be a non-empty array of strings. */
function fromJson(value, fileName) {
  if (!Array.isArray(value)) {
    const what = value === null ? "null" : typeof value === "object" ? "an object" : `a ${typeof value}`;
    throw new Error(`${fileName} holds ${what}; a JSON labels file must be an array of strings, such as ["cat", "dog"]`);
  }
  if (value.length === 0) throw new Error(`${fileName} is an empty array: there are no labels in it`);
  const bad = value.findIndex((label) => typeof label !== "string");
  if (bad >= 0) {
    throw new Error(`${fileName}: item ${bad} is ${JSON.stringify(value[bad])?.slice(0, 40) ?? String(value[bad])}, not a string; a JSON labels file must be an array of strings`);
  }
  return value.map((label) => label.trim());
}

/** One label per line; blank lines in the middle keep their place (class i is line i), the
 * trailing ones are dropped. */
function fromLines(text) {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/).map((line) => line.trim());
  while (lines.length && !lines[lines.length - 1]) lines.pop();
  return lines;
}
