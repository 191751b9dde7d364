/**
 * What the inspector page talks to, for its browser tests: a real echo
 * server and a real proxy in front of it, and a small server speaking the
 * contract's inspector API over the proxy's events (the page from dist/ui,
 * the live /api/events WebSocket with the backlog first, and the NDJSON
 * export). Each test gets its own, on free ports.
 */
import { createReadStream, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { startEchoServer, type EchoServer } from '../../src/echo/echo-server.js';
import { startProxy, type RunningProxy } from '../../src/proxy/proxy-server.js';
import { parseEndpoint } from '../../src/net/endpoint.js';
import type { WireEvent } from '../../src/inspector/events.js';

const UI = join(import.meta.dirname, '..', '..', 'dist', 'ui');
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.map': 'application/json' };

export interface InspectorFixture {
  /** The inspector page. */
  url: string;
  /** ws:// URL of the proxy. */
  proxyUrl: string;
  events: WireEvent[];
  close(): Promise<void>;
}

export async function startInspectorFixture(options: { deflate?: boolean } = {}): Promise<InspectorFixture> {
  const echo: EchoServer = await startEchoServer({ port: 0, deflate: options.deflate ?? false });
  const events: WireEvent[] = [];
  const clients = new Set<WebSocket>();
  let queued: WireEvent[] = [];
  const proxy: RunningProxy = await startProxy({
    host: '127.0.0.1',
    port: 0,
    upstream: parseEndpoint(echo.url),
    onEvent: (event) => {
      events.push(event);
      if (queued.length === 0) setImmediate(broadcast);
      queued.push(event);
    },
  });
  const broadcast = () => {
    const text = JSON.stringify(queued);
    queued = [];
    for (const client of clients) client.send(text);
  };

  const http: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname === '/api/export.ndjson') {
      const conn = url.searchParams.get('conn');
      const chosen = conn === null ? events : events.filter((e) => e.conn === Number(conn));
      res.writeHead(200, { 'content-type': 'application/x-ndjson', 'content-disposition': 'attachment; filename="wsinspect.ndjson"' });
      res.end(chosen.map((e) => JSON.stringify(e) + '\n').join(''));
      return;
    }
    const path = normalize(url.pathname === '/' ? '/index.html' : url.pathname);
    const file = join(UI, path);
    if (!file.startsWith(UI) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-security-policy': "default-src 'self'; connect-src 'self'" });
    createReadStream(file).pipe(res);
  });
  const wss = new WebSocketServer({ server: http, path: '/api/events' });
  wss.on('connection', (socket) => {
    // The backlog first: what was already broadcast (the queued rest goes out with the next broadcast).
    socket.send(JSON.stringify(events.slice(0, events.length - queued.length)));
    clients.add(socket);
    socket.on('close', () => clients.delete(socket));
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/`,
    proxyUrl: proxy.url,
    events,
    async close() {
      for (const client of clients) client.terminate();
      wss.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await proxy.close();
      await echo.close();
    },
  };
}
