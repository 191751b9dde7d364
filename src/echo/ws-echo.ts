/**
 * The echo server on `ws`, for where no uWebSockets.js binary loads: the same
 * echo, prefix, permessage-deflate with context takeover, demo page, exclusive
 * port and errors as uws-echo.ts.
 */
import http from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { formatAddress } from '../net/endpoint.js';
import { listenError } from '../net/listen-error.js';
import { DEMO_PAGE } from './demo-page.js';
import { MAX_BACKPRESSURE, MAX_PAYLOAD, SHUTDOWN, type EchoServer, type EngineOptions } from './engine.js';

/** How long close() waits for clients to answer the 1001 close before cutting them off. */
const CLOSE_GRACE_MS = 1000;

export function startWsEcho(options: EngineOptions): Promise<EchoServer> {
  const { host, port, deflate, prefix } = options;
  const prefixBytes = Buffer.from(prefix);
  const server = http.createServer(serveHttp);
  const wss = new WebSocketServer({
    server,
    maxPayload: MAX_PAYLOAD,
    // Context takeover both ways (ws's defaults), and every reply compressed however small, as uWS does.
    perMessageDeflate: deflate ? { threshold: 0 } : false,
  });
  // ws answers pings, and answers a close frame with the same code and reason, as uWS does.
  wss.on('connection', (ws: WebSocket) => {
    ws.on('error', () => {}); // a client's protocol error closes its socket (1002/1007/1009); nothing else to do
    ws.on('message', (message: Buffer, isBinary: boolean) => {
      const reply = isBinary || !prefix ? message : Buffer.concat([prefixBytes, message]);
      // A client that leaves MAX_BACKPRESSURE unread is cut off rather than silently missing an echo.
      if (ws.bufferedAmount + reply.length > MAX_BACKPRESSURE) ws.terminate();
      else ws.send(reply, { binary: isBinary, compress: deflate });
    });
  });
  wss.on('error', () => {}); // re-emitted listen errors: handled on the server below

  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, host, port)));
    // Node never sets SO_REUSEPORT, so a port another process holds (even with it) is refused.
    server.listen({ host, port, exclusive: true }, () => {
      server.on('error', () => {});
      const bound = (server.address() as { port: number }).port;
      let closing: Promise<void> | null = null;
      resolve({
        host,
        port: bound,
        url: `ws://${formatAddress(host, bound)}/`,
        engine: options.engine,
        close: () => (closing ??= closeAll(server, wss)),
      });
    });
  });
}

function serveHttp(req: http.IncomingMessage, res: http.ServerResponse): void {
  const path = new URL(req.url ?? '/', 'http://echo').pathname;
  if (req.method === 'GET' && path === '/') {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(DEMO_PAGE);
  } else {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
  }
}

/** Stops listening, says 1001 to every client and waits for their close (cut off after CLOSE_GRACE_MS). */
async function closeAll(server: http.Server, wss: WebSocketServer): Promise<void> {
  server.close();
  server.closeIdleConnections(); // HTTP keep-alive connections, so the process can exit
  const clients = [...wss.clients];
  const closed = clients.map((ws) => new Promise((resolve) => ws.once('close', resolve)));
  for (const ws of clients) ws.close(SHUTDOWN.code, SHUTDOWN.reason);
  const cutOff = setTimeout(() => clients.forEach((ws) => ws.terminate()), CLOSE_GRACE_MS);
  await Promise.all(closed);
  clearTimeout(cutOff);
}
