#!/usr/bin/env node
// Top self-time functions of a V8 .cpuprofile (from node --cpu-prof):
//   node bench/lib/profile-top.js FILE.cpuprofile [N]
import { readFileSync } from 'node:fs';
import path from 'node:path';

export function topSelf(file, n = 15) {
  const prof = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(prof.nodes.map((node) => [node.id, node]));
  const self = new Map();
  const dt = prof.timeDeltas;
  let total = 0;
  for (let i = 0; i < prof.samples.length; i++) {
    const node = byId.get(prof.samples[i]);
    const us = dt[i] ?? 0;
    total += us;
    const cf = node.callFrame;
    const key = `${cf.functionName || '(anonymous)'} ${cf.url ? `${path.basename(cf.url)}:${cf.lineNumber + 1}` : ''}`.trim();
    self.set(key, (self.get(key) ?? 0) + us);
  }
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([fn, us]) => ({ fn, ms: +(us / 1000).toFixed(1), pct: +((100 * us) / total).toFixed(1) }));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const row of topSelf(process.argv[2], Number(process.argv[3] ?? 15))) {
    process.stdout.write(`${String(row.pct).padStart(5)}%  ${String(row.ms).padStart(8)} ms  ${row.fn}\n`);
  }
}
