/** Smoke test with `ws` on both ends (an upstream other than uWS): relay, events, clean end. */
import type net from 'node:net';
import { describe, expect, test } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { checkWireOrder, frameTotals, onCleanup, once, startTestProxy } from '../helpers/net.js';

async function wsEcho(options: ConstructorParameters<typeof WebSocketServer>[0] = {}): Promise<number> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', ...options });
  server.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  await once(server, 'listening');
  onCleanup(() => new Promise<void>((r) => server.close(() => r())));
  return (server.address() as net.AddressInfo).port;
}

describe('proxy', () => {
  test('relays a ws client to a ws server and reports handshake, frames, messages, clean end', async () => {
    const port = await wsEcho({ perMessageDeflate: true });
    const { proxy, log } = await startTestProxy(`ws://127.0.0.1:${port}`);
    const ws = new WebSocket(proxy.url, { perMessageDeflate: true });
    onCleanup(() => ws.terminate());
    await once(ws, 'open');
    const echoed = new Promise<string>((r) => ws.once('message', (d) => r(String(d))));
    ws.send('Hello, world!');
    expect(await echoed).toBe('Hello, world!');
    ws.close(1000, 'bye');
    const end = await log.end(1);
    expect(end).toMatchObject({ clean: true, closeCode: 1000, by: 'client' });
    expect(log.of('handshake-response', 1)[0]).toMatchObject({ status: 101, ok: true, accept: { valid: true } });
    expect(log.of('message', 1).map((m) => [m.from, m.text, m.compressed])).toEqual([
      ['client', 'Hello, world!', true],
      ['server', 'Hello, world!', true],
    ]);
    const events = log.forConn(1);
    expect(end.stats.client).toEqual(frameTotals(events, 'client'));
    expect(end.stats.server).toEqual(frameTotals(events, 'server'));
    checkWireOrder(events);
  });
});
