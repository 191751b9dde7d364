import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { stamp, type Header, type InspectorEvent, type WireEvent } from '../../src/inspector/events.js';
import { createHarSink, type HarSinkOptions } from '../../src/render/har.js';

const START = Date.UTC(2024, 4, 6, 12, 0, 0, 0);

function at(conn: number, ts: number, event: InspectorEvent): WireEvent {
  return stamp(event, conn, ts);
}

const REQUEST_HEADERS: Header[] = [
  ['Host', '127.0.0.1:9001'],
  ['Upgrade', 'websocket'],
  ['Connection', 'Upgrade'],
  ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ=='],
  ['Sec-WebSocket-Version', '13'],
];
const RESPONSE_HEADERS: Header[] = [
  ['Upgrade', 'websocket'],
  ['Connection', 'Upgrade'],
  ['Sec-WebSocket-Accept', 's3pPLMBiTxaQ9kYGzzhZRbK+xOo='],
];

function message(from: 'client' | 'server', kind: 'text' | 'binary', data: string): InspectorEvent {
  const size = kind === 'text' ? Buffer.byteLength(data) : Buffer.from(data, 'base64').length;
  return { type: 'message', from, kind, frames: 1, compressed: false, wireBytes: size, size, ...(kind === 'text' ? { text: data } : { base64: data }), truncated: false };
}

/** One WebSocket connection (#1) and, interleaved, a plain HTTP request (#2). */
const EVENTS: WireEvent[] = [
  at(1, START, { type: 'connection', client: '127.0.0.1:51234', upstream: 'ws://127.0.0.1:9001/' }),
  at(1, START + 1, { type: 'handshake-request', method: 'GET', path: '/chat?room=a%20b&x=1', httpVersion: '1.1', headers: REQUEST_HEADERS, key: 'dGhlIHNhbXBsZSBub25jZQ==' }),
  at(2, START + 2, { type: 'connection', client: '127.0.0.1:51235', upstream: 'ws://127.0.0.1:9001/' }),
  at(2, START + 3, { type: 'http', method: 'GET', path: '/index.html', status: 200 }),
  at(1, START + 4.5, {
    type: 'handshake-response',
    status: 101,
    reason: 'Switching Protocols',
    headers: RESPONSE_HEADERS,
    accept: { expected: 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=', actual: 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=', valid: true },
    subprotocol: null,
    extensions: [],
    ok: true,
  }),
  at(1, START + 1000.25, message('client', 'text', 'Hello')),
  at(1, START + 1001, message('server', 'text', 'Hello')),
  at(1, START + 2000, message('client', 'binary', Buffer.from([1, 2, 3]).toString('base64'))),
  at(1, START + 3000, {
    type: 'connection-end',
    clean: true,
    closeCode: 1000,
    by: 'client',
    durationMs: 3000,
    stats: { client: { frames: 3, messages: 2, wireBytes: 30 }, server: { frames: 2, messages: 1, wireBytes: 9 } },
  }),
];

async function writeHar(events: WireEvent[], options: HarSinkOptions = {}): Promise<{ path: string; har: any }> {
  const dir = mkdtempSync(join(tmpdir(), 'wsinspect-har-'));
  const path = join(dir, 'session.har');
  const sink = createHarSink(path, options);
  for (const event of events) sink.write(event);
  await sink.close();
  return { path, har: JSON.parse(readFileSync(path, 'utf8')) };
}

test('HAR 1.2 with the creator, written atomically (no temporary file left)', async () => {
  const { path, har } = await writeHar(EVENTS);
  expect(har.log.version).toBe('1.2');
  expect(har.log.creator).toEqual({ name: 'wsinspect', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  expect(readdirSync(join(path, '..'))).toEqual(['session.har']);
});

test('a WebSocket entry: request and response as the handshake events had them', async () => {
  const { har } = await writeHar(EVENTS);
  const entry = har.log.entries[0];
  expect(entry._resourceType).toBe('websocket');
  expect(entry.startedDateTime).toBe(new Date(START + 1).toISOString());
  expect(entry.request).toMatchObject({
    method: 'GET',
    url: 'ws://127.0.0.1:9001/chat?room=a%20b&x=1',
    httpVersion: 'HTTP/1.1',
    cookies: [],
    queryString: [
      { name: 'room', value: 'a b' },
      { name: 'x', value: '1' },
    ],
    bodySize: 0,
  });
  expect(entry.request.headers).toEqual(REQUEST_HEADERS.map(([name, value]) => ({ name, value })));
  expect(entry.request.headersSize).toBeGreaterThan(100);
  expect(entry.response).toMatchObject({ status: 101, statusText: 'Switching Protocols', httpVersion: 'HTTP/1.1', content: { size: 0, mimeType: '' }, redirectURL: '' });
  expect(entry.response.headers).toEqual(RESPONSE_HEADERS.map(([name, value]) => ({ name, value })));
  expect(entry.timings).toEqual({ blocked: -1, dns: -1, connect: -1, send: 0, wait: 3.5, receive: 0, ssl: -1 });
  expect(entry.time).toBe(3.5);
});

test('_webSocketMessages in order: send/receive, opcode, data, time in epoch seconds', async () => {
  const { har } = await writeHar(EVENTS);
  expect(har.log.entries[0]._webSocketMessages).toEqual([
    { type: 'send', time: (START + 1000.25) / 1000, opcode: 1, data: 'Hello' },
    { type: 'receive', time: (START + 1001) / 1000, opcode: 1, data: 'Hello' },
    { type: 'send', time: (START + 2000) / 1000, opcode: 2, data: 'AQID' },
  ]);
});

test('a plain HTTP request relayed gets its own entry', async () => {
  const { har } = await writeHar(EVENTS);
  expect(har.log.entries).toHaveLength(2);
  const entry = har.log.entries[1];
  expect(entry._resourceType).toBeUndefined();
  expect(entry.request).toMatchObject({ method: 'GET', url: 'http://127.0.0.1:9001/index.html', headers: [] });
  expect(entry.response).toMatchObject({ status: 200, statusText: 'OK', headers: [] });
});

test('without a connection event the Host header names the server; no response reads as status 0', async () => {
  const { har } = await writeHar([EVENTS[1]!]);
  expect(har.log.entries[0].request.url).toBe('ws://127.0.0.1:9001/chat?room=a%20b&x=1');
  expect(har.log.entries[0].response.status).toBe(0);
});

test('request.url is what the client asked for (its Host header); the upstream is kept in _upstream', async () => {
  // The embedded echo server on a random port, behind a proxy the client reached as 127.0.0.1:9001.
  const behind = EVENTS.map((event) => (event.type === 'connection' ? { ...event, upstream: 'ws://127.0.0.1:41234/' } : event));
  const { har } = await writeHar(behind);
  expect(har.log.entries[0].request.url).toBe('ws://127.0.0.1:9001/chat?room=a%20b&x=1');
  expect(har.log.entries[0]._upstream).toBe('ws://127.0.0.1:41234/chat?room=a%20b&x=1');
});

test('a secure upstream makes wss:// and https:// URLs, unless the clients are known to connect without TLS', async () => {
  const secure = EVENTS.map((event) => (event.type === 'connection' ? { ...event, upstream: 'https://example.com:8443/' } : event));
  const { har } = await writeHar(secure);
  expect(har.log.entries[0].request.url).toBe('wss://127.0.0.1:9001/chat?room=a%20b&x=1');
  expect(har.log.entries[0]._upstream).toBe('wss://example.com:8443/chat?room=a%20b&x=1');
  expect(har.log.entries[1].request.url).toBe('https://example.com:8443/index.html');
  const plainClients = await writeHar(secure, { clientTls: false });
  expect(plainClients.har.log.entries[0].request.url).toBe('ws://127.0.0.1:9001/chat?room=a%20b&x=1');
});
