/**
 * The embedded echo server: uWebSockets.js answering every WebSocket message
 * with the same opcode and payload, and serving the demo page at `/`. It is the
 * proxy's default upstream, and `wsinspect echo` runs it alone.
 */
import net from 'node:net';
// CommonJS whose exports cannot be detected statically: only the default import works from ESM.
import uWS from 'uWebSockets.js';
import { DEMO_PAGE } from './demo-page.js';

export interface EchoServerOptions {
  /** Address to bind; default 127.0.0.1. `::1` and host names work too. */
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Accept permessage-deflate (with context takeover both ways) and compress replies. */
  deflate?: boolean;
  /** Prepended to every text reply, like the classic tutorial server's `Received: `. */
  prefix?: string;
}

export interface EchoServer {
  readonly host: string;
  /** The port actually bound. */
  readonly port: number;
  /** `ws://host:port/`, with an IPv6 host in brackets. */
  readonly url: string;
  /** Closes open WebSockets with 1001 and stops listening; safe to call twice. */
  close(): Promise<void>;
}

/** Members this uWS build has at run time but its bundled index.d.ts lacks. */
type App = uWS.TemplatedApp & {
  listen(host: string, port: number, options: number, cb: (socket: uWS.us_listen_socket | false) => void): App;
  close(): void;
};
const { LIBUS_LISTEN_EXCLUSIVE_PORT } = uWS as unknown as { LIBUS_LISTEN_EXCLUSIVE_PORT?: number };

/** Largest message accepted (uWS's default is 16 KiB); tests push 16 MiB messages through. */
const MAX_PAYLOAD = 256 * 1024 * 1024;
/**
 * uWS buffers what the client has not read yet, and drops a send once more
 * than this is buffered. One full-size message always fits.
 */
const MAX_BACKPRESSURE = MAX_PAYLOAD;
/** ws.send() result: the message was not sent because of MAX_BACKPRESSURE. */
const DROPPED = 2;
/**
 * Dedicated compressor and decompressor with full 32 KiB windows: uWS then
 * answers a plain `permessage-deflate`, i.e. context takeover both ways, as
 * browsers and most servers use it. SHARED_COMPRESSOR would force
 * `client_no_context_takeover; server_no_context_takeover`.
 */
const DEFLATE = uWS.DEDICATED_COMPRESSOR_256KB | uWS.DEDICATED_DECOMPRESSOR_32KB;

/** The address could not be bound (in use, not permitted, unknown host): the user's to fix. */
export class ListenError extends Error {
  override name = 'ListenError';
}

export async function startEchoServer(options: EchoServerOptions = {}): Promise<EchoServer> {
  // Without a prebuilt binary for this Node ABI (or with UWS_USE_FALLBACK set), the package loads
  // a partial JavaScript shim lacking what this server uses: listen options, compression, app.close.
  if (typeof LIBUS_LISTEN_EXCLUSIVE_PORT !== 'number') {
    const runtime = `Node ${process.version} on ${process.platform}-${process.arch}`;
    throw new Error(`uWebSockets.js loaded its JavaScript fallback, not a native build, for ${runtime}`);
  }
  const { host = '127.0.0.1', port = 0, deflate = false, prefix = '' } = options;
  const prefixBytes = Buffer.from(prefix);
  const sockets = new Set<uWS.WebSocket<unknown>>();

  const app = (uWS.App() as App)
    .ws('/*', {
      compression: deflate ? DEFLATE : uWS.DISABLED,
      maxPayloadLength: MAX_PAYLOAD,
      maxBackpressure: MAX_BACKPRESSURE,
      // No idle timeout and no automatic pings: the server sends nothing but
      // echoes, pongs and close replies, so the inspector shows only what the client caused.
      idleTimeout: 0,
      sendPingsAutomatically: false,
      open: (ws) => void sockets.add(ws),
      // uWS itself answers pings, and answers a close frame with the same code and reason.
      close: (ws) => void sockets.delete(ws),
      message: (ws, message, isBinary) => {
        const reply = isBinary || !prefix ? message : Buffer.concat([prefixBytes, Buffer.from(message)]);
        // A client that leaves MAX_BACKPRESSURE unread is cut off rather than silently missing an echo.
        if (ws.send(reply, isBinary, deflate) === DROPPED) ws.close();
      },
    })
    .get('/*', (res, req) => {
      if (req.getUrl() === '/') {
        res.writeHeader('Content-Type', 'text/html; charset=utf-8').end(DEMO_PAGE);
      } else {
        res.writeStatus('404 Not Found').writeHeader('Content-Type', 'text/plain; charset=utf-8').end('not found\n');
      }
    }) as App;

  return new Promise((resolve, reject) => {
    // Exclusive: by default uWS sets SO_REUSEPORT, so a taken port would be silently shared.
    app.listen(host, port, LIBUS_LISTEN_EXCLUSIVE_PORT, (listenSocket) => {
      if (!listenSocket) {
        app.close();
        void whyListenFailed(host, port).then((why) =>
          reject(new ListenError(`cannot listen on ${hostPort(host, port)}: ${why}`)),
        );
        return;
      }
      const bound = uWS.us_socket_local_port(listenSocket as uWS.us_socket);
      let closed = false;
      resolve({
        host,
        port: bound,
        url: `ws://${hostPort(host, bound)}/`,
        async close() {
          if (closed) return; // a second us_listen_socket_close would free the socket twice
          closed = true;
          uWS.us_listen_socket_close(listenSocket);
          for (const ws of sockets) ws.end(1001, 'server shutting down');
          // Closes whatever is left (HTTP keep-alive connections) so the process can exit.
          app.close();
        },
      });
    });
  });
}

/** `host:port`, with an IPv6 host in brackets. */
function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

const LISTEN_ERRORS: Record<string, string> = {
  EADDRINUSE: 'address in use',
  EACCES: 'permission denied',
  EADDRNOTAVAIL: 'address not available on this machine',
  ENOTFOUND: 'unknown host',
};

/** uWS reports a failed listen without a reason; binding the same address with Node finds it out. */
function whyListenFailed(host: string, port: number): Promise<string> {
  const probe = net.createServer();
  return new Promise((resolve) => {
    probe.once('error', (err: NodeJS.ErrnoException) => resolve(LISTEN_ERRORS[err.code ?? ''] ?? err.message));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve('port in use or not permitted')));
  });
}
