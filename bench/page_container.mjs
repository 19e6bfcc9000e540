// The page's .pare download on one model, in headless Chromium: compress with a preset, then the
// time until "Download .pare" is ready (pack in pare's worker, after the results are shown) and
// the time of "Compare with gzip -9 and brotli -11" (its wasm loaded, gzip -9, brotli -11 in
// sizes_worker.js), with the sizes shown. One run; a shared machine is noisy.
//
//   node bench/page_container.mjs MODEL.onnx [PRESET]     (after make build-wasm; PRESET default int8-weights)

import path from "node:path";
import { launch, serve } from "../tests/web/harness.mjs";

const [model, preset = "int8-weights"] = process.argv.slice(2);
if (!model) throw new Error("usage: node bench/page_container.mjs MODEL.onnx [PRESET]");
const { server, origin } = await serve();
const { browser, page } = await launch();
const HOUR = 3_600_000;
try {
  await page.goto(`${origin}/`);
  await page.waitForSelector("body[data-ready=true]", { timeout: HOUR });
  await page.setInputFiles("#file", model);
  await page.waitForSelector("#compress-panel:not([hidden])", { timeout: HOUR });
  await page.check(`input[name="preset"][value="${preset}"]`);
  await page.click("#compress");
  await page.waitForSelector("#results:not([hidden])", { timeout: HOUR });
  let t = Date.now();
  await page.waitForSelector("#download-pare:enabled", { timeout: HOUR });
  const packSeconds = (Date.now() - t) / 1000;
  t = Date.now();
  await page.click("#container-compare");
  await page.waitForSelector('[data-key="container-brotli"][data-value]', { timeout: HOUR });
  const compareSeconds = (Date.now() - t) / 1000;
  const value = async (key) => Number(await page.getAttribute(`[data-key="${key}"]`, "data-value"));
  const [onnx, pare, gzip, brotli] = [await value("container-onnx"), await value("container-pare"), await value("container-gzip"), await value("container-brotli")];
  console.log(`${path.basename(model)} ${preset}: .onnx ${onnx} bytes, .pare ${pare} (ready ${packSeconds.toFixed(2)} s after the results), ` +
    `gzip -9 ${gzip}, brotli -11 ${brotli} (compared in ${compareSeconds.toFixed(1)} s)`);
} finally {
  await browser.close();
  server.close();
}
