// Reading a classifier's output for one image: which output is a class-score vector, its top-k
// classes, and scores that say honestly what they are (the model's own probabilities when the
// row already is a distribution, else a softmax of the raw outputs, taken as logits). Pure
// functions without wasm or DOM, used by predict.js in the worker and tested in Node.

/** Classes shown per model and image. */
export const TOP_K = 3;

/** How far a row's sum may stray from 1 and still count as probabilities (a quantized softmax
 * sums to 1 only up to its output step). */
const SUM_TOLERANCE = 0.01;

const FLOAT_TYPES = new Set(["float32", "float64"]);

/** The class count of an output of one image, [1, C] or [1, C, 1, 1] float with C ≥ 2; else 0. */
export function classCount({ dtype, shape }) {
  if (!FLOAT_TYPES.has(dtype) || shape[0] !== 1) return 0;
  const classes = shape[1];
  const flat = shape.length === 2 || (shape.length === 4 && shape[2] === 1 && shape[3] === 1);
  return flat && classes >= 2 ? classes : 0;
}

/** The name of the first output (in the model's order) that holds class scores, or null.
 * `outputs` maps names to { dtype, shape, data } as `Model.run` returns them for one image. */
export function classificationOutput(outputs) {
  return Object.keys(outputs).find((name) => classCount(outputs[name]) > 0) ?? null;
}

/** "logits float32 [1, 10]; boxes float32 [1, 4, 7]": what a run gave, for a note. */
export function describeOutputs(outputs) {
  return Object.entries(outputs)
    .map(([name, t]) => `${name} ${t.dtype} [${t.shape.join(", ")}]`)
    .join("; ");
}

/** Whether a row is already a probability distribution: finite, non-negative, sums to ~1. */
export function isProbabilityRow(row) {
  let sum = 0;
  for (const x of row) {
    if (!(x >= 0) || !Number.isFinite(x)) return false;
    sum += x;
  }
  return Math.abs(sum - 1) <= SUM_TOLERANCE;
}

/** The softmax of a row (max subtracted first, so large logits do not overflow). A row with a
 * NaN or an infinity has no softmax: NaN throughout. */
export function softmax(row) {
  const values = Array.from(row);
  if (!values.every(Number.isFinite)) return values.map(() => NaN);
  const max = Math.max(...values);
  const exps = values.map((x) => Math.exp(x - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

/** The `k` largest entries of a row as [index, value], largest first; ties go to the lower index
 * (as argmax does) and NaN ranks below every number. */
export function topK(row, k) {
  const rank = (x) => (Number.isNaN(x) ? -Infinity : x);
  return Array.from(row, (value, index) => [index, value])
    .sort((a, b) => rank(b[1]) - rank(a[1]) || a[0] - b[0])
    .slice(0, k);
}

/** One model's predictions on a list of rows (one per image): the score kind, "probability"
 * when every row already is a distribution, else "softmax", and per row the top-k classes as
 * [class, score]. Taken over all rows, so a model's scores mean one thing throughout. */
export function predictRows(rows, k = TOP_K) {
  const kind = rows.every(isProbabilityRow) ? "probability" : "softmax";
  const top = rows.map((row) => {
    const scores = kind === "probability" ? Array.from(row) : softmax(row);
    return topK(row, k).map(([index]) => [index, scores[index]]);
  });
  return { kind, top };
}
