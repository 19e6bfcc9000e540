// Image files (PNG, JPEG, WebP… whatever the browser decodes) → one stacked float32 tensor for a
// model with a single image input, as calibration or comparison samples. Each image is resized
// (stretched) to the input's height and width, laid out NCHW or NHWC as the input's shape says,
// with 1 channel (luma) or 3 (RGB, or BGR for models trained on OpenCV images), scaled to [0, 1]
// or kept in [0, 255], and then normalized by mean/std per channel.

const LUMA = [0.299, 0.587, 0.114];

/** How a 4-D input takes images: { name, layout, channels, height, width }; throws when the
 * model's input is not an image input this page can fill. `input` is { name, dtype, shape } with
 * the shape the analysis ran with (symbolic dims taken as 1). */
export function imageLayout(input) {
  const { name, dtype, shape } = input;
  const why = `input \`${name}\` is ${dtype} [${shape.join(", ")}]`;
  if (dtype !== "float32") throw new Error(`images fill float32 inputs only; ${why}`);
  if (shape.length !== 4) throw new Error(`images fill 4-D inputs (N, C, H, W or N, H, W, C) only; ${why}`);
  const [, d1, d2, d3] = shape;
  if (d1 === 1 || d1 === 3) return { name, layout: "NCHW", channels: d1, height: d2, width: d3 };
  if (d3 === 1 || d3 === 3) return { name, layout: "NHWC", channels: d3, height: d1, width: d2 };
  throw new Error(`images have 1 or 3 channels, in axis 1 or 3; ${why}`);
}

/** Parses "0.485, 0.456, 0.406" into `channels` numbers (one number is repeated); "" → `fallback`. */
export function perChannel(text, channels, fallback, what) {
  const parts = text.split(/[\s,]+/).filter(Boolean).map(Number);
  if (parts.length === 0) return new Array(channels).fill(fallback);
  if (parts.some((x) => !Number.isFinite(x))) throw new Error(`${what} must be numbers, got "${text}"`);
  if (parts.length === 1) return new Array(channels).fill(parts[0]);
  if (parts.length !== channels) throw new Error(`${what} needs 1 or ${channels} numbers, got ${parts.length}`);
  return parts;
}

/** Writes one decoded image (RGBA bytes, height × width) into `data` from `base` on: channel c
 * of pixel p becomes (v / divide − mean[c]) / std[c], where v is the pixel's luma for one
 * channel, else its R, G, B (`bgr`: B, G, R), and divide is 255 for `range` "0-1", 1 for "0-255". */
export function writePixels(rgba, data, base, layout, { mean, std, bgr = false, range = "0-1" }) {
  const { channels, height, width } = layout;
  const plane = height * width;
  const divide = range === "0-255" ? 1 : 255;
  for (let p = 0; p < plane; p++) {
    const rgb = [rgba[4 * p], rgba[4 * p + 1], rgba[4 * p + 2]];
    const gray = rgb[0] === rgb[1] && rgb[1] === rgb[2];
    const luma = gray ? rgb[0] : LUMA[0] * rgb[0] + LUMA[1] * rgb[1] + LUMA[2] * rgb[2];
    for (let c = 0; c < channels; c++) {
      const raw = channels === 1 ? luma : rgb[bgr ? 2 - c : c];
      const at = layout.layout === "NCHW" ? base + c * plane + p : base + p * channels + c;
      data[at] = (raw / divide - mean[c]) / std[c];
    }
  }
}

/** Decodes `files` and stacks them as { [layout.name]: { dtype: "float32", shape, data } };
 * `options` as writePixels takes them. */
export async function imagesToTensor(files, layout, options) {
  const { std } = options;
  const { name, channels, height, width } = layout;
  if (!(height > 0 && width > 0) || height * width > 4096 * 4096) {
    throw new Error(`input \`${name}\` would take ${height}×${width} images; give the model a fixed image size`);
  }
  if (std.some((s) => s === 0)) throw new Error("the std must not be 0");
  const plane = height * width;
  const data = new Float32Array(files.length * channels * plane);
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext("2d", { willReadFrequently: true });
  for (const [n, file] of files.entries()) {
    let bitmap;
    try {
      bitmap = await createImageBitmap(file);
    } catch {
      throw new Error(`${file.name} is not an image this browser can decode`);
    }
    context.clearRect(0, 0, width, height);
    context.drawImage(bitmap, 0, 0, width, height);
    bitmap.close();
    writePixels(context.getImageData(0, 0, width, height).data, data, n * channels * plane, layout, options);
  }
  const shape =
    layout.layout === "NCHW" ? [files.length, channels, height, width] : [files.length, height, width, channels];
  return { [name]: { dtype: "float32", shape, data } };
}
