/** The echo server on uWebSockets.js (see echo-server.ts for the choice of engine). */
import net from 'node:net';
import type uWS from 'uWebSockets.js';
import { formatAddress } from '../net/endpoint.js';
import { ListenError, listenError } from '../net/listen-error.js';
import { DEMO_PAGE } from './demo-page.js';
import { MAX_BACKPRESSURE, MAX_PAYLOAD, SHUTDOWN, type EchoServer, type EngineOptions } from './engine.js';
import type { UwsModule } from './uws-loader.js';

/** Members this uWS build has at run time but its bundled index.d.ts lacks. */
type App = uWS.TemplatedApp & {
  listen(host: string, port: number, options: number, cb: (socket: uWS.us_listen_socket | false) => void): App;
  close(): void;
};

/** ws.send() result: the message was not sent because of MAX_BACKPRESSURE. */
const DROPPED = 2;

export function startUwsEcho(uws: UwsModule, options: EngineOptions): Promise<EchoServer> {
  const { host, port, deflate, prefix } = options;
  const { LIBUS_LISTEN_EXCLUSIVE_PORT } = uws as unknown as { LIBUS_LISTEN_EXCLUSIVE_PORT: number };
  const prefixBytes = Buffer.from(prefix);
  const sockets = new Set<uWS.WebSocket<unknown>>();
  /**
   * Dedicated compressor and decompressor with full 32 KiB windows: uWS then
   * answers a plain `permessage-deflate`, i.e. context takeover both ways, as
   * browsers and most servers use it. SHARED_COMPRESSOR would force
   * `client_no_context_takeover; server_no_context_takeover`.
   */
  const compression = deflate ? uws.DEDICATED_COMPRESSOR_256KB | uws.DEDICATED_DECOMPRESSOR_32KB : uws.DISABLED;

  const app = (uws.App() as App)
    .ws('/*', {
      compression,
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
        void whyListenFailed(host, port).then(reject);
        return;
      }
      const bound = uws.us_socket_local_port(listenSocket as uWS.us_socket);
      let closed = false;
      resolve({
        host,
        port: bound,
        url: `ws://${formatAddress(host, bound)}/`,
        engine: options.engine,
        async close() {
          if (closed) return; // a second us_listen_socket_close would free the socket twice
          closed = true;
          uws.us_listen_socket_close(listenSocket);
          for (const ws of sockets) ws.end(SHUTDOWN.code, SHUTDOWN.reason);
          // Closes whatever is left (HTTP keep-alive connections) so the process can exit.
          app.close();
        },
      });
    });
  });
}

/** uWS reports a failed listen without a reason; binding the same address with Node finds it out. */
function whyListenFailed(host: string, port: number): Promise<ListenError> {
  const probe = net.createServer();
  return new Promise((resolve) => {
    probe.once('error', (err: NodeJS.ErrnoException) => resolve(listenError(err, host, port)));
    probe.listen({ host, port, exclusive: true }, () =>
      probe.close(() => resolve(new ListenError(undefined, host, port, 'port in use or not permitted'))),
    );
  });
}
