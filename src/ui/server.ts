/**
 * The web inspector's server (`--ui HOST:PORT`, default 127.0.0.1:8081):
 * node:http plus `ws` for the live feed, so it runs wherever the proxy runs.
 * Every request passes the guard (Host, token, Origin) first; every response
 * carries a strict Content-Security-Policy (no inline script, nothing
 * remote), so wire data can never run as script in the page.
 *
 * `wsinspect proxy` feeds the store with every event; `wsinspect read --ui`
 * can feed it from a capture the same way.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer } from 'ws';
import { listenError } from '../net/listen-error.js';
import { formatAddress } from '../net/endpoint.js';
import { sendError, serveApi, type PcapngSource } from './api-routes.js';
import { serveActApi, type ActTarget } from '../act/api.js';
import type { EventStore } from './event-store.js';
import { createGuard, tokenFor, type Guard, type Verdict } from './guard.js';
import { LiveFeed } from './live-feed.js';
import { DEFAULT_UI_DIR, serveStatic } from './static-files.js';

export const DEFAULT_UI = '127.0.0.1:8081';

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
    "manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

export interface InspectorServerOptions {
  host: string;
  port: number;
  store: EventStore;
  /** Where the built page is (default: the package's dist/ui). */
  uiDir?: string;
  /** Force a token (tests); by default one is made only for a non-loopback address. */
  token?: string | null;
  /** The running proxy, for the routes that act on the traffic (send, intercept); none when reading a capture. */
  act?: ActTarget;
  /** --pcap: the recording that GET /api/export.pcapng serves. */
  pcapng?: PcapngSource;
}

export interface InspectorServer {
  host: string;
  port: number;
  /** The URL to open, with `?token=` when one is needed. */
  url: string;
  token: string | null;
  close(): Promise<void>;
}

export function startInspectorServer(options: InspectorServerOptions): Promise<InspectorServer> {
  const uiDir = options.uiDir ?? DEFAULT_UI_DIR;
  const feed = new LiveFeed(options.store);
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024, perMessageDeflate: false });
  wss.on('connection', (ws) => {
    ws.on('error', () => ws.terminate());
    feed.follow(ws);
  });
  const token = options.token === undefined ? tokenFor(options.host) : options.token;
  // Made once listening: with port 0 the guard must know the port actually bound (it is part of the allowed Host).
  let guard: Guard | null = null;

  const server = http.createServer((req, res) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    handle(req, res).catch((err: Error) => {
      if (!res.headersSent) sendError(res, 500, `internal error: ${err.message}`);
      else res.destroy();
    });
  });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://inspector');
    const verdict = guard!.check(req, url);
    if (!verdict.ok) return sendError(res, verdict.status, verdict.error);
    if (verdict.setCookie) res.setHeader('set-cookie', verdict.setCookie);
    const { pathname } = url;
    if (pathname.startsWith('/api/')) {
      if (await serveActApi(options.act ?? null, req, res, pathname)) return;
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 405, `${req.method} is not supported on ${pathname}`);
      if (pathname === '/api/events') return sendError(res, 426, 'GET /api/events is a WebSocket: connect with an Upgrade request');
      if (!(await serveApi({ store: options.store, pcapng: options.pcapng, live: options.act !== undefined }, pathname, url, res))) sendError(res, 404, `no such route: ${pathname}`);
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendError(res, 405, `${req.method} is not supported here`);
    if (!(await serveStatic(uiDir, pathname, req, res))) sendError(res, 404, `not found: ${pathname}`);
  };

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'http://inspector');
    const verdict: Verdict = url.pathname === '/api/events' ? guard!.check(req, url) : { ok: false, status: 404, error: `no WebSocket at ${url.pathname}` };
    if (!verdict.ok) return refuseUpgrade(socket, verdict.status, verdict.error);
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, options.host, options.port)));
    server.listen(options.port, options.host, () => {
      server.on('error', () => {});
      const { port } = server.address() as { port: number };
      guard = createGuard(options.host, port, token);
      const base = `http://${formatAddress(options.host, port)}/`;
      resolve({
        host: options.host,
        port,
        url: token ? `${base}?token=${token}` : base,
        token,
        close: () =>
          new Promise<void>((done) => {
            feed.close();
            wss.close();
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}

function refuseUpgrade(socket: Duplex, status: number, error: string): void {
  const body = JSON.stringify({ error });
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
