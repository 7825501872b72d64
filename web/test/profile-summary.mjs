// Sums the self time of a V8 .cpuprofile by function: the top 25, with their share.
import { readFileSync } from "node:fs";

const profile = JSON.parse(readFileSync(process.argv[2], "utf8"));
const self = new Map();
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const deltas = profile.timeDeltas;
let total = 0;
profile.samples.forEach((id, i) => {
  const node = byId.get(id);
  const name = node.callFrame.functionName || `(${node.callFrame.url || "anonymous"})`;
  const dt = deltas[i] ?? 0;
  total += dt;
  self.set(name, (self.get(name) ?? 0) + dt);
});
const rows = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25);
for (const [name, us] of rows) {
  console.log(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${name}`);
}
