/**
 * Injection into live proxied connections, over loopback with independent
 * peers: `ws` on both ends (with and without permessage-deflate), the python
 * `websockets` client and server (/usr/bin/python3's), the echo server on
 * both engines (uWS and ws), and a raw TCP server that records the bytes a
 * hand-built frame arrives as. Each peer's own library must accept what was
 * injected, and the connection must go on working.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { sendToConnection, type ActTarget } from '../../src/act/api.js';
import { startEchoServer } from '../../src/echo/echo-server.js';
import { loadUws } from '../../src/echo/uws-loader.js';
import { encodeFrame } from '../../src/inspector/frame-encoder.js';
import { headEnd, onCleanup, once, startRawServer, startTestProxy, upgradeResponse, Waitable } from '../helpers/net.js';
import { pair, Received, targetOf } from './peers.js';

function send(target: ActTarget, body: object, conn = '1') {
  const answer = sendToConnection(target, conn, body);
  expect(answer, JSON.stringify(answer.body)).toMatchObject({ status: 202 });
}

describe.each([false, true])('ws ⇄ proxy ⇄ ws (permessage-deflate %s)', (deflate) => {
  test('text, binary, ping, pong and close injected toward each side arrive, and the peers go on', async () => {
    const { client, server, atClient, atServer, target, log } = await pair(deflate);
    // Compressed traffic before the injections (with deflate), so the inflate windows hold something.
    client.send('before from client '.repeat(20));
    server.send('before from server '.repeat(20));
    await atServer.until(() => atServer.messages.length === 1, 'the first client message');
    await atClient.until(() => atClient.messages.length === 1, 'the first server message');

    send(target, { to: 'server', type: 'text', text: 'injected → server' });
    send(target, { to: 'client', type: 'text', text: 'injected → client' });
    send(target, { to: 'server', type: 'binary', base64: Buffer.from([0, 1, 254, 255]).toString('base64') });
    send(target, { to: 'client', type: 'binary', base64: Buffer.from([9, 8, 7]).toString('base64') });
    send(target, { to: 'server', type: 'ping', text: 'ping-s' });
    send(target, { to: 'client', type: 'ping', text: 'ping-c' });
    send(target, { to: 'server', type: 'pong', text: 'pong-s' });
    send(target, { to: 'client', type: 'pong', text: 'pong-c' });
    // After them, compressed traffic again: both inflate contexts must still be right.
    client.send('after from client '.repeat(20));
    server.send('after from server '.repeat(20));

    // Each peer also gets the other's answer to the ping injected toward it.
    await atServer.until(() => atServer.messages.length === 4 && atServer.pongs.length === 2, 'everything at the server');
    await atClient.until(() => atClient.messages.length === 4 && atClient.pongs.length === 2, 'everything at the client');
    expect(atServer.texts()).toEqual(['before from client '.repeat(20), 'injected → server', 'bin:0001feff', 'after from client '.repeat(20)]);
    expect(atClient.texts()).toEqual(['before from server '.repeat(20), 'injected → client', 'bin:090807', 'after from server '.repeat(20)]);
    expect(atServer.pings.map(String)).toEqual(['ping-s']);
    expect(atServer.pongs.map(String).sort()).toEqual(['ping-c', 'pong-s']);
    expect(atClient.pings.map(String)).toEqual(['ping-c']);
    expect(atClient.pongs.map(String).sort()).toEqual(['ping-s', 'pong-c']);

    send(target, { to: 'server', type: 'close', code: 4001, reason: 'bye from wsinspect' });
    await atServer.until(() => atServer.close !== null, 'the close at the server');
    expect(atServer.close).toEqual({ code: 4001, reason: 'bye from wsinspect' });
    await atClient.until(() => atClient.close !== null, 'the close at the client');
    expect(atClient.close?.code).toBe(4001); // the server's answering close, passed on
    expect([...atClient.errors, ...atServer.errors]).toEqual([]);

    const injectedFrames = log.of('frame', 1).filter((e) => e.injected);
    expect(injectedFrames).toHaveLength(9);
    for (const frame of injectedFrames) {
      expect(frame.rsv1).toBe(false); // uncompressed, even on a deflate connection
      expect(frame.masked).toBe(frame.from === 'client'); // toward the server masked, toward the client not
    }
    const injectedMessages = log.of('message', 1).filter((e) => e.injected);
    expect(injectedMessages.map((m) => m.text ?? m.base64)).toEqual(['injected → server', 'injected → client', 'AAH+/w==', 'CQgH']);
    expect(log.of('violation', 1)).toEqual([]);
    // The peers' own frames are not marked.
    expect(log.of('message', 1).filter((e) => !e.injected)).toHaveLength(4);
  });

  test('inside a fragmented message of the client, an injected message waits for its end; an injected ping goes in between its frames', async () => {
    const { client, atServer, target, log } = await pair(deflate);
    client.send('part one, ', { fin: false });
    await log.next('frame', (e) => e.from === 'client' && !e.fin);
    send(target, { to: 'server', type: 'text', text: 'waited' });
    send(target, { to: 'server', type: 'ping', text: 'now' });
    // The ping reaches the server (and its library takes it) while the message is still open; the text does not.
    await atServer.until(() => atServer.pings.length === 1, 'the ping at the server');
    expect(atServer.pings.map(String)).toEqual(['now']);
    expect(atServer.messages).toEqual([]);
    expect(log.of('message', 1).filter((e) => e.injected)).toEqual([]);
    client.send('part two', { fin: true });
    await atServer.until(() => atServer.messages.length === 2, 'both messages');
    expect(atServer.texts()).toEqual(['part one, part two', 'waited']);
    // On the wire, in this order: the client's first frame, the injected ping, the client's last frame, the injected text.
    const frames = log.of('frame', 1).filter((e) => e.from === 'client');
    expect(frames.map((e) => `${e.opcodeName}${e.injected ? '*' : ''}`)).toEqual(['text', 'ping*', 'continuation', 'text*']);
    expect([...atServer.errors]).toEqual([]);
  });
});

test('the API answers 404 for no such connection, 409 when it is over, 400 for a bad body', async () => {
  const { client, target, log } = await pair(false);
  expect(sendToConnection(target, '7', { to: 'server', type: 'text', text: 'x' })).toMatchObject({ status: 404 });
  expect(sendToConnection(target, 'abc', { to: 'server', type: 'text', text: 'x' })).toMatchObject({ status: 404 });
  expect(sendToConnection(target, '1', { to: 'nowhere', type: 'text', text: 'x' })).toMatchObject({ status: 400 });
  expect(sendToConnection(target, '1', { to: 'server', type: 'ping', text: 'x'.repeat(126) })).toMatchObject({ status: 400 });
  client.close();
  await log.end(1);
  const seen: ActTarget = { ...target, known: (conn) => conn === 1 };
  expect(sendToConnection(seen, '1', { to: 'server', type: 'text', text: 'late' })).toMatchObject({ status: 409 });
});

test('a hand-built malformed frame reaches the server byte for byte', async () => {
  const upstream = await startRawServer((peer) => {
    void peer.until(() => headEnd(peer.bytes()) > 0, 'the upgrade request').then(() => peer.socket.write(upgradeResponse(keyOf(peer.bytes()))));
  });
  const { proxy, log } = await startTestProxy(upstream.url);
  const client = new WebSocket(proxy.url);
  onCleanup(() => client.terminate());
  await once(client, 'open');
  const peer = await upstream.peer();
  const start = headEnd(peer.bytes());
  // RSV2+RSV3 set, reserved opcode 0x3, a 16-bit length for 5 bytes, an all-zero mask.
  const frame = encodeFrame({ opcode: 0x3, rsv2: true, rsv3: true, payload: 'weird', lengthBits: 16, maskKey: Buffer.alloc(4) });
  const target = targetOf(proxy);
  send(target, { to: 'server', type: 'raw', base64: frame.toString('base64') });
  await peer.until(() => peer.received >= start + frame.length, 'the raw frame');
  expect(peer.bytes().subarray(start).equals(frame)).toBe(true);
  const event = await log.next('frame', (e) => e.injected === true);
  expect(event).toMatchObject({ rsv2: true, rsv3: true, opcode: 3, lengthBits: 16, maskKey: '00000000' });
  const rules = log.of('violation', 1).map((v) => v.rule).sort();
  expect(rules).toEqual(['length-not-minimal', 'mask-key-weak', 'reserved-bits', 'reserved-opcode']);
});

const PY_CLIENT = fileURLToPath(new URL('./py-client.py', import.meta.url));

describe.each([false, true])('python websockets client (deflate %s) ⇄ proxy ⇄ uWS echo', (deflate) => {
  test('text, binary, pong, ping and close injected toward the client are accepted by its library', async () => {
    const echo = await startEchoServer({ port: 0, deflate });
    onCleanup(() => echo.close());
    const { proxy, log } = await startTestProxy(echo.url);
    const child = spawn('/usr/bin/python3', [PY_CLIENT, proxy.url, deflate ? 'deflate' : 'plain'], { stdio: ['ignore', 'pipe', 'pipe'] });
    onCleanup(() => child.kill());
    const lines = new PyLines(child.stdout);
    await lines.until(() => lines.seen.length > 0, 'the python client to open');
    expect(lines.seen[0]).toEqual({ event: 'open', extensions: deflate ? ['permessage-deflate'] : [] });
    const target = targetOf(proxy);
    send(target, { to: 'client', type: 'text', text: 'héllo python' });
    send(target, { to: 'client', type: 'binary', base64: 'AP8=' });
    send(target, { to: 'client', type: 'pong', text: 'unasked' }); // an unsolicited pong is allowed, and ignored
    send(target, { to: 'client', type: 'ping', text: 'py?' });
    // The python library answers the ping on its own: a pong with the same payload, from the client.
    const pong = await log.next('frame', (e) => e.opcodeName === 'pong' && e.from === 'client');
    expect(pong.payloadHex).toBe(Buffer.from('py?').toString('hex'));
    send(target, { to: 'client', type: 'close', code: 4002, reason: 'done' });
    await lines.until(() => lines.seen.some((l) => l.event === 'close'), 'the python client to close');
    expect(lines.seen.slice(1)).toEqual([
      { event: 'message', text: 'héllo python' },
      { event: 'message', hex: '00ff' },
      { event: 'close', code: 4002, reason: 'done' },
    ]);
  });
});

const PY_SERVER = fileURLToPath(new URL('./py-server.py', import.meta.url));

describe.each([false, true])('ws client ⇄ proxy ⇄ python websockets server (deflate %s)', (deflate) => {
  test('text, binary, ping, pong and close injected toward the server are accepted by its library, between compressed messages', async () => {
    const child = spawn('/usr/bin/python3', [PY_SERVER, deflate ? 'deflate' : 'plain'], { stdio: ['ignore', 'pipe', 'pipe'] });
    onCleanup(() => child.kill());
    const lines = new PyLines(child.stdout);
    await lines.until(() => lines.seen.length > 0, 'the python server to listen');
    const { port } = lines.seen[0] as { port: number };
    const { proxy, log } = await startTestProxy(`ws://127.0.0.1:${port}/`);
    const client = new WebSocket(proxy.url, { perMessageDeflate: deflate ? { threshold: 0 } : false });
    onCleanup(() => client.terminate());
    const atClient = new Received(client);
    await once(client, 'open');
    const target = targetOf(proxy);

    client.send('before '.repeat(10));
    await atClient.until(() => atClient.messages.length === 1, 'the answer to the first message');
    send(target, { to: 'server', type: 'text', text: 'héllo python server' });
    send(target, { to: 'server', type: 'binary', base64: 'AP8=' });
    send(target, { to: 'server', type: 'ping', text: 'py?' });
    send(target, { to: 'server', type: 'pong', text: 'unasked' });
    client.send('after '.repeat(10));
    // The python library answers the ping on its own: a pong with the same payload, from the server.
    const pong = await log.next('frame', (e) => e.opcodeName === 'pong' && e.from === 'server');
    expect(pong.payloadHex).toBe(Buffer.from('py?').toString('hex'));
    await atClient.until(() => atClient.messages.length === 3, 'the answers');
    // Its answers reach the client (compressed when negotiated): the connection goes on.
    expect(atClient.texts()).toEqual(['got: ' + 'before '.repeat(10), 'got: héllo python server', 'got: ' + 'after '.repeat(10)]);
    send(target, { to: 'server', type: 'close', code: 4003, reason: 'bye python' });
    await lines.until(() => lines.seen.some((l) => l.event === 'close'), 'the python server to close');
    expect(lines.seen.slice(1)).toEqual([
      { event: 'open', extensions: deflate ? ['permessage-deflate'] : [] },
      { event: 'message', text: 'before '.repeat(10) },
      { event: 'message', text: 'héllo python server' },
      { event: 'message', hex: '00ff' },
      { event: 'message', text: 'after '.repeat(10) },
      { event: 'close', code: 4003, reason: 'bye python' },
    ]);
    await atClient.until(() => atClient.close !== null, 'the close at the client');
    expect(atClient.close?.code).toBe(4003); // the server's answering close, passed on
    expect(atClient.errors).toEqual([]);
    expect(log.of('violation', 1)).toEqual([]);
    if (deflate) expect(log.of('message', 1).filter((m) => !m.injected && m.compressed).length).toBeGreaterThanOrEqual(4);
  });
});

// uWS runs where a binary loads for this Node and libc (see echo-server.test.ts); ws everywhere.
const ENGINES = loadUws().ok ? (['uws', 'ws'] as const) : (['ws'] as const);

describe.each(ENGINES)('ws client ⇄ proxy ⇄ the echo server (%s engine)', (engine) => {
  test('text, binary and ping injected toward the server come back from it; a close is answered', async () => {
    const echo = await startEchoServer({ port: 0, engine });
    onCleanup(() => echo.close());
    const { proxy, log } = await startTestProxy(echo.url);
    const client = new WebSocket(proxy.url, { perMessageDeflate: false });
    onCleanup(() => client.terminate());
    const atClient = new Received(client);
    await once(client, 'open');
    const target = targetOf(proxy);
    send(target, { to: 'server', type: 'text', text: 'injected → echo' });
    send(target, { to: 'server', type: 'binary', base64: Buffer.from([1, 2, 3]).toString('base64') });
    send(target, { to: 'server', type: 'ping', text: 'echo?' });
    client.send('mine');
    await atClient.until(() => atClient.messages.length === 3, 'the echoes');
    expect(atClient.texts()).toEqual(['injected → echo', 'bin:010203', 'mine']);
    const pong = await log.next('frame', (e) => e.opcodeName === 'pong' && e.from === 'server');
    expect(pong.payloadHex).toBe(Buffer.from('echo?').toString('hex'));
    send(target, { to: 'server', type: 'close', code: 4004, reason: 'bye echo' });
    await atClient.until(() => atClient.close !== null, 'the close at the client');
    expect(atClient.close?.code).toBe(4004);
    expect(atClient.errors).toEqual([]);
    expect(log.of('violation', 1)).toEqual([]);
  });
});

class PyLines extends Waitable {
  readonly seen: Array<Record<string, unknown>> = [];
  constructor(stream: NodeJS.ReadableStream) {
    super();
    createInterface({ input: stream }).on('line', (line) => {
      this.seen.push(JSON.parse(line) as Record<string, unknown>);
      this.notify();
    });
  }
}

function keyOf(head: Buffer): string {
  return /sec-websocket-key:\s*(\S+)/i.exec(head.toString('latin1'))![1]!;
}
