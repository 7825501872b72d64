// Profiles the wasm build's safe-prime search in V8 outside the browser (Node runs the same
// engine as Chromium, on the same module): `node --cpu-prof --cpu-prof-dir=DIR
// test/profile-prime.mjs [runs]`, then `node test/profile-summary.mjs DIR/*.cpuprofile` for
// the functions with the most self time. Prints the time of each search.

import { readFileSync } from "node:fs";

import { benchSafePrime, initSync } from "../pkg/tandem_web.js";

initSync({ module: readFileSync(new URL("../pkg/tandem_web_bg.wasm", import.meta.url)) });
const runs = Number(process.argv[2] ?? 5);
const times = [];
for (let i = 0; i < runs; i++) {
  const started = performance.now();
  const candidates = benchSafePrime();
  const ms = performance.now() - started;
  times.push(ms);
  console.log(`safe prime ${i + 1}: ${ms.toFixed(0)} ms, ${candidates} candidates`);
}
times.sort((a, b) => a - b);
console.log(`median ${times[Math.floor(times.length / 2)].toFixed(0)} ms of ${runs}`);
