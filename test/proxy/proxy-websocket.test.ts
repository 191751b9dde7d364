/**
 * The `ws` client (with and without permessage-deflate) through the proxy to
 * the uWebSockets.js echo server (with and without deflate): what the events
 * say about the handshake, frames, messages, control frames and the close.
 */
import net from 'node:net';
import { describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { startEchoServer, type EchoServer } from '../../src/echo/echo-server.js';
import type { WireEvent } from '../../src/inspector/events.js';
import { createNdjsonSink } from '../../src/render/ndjson.js';
import { checkWireOrder, frameTotals, onCleanup, once, startTestProxy } from '../helpers/net.js';

async function echoServer(deflate: boolean, host = '127.0.0.1'): Promise<EchoServer> {
  const echo = await startEchoServer({ port: 0, deflate, host });
  onCleanup(() => echo.close());
  return echo;
}

async function open(url: string, options: WebSocket.ClientOptions = {}): Promise<WebSocket> {
  const ws = new WebSocket(url, options);
  onCleanup(() => ws.terminate());
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  return ws;
}

function reply(ws: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve) => ws.once('message', (data: Buffer, isBinary) => resolve({ data, isBinary })));
}

async function closeClean(ws: WebSocket): Promise<void> {
  const closed = once(ws, 'close');
  ws.close(1000, 'done');
  await closed;
}

describe.each([
  { clientDeflate: false, serverDeflate: false },
  { clientDeflate: true, serverDeflate: false },
  { clientDeflate: false, serverDeflate: true },
  { clientDeflate: true, serverDeflate: true },
])('ws client (deflate $clientDeflate) → proxy → uWS echo (deflate $serverDeflate)', ({ clientDeflate, serverDeflate }) => {
  const negotiated = clientDeflate && serverDeflate;

  test('handshake, masked/unmasked frames, messages, fragments, ping/pong, clean close, stats', async () => {
    const echo = await echoServer(serverDeflate);
    const { proxy, log } = await startTestProxy(echo.url);
    const ws = await open(proxy.url, { perMessageDeflate: clientDeflate ? { threshold: 0 } : false });
    expect(ws.extensions).toBe(negotiated ? 'permessage-deflate' : '');

    const text = 'Hello, wsinspect! '.repeat(200);
    let answer = reply(ws);
    ws.send(text, { compress: true });
    expect((await answer).data.toString()).toBe(text);

    const binary = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7) & 0xff));
    answer = reply(ws);
    ws.send(binary, { binary: true, compress: true });
    const echoed = await answer;
    expect(echoed.isBinary).toBe(true);
    expect(echoed.data.equals(binary)).toBe(true);

    // A fragmented text message: three frames from the client, one echo back.
    answer = reply(ws);
    ws.send('frag-one ', { fin: false, compress: true });
    ws.send('frag-two ', { fin: false, compress: true });
    ws.send('frag-three', { fin: true, compress: true });
    expect((await answer).data.toString()).toBe('frag-one frag-two frag-three');

    const pong = once<Buffer>(ws, 'pong');
    ws.ping('are you there');
    expect((await pong).toString()).toBe('are you there');

    await closeClean(ws);
    const end = await log.end(1);
    const events = log.forConn(1);

    const request = log.of('handshake-request', 1)[0]!;
    expect(request).toMatchObject({ method: 'GET', path: '/', httpVersion: '1.1' });
    expect(request.key).toMatch(/^[A-Za-z0-9+/]{22}==$/);
    const response = log.of('handshake-response', 1)[0]!;
    expect(response).toMatchObject({ status: 101, ok: true, accept: { valid: true, expected: response.accept.actual } });
    expect(response.extensions.map((e) => e.name)).toEqual(negotiated ? ['permessage-deflate'] : []);
    expect(log.of('violation', 1)).toEqual([]);

    const frames = log.of('frame', 1);
    for (const frame of frames.filter((f) => f.from === 'client')) {
      expect(frame.masked).toBe(true);
      expect(frame.maskKey).toMatch(/^[0-9a-f]{8}$/);
    }
    for (const frame of frames.filter((f) => f.from === 'server')) {
      expect(frame.masked).toBe(false);
      expect(frame.maskKey).toBeNull();
    }
    const dataFrames = (from: string) => frames.filter((f) => f.from === from && f.opcode < 8);
    for (const frame of dataFrames('server')) expect(frame.rsv1).toBe(negotiated);
    expect(dataFrames('client')[0]!.rsv1).toBe(negotiated);

    const messages = log.of('message', 1);
    const fromClient = messages.filter((m) => m.from === 'client');
    const fromServer = messages.filter((m) => m.from === 'server');
    expect(fromClient.map((m) => [m.kind, m.frames, m.compressed])).toEqual([
      ['text', 1, negotiated],
      ['binary', 1, negotiated],
      ['text', 3, negotiated],
    ]);
    expect(fromServer.map((m) => [m.kind, m.frames, m.compressed])).toEqual([
      ['text', 1, negotiated],
      ['binary', 1, negotiated],
      ['text', 1, negotiated],
    ]);
    for (const list of [fromClient, fromServer]) {
      expect(list[0]).toMatchObject({ text: text, size: text.length, truncated: false });
      expect(list[1]).toMatchObject({ base64: binary.toString('base64'), size: binary.length, truncated: false });
      expect(list[2]).toMatchObject({ text: 'frag-one frag-two frag-three', truncated: false });
    }
    if (negotiated) expect(fromClient[0]!.wireBytes).toBeLessThan(text.length);

    const ping = frames.find((f) => f.opcodeName === 'ping');
    const pongFrame = frames.find((f) => f.opcodeName === 'pong');
    expect(ping).toMatchObject({ from: 'client', payloadLength: 13, fin: true });
    expect(pongFrame).toMatchObject({ from: 'server', payloadLength: 13, fin: true });
    expect(frames.filter((f) => f.opcodeName === 'close').map((f) => [f.from, f.close?.code])).toEqual([
      ['client', 1000],
      ['server', 1000],
    ]);

    expect(end).toMatchObject({ clean: true, by: 'client', closeCode: 1000 });
    expect(end.stats.client).toEqual(frameTotals(events, 'client'));
    expect(end.stats.server).toEqual(frameTotals(events, 'server'));
    // 3 + 2 + 1 + ... client frames: text, binary, 3 fragments, ping, close.
    expect(end.stats.client).toMatchObject({ frames: 7, messages: 3 });
    expect(end.stats.server).toMatchObject({ frames: 5, messages: 3 });
    checkWireOrder(events);
    expect(events[events.length - 1]).toBe(end);
  });
});

describe('NDJSON shape and numbering', () => {
  test('conn counts connections from 1; client is ip:port; every line is one JSON object with type, conn, ts', async () => {
    const echo = await echoServer(false);
    const { proxy, log } = await startTestProxy(echo.url);
    const sockets: WebSocket[] = [];
    for (let i = 0; i < 3; i++) {
      const ws = await open(proxy.url);
      sockets.push(ws);
      const answer = reply(ws);
      ws.send(`hello ${i}`);
      await answer;
    }
    const connections = log.of('connection');
    expect(connections.map((c) => c.conn)).toEqual([1, 2, 3]);
    connections.forEach((c, i) => {
      const local = (sockets[i] as unknown as { _socket: net.Socket })._socket.localPort;
      expect(c.client).toBe(`127.0.0.1:${local}`);
      expect(c.upstream).toBe(echo.url);
    });
    for (const ws of sockets) await closeClean(ws);
    for (const conn of [1, 2, 3]) await log.end(conn);

    let out = '';
    const sink = createNdjsonSink({ write: (text: string) => void (out += text) } as never);
    for (const event of log.events) sink.write(event);
    await sink.close();
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(log.events.length);
    const parsed = lines.map((line) => JSON.parse(line) as WireEvent);
    for (const event of parsed) {
      expect(Object.keys(event).slice(0, 3)).toEqual(['type', 'conn', 'ts']);
      expect(Number.isInteger(event.conn)).toBe(true);
      expect(typeof event.ts).toBe('number');
    }
    // Per connection, the stream keeps the wire's order.
    for (const conn of [1, 2, 3]) {
      const mine = parsed.filter((e) => e.conn === conn);
      expect(mine.map((e) => e.type)).toEqual([
        'connection',
        'handshake-request',
        'handshake-response',
        'frame',
        'message',
        'frame',
        'message',
        'frame',
        'frame',
        'connection-end',
      ]);
      for (let i = 1; i < mine.length; i++) expect(mine[i]!.ts).toBeGreaterThanOrEqual(mine[i - 1]!.ts);
    }
  });

  test('a proxy listening on ::1 reports the client as [::1]:port', async () => {
    const echo = await echoServer(false);
    const { proxy, log } = await startTestProxy(echo.url, { host: '::1' });
    expect(proxy.url).toBe(`ws://[::1]:${proxy.port}/`);
    const ws = await open(proxy.url);
    const local = (ws as unknown as { _socket: net.Socket })._socket.localPort;
    const answer = reply(ws);
    ws.send('over IPv6');
    expect((await answer).data.toString()).toBe('over IPv6');
    expect(log.of('connection')[0]!.client).toBe(`[::1]:${local}`);
    await closeClean(ws);
    expect(await log.end(1)).toMatchObject({ clean: true });
  });
});
