// Section 2: the same WebSocket load straight to the echo server (a), through a plain
// Node TCP relay (b), `wsinspect proxy --json` (c), the pretty renderer (d),
// mitmdump (e), and (c) and (d) with the web inspector on and followed (f, g),
// interleaved round by round; ratios are medians of per-round ratios.
// Compressed traffic (permessage-deflate, context takeover both ways, 1 KiB JSON-like
// texts that differ) goes to a second echo server with deflate on, through (b) and (c) only.
//
// Processes (2 cores): for the throughput runs the relay under test is pinned to CPU 1
// and has it to itself; the uWS echo server and the ws load generator share CPU 0;
// this orchestrator only waits. The relay's CPU time per message comes from
// /proc/PID/stat (utime+stime, all threads) read by the load generator at the edges
// of the measuring window. For the latency runs every process is pinned to CPU 0:
// with one message in flight only one process runs at a time anyway, while spread
// over two CPUs each hop costs a cross-CPU wake-up (tens of µs, varying a lot in
// this VM) that drowns the relay's own cost. On one CPU the relay's work after
// forwarding (inspecting, rendering) also delays the echo, so the difference to (b)
// is an upper bound of what the relay adds. Latency is paired: one connection per
// relay, round trips alternating between them, so each relay's samples share the
// same moments of this noisy machine; the p50 difference is taken within each round.
import { median, table, target, ratioStr, fmt, setAffinity } from './lib/util.js';
import { startEcho, startHelper, startRelay, mitmAvailable, RELAYS } from './lib/procs.js';

/**
 * Before the rounds every relay takes the 64 B flood for a while (JIT, buffers),
 * the inspector's (f) and (g) until their stores have filled --keep once: from
 * then on a store writes into the memory of what it evicts, while the first
 * fill writes into fresh pages (page faults, and V8's full collections as its
 * external memory grows), a one-off cost of the first 256 MiB. The rounds
 * measure the steady state; (f)'s fill throughput against (c) over the same
 * time is reported beside it.
 */
async function warmUp(load, relays, small, echoPid, log) {
  const run = (r, durationMs) => load.rpc.call('pipelined', { url: r.url, ...small, warmupMs: 0, durationMs, cpuPids: { echo: echoPid } });
  const fillStore = async (r) => {
    let echoes = 0;
    let ms = 0;
    for (const started = Date.now(); ms < 60_000; ) {
      const chunk = await run(r, 1000);
      echoes += chunk.echoes;
      ms = Date.now() - started;
      const stats = await (await fetch(`${r.inspector}api/stats`)).json();
      if (stats.droppedEvents + stats.droppedConnections > 0) break;
    }
    return { echoes, ms };
  };
  const { echoes, ms } = await fillStore(relays.ui);
  const json = await run(relays.json, ms);
  await fillStore(relays.uiPretty);
  for (const [kind, r] of Object.entries(relays)) if (!['ui', 'json', 'uiPretty'].includes(kind)) await run(r, 1000);
  const fill = { seconds: ms / 1000, uiPerSec: (echoes * 1000) / ms, jsonPerSec: json.echoesPerSec };
  fill.uiVsJson = fill.uiPerSec / fill.jsonPerSec;
  log(`warm-up: (f) filled its store in ${fmt(fill.seconds)} s at ${fmt(fill.uiPerSec)} msg/s, (c) over as long ${fmt(fill.jsonPerSec)} msg/s`);
  return fill;
}

/** The inspector's relays and the --no-ui ones they are compared with. */
const PARTNERS = { ui: 'json', uiPretty: 'pretty' };

/**
 * The order of the relays in a round: rotated so each goes first in turn, but each inspector relay
 * right beside its --no-ui partner (one first, then the other, by turns). Their ratio then compares
 * runs taken seconds apart: this VM's speed drifts as its neighbours come and go.
 */
function roundOrder(kinds, round) {
  const leads = kinds.filter((kind) => !(kind in PARTNERS));
  return leads
    .map((_, i) => leads[(i + round) % leads.length])
    .flatMap((kind) => {
      const follower = Object.keys(PARTNERS).find((k) => PARTNERS[k] === kind && kinds.includes(k));
      if (!follower) return [kind];
      return round % 2 === 0 ? [kind, follower] : [follower, kind];
    });
}

function scenarios(quick) {
  const warmupMs = quick ? 250 : 500;
  const durationMs = quick ? 800 : 2000;
  return {
    small: { conns: 4, window: 64, size: 64, binary: false, warmupMs, durationMs },
    large: { conns: 2, window: 2, size: 1 << 20, binary: true, warmupMs, durationMs },
    latency: { iterations: quick ? 600 : 2500, warmup: quick ? 100 : 300, size: 64 },
    deflate: { conns: 4, window: 16, size: 1024, binary: false, deflate: true, warmupMs, durationMs },
  };
}

export async function proxySection({ quick, pin, log }) {
  const rounds = quick ? 3 : 5;
  const cfg = scenarios(quick);
  const loadCpu = pin ? 0 : null;
  const relayCpu = pin ? 1 : null;
  const latencyCpu = 0;
  const echo = await startEcho({ cpus: loadCpu });
  const deflateEcho = await startEcho({ cpus: loadCpu, options: { deflate: true } });
  const load = await startHelper('load', { cpus: loadCpu });
  const relays = { none: { kind: 'none', url: echo.url, pid: null } };
  const deflateRelays = { none: { kind: 'none', url: deflateEcho.url, pid: null } };
  const haveMitm = mitmAvailable();
  const started = [];
  try {
    for (const kind of ['plain', 'json', 'pretty', 'ui', 'uiPretty', ...(haveMitm ? ['mitm'] : [])]) {
      relays[kind] = await startRelay(kind, echo.port, { cpus: relayCpu });
      started.push(relays[kind]);
    }
    for (const kind of ['plain', 'json']) {
      deflateRelays[kind] = await startRelay(kind, deflateEcho.port, { cpus: relayCpu });
      started.push(deflateRelays[kind]);
    }
    const kinds = Object.keys(relays);
    const deflateKinds = Object.keys(deflateRelays);
    const fill = await warmUp(load, relays, cfg.small, echo.pid, log);
    const perRound = [];
    for (let round = 0; round < rounds; round++) {
      const order = roundOrder(kinds, round);
      const res = {};
      for (const kind of order) {
        const r = relays[kind];
        const cpuPids = r.pid ? { relay: r.pid, echo: echo.pid } : { echo: echo.pid };
        const small = await load.rpc.call('pipelined', { url: r.url, ...cfg.small, cpuPids });
        const large = await load.rpc.call('pipelined', { url: r.url, ...cfg.large, cpuPids });
        res[kind] = {
          smallPerSec: small.echoesPerSec,
          smallCpuPerMsg: small.cpuMicros.relay / (2 * small.echoes), // each echo crosses the relay twice
          largeMBs: large.bytesPerSec / 1e6,
          largeCpuPerMB: large.cpuMicros.relay / ((2 * large.echoes * cfg.large.size) / 1e6),
          errors: small.errors + large.errors,
        };
        if (res[kind].errors) throw new Error(`${kind}: ${res[kind].errors} errors (lost or wrong-size echoes)`);
      }
      for (const kind of deflateKinds.map((_, i) => deflateKinds[(i + round) % deflateKinds.length])) {
        const r = deflateRelays[kind];
        const cpuPids = r.pid ? { relay: r.pid, echo: deflateEcho.pid } : { echo: deflateEcho.pid };
        const compressed = await load.rpc.call('pipelined', { url: r.url, ...cfg.deflate, cpuPids });
        if (compressed.errors) throw new Error(`${kind} (deflate): ${compressed.errors} errors (lost or wrong-size echoes)`);
        res[kind].deflatePerSec = compressed.echoesPerSec;
        res[kind].deflateCpuPerMsg = r.pid ? compressed.cpuMicros.relay / (2 * compressed.echoes) : NaN;
      }
      // Latency: all relays in one paired run (round trips alternate between them), every process on CPU 0.
      const pids = [echo.pid, load.pid, ...started.map((x) => x.pid)];
      if (pin) for (const pid of pids) setAffinity(pid, latencyCpu);
      const urls = Object.fromEntries(kinds.map((k) => [k, relays[k].url]));
      const lat = await load.rpc.call('latencyPaired', { urls, ...cfg.latency });
      if (pin) {
        for (const x of started) setAffinity(x.pid, relayCpu);
        setAffinity(echo.pid, loadCpu);
        setAffinity(load.pid, loadCpu);
      }
      for (const k of kinds) Object.assign(res[k], { p50: lat[k].p50, p99: lat[k].p99 });
      perRound.push(res);
      log(
        `round ${round + 1}/${rounds}: ` +
          kinds.map((k) => `${k} ${fmt(res[k].smallPerSec)} msg/s, ${fmt(res[k].largeMBs)} MB/s, p50 ${fmt(res[k].p50)} µs`).join('; ') +
          `; deflate 1 KiB: ${deflateKinds.map((k) => `${k} ${fmt(res[k].deflatePerSec)} msg/s`).join(', ')}`,
      );
    }

    const med = (kind, field) => median(perRound.map((r) => r[kind][field]));
    const medRatio = (a, b, field) => median(perRound.map((r) => r[a][field] / r[b][field]));
    const medDiff = (a, b, field) => median(perRound.map((r) => r[a][field] - r[b][field]));
    const summary = {};
    for (const kind of kinds) {
      summary[kind] = {
        label: kind === 'none' ? '(a) no relay' : RELAYS[kind],
        smallPerSec: med(kind, 'smallPerSec'),
        smallRatioVsPlain: medRatio(kind, 'plain', 'smallPerSec'),
        smallCpuPerMsgMicros: med(kind, 'smallCpuPerMsg'),
        smallCpuRatioVsPlain: kind === 'none' ? NaN : medRatio(kind, 'plain', 'smallCpuPerMsg'),
        largeMBs: med(kind, 'largeMBs'),
        largeRatioVsPlain: medRatio(kind, 'plain', 'largeMBs'),
        largeCpuPerMBMicros: med(kind, 'largeCpuPerMB'),
        largeCpuRatioVsPlain: kind === 'none' ? NaN : medRatio(kind, 'plain', 'largeCpuPerMB'),
        p50Micros: med(kind, 'p50'),
        p99Micros: med(kind, 'p99'),
        p50DeltaVsPlain: medDiff(kind, 'plain', 'p50'),
      };
    }
    const deflate = Object.fromEntries(
      deflateKinds.map((k) => [
        k,
        {
          perSec: med(k, 'deflatePerSec'),
          ratioVsPlain: medRatio(k, 'plain', 'deflatePerSec'),
          cpuPerMsgMicros: med(k, 'deflateCpuPerMsg'),
          cpuRatioVsPlain: k === 'none' ? NaN : medRatio(k, 'plain', 'deflateCpuPerMsg'),
        },
      ]),
    );
    const uiVsJson = medRatio('ui', 'json', 'smallPerSec');
    const uiCpuVsJson = medRatio('ui', 'json', 'smallCpuPerMsg');
    const uiPrettyVsPretty = medRatio('uiPretty', 'pretty', 'smallPerSec');
    const uiPrettyCpuVsPretty = medRatio('uiPretty', 'pretty', 'smallCpuPerMsg');
    const jsonVsMitm = haveMitm ? medRatio('json', 'mitm', 'smallPerSec') : NaN;
    const jsonVsMitmCpu = haveMitm ? medRatio('mitm', 'json', 'smallCpuPerMsg') : NaN;

    const rows = kinds.map((k) => {
      const s = summary[k];
      return [
        s.label,
        fmt(s.smallPerSec),
        ratioStr(s.smallRatioVsPlain),
        k === 'none' ? 'n/a' : fmt(s.smallCpuPerMsgMicros),
        ratioStr(s.smallCpuRatioVsPlain),
        fmt(s.largeMBs),
        ratioStr(s.largeRatioVsPlain),
        k === 'none' ? 'n/a' : fmt(s.largeCpuPerMBMicros),
        ratioStr(s.largeCpuRatioVsPlain),
        fmt(s.p50Micros),
        fmt(s.p99Micros),
        `${s.p50DeltaVsPlain >= 0 ? '+' : ''}${fmt(s.p50DeltaVsPlain)}`,
      ];
    });
    if (!haveMitm) rows.push(['(e) mitmdump', 'missing (apt-get install -y mitmproxy)', '', '', '', '', '', '', '', '', '', '']);
    let text = table(
      ['relay', '64 B msg/s', 'vs (b)', 'CPU µs/msg', 'CPU vs (b)', '1 MiB MB/s', 'vs (b)', 'CPU µs/MB', 'CPU vs (b)', 'p50 µs', 'p99 µs', 'p50 Δ(b) µs'],
      rows,
      `Proxy: median of ${rounds} interleaved rounds. 64 B: ${cfg.small.conns} conns × ${cfg.small.window} text messages in flight; ` +
        `1 MiB: ${cfg.large.conns} conns × ${cfg.large.window} binary in flight (MB/s of echoed payload); latency: 64 B, 1 in flight, one connection per relay, blocks of 100 round trips alternating between relays (paired samples). ` +
        `CPU = relay process utime+stime per message crossing it (each echo crosses twice) / per MB crossing it. ` +
        (pin ? 'Throughput: relay pinned to CPU 1, echo server + load generator on CPU 0; latency: all on CPU 0 (the relay\'s post-forward work counts in full).' : 'No CPU pinning.'),
    );
    text +=
      `\npermessage-deflate (context takeover both ways), 1 KiB JSON-like texts, ${cfg.deflate.conns} conns × ${cfg.deflate.window} in flight: ` +
      deflateKinds.map((k) => `${k === 'none' ? '(a)' : k === 'plain' ? '(b)' : '(c)'} ${fmt(deflate[k].perSec)} msg/s${k === 'none' ? '' : `, CPU ${fmt(deflate[k].cpuPerMsgMicros)} µs/msg`}`).join('; ') +
      `; (c) vs (b): ${ratioStr(deflate.json.ratioVsPlain)} the throughput, CPU/msg ${ratioStr(deflate.json.cpuRatioVsPlain)}`;
    text += `\n(f) vs (c) on 64 B messages: ${ratioStr(uiVsJson)} the throughput with the inspector's live feed followed (CPU/msg ${ratioStr(uiCpuVsJson)})`;
    text += `; while (f)'s store first filled --keep (${fmt(fill.seconds)} s, warm-up): ${ratioStr(fill.uiVsJson)}`;
    // No target: --json with the inspector on serializes each event once for both; the pretty view
    // has no JSON to share, so the store makes every event's JSON itself.
    text += `\n(g) vs (d) on 64 B messages (the pretty view, no target): ${ratioStr(uiPrettyVsPretty)} the throughput with the live feed followed (CPU/msg ${ratioStr(uiPrettyCpuVsPretty)})`;
    if (haveMitm) text += `\n(c) vs (e) on 64 B messages: ${ratioStr(jsonVsMitm)} the throughput, ${ratioStr(jsonVsMitmCpu)} less CPU per message`;

    const c = summary.json;
    const d = summary.pretty;
    const signed = (micros) => `${micros >= 0 ? '+' : ''}${fmt(micros)} µs`;
    // The targets of issue #13 (and the inspector's, #10): ratios against the plain relay measured in the same rounds.
    const targets = [
      target('proxy', '(c) json vs (b) plain relay, 64 B messages: >= 1.0x', ratioStr(c.smallRatioVsPlain), c.smallRatioVsPlain >= 1.0, `CPU/msg ${ratioStr(c.smallCpuRatioVsPlain)} of (b)`),
      target('proxy', '(c) json CPU per 64 B message: <= 1.5x (b)', ratioStr(c.smallCpuRatioVsPlain), c.smallCpuRatioVsPlain <= 1.5),
      target('proxy', '(c) json vs (b) plain relay, 1 MiB messages: >= 1.0x', ratioStr(c.largeRatioVsPlain), c.largeRatioVsPlain >= 1.0, `CPU/MB ${ratioStr(c.largeCpuRatioVsPlain)} of (b)`),
      target('proxy', '(c) p50 latency within 10 µs of (b)', signed(c.p50DeltaVsPlain), c.p50DeltaVsPlain <= 10, `p50 ${fmt(c.p50Micros)} vs ${fmt(summary.plain.p50Micros)} µs`),
      target('proxy', '(d) pretty vs (b) plain relay, 64 B messages: >= 0.7x', ratioStr(d.smallRatioVsPlain), d.smallRatioVsPlain >= 0.7, `CPU/msg ${ratioStr(d.smallCpuRatioVsPlain)} of (b)`),
      target('proxy', '(c) json vs (b) plain relay, 1 KiB deflate text both ways: >= 0.8x', ratioStr(deflate.json.ratioVsPlain), deflate.json.ratioVsPlain >= 0.8, `CPU/msg ${ratioStr(deflate.json.cpuRatioVsPlain)} of (b)`),
      target('proxy', '(f) inspector followed vs (c) --no-ui, 64 B messages: >= 0.8x', ratioStr(uiVsJson), uiVsJson >= 0.8, `CPU/msg ${ratioStr(uiCpuVsJson)} of (c)`),
      haveMitm
        ? target('proxy', '(c) json vs (e) mitmdump, 64 B messages: >= 10x', ratioStr(jsonVsMitm), jsonVsMitm >= 10, `CPU/msg: mitm ${ratioStr(jsonVsMitmCpu)} of (c)`)
        : target('proxy', '(c) json vs (e) mitmdump, 64 B messages: >= 10x', 'mitmproxy missing', false),
    ];
    return { result: { rounds, scenarios: cfg, pinned: pin, mitmproxy: haveMitm, summary, deflate, uiVsJson, uiCpuVsJson, uiPrettyVsPretty, uiPrettyCpuVsPretty, fill, jsonVsMitm, jsonVsMitmCpu, perRound }, text, targets };
  } finally {
    for (const r of started) await r.stop();
    await load.stop();
    await echo.stop();
    await deflateEcho.stop();
  }
}
