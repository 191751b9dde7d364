// Decoder benchmark, one process per `ws` variant (bufferutil is chosen when ws is
// first loaded, so WS_NO_BUFFER_UTIL=1 has to be in the environment before that).
// Each case is a stream of client-masked frames fed in 64 KiB chunks, alternately
// to the project's DirectionInspector and to ws's Receiver; the result is a JSON
// line on stdout.
//
// Why every run gets a fresh copy of the stream: ws's Receiver unmasks payloads in
// place (getData -> unmask(data, mask) on a view of the written chunk). A second run
// over the same bytes then sees them "unmasked" twice, i.e. masked again: text is
// no longer valid UTF-8, the Receiver fails, calls the write callback never again
// (`if (!this._errored) cb()`), so every later write() sits in the Writable's buffer
// (writableLength > 0), and the 'error' event is only emitted on the next tick, after
// a synchronous measuring loop has already read its count: 0 messages, no error seen.
import { createRequire } from 'node:module';
import { randomBytes, randomFillSync } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';

// ws first: whether it picked up bufferutil is read before anything else could load it.
const require = createRequire(import.meta.url);
const { Receiver } = require('ws');
const bufferutilLoaded = Object.keys(require.cache).some((k) => k.includes('/bufferutil/'));

// BENCH_DIST=/some/other/dist benchmarks another build of the inspector (say, a proposed change) against the same ws.
const dist = process.env.BENCH_DIST ? path.resolve(process.env.BENCH_DIST) : path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../dist');
const { DirectionInspector } = await import(pathToFileURL(path.join(dist, 'inspector/direction.js')).href);
const { encodeFrame } = await import(pathToFileURL(path.join(dist, 'inspector/frame-encoder.js')).href);

const params = JSON.parse(process.argv[2] ?? '{}');
const rounds = params.rounds ?? 11;
const streamBytes = params.streamBytes ?? 16 * 1024 * 1024;
/** A round runs each implementation (alternating, a fresh copy of the stream each time) until both have this much measured time. */
const minRoundMs = params.minRoundMs ?? 60;
const sizes = params.sizes ?? [64, 1024, 65536, 1048576];
const kinds = params.kinds ?? ['text', 'binary'];
const CHUNK = 64 * 1024;
/** ['ours', 'ws'] normally; one of them alone for profiling (node --cpu-prof ... '{"impls":["ours"]}'). */
const impls = params.impls ?? ['ours', 'ws'];
const gc = globalThis.gc ?? (() => {});

/** Valid UTF-8 of exactly `size` bytes, mostly ASCII with some 2-, 3- and 4-byte code points (JSON-ish chat text). */
function textPayload(size) {
  const words = ['{"user":"zoë","text":"héllo wörld', ' — ça va? ', '東京 ', 'naïve café ', '🙂 ', '"}', 'plain ascii words here ', '0123456789 '];
  const parts = [];
  let n = 0;
  for (let i = 0; n < size; i++) {
    const b = Buffer.from(words[i % words.length]);
    if (n + b.length > size) break;
    parts.push(b);
    n += b.length;
  }
  parts.push(Buffer.alloc(size - n, 0x20));
  return Buffer.concat(parts);
}

/**
 * `frames` frames of one payload, each with its own masking key (never all zeros,
 * never the previous frame's). Up to 1024 distinct frames are encoded and then
 * repeated, so building a 48 MiB stream of 64-byte frames stays cheap.
 */
function buildStream(size, kind) {
  const frames = Math.max(8, Math.ceil(streamBytes / (size + 14)));
  const payload = kind === 'text' ? textPayload(size) : randomFillSync(Buffer.allocUnsafe(size));
  const opcode = kind === 'text' ? 1 : 2;
  const distinct = Math.min(frames, 1024);
  const keys = randomBytes(4 * distinct);
  const unique = [];
  for (let i = 0; i < distinct; i++) {
    const key = keys.subarray(4 * i, 4 * i + 4);
    if ((key[0] | key[1] | key[2] | key[3]) === 0) key[0] = 1;
    unique.push(encodeFrame({ opcode, payload, maskKey: key }));
  }
  const parts = [];
  for (let i = 0; i < frames; i++) parts.push(unique[i % distinct]);
  return { master: Buffer.concat(parts), frames };
}

function chunksOf(buf) {
  const out = [];
  for (let i = 0; i < buf.length; i += CHUNK) out.push(buf.subarray(i, i + CHUNK));
  return out;
}

function runOurs(chunks, kind) {
  // As `wsinspect proxy --json` runs it: NDJSON carries no per-frame payload previews.
  const d = new DirectionInspector({ side: 'client', payloadHeads: false });
  let messages = 0;
  let violations = 0;
  const t0 = process.hrtime.bigint();
  for (const c of chunks) {
    const events = d.push(c);
    for (let i = 0; i < events.length; i++) {
      const t = events[i].type;
      if (t === 'message') messages++;
      else if (t === 'violation') violations++;
    }
  }
  const ns = Number(process.hrtime.bigint() - t0);
  return { ns, messages, problem: violations ? `${violations} violations (${kind})` : null };
}

function runWs(chunks) {
  const r = new Receiver({ isServer: true, maxPayload: 0, allowSynchronousEvents: true });
  let messages = 0;
  let error = null;
  r.on('message', () => messages++);
  r.on('error', (e) => (error ??= e));
  const t0 = process.hrtime.bigint();
  for (const c of chunks) r.write(c);
  const ns = Number(process.hrtime.bigint() - t0);
  // A failure is reported on the next tick and leaves later writes buffered: check both.
  const problem = error ? error.message : r.writableLength !== 0 ? `writableLength ${r.writableLength} after the run` : null;
  return { ns, messages, problem, receiver: r, error: () => error };
}

async function main() {
  const cases = [];
  for (const size of sizes) {
    for (const kind of kinds) {
      const { master, frames } = buildStream(size, kind);
      const work = Buffer.allocUnsafe(master.length);
      const chunks = chunksOf(work);
      const rows = [];
      const run = async (impl) => {
        master.copy(work); // fresh, still-masked bytes (ws unmasks in place)
        gc();
        const res = impl === 'ours' ? runOurs(chunks, kind) : runWs(chunks);
        if (impl === 'ws') {
          await new Promise((r) => setImmediate(r)); // let a deferred 'error' surface
          res.problem ??= res.error()?.message ?? null;
        }
        if (res.messages !== frames) res.problem = `${res.messages} messages for ${frames} frames; ${res.problem ?? ''}`;
        if (res.problem) throw new Error(`${impl} ${size} ${kind}: ${res.problem}`);
        return res.ns;
      };
      for (const impl of impls) await run(impl); // warm-up, not counted
      for (let round = 0; round < rounds; round++) {
        const order = round % 2 ? [...impls].reverse() : impls;
        const ns = Object.fromEntries(impls.map((i) => [i, 0]));
        let runs = 0;
        while (impls.some((i) => ns[i] < minRoundMs * 1e6)) {
          for (const impl of order) ns[impl] += await run(impl);
          runs++;
        }
        // Per-run time: each run covers the whole stream once.
        rows.push(Object.fromEntries(impls.map((i) => [i, ns[i] / runs])));
      }
      cases.push({ size, kind, frames, bytes: master.length, rounds: rows });
    }
  }
  process.stdout.write(`${JSON.stringify({ bufferutil: bufferutilLoaded, cases })}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err.stack}\n`);
  process.exit(1);
});
