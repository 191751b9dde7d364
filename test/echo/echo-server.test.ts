import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { constants, inflateRawSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  ListenError,
  startEchoServer,
  type EchoServer,
  type EchoServerOptions,
  type EngineName,
} from '../../src/echo/echo-server.js';
import { loadUws } from '../../src/echo/uws-loader.js';

const servers: EchoServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** The ws fallback runs on every Node; uWS wherever one of its binaries loads (Node 20 here, glibc 2.36). */
const ENGINES: EngineName[] = loadUws().ok ? ['uws', 'ws'] : ['ws'];

async function connect(url: string, options: WebSocket.ClientOptions = {}): Promise<WebSocket> {
  const client = new WebSocket(url, options);
  await new Promise((resolve, reject) => client.once('open', resolve).once('error', reject));
  return client;
}

function nextMessage(client: WebSocket): Promise<{ data: Buffer; isBinary: boolean }> {
  return new Promise((resolve) => client.once('message', (data: Buffer, isBinary) => resolve({ data, isBinary })));
}

function closed(client: WebSocket): Promise<{ code: number; reason: string }> {
  return new Promise((resolve) => client.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
}

/** Sends one message and waits for its echo. */
async function echo(client: WebSocket, data: string | Buffer): Promise<{ data: Buffer; isBinary: boolean }> {
  const reply = nextMessage(client);
  client.send(data);
  return reply;
}

/** An upgrade by hand, to see the raw response headers and frames. */
function rawUpgrade(port: number, extensions: string): Promise<{ headers: http.IncomingHttpHeaders; socket: Duplex }> {
  return new Promise((resolve, reject) => {
    http
      .get({
        host: '127.0.0.1',
        port,
        headers: {
          Connection: 'Upgrade',
          Upgrade: 'websocket',
          'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
          'Sec-WebSocket-Version': '13',
          'Sec-WebSocket-Extensions': extensions,
        },
      })
      .once('upgrade', (res, socket) => resolve({ headers: res.headers, socket }))
      .once('error', reject);
  });
}

/** A masked, unfragmented client text frame (payload under 126 bytes). */
function clientTextFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = randomBytes(4);
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, payload.map((b, i) => b ^ mask[i % 4]!)]);
}

/** Reads one small unmasked server frame: its first byte and payload. */
function readServerFrame(socket: Duplex): Promise<{ first: number; payload: Buffer }> {
  return new Promise((resolve) => {
    let received = Buffer.alloc(0);
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const length = received.length >= 2 ? received[1]! & 0x7f : Infinity;
      if (received.length < 2 + length) return;
      socket.off('data', onData);
      resolve({ first: received[0]!, payload: received.subarray(2, 2 + length) });
    };
    socket.on('data', onData);
  });
}

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

describe.each(ENGINES)('echo server on %s', (engine) => {
  async function start(options: EchoServerOptions = {}): Promise<EchoServer> {
    const server = await startEchoServer({ ...options, engine });
    servers.push(server);
    return server;
  }

  it('says which engine runs', async () => {
    const server = await start();
    expect(server.engine).toMatch(engine === 'uws' ? /^uWebSockets\.js 20\./ : /^ws, as asked$/);
  });

  it('echoes text as text and binary as the exact bytes, on any path', async () => {
    const server = await start();
    expect(server.url).toBe(`ws://127.0.0.1:${server.port}/`);
    const client = await connect(`${server.url}any/path?x=1`);

    const text = await echo(client, 'Hello, world! ✓');
    expect(text.isBinary).toBe(false);
    expect(text.data.toString()).toBe('Hello, world! ✓');

    const bytes = Buffer.from([0x00, 0xff, 0x80, 0x0a, 0xc3, 0x28]); // not UTF-8: must stay binary
    const binary = await echo(client, bytes);
    expect(binary.isBinary).toBe(true);
    expect(binary.data).toEqual(bytes);
    client.close();
  });

  it('prepends the prefix to text messages only', async () => {
    const server = await start({ prefix: 'Received: ' });
    const client = await connect(server.url);
    expect((await echo(client, 'Hello, world!')).data.toString()).toBe('Received: Hello, world!');
    expect((await echo(client, Buffer.from('raw'))).data).toEqual(Buffer.from('raw'));
    client.close();
  });

  it('round-trips a 16 MiB binary message', async () => {
    const server = await start();
    const client = await connect(server.url);
    const big = randomBytes(16 * 1024 * 1024);
    const reply = await echo(client, big);
    expect(reply.data.length).toBe(big.length);
    expect(sha256(reply.data)).toBe(sha256(big));
    client.close();
  });

  it('answers a ping with a pong carrying the same payload', async () => {
    const server = await start();
    const client = await connect(server.url);
    const pong = new Promise<Buffer>((resolve) => client.once('pong', resolve));
    client.ping('are you there');
    expect((await pong).toString()).toBe('are you there');
    client.close();
  });

  it('answers a close frame with the same code and reason', async () => {
    const server = await start();
    const client = await connect(server.url);
    const result = closed(client);
    client.close(1000, 'bye');
    expect(await result).toEqual({ code: 1000, reason: 'bye' });
  });

  it('answers a close frame without a status with none (1005 on the client)', async () => {
    const server = await start();
    const client = await connect(server.url);
    const result = closed(client);
    client.close();
    expect(await result).toEqual({ code: 1005, reason: '' });
  });

  it('with deflate, negotiates permessage-deflate with context takeover and echoes', async () => {
    const server = await start({ deflate: true });
    const client = new WebSocket(server.url, { perMessageDeflate: true });
    const offerAnswer = new Promise<string | undefined>((resolve) =>
      client.once('upgrade', (res) => resolve(res.headers['sec-websocket-extensions'])),
    );
    await new Promise((resolve) => client.once('open', resolve));
    // Plain `permessage-deflate`: no *_no_context_takeover, so both sides keep their windows.
    expect(await offerAnswer).toBe('permessage-deflate');
    expect(client.extensions).toBe('permessage-deflate');

    // Repeats make later messages refer back into earlier ones when the context is kept.
    for (let i = 0; i < 3; i++) expect((await echo(client, 'Hello, world!')).data.toString()).toBe('Hello, world!');
    const bytes = randomBytes(20_000);
    expect((await echo(client, bytes)).data).toEqual(bytes);
    client.close();
  });

  it("with deflate, accepts Chromium's offer and compresses replies", async () => {
    const server = await start({ deflate: true });
    const { headers, socket } = await rawUpgrade(server.port, 'permessage-deflate; client_max_window_bits');
    expect(headers['sec-websocket-extensions']).toBe('permessage-deflate');

    const reply = readServerFrame(socket);
    socket.write(clientTextFrame('Hello, world!'));
    const { first, payload } = await reply;
    expect(first).toBe(0xc1); // FIN, RSV1 (compressed), text
    // RFC 7692 7.2.2: the sender strips the sync flush's 00 00 ff ff tail; put it back to inflate.
    const tail = Buffer.from([0x00, 0x00, 0xff, 0xff]);
    const inflated = inflateRawSync(Buffer.concat([payload, tail]), { finishFlush: constants.Z_SYNC_FLUSH });
    expect(inflated.toString()).toBe('Hello, world!');
    socket.destroy();
  });

  it('without deflate, declines the offer', async () => {
    const server = await start();
    const { headers, socket } = await rawUpgrade(server.port, 'permessage-deflate; client_max_window_bits');
    expect(headers['sec-websocket-extensions']).toBeUndefined();
    socket.destroy();
  });

  it('serves the demo page at / and 404 elsewhere', async () => {
    const server = await start();
    const base = `http://127.0.0.1:${server.port}`;
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await page.text();
    expect(html).toContain('WebSocket Echo Test');
    expect(html).toContain('Hello, world!');

    const missing = await fetch(`${base}/nope`);
    expect(missing.status).toBe(404);
    await missing.text();
  });

  it('works on IPv6 loopback', async () => {
    const server = await start({ host: '::1' });
    expect(server.url).toBe(`ws://[::1]:${server.port}/`);
    const client = await connect(server.url);
    expect((await echo(client, 'v6')).data.toString()).toBe('v6');
    client.close();
  });

  it('rejects a port already in use with a one-line error', async () => {
    const first = await start();
    const error = await startEchoServer({ port: first.port, engine }).catch((err: unknown) => err);
    expect(error).toEqual(new ListenError('EADDRINUSE', '127.0.0.1', first.port, ''));
    expect(error).toMatchObject({ code: 'EADDRINUSE', message: `cannot listen on 127.0.0.1:${first.port}: port already in use` });
  });

  it('rejects a port another process holds with SO_REUSEPORT (as uWS listens by default)', async () => {
    // The holder needs a fixed port: Linux never shares a port it picked for a port-0 bind.
    const holderScript = [
      'import socket',
      'probe = socket.socket(); probe.bind(("127.0.0.1", 0)); port = probe.getsockname()[1]; probe.close()',
      'held = socket.socket(); held.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)',
      'held.bind(("127.0.0.1", port)); held.listen(); print(port, flush=True)',
      'input()',
    ].join('\n');
    const holder = spawn('python3', ['-c', holderScript], { stdio: ['pipe', 'pipe', 'inherit'] });
    try {
      const port = Number(await new Promise<Buffer>((resolve) => holder.stdout.once('data', resolve)));
      expect(port).toBeGreaterThan(0);
      await expect(startEchoServer({ port, engine })).rejects.toThrow(`cannot listen on 127.0.0.1:${port}: port already in use`);
    } finally {
      holder.kill();
    }
  });

  it('close() says 1001 to open clients, frees the port, and can be called twice', async () => {
    const server = await startEchoServer({ engine });
    const client = await connect(server.url);
    const result = closed(client);
    await server.close();
    await server.close();
    expect(await result).toEqual({ code: 1001, reason: 'server shutting down' });

    const probe = net.createServer();
    await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(server.port, '127.0.0.1', resolve));
    await new Promise((resolve) => probe.close(resolve));
  });
});
