/** Peers for the acting tests: a `ws` server behind a proxy and a `ws` client in front of it, each recording what it received. */
import { expect } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import type { ActTarget } from '../../src/act/api.js';
import type { Interceptor } from '../../src/proxy/interceptor.js';
import type { RunningProxy } from '../../src/proxy/proxy-server.js';
import { onCleanup, once, startTestProxy, Waitable } from '../helpers/net.js';

/** Everything a `ws` endpoint received. */
export class Received extends Waitable {
  readonly messages: Array<{ data: Buffer; isBinary: boolean }> = [];
  readonly pings: Buffer[] = [];
  readonly pongs: Buffer[] = [];
  close: { code: number; reason: string } | null = null;
  errors: Error[] = [];

  constructor(ws: WebSocket) {
    super();
    ws.on('message', (data: Buffer, isBinary) => this.add(() => this.messages.push({ data, isBinary })));
    ws.on('ping', (data: Buffer) => this.add(() => this.pings.push(data)));
    ws.on('pong', (data: Buffer) => this.add(() => this.pongs.push(data)));
    ws.on('close', (code, reason) => this.add(() => (this.close = { code, reason: reason.toString() })));
    ws.on('error', (err) => this.add(() => this.errors.push(err)));
  }

  private add(record: () => unknown): void {
    record();
    this.notify();
  }

  texts(): string[] {
    return this.messages.map((m) => (m.isBinary ? `bin:${m.data.toString('hex')}` : m.data.toString()));
  }
}

export interface Pair {
  proxy: RunningProxy;
  wss: WebSocketServer;
  client: WebSocket;
  server: WebSocket;
  atClient: Received;
  atServer: Received;
  target: ActTarget;
  log: Awaited<ReturnType<typeof startTestProxy>>['log'];
}

/** A `ws` server behind the proxy and a `ws` client in front of it, connected. */
export async function pair(deflate: boolean, interceptor?: Interceptor): Promise<Pair> {
  const perMessageDeflate = deflate ? { threshold: 0 } : false;
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate });
  await once(wss, 'listening');
  onCleanup(() => new Promise((r) => wss.close(r)));
  const port = (wss.address() as { port: number }).port;
  const { proxy, log } = await startTestProxy(`ws://127.0.0.1:${port}/`, { interceptor });
  const serverSide = once<WebSocket>(wss, 'connection');
  const client = new WebSocket(proxy.url, { perMessageDeflate });
  onCleanup(() => client.terminate());
  const atClient = new Received(client);
  await once(client, 'open');
  const server = await serverSide;
  const atServer = new Received(server);
  expect(client.extensions).toBe(deflate ? 'permessage-deflate' : '');
  return { proxy, wss, client, server, atClient, atServer, target: targetOf(proxy), log };
}

/** The acting routes' view of a proxy (no inspector store: every unknown connection is a 404). */
export function targetOf(proxy: RunningProxy): ActTarget {
  return { inject: (conn, from, frame) => proxy.inject(conn, from, frame), known: () => false, intercept: proxy.interceptor, events: () => null, replayVia: () => null };
}

