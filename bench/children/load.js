// The load generator for the proxy benchmarks, in its own process: `ws` clients
// against a URL (the echo server directly, or a relay in front of it). Driven over
// IPC by bench/proxy.js; it reads the relay's CPU time (/proc/PID/stat) itself at
// the exact start and end of each measuring window.
import { createRequire } from 'node:module';
import { randomFillSync } from 'node:crypto';
import { serveRpc, cpuMicros, percentile } from '../lib/util.js';

const require = createRequire(import.meta.url);
const WebSocket = require('ws');

function open(url, deflate = false) {
  return new Promise((resolve, reject) => {
    // deflate: permessage-deflate with context takeover both ways, every message compressed.
    const ws = new WebSocket(url, { perMessageDeflate: deflate ? { threshold: 0 } : false });
    ws.binaryType = 'nodebuffer';
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function closeAll(sockets, timeoutMs = 10_000) {
  return Promise.all(
    sockets.map(
      (ws) =>
        new Promise((resolve) => {
          if (ws.readyState === WebSocket.CLOSED) return resolve();
          const t = setTimeout(() => {
            ws.terminate();
            resolve();
          }, timeoutMs);
          ws.once('close', () => {
            clearTimeout(t);
            resolve();
          });
          ws.close(1000);
        }),
    ),
  );
}

/** 64 bytes of ASCII JSON (or `size` bytes): what a chat or ticker message looks like. */
function textOfSize(size) {
  const s = '{"type":"tick","seq":12345,"sym":"ABCD","px":101.25,"qty":300}';
  return Buffer.from(s.repeat(Math.ceil(size / s.length)).slice(0, size));
}

/**
 * `count` different JSON-like texts of `size` bytes (a feed of records: field names repeat,
 * values vary), so that compression with context takeover has real work to do.
 */
function jsonTexts(size, count) {
  return Array.from({ length: count }, (_, i) => {
    let s = '';
    for (let j = 0; s.length < size; j++) {
      const n = i * 31 + j;
      s += `{"seq":${n},"ts":${1700000000000 + n * 17},"user":"u${(n * 7919) % 10007}","price":${((n * 2654435761) % 100000) / 100},"side":"${n % 3 ? 'buy' : 'sell'}"},`;
    }
    return Buffer.from(s.slice(0, size));
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const cpuOf = (pids) => Object.fromEntries(Object.entries(pids ?? {}).map(([k, pid]) => [k, cpuMicros(pid)]));

/**
 * `conns` connections, each keeping `window` messages in flight (a reply triggers the next send).
 * Counts echoed messages during `durationMs` after `warmupMs`.
 */
async function pipelined({ url, conns, window, size, binary, deflate = false, warmupMs, durationMs, cpuPids }) {
  // Under deflate, texts that differ (the same one again would compress to a back-reference).
  const payloads = deflate ? jsonTexts(size, 256) : [binary ? randomFillSync(Buffer.allocUnsafe(size)) : textOfSize(size)];
  let sent = 0;
  const next = () => payloads[sent++ % payloads.length];
  const sockets = await Promise.all(Array.from({ length: conns }, () => open(url, deflate)));
  let received = 0;
  let running = true;
  let errors = 0;
  let outstanding = 0;
  let drained = null;
  for (const ws of sockets) {
    ws.on('error', () => errors++);
    ws.on('message', (data) => {
      received++;
      if (data.length !== size) errors++;
      if (running) ws.send(next(), { binary });
      else if (--outstanding === 0) drained?.();
    });
  }
  for (const ws of sockets) for (let i = 0; i < window; i++) ws.send(next(), { binary });
  outstanding = conns * window;
  await sleep(warmupMs);
  const r0 = received;
  const c0 = cpuOf(cpuPids);
  const t0 = process.hrtime.bigint();
  await sleep(durationMs);
  const r1 = received;
  const c1 = cpuOf(cpuPids);
  const t1 = process.hrtime.bigint();
  running = false;
  await Promise.race([new Promise((r) => (drained = r)), sleep(30_000)]);
  if (outstanding !== 0) errors += outstanding;
  await closeAll(sockets);
  const seconds = Number(t1 - t0) / 1e9;
  const messages = r1 - r0;
  const cpu = Object.fromEntries(Object.keys(c0).map((k) => [k, c1[k] - c0[k]]));
  return { seconds, echoes: messages, echoesPerSec: messages / seconds, bytesPerSec: (messages * size) / seconds, cpuMicros: cpu, errors };
}

/** One connection, one message in flight: round-trip times in microseconds. */
async function latency({ url, iterations, warmup, size, cpuPids }) {
  const payload = textOfSize(size);
  const ws = await open(url);
  const samples = [];
  let c0 = null;
  let t0 = 0n;
  await new Promise((resolve, reject) => {
    let i = 0;
    let sent = 0n;
    ws.on('error', reject);
    ws.on('message', () => {
      const now = process.hrtime.bigint();
      if (i >= warmup) samples.push(Number(now - sent) / 1000);
      i++;
      if (i === warmup) {
        c0 = cpuOf(cpuPids);
        t0 = process.hrtime.bigint();
      }
      if (i === warmup + iterations) return resolve();
      sent = process.hrtime.bigint();
      ws.send(payload, { binary: false });
    });
    sent = process.hrtime.bigint();
    ws.send(payload, { binary: false });
  });
  const c1 = cpuOf(cpuPids);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await closeAll([ws]);
  return {
    p50: percentile(samples, 50),
    p90: percentile(samples, 90),
    p99: percentile(samples, 99),
    count: samples.length,
    seconds,
    cpuMicros: Object.fromEntries(Object.keys(c0).map((k) => [k, c1[k] - c0[k]])),
  };
}

/**
 * Latency through several relays at once, paired: one connection per URL; blocks of
 * `block` round trips go to each connection in turn (the order rotating), so every
 * relay's samples see the same stretches of this noisy machine, while a relay's
 * caches are not cold on each sample from the previous relay's run (mitmproxy's
 * Python in between costs a busy relay ~20 µs a round trip on a shared CPU).
 */
async function latencyPaired({ urls, iterations, warmup, size, block = 100 }) {
  const payload = textOfSize(size);
  const names = Object.keys(urls);
  const sockets = Object.fromEntries(await Promise.all(names.map(async (k) => [k, await open(urls[k])])));
  const samples = Object.fromEntries(names.map((k) => [k, []]));
  const roundTrip = (ws) =>
    new Promise((resolve, reject) => {
      const sent = process.hrtime.bigint();
      ws.once('message', () => resolve(Number(process.hrtime.bigint() - sent) / 1000));
      ws.once('error', reject);
      ws.send(payload, { binary: false });
    });
  for (const k of names) for (let i = 0; i < warmup; i++) await roundTrip(sockets[k]).then(() => sockets[k].removeAllListeners('error'));
  for (let b = 0; b * block < iterations; b++) {
    for (let j = 0; j < names.length; j++) {
      const k = names[(b + j) % names.length];
      for (let i = 0; i < block && b * block + i < iterations; i++) {
        samples[k].push(await roundTrip(sockets[k]));
        sockets[k].removeAllListeners('error');
      }
    }
  }
  await closeAll(Object.values(sockets));
  return Object.fromEntries(names.map((k) => [k, { p50: percentile(samples[k], 50), p90: percentile(samples[k], 90), p99: percentile(samples[k], 99), count: samples[k].length }]));
}

serveRpc({ pipelined, latency, latencyPaired, ping: () => 'pong' });
