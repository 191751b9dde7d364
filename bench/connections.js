// Section 4: N concurrent WebSocket connections through the relay, each sending a
// 64-byte message per second, for `wsinspect proxy --json` and the plain Node relay
// as its baseline. Reports errors and the relay's RSS per connection beyond its RSS
// before the connections (VmRSS sampled every 200 ms while they are active).
// Every process gets `ulimit -n 65536` (or the hard limit) through bash.
import { procStatusBytes, table, target, ratioStr, fmt, sleep } from './lib/util.js';
import { startEcho, startHelper, startRelay } from './lib/procs.js';

const NOFILE = 65536;
const KB = 1024;

export async function connectionsSection({ quick, log }) {
  const n = quick ? 500 : 5000;
  const durationMs = quick ? 3000 : 10_000;
  const echo = await startEcho({ nofile: NOFILE });
  const load = await startHelper('conns', { nofile: NOFILE });
  const result = { connections: n, durationMs, relays: {} };
  try {
    for (const kind of ['plain', 'json']) {
      const relay = await startRelay(kind, echo.port, { nofile: NOFILE });
      try {
        await sleep(500);
        const rssBase = procStatusBytes(relay.pid, 'VmRSS');
        const r = await load.rpc.call('run', { url: relay.url, n, durationMs, relayPid: relay.pid });
        const perConn = (r.rssPeak - rssBase) / n;
        result.relays[kind] = { rssBase, ...r, perConnBytes: perConn };
        log(`${kind}: ${r.opened}/${n} open in ${fmt(r.connectSeconds)} s, ${r.sent} sent, ${r.received} echoed, ${r.errors + r.unexpectedCloses + r.badEcho} errors, RSS ${fmt(rssBase / 1e6)} -> peak ${fmt(r.rssPeak / 1e6)} MB`);
      } finally {
        await relay.stop();
      }
    }
  } finally {
    await load.stop();
    await echo.stop();
  }
  const rows = [];
  for (const [kind, r] of Object.entries(result.relays)) {
    const errors = r.errors + r.unexpectedCloses + r.badEcho + (r.opened - n) * -1 + (r.sent - r.received);
    r.errorCount = errors;
    rows.push([
      kind === 'plain' ? '(b) plain Node relay' : '(c) wsinspect --json',
      `${r.opened}/${n}`,
      fmt(r.connectSeconds),
      String(r.sent),
      String(r.received),
      String(errors),
      fmt(r.rssBase / 1e6),
      fmt(r.rssConnected / 1e6),
      fmt(r.rssPeak / 1e6),
      fmt((r.rssConnected - r.rssBase) / n / KB),
      fmt(r.perConnBytes / KB),
    ]);
  }
  const c = result.relays.json;
  const b = result.relays.plain;
  result.perConnRatio = c.perConnBytes / b.perConnBytes;
  const text =
    table(
      ['relay', 'open', 'connect s', 'sent', 'echoed', 'errors', 'RSS before MB', 'RSS connected MB', 'RSS peak MB', 'KB/conn idle', 'KB/conn peak'],
      rows,
      `Connections: ${n} WebSocket connections, each sending 64 B once a second for ${durationMs / 1000} s (load generator and echo server in their own processes; KB/conn = (RSS connected or peak RSS while sending - RSS before) / ${n})`,
    ) + `\n(c) RSS per connection: ${ratioStr(result.perConnRatio)} that of (b); ${fmt((c.perConnBytes - b.perConnBytes) / KB)} KB/conn more than (b)`;
  const targets = [
    target('connections', `${n} connections through the json proxy: no errors`, `${c.errorCount} errors`, c.errorCount === 0, `${c.opened} open, ${c.received}/${c.sent} echoed${c.firstError ? `; first: ${c.firstError}` : ''}`),
    target('connections', 'RSS per connection beyond baseline: < 20 KB', `${fmt(c.perConnBytes / KB)} KB`, c.perConnBytes < 20 * KB, `peak while sending, over the proxy's own RSS before; plain relay ${fmt(b.perConnBytes / KB)} KB`),
  ];
  return { result, text, targets };
}
