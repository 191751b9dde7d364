/**
 * Faults on either side: an upstream that is down, silent or resetting, a
 * client that resets, half-closes both ways, --strict, and stopping the proxy
 * with connections open. Each connection still ends with exactly one
 * connection-end (checked for every proxy on cleanup), and one connection's
 * trouble never reaches another.
 */
import net from 'node:net';
import { describe, expect, test, vi } from 'vitest';
import WebSocket from 'ws';
import { startEchoServer } from '../../src/echo/echo-server.js';
import { closePayload, encodeFrame } from '../../src/inspector/frame-encoder.js';
import { OP_BINARY, OP_CLOSE, OP_TEXT } from '../../src/inspector/opcodes.js';
import {
  closedPort,
  connectPeer,
  onCleanup,
  once,
  parseFrames,
  rawWebSocket,
  startRawServer,
  startTestProxy,
  upgradeRequest,
} from '../helpers/net.js';

const MASK = Buffer.from([1, 2, 3, 4]);

function clientFrame(opcode: number, payload: string | Buffer, maskKey: Buffer = MASK): Buffer {
  return encodeFrame({ opcode, payload, maskKey });
}

async function openWs(url: string): Promise<WebSocket> {
  const ws = new WebSocket(url);
  onCleanup(() => ws.terminate());
  ws.on('error', () => {}); // resets are the point of some tests
  await once(ws, 'open');
  return ws;
}

function echoOf(ws: WebSocket, text: string): Promise<string> {
  const reply = new Promise<string>((resolve) => ws.once('message', (data: Buffer) => resolve(data.toString())));
  ws.send(text);
  return reply;
}

describe('upstream faults', () => {
  test('upstream down: 502 with a one-line body naming the upstream and the cause, error event, connection-end', async () => {
    const port = await closedPort();
    const { proxy, log } = await startTestProxy(`ws://127.0.0.1:${port}`);
    const client = await connectPeer(proxy.port);
    client.socket.write(upgradeRequest(`127.0.0.1:${proxy.port}`));
    await client.untilEnd();
    client.socket.end();
    const text = client.bytes().toString();
    const [head, body] = text.split('\r\n\r\n') as [string, string];
    expect(head.split('\r\n')[0]).toBe('HTTP/1.1 502 Bad Gateway');
    expect(head).toContain(`Content-Length: ${Buffer.byteLength(body)}`);
    expect(body).toBe(`502 Bad Gateway: upstream ws://127.0.0.1:${port}/: connection refused\n`);
    const error = await log.next('error');
    expect(error.message).toBe(`upstream ws://127.0.0.1:${port}/: connection refused`);
    expect(await log.end(1)).toMatchObject({ clean: false, closeCode: null, by: null });
  });

  test('upstream accepts but never answers: 504 after timeoutMs, error event', async () => {
    const upstream = await startRawServer();
    const { proxy, log } = await startTestProxy(upstream.url, { timeoutMs: 300 });
    const client = await connectPeer(proxy.port);
    const started = Date.now();
    client.socket.write(upgradeRequest(`127.0.0.1:${proxy.port}`));
    await client.untilEnd();
    client.socket.end();
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    const text = client.bytes().toString();
    expect(text.split('\r\n')[0]).toBe('HTTP/1.1 504 Gateway Timeout');
    expect(text).toMatch(/\r\n\r\n504 Gateway Timeout: upstream ws:\/\/127\.0\.0\.1:\d+\/: no response within 0\.3 s\n$/);
    expect((await log.next('error')).message).toMatch(/no response within 0\.3 s/);
    await log.end(1);
    // The upstream connection was dropped.
    await upstream.peers[0]!.untilEnd();
  });

  test('upstream resets mid-frame: client closed, abnormal-closure from the server, unclean end', async () => {
    const upstream = await startRawServer();
    const { proxy, log } = await startTestProxy(upstream.url);
    const { client, upstream: server, responseHeadLength } = await rawWebSocket(proxy.port, upstream);
    const frame = encodeFrame({ opcode: OP_BINARY, payload: Buffer.alloc(1000, 7) });
    server.socket.write(frame.subarray(0, 500));
    // Once the half frame went through the proxy: an RST that overtakes unread data can read as a
    // plain EOF on Linux, which is a different test.
    await client.untilBytes(responseHeadLength + 500);
    server.socket.resetAndDestroy();
    await client.untilEnd(); // the proxy dropped its side (the half-open client only sees the FIN)
    const end = await log.end(1);
    expect(end).toMatchObject({ clean: false, closeCode: null, by: null });
    const violations = log.of('violation', 1);
    expect(violations).toMatchObject([{ rule: 'abnormal-closure', from: 'server', severity: 'error' }]);
    expect(violations[0]!.message).toMatch(/middle of a frame/);
  });

  test('one connection reset never disturbs another', async () => {
    const echo = await startEchoServer({ port: 0 });
    onCleanup(() => echo.close());
    const { proxy, log } = await startTestProxy(echo.url);
    const first = await openWs(proxy.url);
    const second = await openWs(proxy.url);
    expect(await echoOf(first, 'one')).toBe('one');
    expect(await echoOf(second, 'two')).toBe('two');
    (first as unknown as { _socket: import('node:net').Socket })._socket.resetAndDestroy();
    const firstEnd = await log.end(1);
    expect(firstEnd.clean).toBe(false);
    expect(log.of('violation', 1)).toMatchObject([{ rule: 'abnormal-closure', from: 'client' }]);
    for (let i = 0; i < 20; i++) expect(await echoOf(second, `still here ${i}`)).toBe(`still here ${i}`);
    const closed = once(second, 'close');
    second.close(1000);
    await closed;
    expect(await log.end(2)).toMatchObject({ clean: true, by: 'client', closeCode: 1000 });
  });
});

describe('client faults and half-close', () => {
  test('client resets mid-handshake: connection-end, and the proxy keeps serving', async () => {
    const echo = await startEchoServer({ port: 0 });
    onCleanup(() => echo.close());
    const { proxy, log } = await startTestProxy(echo.url);
    const client = await connectPeer(proxy.port);
    client.socket.write(upgradeRequest(`127.0.0.1:${proxy.port}`).subarray(0, 40));
    await log.next('connection');
    client.socket.resetAndDestroy();
    expect(await log.end(1)).toMatchObject({ clean: false, by: null });
    expect(log.of('handshake-request', 1)).toEqual([]);
    const ws = await openWs(proxy.url);
    expect(await echoOf(ws, 'after')).toBe('after');
  });

  test('client half-close reaches the upstream, which can still answer', async () => {
    const upstream = await startRawServer();
    const { proxy, log } = await startTestProxy(upstream.url);
    const { client, upstream: server } = await rawWebSocket(proxy.port, upstream);
    const hello = clientFrame(OP_TEXT, 'last words');
    client.socket.end(hello);
    await server.untilEnd();
    expect(server.ended).toBe(true);
    expect(server.closed).toBe(false);
    expect(server.bytes().subarray(-hello.length).equals(hello)).toBe(true);

    const answer = encodeFrame({ opcode: OP_TEXT, payload: 'heard you' });
    server.socket.end(answer);
    await client.untilEnd();
    expect(parseFrames(client.bytes().subarray(client.bytes().indexOf('\r\n\r\n') + 4))).toMatchObject([
      { opcode: OP_TEXT, payload: Buffer.from('heard you') },
    ]);
    await log.end(1);
    expect(log.of('message', 1).map((m) => [m.from, m.text])).toEqual([
      ['client', 'last words'],
      ['server', 'heard you'],
    ]);
    expect(log.of('violation', 1)).toMatchObject([{ rule: 'abnormal-closure', from: 'client' }]);
  });

  test('upstream half-close reaches the client, which can still send', async () => {
    const upstream = await startRawServer();
    const { proxy, log } = await startTestProxy(upstream.url);
    const { client, upstream: server } = await rawWebSocket(proxy.port, upstream);
    server.socket.end(encodeFrame({ opcode: OP_TEXT, payload: 'going away' }));
    await client.untilEnd();
    expect(client.ended).toBe(true);
    expect(client.closed).toBe(false);

    const reply = clientFrame(OP_TEXT, 'one more thing');
    const before = server.received;
    client.socket.end(reply);
    await server.untilEnd();
    await server.untilBytes(before + reply.length);
    expect(server.bytes().subarray(-reply.length).equals(reply)).toBe(true);
    await log.end(1);
    expect(log.of('violation', 1)).toMatchObject([{ rule: 'abnormal-closure', from: 'server' }]);
  });
});

/** Records every 'error' any socket in this process emits (the proxy's own sockets included). */
function socketErrors(): Error[] {
  const errors: Error[] = [];
  const emit = net.Socket.prototype.emit as (this: net.Socket, event: string | symbol, ...args: unknown[]) => boolean;
  const spy = vi.spyOn(net.Socket.prototype, 'emit').mockImplementation(function (this: net.Socket, event: string | symbol, ...args: unknown[]) {
    if (event === 'error') errors.push(args[0] as Error);
    return emit.call(this, event, ...args);
  });
  onCleanup(() => spy.mockRestore());
  return errors;
}

describe('--strict', () => {
  test('an unmasked client frame: both sides get close 1002 and are ended; later client bytes are dropped', async () => {
    const socketErrorsSeen = socketErrors();
    const upstream = await startRawServer();
    const { proxy, log } = await startTestProxy(upstream.url, { strict: true });
    const { client, upstream: server, responseHeadLength } = await rawWebSocket(proxy.port, upstream);
    const requestLength = server.received;
    const unmasked = encodeFrame({ opcode: OP_TEXT, payload: 'no mask' });
    client.socket.write(unmasked);

    await client.untilEnd();
    await server.untilEnd();
    const toClient = parseFrames(client.bytes().subarray(responseHeadLength));
    expect(toClient).toHaveLength(1);
    expect(toClient[0]).toMatchObject({ opcode: OP_CLOSE, masked: false });
    expect(toClient[0]!.payload.readUInt16BE(0)).toBe(1002);

    const toServer = parseFrames(server.bytes().subarray(requestLength));
    expect(toServer.map((f) => [f.opcode, f.masked])).toEqual([
      [OP_TEXT, false], // forwarded before it was inspected
      [OP_CLOSE, true],
    ]);
    expect(toServer[1]!.payload.readUInt16BE(0)).toBe(1002);

    // The client answers the close as a client should, then ends: nothing more reaches the
    // already-ended upstream, and nothing breaks.
    const serverBytes = server.received;
    client.socket.end(clientFrame(OP_CLOSE, closePayload(1002)));
    server.socket.end();
    await client.untilClosed();
    await server.untilClosed();
    expect(server.received).toBe(serverBytes);
    expect(client.error).toBeNull();
    expect(server.error).toBeNull();

    const errors = log.of('error', 1);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/strict/);
    expect(log.of('violation', 1)[0]).toMatchObject({ rule: 'client-frame-unmasked', from: 'client' });
    // The frame's own events come first, in wire order; the strict close is reported after them.
    const types = log.events.filter((e) => e.conn === 1).map((e) => e.type);
    expect(types.slice(3, 7)).toEqual(['frame', 'violation', 'message', 'error']);
    await log.end(1);
    // Bytes after the strict close are dropped, not written into the ended socket (which
    // raised "write after end" on the proxy's upstream socket and tore the connection down).
    expect(socketErrorsSeen.map((e) => e.message)).toEqual([]);
    // The proxy ended it: no abnormal-closure is blamed on either peer, and the end says so.
    expect(log.of('violation', 1).map((v) => v.rule)).toEqual(['client-frame-unmasked']);
    expect(log.of('connection-end', 1)[0]).toMatchObject({ clean: false, endedByProxy: '--strict: a protocol violation' });
  });
});

describe('stopping the proxy', () => {
  test('close() with open connections: every connection gets its connection-end', async () => {
    const echo = await startEchoServer({ port: 0 });
    onCleanup(() => echo.close());
    const { proxy, log } = await startTestProxy(echo.url);
    const sockets = [await openWs(proxy.url), await openWs(proxy.url), await openWs(proxy.url)];
    for (const ws of sockets) expect(await echoOf(ws, 'hi')).toBe('hi');
    // One more connection still in its HTTP head, and one idle.
    const partial = await connectPeer(proxy.port);
    partial.socket.write('GET / HT');
    const idle = await connectPeer(proxy.port);
    await log.until(() => log.of('connection').length === 5, 'five connections');

    await proxy.close();
    expect(log.of('connection-end').map((e) => e.conn).sort()).toEqual([1, 2, 3, 4, 5]);
    // The proxy stopped them: nobody is blamed with an abnormal-closure, and each end says why.
    expect(log.of('violation')).toEqual([]);
    for (const conn of [1, 2, 3]) expect(log.of('connection-end', conn)[0]).toMatchObject({ clean: false, endedByProxy: 'the proxy stopped' });
    for (const ws of sockets) if (ws.readyState !== WebSocket.CLOSED) await once(ws, 'close');
    await partial.untilEnd();
    await idle.untilEnd();
    // Closing again is harmless.
    await proxy.close();
  });
});

describe('garbage after the upgrade', () => {
  test('an upstream answering 101 then garbage: bytes relayed unchanged, framing loss reported, other connections fine', async () => {
    const upstream = await startRawServer();
    const { proxy, log } = await startTestProxy(upstream.url);
    const { client, upstream: server, responseHeadLength } = await rawWebSocket(proxy.port, upstream);
    // 0xff: FIN, RSV1-3 set, reserved opcode 0xF, length 127 with the top bit set: the framing is lost.
    const garbage = Buffer.concat([Buffer.alloc(16, 0xff), Buffer.from('not websocket at all\r\n')]);
    server.socket.write(garbage);
    await client.untilBytes(responseHeadLength + garbage.length);
    expect(client.bytes().subarray(responseHeadLength)).toEqual(garbage);
    const lost = await log.next('undecodable');
    expect(lost).toMatchObject({ from: 'server' });
    expect(log.events).toContainEqual(expect.objectContaining({ type: 'violation', rule: 'length-msb-set', from: 'server' }));

    // The client's direction still decodes, and still reaches the upstream unchanged.
    const hello = clientFrame(OP_TEXT, 'still here');
    client.socket.write(hello);
    await server.until(() => server.bytes().includes(hello), 'the client frame at the upstream');
    expect(await log.next('message')).toMatchObject({ from: 'client', text: 'still here' });

    client.socket.destroy();
    server.socket.destroy();
    expect(await log.end(1)).toMatchObject({ clean: false });
  });
});

describe('an inspector failure', () => {
  test('is reported once; the connection keeps relaying unchanged and other connections are inspected', async () => {
    const upstream = await startRawServer();
    const { proxy, log } = await startTestProxy(upstream.url);
    const { Session } = await import('../../src/inspector/session.js');
    const original = Session.prototype.data;
    const spy = vi.spyOn(Session.prototype, 'data').mockImplementationOnce(() => {
      throw new Error('simulated bug');
    });
    onCleanup(() => spy.mockRestore());

    const first = await rawWebSocket(proxy.port, upstream, 0);
    const frame = clientFrame(OP_TEXT, 'through anyway');
    first.client.socket.write(frame);
    await first.upstream.until(() => first.upstream.bytes().includes(frame), 'the frame at the upstream');
    expect((await log.next('error')).message).toMatch(/internal error while inspecting \(simulated bug\)/);

    spy.mockRestore();
    expect(Session.prototype.data).toBe(original);
    const second = await rawWebSocket(proxy.port, upstream, 1);
    second.client.socket.write(clientFrame(OP_TEXT, 'inspected'));
    expect(await log.next('message')).toMatchObject({ conn: 2, text: 'inspected' });
    for (const side of [first, second]) {
      side.client.socket.destroy();
      side.upstream.socket.destroy();
    }
  });
});
