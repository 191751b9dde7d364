#!/usr/bin/env node
// Diagnostic: where the proxy's memory per connection goes. Runs the proxy in-process
// (proxy-inproc.js), opens N ws connections through it, sends one 64-byte message on
// each, and reports process.memoryUsage() deltas per connection, then the heap
// snapshot's biggest constructors by retained self size delta. Then ROUNDS rounds of
// one message per connection spread over a second (the connections bench's rate): the
// old space's growth per connection and round without a full collection is what
// scavenges promoted, the garbage that makes the bench's peak (a few bytes when
// nothing made per message outlives it; it was ~1.8 KB, see bench/README.md).
//   node bench/diag/conn-memory.js [N] [--snapshot] [--rounds=ROUNDS]
import path from 'node:path';
import { readFileSync, rmSync } from 'node:fs';
import { BENCH_DIR, spawnChild, Rpc, procStatusBytes, sleep, require } from '../lib/util.js';
import { startEcho } from '../lib/procs.js';

const WebSocket = require('ws');
const n = Number(process.argv[2] ?? 2000);
const snap = process.argv.includes('--snapshot');
const rounds = Number(process.argv.find((a) => a.startsWith('--rounds='))?.slice(9) ?? 4);
const echo = await startEcho({ nofile: 65536 });
const child = spawnChild([process.execPath, '--expose-gc', path.join(BENCH_DIR, 'diag/proxy-inproc.js'), echo.url], { stdout: 'inherit', nofile: 65536, ipc: true });
const rpc = new Rpc(child);
const { port, pid } = await rpc.call('info');
const mem = async (label) => {
  const m = await rpc.call('memory');
  return { label, rss: procStatusBytes(pid, 'VmRSS'), heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers };
};
const snapshot = async (label) => (snap ? rpc.call('snapshot', { file: `/tmp/conn-${label}.heapsnapshot` }) : null);

const base = await mem('base');
const s0 = await snapshot('base');
const sockets = [];
for (let i = 0; i < n; i += 200) {
  await Promise.all(
    Array.from({ length: Math.min(200, n - i) }, () => new Promise((res, rej) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/`, { perMessageDeflate: false });
      ws.once('open', () => { sockets.push(ws); res(); });
      ws.once('error', rej);
    })),
  );
}
await sleep(500);
const connected = await mem('connected');
let got = 0;
await Promise.all(sockets.map((ws) => new Promise((res) => { ws.once('message', () => { got++; res(); }); ws.send('x'.repeat(64)); })));
await sleep(500);
const traffic = await mem('after one message each');
const s1 = await snapshot('traffic');
const rows = [base, connected, traffic].map((m) => ({
  stage: m.label,
  'rss MB': (m.rss / 1e6).toFixed(1),
  'heapUsed MB': (m.heapUsed / 1e6).toFixed(1),
  'external MB': (m.external / 1e6).toFixed(1),
  'arrayBuffers MB': (m.arrayBuffers / 1e6).toFixed(1),
  'rss KB/conn': ((m.rss - base.rss) / n / 1024).toFixed(1),
  'heap KB/conn': ((m.heapUsed - base.heapUsed) / n / 1024).toFixed(1),
  'arrayBuffers KB/conn': ((m.arrayBuffers - base.arrayBuffers) / n / 1024).toFixed(1),
}));
console.table(rows);

if (snap) {
  const agg = (file) => {
    const s = JSON.parse(readFileSync(file, 'utf8'));
    const f = s.snapshot.meta.node_fields;
    const types = s.snapshot.meta.node_types[0];
    const [it, iname, isize] = [f.indexOf('type'), f.indexOf('name'), f.indexOf('self_size')];
    const out = new Map();
    for (let i = 0; i < s.nodes.length; i += f.length) {
      const key = `${types[s.nodes[i + it]]}:${s.strings[s.nodes[i + iname]]}`.slice(0, 80);
      const e = out.get(key) ?? { count: 0, size: 0 };
      e.count++;
      e.size += s.nodes[i + isize];
      out.set(key, e);
    }
    return out;
  };
  const a = agg(s0);
  const b = agg(s1);
  const diff = [...b].map(([k, v]) => ({ k, count: v.count - (a.get(k)?.count ?? 0), bytes: v.size - (a.get(k)?.size ?? 0) }));
  diff.sort((x, y) => y.bytes - x.bytes);
  console.table(diff.slice(0, 25).map((d) => ({ constructor: d.k, 'count/conn': (d.count / n).toFixed(2), 'bytes/conn': (d.bytes / n).toFixed(0) })));
  rmSync(s0);
  rmSync(s1);
}
const oneRound = () =>
  Promise.all(sockets.map((ws, i) => new Promise((res) => setTimeout(() => { ws.once('message', res); ws.send('x'.repeat(64)); }, (i / n) * 1000))));
let before = await rpc.call('oldSpace');
const promoted = [];
for (let round = 1; round <= rounds; round++) {
  await oneRound();
  const now = await rpc.call('oldSpace');
  promoted.push({ round, 'old space growth B/conn': ((now.used - before.used) / n).toFixed(0), scavenges: now.scavenges - before.scavenges, 'full collections': now.full - before.full });
  before = now;
}
console.table(promoted);
await Promise.all(sockets.map((ws) => new Promise((r) => { ws.once('close', r); ws.close(); })));
child.disconnect();
await echo.stop();
process.exit(0);
