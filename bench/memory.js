// Section 3: peak RSS (VmHWM) of the relay while (1) one 1 GiB binary message and
// (2) 512 MiB of text in many messages under permessage-deflate go through it, for
// `wsinspect proxy --json` and, as its baseline, the plain Node relay. A raw sender
// writes the frames in 1 MiB pieces with backpressure; the upstream is a sink that
// answers the handshake and counts bytes (the uWS echo server caps messages at 256 MiB).
import { deflateRawSync, constants as zc } from 'node:zlib';
import { randomBytes, randomFillSync } from 'node:crypto';
import { encodeFrame } from '../dist/inspector/frame-encoder.js';
import { procStatusBytes, table, target, ratioStr, fmt, sizeName, sleep } from './lib/util.js';
import { startRelay } from './lib/procs.js';
import { startSink, rawSend, frameHeader } from './lib/raw-ws.js';

const MB = 1e6;
const PIECE = 1 << 20;

/** Counts NDJSON events from a child's stdout. */
function eventReader(child) {
  const state = { messages: [], violations: [], ends: [], errors: [], waiters: [] };
  let rest = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (text) => {
    const lines = (rest + text).split('\n');
    rest = lines.pop();
    for (const line of lines) {
      if (!line) continue;
      const e = JSON.parse(line);
      if (e.type === 'message') state.messages.push({ size: e.size, compressed: e.compressed, truncated: e.truncated, wireBytes: e.wireBytes });
      else if (e.type === 'violation') state.violations.push(e.rule);
      else if (e.type === 'error') state.errors.push(e.message);
      else if (e.type === 'connection-end') {
        state.ends.push(e);
        for (const w of state.waiters.splice(0)) w();
      }
    }
  });
  state.connectionEnd = (timeoutMs) =>
    state.ends.length ? Promise.resolve(true) : Promise.race([new Promise((r) => state.waiters.push(() => r(true))), sleep(timeoutMs).then(() => false)]);
  return state;
}

/** One binary message of `total` bytes, as a header and then 1 MiB pieces (the payload is random: its unmasked form does not matter). */
export function bigMessage(total) {
  const piece = randomFillSync(Buffer.allocUnsafe(PIECE));
  const header = frameHeader({ opcode: 2, length: total, maskKey: randomBytes(4) });
  return {
    wireBytes: header.length + total,
    messages: 1,
    messageSize: total,
    *pieces() {
      yield header;
      for (let sent = 0; sent < total; sent += PIECE) yield sent + PIECE <= total ? piece : piece.subarray(0, total - sent);
    },
  };
}

/** JSON-lines text that compresses about 4:1, like a log or a feed. */
function compressibleText(size) {
  const parts = [];
  let n = 0;
  for (let i = 0; n < size; i++) {
    const line = `{"seq":${i},"ts":${1700000000000 + i * 17},"user":"u${(i * 7919) % 10007}","price":${(Math.random() * 1000).toFixed(4)},"side":"${i % 3 ? 'buy' : 'sell'}","note":"${Math.random().toString(36).slice(2)}"}\n`;
    parts.push(line);
    n += line.length;
  }
  return Buffer.from(parts.join('')).subarray(0, size);
}

/**
 * `count` compressed text messages of `size` bytes each (one frame each, RSV1). The
 * same compressed bytes are sent every time: compressed from a fresh context and
 * ending on a sync flush with no final block, they inflate to the same text with
 * or without context takeover. Two masking keys alternate (no repeated key).
 */
export function deflateMessages(size, count) {
  const text = compressibleText(size);
  const full = deflateRawSync(text, { finishFlush: zc.Z_SYNC_FLUSH, level: 6 });
  const compressed = full.subarray(0, full.length - 4); // RFC 7692 7.2.1: drop the 00 00 ff ff tail
  const frames = [0, 1].map(() => encodeFrame({ opcode: 1, rsv1: true, payload: compressed, maskKey: randomBytes(4) }));
  return {
    wireBytes: frames[0].length * count,
    messages: count,
    messageSize: size,
    compressedSize: compressed.length,
    *pieces() {
      for (let i = 0; i < count; i++) {
        const f = frames[i & 1];
        for (let at = 0; at < f.length; at += PIECE) yield f.subarray(at, at + PIECE);
      }
    },
  };
}

async function relayOnce(kind, load, deflate, log) {
  const sink = await startSink({ deflate });
  const relay = await startRelay(kind, sink.port, { stdout: kind === 'json' ? 'pipe' : 'devnull' });
  const events = kind === 'json' ? eventReader(relay.child) : null;
  try {
    await sleep(300);
    const startRss = procStatusBytes(relay.pid, 'VmRSS');
    const startHwm = procStatusBytes(relay.pid, 'VmHWM');
    sink.expected = load.wireBytes + 8; // + the 8-byte masked close frame
    const t0 = process.hrtime.bigint();
    const sent = await rawSend({ port: relay.port, deflate, pieces: () => load.pieces() });
    if (process.env.BENCH_DEBUG) log(`${kind}: sender done (${sent.sent} bytes), sink has ${sink.sessions[0]?.bytes} of ${sink.expected}`);
    await sink.sessions[0]?.finished;
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if (events && !(await events.connectionEnd(15_000))) throw new Error(`${kind}: no connection-end event`);
    const peak = procStatusBytes(relay.pid, 'VmHWM');
    const received = sink.sessions[0]?.bytes ?? 0;
    const problems = [];
    if (received !== sink.expected) problems.push(`sink got ${received} of ${sink.expected} bytes`);
    if (events) {
      const m = events.messages;
      if (m.length !== load.messages) problems.push(`${m.length} message events for ${load.messages} messages`);
      const wrong = m.filter((e) => e.size !== load.messageSize || e.compressed !== deflate);
      if (wrong.length) problems.push(`${wrong.length} message events with size/compressed wrong (e.g. ${JSON.stringify(wrong[0])})`);
      if (events.violations.length) problems.push(`violations: ${[...new Set(events.violations)].join(', ')}`);
      if (events.errors.length) problems.push(`errors: ${events.errors[0]}`);
    }
    if (problems.length) throw new Error(`${kind}${deflate ? ' (deflate)' : ''}: ${problems.join('; ')}`);
    return { startRss, startHwm, peakRss: peak, seconds, MBs: load.wireBytes / MB / seconds };
  } finally {
    await relay.stop();
    await sink.close();
  }
}

export async function memorySection({ quick, log }) {
  const bigSize = quick ? 256 << 20 : 1 << 30;
  const deflateTotal = quick ? 128 << 20 : 512 << 20;
  const deflateSize = 16 << 20;
  const cases = [
    { name: `one ${sizeName(bigSize)} binary message`, deflate: false, load: bigMessage(bigSize) },
    { name: `${sizeName(deflateTotal)} text, ${deflateTotal / deflateSize} × ${sizeName(deflateSize)} messages, permessage-deflate`, deflate: true, load: deflateMessages(deflateSize, deflateTotal / deflateSize) },
  ];
  const result = { cases: [] };
  const rows = [];
  const targets = [];
  for (const c of cases) {
    const plain = await relayOnce('plain', c.load, c.deflate, log);
    const json = await relayOnce('json', c.load, c.deflate, log);
    log(`${c.name}: plain peak ${fmt(plain.peakRss / MB)} MB, json peak ${fmt(json.peakRss / MB)} MB (${fmt(json.MBs)} MB/s on the wire)`);
    const ratio = json.peakRss / plain.peakRss;
    result.cases.push({ name: c.name, wireBytes: c.load.wireBytes, compressedMessageBytes: c.load.compressedSize ?? null, plain, json, peakRatio: ratio });
    rows.push([c.name, fmt(c.load.wireBytes / MB), fmt(plain.startRss / MB), fmt(plain.peakRss / MB), fmt(json.startRss / MB), fmt(json.peakRss / MB), ratioStr(ratio), fmt(plain.MBs), fmt(json.MBs)]);
    targets.push(target('memory', `peak RSS of the json proxy, ${c.name}: < 150 MB`, `${fmt(json.peakRss / MB)} MB`, json.peakRss < 150 * MB, `plain relay ${fmt(plain.peakRss / MB)} MB`));
  }
  const text = table(
    ['load', 'wire MB', '(b) RSS start MB', '(b) peak MB', '(c) RSS start MB', '(c) peak MB', 'peak (c)/(b)', '(b) MB/s', '(c) MB/s'],
    rows,
    'Memory: relay peak RSS (VmHWM) while the load passes; sender and sink in the orchestrator, relay in its own process; (c) = wsinspect proxy --json with its events read and checked',
  );
  return { result, text, targets };
}
