#!/usr/bin/env node
// Diagnostic: ways to inflate permessage-deflate messages with context takeover, on
// 1 KiB JSON-like texts compressed by one zlib stream (sync-flushed, tail dropped), as
// a browser or `ws` sends them. CPU µs per message (process.cpuUsage, so zlib's
// threadpool counts too), median of 5 rounds:
//   fflate        fflate's streaming Inflate, one for the direction (the old way, all messages)
//   zlib at once  inflateRawSync per message, primed with the last 32 KiB of output as its
//                 dictionary (src/inspector/inflater.ts's way for one-frame messages <= 16 KiB)
//   zlib stream   one asynchronous InflateRaw stream, a flush per message (wait for each)
//   zlib stream, pipelined   the same, every message written before waiting
//   node bench/diag/inflate-ways.js [MESSAGES]
import zlib from 'node:zlib';
import { median, require } from '../lib/util.js';

const { Inflate } = require('fflate');
const N = Number(process.argv[2] ?? 5000);
const TAIL = Buffer.from([0, 0, 0xff, 0xff]);

function texts() {
  return Array.from({ length: N }, (_, i) => {
    let s = '';
    for (let j = 0; s.length < 1024; j++) {
      const n = i * 31 + j;
      s += `{"seq":${n},"ts":${1700000000000 + n * 17},"user":"u${(n * 7919) % 10007}","price":${((n * 2654435761) % 100000) / 100},"side":"${n % 3 ? 'buy' : 'sell'}"},`;
    }
    return Buffer.from(s.slice(0, 1024));
  });
}

async function compressAll(messages) {
  const deflater = zlib.createDeflateRaw();
  const pending = [];
  deflater.on('data', (d) => pending.push(d));
  const out = [];
  for (const m of messages) {
    deflater.write(m);
    await new Promise((r) => deflater.flush(zlib.constants.Z_SYNC_FLUSH, r));
    const all = Buffer.concat(pending.splice(0));
    out.push(all.subarray(0, all.length - 4));
  }
  return out;
}

const ways = {
  fflate(compressed) {
    let total = 0;
    const inflate = new Inflate((chunk) => (total += chunk.length));
    for (const c of compressed) {
      inflate.push(c);
      inflate.push(TAIL);
    }
    return total;
  },
  'zlib at once'(compressed) {
    let total = 0;
    let window = Buffer.alloc(0);
    for (const c of compressed) {
      const out = zlib.inflateRawSync(Buffer.concat([c, TAIL]), { finishFlush: zlib.constants.Z_SYNC_FLUSH, ...(window.length ? { dictionary: window } : {}) });
      total += out.length;
      window = Buffer.concat([window, out]).subarray(-32768);
    }
    return total;
  },
  async 'zlib stream'(compressed) {
    let total = 0;
    const inflate = zlib.createInflateRaw();
    inflate.on('data', (d) => (total += d.length));
    for (const c of compressed) {
      inflate.write(Buffer.concat([c, TAIL]));
      await new Promise((r) => inflate.flush(zlib.constants.Z_SYNC_FLUSH, r));
    }
    return total;
  },
  async 'zlib stream, pipelined'(compressed) {
    let total = 0;
    const inflate = zlib.createInflateRaw();
    inflate.on('data', (d) => (total += d.length));
    let last;
    for (const c of compressed) {
      inflate.write(Buffer.concat([c, TAIL]));
      last = new Promise((r) => inflate.flush(zlib.constants.Z_SYNC_FLUSH, r));
    }
    await last;
    return total;
  },
};

const compressed = await compressAll(texts());
process.stdout.write(`${N} messages, 1024 B each, ${(compressed.reduce((a, c) => a + c.length, 0) / N).toFixed(0)} B compressed on average\n`);
const samples = Object.fromEntries(Object.keys(ways).map((name) => [name, []]));
for (let round = 0; round < 5; round++) {
  for (const [name, way] of Object.entries(ways)) {
    const before = process.cpuUsage();
    const total = await way(compressed);
    const cpu = process.cpuUsage(before);
    if (total !== N * 1024) throw new Error(`${name}: inflated ${total} bytes, not ${N * 1024}`);
    samples[name].push((cpu.user + cpu.system) / N);
  }
}
for (const [name, cpu] of Object.entries(samples)) process.stdout.write(`${name.padEnd(24)} ${median(cpu).toFixed(1)} µs CPU per message\n`);
