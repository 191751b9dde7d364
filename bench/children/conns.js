// Load generator for the connections benchmark: N ws clients through a relay, each
// sending a 64-byte text message once a second (at its own phase) and checking the
// echo. Samples the relay's VmRSS from /proc while the connections are open.
import { createRequire } from 'node:module';
import { serveRpc, procStatusBytes } from '../lib/util.js';

const require = createRequire(import.meta.url);
const WebSocket = require('ws');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const PAYLOAD = Buffer.from('{"type":"heartbeat","client":0000000,"ts":1700000000000,"ok":true}'.slice(0, 64));

async function run({ url, n, durationMs, concurrency = 200, relayPid }) {
  const stats = { opened: 0, openErrors: 0, errors: 0, unexpectedCloses: 0, sent: 0, received: 0, badEcho: 0, firstError: null };
  const sockets = [];
  let closing = false;
  const note = (e) => (stats.firstError ??= String(e?.message ?? e));
  const openOne = () =>
    new Promise((resolve) => {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      ws.once('open', () => {
        stats.opened++;
        sockets.push(ws);
        resolve();
      });
      ws.on('error', (e) => {
        stats.errors++;
        note(e);
        resolve();
      });
      ws.on('message', (data) => {
        stats.received++;
        if (!data.equals(PAYLOAD)) stats.badEcho++;
      });
      ws.on('close', (code) => {
        if (!closing) {
          stats.unexpectedCloses++;
          note(`closed early with ${code}`);
        }
      });
    });
  const t0 = Date.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next++;
        await openOne();
      }
    }),
  );
  const connectSeconds = (Date.now() - t0) / 1000;
  await sleep(500);
  const rssConnected = procStatusBytes(relayPid, 'VmRSS');

  // Each connection sends once a second at its own phase, for durationMs.
  let rssPeak = rssConnected;
  const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, procStatusBytes(relayPid, 'VmRSS'))), 200);
  const timers = [];
  const end = Date.now() + durationMs;
  for (const ws of sockets) {
    const phase = Math.random() * 1000;
    timers.push(
      setTimeout(() => {
        const send = () => {
          if (Date.now() >= end || ws.readyState !== WebSocket.OPEN) return;
          stats.sent++;
          ws.send(PAYLOAD, { binary: false });
          timers.push(setTimeout(send, 1000));
        };
        send();
      }, phase),
    );
  }
  await sleep(durationMs + 1500); // the last sends, then their echoes
  clearInterval(sampler);
  for (const t of timers) clearTimeout(t);
  const rssEnd = procStatusBytes(relayPid, 'VmRSS');

  closing = true;
  await Promise.all(
    sockets.map(
      (ws) =>
        new Promise((resolve) => {
          const t = setTimeout(() => {
            ws.terminate();
            resolve();
          }, 10_000);
          ws.once('close', () => {
            clearTimeout(t);
            resolve();
          });
          ws.close(1000);
        }),
    ),
  );
  return { ...stats, connectSeconds, rssConnected, rssPeak, rssEnd };
}

serveRpc({ run, ping: () => 'pong' });
