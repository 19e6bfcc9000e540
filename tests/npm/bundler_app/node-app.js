// A Node program that uses pare, bundled by esbuild for Node (tests/npm/bundlers.test.mjs):
// prints the compressed size of the model given on the command line as JSON.

import fs from "node:fs";
import { ready, compress, simdInfo } from "pare";
import options from "./pare-options.js";

await ready(options.node);
const bytes = fs.readFileSync(process.argv[2]);
const { report } = await compress(bytes, { steps: [{ quantize: { mode: "static" } }] }, { calibrationRandom: { samples: 8 } });
console.log(JSON.stringify({ before: report.before.bytes, after: report.after.bytes, info: simdInfo() }));
