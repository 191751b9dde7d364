/**
 * Connection lifecycle corners: a client that leaves, or a proxy that stops,
 * while the upstream is still being dialled (no waiting for the dial, nothing
 * after connection-end), and the response deadline with pipelined requests.
 */
import net from 'node:net';
import { describe, expect, test } from 'vitest';
import type { InspectorEvent } from '../../src/inspector/events.js';
import { parseEndpoint } from '../../src/net/endpoint.js';
import { ProxyConnection } from '../../src/proxy/proxy-connection.js';
import { EventLog, connectPeer, onCleanup, once, startRawServer, startTestProxy, waitUntil } from '../helpers/net.js';

interface Harness {
  port: number;
  events: InspectorEvent[];
  log: EventLog;
  connections: ProxyConnection[];
  done: number;
  resolveDial(socket: net.Socket): void;
  rejectDial(err: Error): void;
}

/** A listener that hands each client to a ProxyConnection whose dial the test settles by hand. */
async function withPendingDial(upstreamUrl: string, lingerMs?: number): Promise<Harness> {
  let settle!: { resolve(s: net.Socket): void; reject(e: Error): void };
  const log = new EventLog();
  const harness: Harness = {
    port: 0,
    events: [],
    log,
    connections: [],
    done: 0,
    resolveDial: (s) => settle.resolve(s),
    rejectDial: (e) => settle.reject(e),
  };
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    const connection = new ProxyConnection(
      client,
      {
        upstream: parseEndpoint(upstreamUrl),
        dial: () => new Promise<net.Socket>((resolve, reject) => (settle = { resolve, reject })),
        emit: (event) => {
          harness.events.push(event);
          log.push({ ...event, conn: 1, ts: Date.now() });
        },
        strict: false,
        responseTimeoutMs: 10_000,
        lingerMs,
      },
      () => harness.done++,
    );
    harness.connections.push(connection);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  onCleanup(() => new Promise((r) => server.close(r)));
  harness.port = (server.address() as net.AddressInfo).port;
  return harness;
}

describe('while the upstream is being dialled', () => {
  test('the client resets: connection-end at once; the late upstream socket is closed, no events after', async () => {
    const upstream = await startRawServer();
    const h = await withPendingDial(upstream.url);
    const client = await connectPeer(h.port);
    await waitUntil(() => h.connections.length === 1, 'the connection');
    client.socket.resetAndDestroy();
    await waitUntil(() => h.done === 1, 'connection-end');
    expect(h.events.map((e) => e.type)).toEqual(['connection-end']);

    const late = net.connect({ port: upstream.port, host: '127.0.0.1' });
    await once(late, 'connect');
    h.resolveDial(late);
    await (await upstream.peer(0)).untilEnd();
    expect(h.events.map((e) => e.type)).toEqual(['connection-end']);
    expect(h.done).toBe(1);
  });

  test('the proxy stops (destroy): connection-end at once; a dial failing later adds no error event', async () => {
    const h = await withPendingDial('ws://127.0.0.1:9/');
    const client = await connectPeer(h.port);
    await waitUntil(() => h.connections.length === 1, 'the connection');
    h.connections[0]!.destroy();
    await waitUntil(() => h.done === 1, 'connection-end');
    await client.untilEnd();
    h.rejectDial(new Error('connection refused'));
    await new Promise((r) => setImmediate(r));
    expect(h.events.map((e) => e.type)).toEqual(['connection-end']);
    expect(h.done).toBe(1);
  });
});

describe('a peer that never closes', () => {
  test('after the proxy answered 502 itself, a client that keeps its end open is dropped after the linger time', async () => {
    const h = await withPendingDial('ws://127.0.0.1:9/', 100);
    const client = await connectPeer(h.port);
    await waitUntil(() => h.connections.length === 1, 'the connection');
    h.rejectDial(new Error('connection refused'));
    await client.untilEnd();
    expect(client.bytes().toString()).toMatch(/^HTTP\/1\.1 502 Bad Gateway\r\n/);
    // The client never ends its side; the proxy still finishes the connection.
    await waitUntil(() => h.done === 1, 'connection-end');
    expect(h.events.map((e) => e.type)).toEqual(['error', 'connection-end']);
  });
});

describe('response deadline', () => {
  test('a pipelined request gets no 504 while the previous response body is still streaming', async () => {
    const timeoutMs = 150;
    const upstream = await startRawServer((peer) => {
      void (async () => {
        await peer.until(() => (peer.bytes().toString().match(/\r\n\r\n/g) ?? []).length === 2, 'two requests');
        peer.socket.write('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nslow-');
        // A slow body (the scenario itself): longer than the deadline, which is for heads only.
        await new Promise((r) => setTimeout(r, timeoutMs * 3));
        peer.socket.write('body!HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      })();
    });
    const { proxy, log } = await startTestProxy(upstream.url, { timeoutMs });
    const client = await connectPeer(proxy.port);
    client.socket.write('GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n');
    const expected = 'HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nslow-body!HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
    await client.untilBytes(expected.length);
    expect(client.bytes().toString()).toBe(expected);
    expect(log.of('error')).toEqual([]);
    expect(log.of('http').map((e) => e.path)).toEqual(['/1', '/2']);
  });

  test('the deadline still applies to the pipelined request once the previous response is complete', async () => {
    const upstream = await startRawServer((peer) => {
      void peer
        .until(() => (peer.bytes().toString().match(/\r\n\r\n/g) ?? []).length === 2, 'two requests')
        .then(() => peer.socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
    });
    const { proxy, log } = await startTestProxy(upstream.url, { timeoutMs: 150 });
    const client = await connectPeer(proxy.port);
    client.socket.write('GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n');
    await client.untilEnd();
    expect(client.bytes().toString()).toMatch(/^HTTP\/1\.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP\/1\.1 504 Gateway Timeout\r\n/);
    expect((await log.next('error')).message).toMatch(/no response within 0\.15 s/);
  });
});
