/**
 * Test support for the client commands: captured stdio, and servers on
 * loopback ports (raw TCP fakes that answer wrong, the `ws` package's server,
 * a TLS one with the fixture certificates). Everything started is stopped by
 * `stopAll` (call it in afterEach).
 */
import { readFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { PassThrough, Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { WebSocketServer, type ServerOptions } from 'ws';
import { computeAccept } from '../../src/accept-calc/accept.js';
import type { ClientIO } from '../../src/cli/client-options.js';
import { HeadParser } from '../../src/inspector/http-head.js';
import { headerValue } from '../../src/inspector/http-head.js';

const stops: Array<() => Promise<void> | void> = [];

export async function stopAll(): Promise<void> {
  while (stops.length > 0) await stops.pop()!();
}

export function onStop(stop: () => Promise<void> | void): void {
  stops.push(stop);
}

export interface Captured {
  io: ClientIO;
  stdout(): string;
  stderr(): string;
}

/** stdio for runHandshake/runConnect: stdin from `input` (empty when omitted), stdout and stderr collected. */
export function captureIO(input: Readable & { isTTY?: boolean } = Readable.from([])): Captured {
  let out = '';
  let err = '';
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk, _encoding, done) {
        append(String(chunk));
        done();
      },
    });
  return {
    io: { stdin: input, stdout: sink((t) => (out += t)), stderr: sink((t) => (err += t)) },
    stdout: () => out,
    stderr: () => err,
  };
}

/** A stdin that claims to be a terminal, fed by the test: interactive mode. */
export function ttyInput(): PassThrough & { isTTY: boolean } {
  return Object.assign(new PassThrough(), { isTTY: true });
}

/** The NDJSON lines of a --json run. */
export function events(stdout: string): Array<Record<string, any>> {
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));
}

/** Resolves once `check` passes (polled), for output that arrives over time. */
export async function eventually(check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function listening(server: net.Server, host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve) => server.listen(0, host, () => resolve((server.address() as net.AddressInfo).port)));
}

/**
 * A raw TCP server that reads one request head and lets `answer` reply with
 * whatever bytes it likes (or nothing, or a reset). Its accept computation is
 * offered as `accept`, for answers that are right except for one thing.
 */
export async function fakeServer(
  answer: (socket: net.Socket, request: { accept: string; headers: Array<[string, string]> }) => void,
): Promise<string> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    const parser = new HeadParser('request');
    socket.on('data', (chunk) => {
      const result = parser.push(chunk);
      if (!result?.ok) return;
      const key = headerValue(result.head.headers, 'sec-websocket-key') ?? '';
      answer(socket, { accept: computeAccept(key), headers: result.head.headers });
    });
  });
  const port = await listening(server);
  onStop(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return `ws://127.0.0.1:${port}/`;
}

/** A port nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  const port = await listening(server);
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The `ws` package's server answering each message with the same bytes; `setup` may add behaviour. */
export async function wsServer(options: ServerOptions = {}, setup: (wss: WebSocketServer) => void = echoing): Promise<string> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, ...options });
  setup(wss);
  await new Promise((resolve) => wss.once('listening', resolve));
  onStop(() => closeWss(wss));
  return `ws://127.0.0.1:${(wss.address() as net.AddressInfo).port}/`;
}

function echoing(wss: WebSocketServer): void {
  wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
}

function closeWss(wss: WebSocketServer): Promise<void> {
  for (const client of wss.clients) client.terminate();
  return new Promise((resolve) => wss.close(() => resolve()));
}

const TLS_DIR = fileURLToPath(new URL('../../fixtures/tls/', import.meta.url));

/** A wss:// echo (`ws` over https.createServer) with fixtures/tls/NAME.crt and .key. */
export async function tlsEcho(name: 'localhost' | 'expired'): Promise<number> {
  const server = https.createServer({ cert: readFileSync(`${TLS_DIR}${name}.crt`), key: readFileSync(`${TLS_DIR}${name}.key`) });
  const wss = new WebSocketServer({ server });
  echoing(wss);
  // A client that rejects the certificate leaves a TLS error on the server side: expected here.
  server.on('tlsClientError', () => {});
  const port = await listening(server);
  onStop(async () => {
    await closeWss(wss);
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return port;
}
