// Section 1: frame decoding + message assembly, DirectionInspector vs ws's Receiver.
import path from 'node:path';
import { BENCH_DIR, median, spawnChild, firstJsonLine, table, target, sizeName, ratioStr, fmt } from './lib/util.js';

const WORKER = path.join(BENCH_DIR, 'children/decoder-worker.js');

async function runWorker(variant, params) {
  const env = variant === 'js' ? { WS_NO_BUFFER_UTIL: '1' } : {};
  // Pinned to one core so a run is not migrated mid-measurement (the other core stays free for the OS).
  const child = spawnChild([process.execPath, '--expose-gc', WORKER, JSON.stringify(params)], { stdout: 'pipe', env, cpus: params.cpus });
  const result = await firstJsonLine(child, 600_000);
  await new Promise((r) => (child.exitCode !== null ? r() : child.once('exit', r)));
  if (child.exitCode !== 0) throw new Error(`decoder worker (${variant}) failed: ${child.stderrText}`);
  return result;
}

export async function decoderSection({ quick }) {
  const params = {
    rounds: quick ? 5 : 11,
    streamBytes: 16 * 1024 * 1024,
    minRoundMs: quick ? 25 : 80,
    // Not pinned: on this shared 2-core machine a pinned worker cannot move away from a busy core.
    cpus: null,
  };
  const variants = {};
  for (const variant of ['native', 'js']) {
    const out = await runWorker(variant, params);
    if (variant === 'native' && !out.bufferutil) throw new Error('bufferutil did not load in the native variant');
    if (variant === 'js' && out.bufferutil) throw new Error('bufferutil loaded despite WS_NO_BUFFER_UTIL=1');
    variants[variant] = out.cases.map((c) => {
      const oursMBs = c.rounds.map((r) => c.bytes / 1e6 / (r.ours / 1e9));
      const wsMBs = c.rounds.map((r) => c.bytes / 1e6 / (r.ws / 1e9));
      return {
        size: c.size,
        kind: c.kind,
        frames: c.frames,
        streamBytes: c.bytes,
        oursMBs: median(oursMBs),
        wsMBs: median(wsMBs),
        oursFramesPerSec: median(c.rounds.map((r) => c.frames / (r.ours / 1e9))),
        wsFramesPerSec: median(c.rounds.map((r) => c.frames / (r.ws / 1e9))),
        ratio: median(c.rounds.map((r) => r.ws / r.ours)), // median of per-round ratios
        ratios: c.rounds.map((r) => +(r.ws / r.ours).toFixed(3)),
      };
    });
  }

  const rows = [];
  for (let i = 0; i < variants.native.length; i++) {
    const n = variants.native[i];
    const j = variants.js[i];
    rows.push([
      sizeName(n.size),
      n.kind === 'text' ? 'text (UTF-8 validated)' : 'binary (no validation)',
      fmt(j.oursMBs),
      fmt(j.oursFramesPerSec),
      fmt(j.wsMBs),
      fmt(j.wsFramesPerSec),
      ratioStr(j.ratio),
      fmt(n.oursMBs),
      fmt(n.wsMBs),
      ratioStr(n.ratio),
    ]);
  }
  const text = table(
    ['payload', 'kind', 'ours MB/s', 'ours frames/s', 'ws JS MB/s', 'ws JS frames/s', 'ours/ws JS', '| ours MB/s', 'ws native MB/s', 'ours/ws native'],
    rows,
    `Decoder: ${sizeName(params.streamBytes)} streams of client-masked frames fed in 64 KiB chunks; median of ${params.rounds} rounds, each alternating the two ` +
      `(fresh copy of the stream per run) for >= ${params.minRoundMs} ms each; ratio = median of per-round ours/ws throughput; columns 3-7 come from the process where ws runs pure JS (WS_NO_BUFFER_UTIL=1), 8-10 from the one where ws has bufferutil` +
      (process.env.BENCH_DIST ? `; inspector from BENCH_DIST=${process.env.BENCH_DIST}` : ''),
  );

  const targets = [];
  for (const j of variants.js) {
    targets.push(target('decoder', `vs ws pure-JS, ${sizeName(j.size)} ${j.kind}: ratio >= 1.0`, ratioStr(j.ratio), j.ratio >= 1.0));
  }
  for (const n of variants.native.filter((c) => c.size === 65536)) {
    targets.push(target('decoder', `vs ws native (bufferutil), 64 KiB ${n.kind}: ratio >= 0.5`, ratioStr(n.ratio), n.ratio >= 0.5));
  }
  return { result: { params, variants }, text, targets };
}
