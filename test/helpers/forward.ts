/**
 * Helpers for forward-mode tests: a forward proxy whose CA lives in a
 * temporary folder, TLS test servers with the fixture certificate, and a raw
 * CONNECT that hands back the tunnel's socket.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocketServer } from 'ws';
import { HostPolicy, compileHostPattern, type HostPatterns } from '../../src/proxy/forward/host-policy.js';
import { ProxyAuth } from '../../src/proxy/forward/proxy-auth.js';
import { startProxy, type ProxyOptions } from '../../src/proxy/proxy-server.js';
import { caPaths, loadOrCreateCa, type LoadedCa } from '../../src/tls-intercept/ca-store.js';
import { checkConnectionInvariants, EventLog, headEnd, onCleanup, once, type TestProxy } from './net.js';

const TLS_DIR = join(import.meta.dirname, '../../fixtures/tls');
/** A self-signed certificate for localhost: the "real" server's in these tests. */
export const serverCert = readFileSync(join(TLS_DIR, 'localhost.crt'));
export const serverKey = readFileSync(join(TLS_DIR, 'localhost.key'));

export interface ForwardProxy extends TestProxy {
  ca: LoadedCa;
  /** The proxy's port on 127.0.0.1. */
  port: number;
}

export interface ForwardTestOptions extends Partial<Omit<ProxyOptions, 'forward'>> {
  patterns?: Partial<Record<keyof HostPatterns, string[]>>;
  proxyAuth?: string;
}

/** A forward proxy on loopback with a fresh CA; closed (and its connections checked) after the test. */
export async function startForwardProxy(options: ForwardTestOptions = {}): Promise<ForwardProxy> {
  const home = mkdtempSync(join(tmpdir(), 'wsinspect-forward-test-'));
  onCleanup(() => rmSync(home, { recursive: true, force: true }));
  const ca = await loadOrCreateCa(caPaths(home));
  const { patterns = {}, proxyAuth, ...rest } = options;
  const compiled = (list?: string[]) => (list ?? []).map(compileHostPattern);
  const log = new EventLog();
  const proxy = await startProxy({
    host: '127.0.0.1',
    port: 0,
    onEvent: (e) => log.push(e),
    forward: {
      ca,
      auth: proxyAuth ? new ProxyAuth(proxyAuth) : null,
      policy: new HostPolicy({ allow: compiled(patterns.allow), ignore: compiled(patterns.ignore), tlsPassthrough: compiled(patterns.tlsPassthrough) }),
    },
    ...rest,
  });
  onCleanup(async () => {
    await proxy.close();
    checkConnectionInvariants(log.events);
  });
  return { proxy, log, httpUrl: proxy.url, ca, port: proxy.port };
}

/** A `ws` echo server over HTTPS with the localhost certificate; its port. */
export async function startWssEcho(): Promise<number> {
  const server = https.createServer({ cert: serverCert, key: serverKey });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  onCleanup(() => new Promise<void>((r) => (wss.close(), server.close(() => r()), server.closeAllConnections())));
  return (server.address() as net.AddressInfo).port;
}

export interface Tunnel {
  socket: net.Socket;
  /** The proxy's answer head to the CONNECT (status line and headers). */
  answer: string;
  status: number;
  /** Bytes that came with the answer's head, after it (the body of a refusal); still unread on the socket too. */
  rest: Buffer;
}

/** Sends `CONNECT target` (plus `headers`) and waits for the answer head; the socket is left paused, what followed the head unread. */
export async function connectTunnel(proxyPort: number, target: string, headers: string[] = []): Promise<Tunnel> {
  const socket = net.connect({ port: proxyPort, host: '127.0.0.1', allowHalfOpen: true });
  onCleanup(() => socket.destroy());
  await once(socket, 'connect');
  socket.write(`CONNECT ${target} HTTP/1.1\r\nHost: ${target}\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n`);
  let got = Buffer.alloc(0);
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      got = Buffer.concat([got, chunk]);
      const end = headEnd(got);
      if (end === -1) return;
      socket.off('data', onData).off('error', reject);
      socket.pause();
      const answer = got.subarray(0, end).toString('latin1');
      if (got.length > end) socket.unshift(got.subarray(end)); // the tunnel's first bytes, for whoever reads next
      resolve({ socket, answer, status: Number(answer.split(' ')[1]), rest: got.subarray(end) });
    };
    socket.on('data', onData).once('error', reject);
  });
}

/** Everything a socket sends until it ends. */
export function readAll(socket: net.Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  socket.resume();
  return new Promise((resolve) => socket.once('close', () => resolve(Buffer.concat(chunks))));
}
