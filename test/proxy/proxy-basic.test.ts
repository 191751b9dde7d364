import { afterEach, describe, expect, test } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import net from 'node:net';
import { startProxy, type RunningProxy } from '../../src/proxy/proxy-server.js';
import { parseEndpoint } from '../../src/net/endpoint.js';
import type { WireEvent } from '../../src/inspector/events.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function wsEcho(options: ConstructorParameters<typeof WebSocketServer>[0] = {}): Promise<number> {
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1', ...options });
  server.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  await new Promise((r) => server.once('listening', r));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return (server.address() as net.AddressInfo).port;
}

async function proxyTo(upstream: string, extra: Partial<Parameters<typeof startProxy>[0]> = {}): Promise<{ proxy: RunningProxy; events: WireEvent[] }> {
  const events: WireEvent[] = [];
  const proxy = await startProxy({ host: '127.0.0.1', port: 0, upstream: parseEndpoint(upstream), onEvent: (e) => events.push(e), ...extra });
  cleanups.push(() => proxy.close());
  return { proxy, events };
}

function waitFor(events: WireEvent[], predicate: (e: WireEvent) => boolean): Promise<WireEvent> {
  return new Promise((resolve) => {
    const poll = () => {
      const found = events.find(predicate);
      if (found) resolve(found);
      else setTimeout(poll, 5);
    };
    poll();
  });
}

describe('proxy', () => {
  test('relays a ws client to a ws server and reports handshake, frames, messages, clean end', async () => {
    const port = await wsEcho({ perMessageDeflate: true });
    const { proxy, events } = await proxyTo(`ws://127.0.0.1:${port}`);
    const ws = new WebSocket(proxy.url, { perMessageDeflate: true });
    await new Promise((r) => ws.once('open', r));
    ws.send('Hello, world!');
    const echoed = await new Promise<string>((r) => ws.once('message', (d) => r(String(d))));
    expect(echoed).toBe('Hello, world!');
    ws.close(1000, 'bye');
    const end = await waitFor(events, (e) => e.type === 'connection-end');
    console.log(events.map((e) => JSON.stringify(e)).join('\n'));
    expect(end).toMatchObject({ clean: true, closeCode: 1000, by: 'client' });
  });
});
