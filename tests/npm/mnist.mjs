// The MNIST CNN fixture (tests/fixtures/mnist_cnn, made by make_fixture.py there) as the npm
// package's tests use it: the model bytes and real digits as the tensors pare's API takes.
// Shared by the Node tests and, served over HTTP, by the Chromium page of relaxed.test.mjs, so
// it reads bytes it is handed and imports only the package's own .npy reader.

/** uint8 pixels [N, 1, 28, 28] (a parsed .npy) → the model's float32 input, first `n` digits. */
export function imageTensor(pixels, n) {
  const [total, ...rest] = pixels.shape;
  const rows = Math.min(n, total);
  const size = rest.reduce((a, b) => a * b, 1);
  const data = new Float32Array(rows * size);
  for (let i = 0; i < data.length; i++) data[i] = pixels.data[i] / 255;
  return { image: { dtype: "float32", shape: [rows, ...rest], data } };
}

/** Row-wise argmax of logits [N, C]. */
export function argmax(logits) {
  const [rows, classes] = logits.shape;
  const out = [];
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits.data[r * classes + c] > logits.data[r * classes + best]) best = c;
    out.push(best);
  }
  return out;
}

/** The INT8 static recipe the tests compress with (per-channel int8 weights, uint8 activations). */
export const INT8_STATIC = { steps: [{ quantize: { mode: "static" } }] };
