/**
 * The proxy's listener: accepts clients on loopback (or wherever --listen
 * says), plain or TLS, numbers the connections, and stamps every event with
 * its connection and time before handing it to the renderers. The upstream is
 * fixed here by configuration, never taken from a request (no open proxy).
 */
import net from 'node:net';
import tls from 'node:tls';
import type { WireEvent, InspectorEvent, Side } from '../inspector/events.js';
import { stamp } from '../inspector/events.js';
import { dial } from '../net/dial.js';
import { formatAddress, type Endpoint } from '../net/endpoint.js';
import { listenError } from '../net/listen-error.js';
import { ProxyConnection } from './proxy-connection.js';

export interface ProxyOptions {
  host: string;
  port: number;
  upstream: Endpoint;
  onEvent(event: WireEvent): void;
  /** Skip certificate verification of a wss/https upstream. */
  insecure?: boolean;
  strict?: boolean;
  previewBytes?: number;
  /** Data frames get a `payloadHead` for the pretty view (default true; NDJSON does without). */
  payloadHeads?: boolean;
  /** Serve TLS to clients with this certificate and key (PEM). */
  tls?: { cert: Buffer; key: Buffer };
  /** Connect and response deadline for the upstream. */
  timeoutMs?: number;
}

export interface RunningProxy {
  host: string;
  port: number;
  /** The URL clients use: ws:// or wss://. */
  url: string;
  /** Stops listening, ends every open connection (each reports its connection-end), then resolves. Idempotent. */
  close(): Promise<void>;
  /** Bytes held in the buffers of all open connections' sockets (a read-only gauge: backpressure keeps it small). */
  bufferedBytes(): number;
  /**
   * Puts the user's `frame` into connection `conn`'s `from` stream (see
   * ProxyConnection.inject): null when on its way, else why not ('unknown'
   * when no such connection is open).
   */
  inject(conn: number, from: Side, frame: Uint8Array): string | null;
}

export function startProxy(options: ProxyOptions): Promise<RunningProxy> {
  const open = new Set<ProxyConnection>();
  const byNumber = new Map<number, ProxyConnection>();
  let nextConn = 1;
  let allClosed: (() => void) | null = null;
  const timeoutMs = options.timeoutMs ?? 10_000;

  const accept = (client: net.Socket) => {
    const conn = nextConn++;
    const emit = (event: InspectorEvent) => options.onEvent(stamp(event, conn, Date.now()));
    emit({ type: 'connection', client: formatAddress(client.remoteAddress, client.remotePort), upstream: options.upstream.url });
    const connection = new ProxyConnection(
      client,
      {
        upstream: options.upstream,
        dial: (signal) => dial(options.upstream, { insecure: options.insecure, timeoutMs, signal }),
        emit,
        strict: options.strict ?? false,
        previewBytes: options.previewBytes,
        payloadHeads: options.payloadHeads,
        responseTimeoutMs: timeoutMs,
      },
      () => {
        open.delete(connection);
        byNumber.delete(conn);
        if (open.size === 0) allClosed?.();
      },
    );
    open.add(connection);
    byNumber.set(conn, connection);
  };

  const server = options.tls
    ? tls.createServer({ cert: options.tls.cert, key: options.tls.key, allowHalfOpen: true }, accept)
    : net.createServer({ allowHalfOpen: true }, accept);
  // A client that fails its TLS handshake never becomes a connection; keep it from surfacing as an error.
  server.on('tlsClientError', () => {});

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> =>
    (closing ??= new Promise<void>((done) => {
      server.close();
      if (open.size === 0) return done();
      allClosed = done;
      for (const connection of open) connection.destroy();
    }));

  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(listenError(err, options.host, options.port)));
    server.listen(options.port, options.host, () => {
      // Past listen, the server's own errors (a failed accept, e.g. EMFILE) are transient: the
      // client in question is simply not served. Without a listener they would crash the process.
      server.on('error', () => {});
      const address = server.address() as net.AddressInfo;
      const host = formatAddress(options.host, address.port);
      resolve({
        host: options.host,
        port: address.port,
        url: `${options.tls ? 'wss' : 'ws'}://${host}/`,
        close,
        bufferedBytes: () => {
          let total = 0;
          for (const connection of open) total += connection.bufferedBytes();
          return total;
        },
        inject: (conn, from, frame) => {
          const connection = byNumber.get(conn);
          return connection ? connection.inject(from, frame) : 'unknown';
        },
      });
    });
  });
}
