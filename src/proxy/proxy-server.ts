/**
 * The proxy's listener: accepts clients on loopback (or wherever --listen
 * says), plain or TLS, numbers the connections, and stamps every event with
 * its connection and time before handing it to the renderers. In reverse mode
 * the upstream is fixed here by configuration, never taken from a request; in
 * forward mode each client names its host, within the policy given (the CLI
 * makes sure a non-loopback listener is never an open proxy).
 */
import net from 'node:net';
import tls from 'node:tls';
import type { ConnectionEvent, WireEvent, InspectorEvent, Side, TunnelKind } from '../inspector/events.js';
import { stamp } from '../inspector/events.js';
import { dial } from '../net/dial.js';
import { formatAddress, type Endpoint } from '../net/endpoint.js';
import { listenError } from '../net/listen-error.js';
import { ProxyConnection, type ConnectionContext } from './proxy-connection.js';
import { ForwardConnection } from './forward/forward-connection.js';
import type { HostPolicy } from './forward/host-policy.js';
import type { ProxyAuth } from './forward/proxy-auth.js';
import type { CertificateAuthority } from '../tls-intercept/certificates.js';
import { LeafCache } from '../tls-intercept/leaf-cache.js';
import type { PcapngRecorder } from '../capture/pcapng-recorder.js';
import type { TcpAddress } from '../capture/packet-builder.js';
import { Interceptor } from './interceptor.js';

export interface ProxyOptions {
  host: string;
  port: number;
  /** Reverse mode: every connection goes to this upstream. */
  upstream?: Endpoint;
  /** Forward mode (instead of `upstream`): each client names its host; see src/proxy/forward. */
  forward?: ForwardOptions;
  onEvent(event: WireEvent): void;
  /** Skip certificate verification of a wss/https upstream. */
  insecure?: boolean;
  /** Trusted roots for TLS upstreams instead of Node's (e.g. a test server's certificate). */
  upstreamCa?: string | Buffer;
  strict?: boolean;
  previewBytes?: number;
  /** Data frames get a `payloadHead` for the pretty view (default true; NDJSON does without). */
  payloadHeads?: boolean;
  /** Serve TLS to clients with this certificate and key (PEM). */
  tls?: { cert: Buffer; key: Buffer };
  /** Connect and response deadline for the upstream. */
  timeoutMs?: number;
  /** --pcap: every connection recorded into this file as it flows. */
  pcap?: PcapngRecorder;
  /** --intercept and --intercept-timeout (its filter may change later); by default one that holds nothing until told. */
  interceptor?: Interceptor;
}

export interface ForwardOptions {
  policy: HostPolicy;
  auth: ProxyAuth | null;
  /** Signs the certificates shown to clients for intercepted TLS. */
  ca: CertificateAuthority;
}

export interface RunningProxy {
  host: string;
  port: number;
  /** The URL clients use: ws:// or wss:// in reverse mode, http:// (a proxy's) in forward mode. */
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
  /** Which data messages are held, and the held ones (see interceptor.ts). */
  interceptor: Interceptor;
  /**
   * Stops reading every connection's sockets (the events' reader is slow:
   * backpressure to the peers), or reads them again; connections opened
   * meanwhile start paused.
   */
  pauseReading(paused: boolean): void;
}

/** What the listener keeps of each open client connection. */
interface Relay {
  destroy(): void;
  bufferedBytes(): number;
}

// async: whatever fails here (a TLS context that OpenSSL refuses) rejects, so callers close what they started.
export async function startProxy(options: ProxyOptions): Promise<RunningProxy> {
  const open = new Set<Relay>();
  /** The open relays by connection number, for injection. */
  const byNumber = new Map<number, ProxyConnection>();
  const interceptor = options.interceptor ?? new Interceptor(null);
  let nextConn = 1;
  let readingPaused = false;
  let allClosed: (() => void) | null = null;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const leaves = options.forward ? new LeafCache(options.forward.ca) : null;

  /** Numbers a connection and reports it; its events are stamped from then on. */
  const report = (client: net.Socket, upstream: string, tunnel?: TunnelKind) => {
    const conn = nextConn++;
    const emit = (event: InspectorEvent) => options.onEvent(stamp(event, conn, Date.now()));
    const event: ConnectionEvent = { type: 'connection', client: formatAddress(client.remoteAddress, client.remotePort), upstream };
    if (tunnel) event.tunnel = tunnel;
    emit(event);
    return { conn, emit };
  };
  const shared = {
    strict: options.strict ?? false,
    previewBytes: options.previewBytes,
    payloadHeads: options.payloadHeads,
    responseTimeoutMs: timeoutMs,
  };
  /** A relay for connection `conn`, known by its number until it is over. */
  const relay = (conn: number, client: net.Socket, ctx: ConnectionContext, onDone: () => void): ProxyConnection => {
    const record = options.pcap && ((from: TcpAddress, to: TcpAddress) => options.pcap!.connection(from, to, Date.now(), conn));
    const connection = new ProxyConnection(client, { ...ctx, record, intercept: { interceptor, conn } }, () => {
      byNumber.delete(conn);
      onDone();
    });
    byNumber.set(conn, connection);
    if (readingPaused) connection.pauseReading(true);
    return connection;
  };
  const closed = (connection: Relay) => {
    open.delete(connection);
    if (open.size === 0) allClosed?.();
  };

  // One dial function for every connection to the upstream (a closure each was ~160 bytes, and connections are many).
  const dialOptions = { insecure: options.insecure, ca: options.upstreamCa, timeoutMs };
  const dialUpstream = (signal: AbortSignal) => dial(options.upstream!, { ...dialOptions, signal });
  const acceptReverse = (client: net.Socket, upstream: Endpoint) => {
    const { conn, emit } = report(client, upstream.url);
    const connection: Relay = relay(conn, client, { ...shared, upstream, emit, dial: dialUpstream }, () => closed(connection));
    open.add(connection);
  };

  const acceptForward = (client: net.Socket, forward: ForwardOptions) => {
    const connection: Relay = new ForwardConnection(client, {
      ...forward,
      leaves: leaves!,
      insecure: options.insecure ?? false,
      upstreamCa: options.upstreamCa,
      timeoutMs,
      open: (upstream, tunnel) => report(client, upstream, tunnel),
      relay: (opened, socket, how, onDone) => relay(opened.conn, socket, { ...shared, ...how, emit: opened.emit }, onDone),
      onDone: () => closed(connection),
    });
    open.add(connection);
  };

  const accept = (client: net.Socket) => {
    if (options.forward) acceptForward(client, options.forward);
    else acceptReverse(client, options.upstream!);
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
      interceptor.close();
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
        url: options.forward ? `http://${host}` : `${options.tls ? 'wss' : 'ws'}://${host}/`,
        close,
        bufferedBytes: () => {
          let total = 0;
          for (const connection of open) total += connection.bufferedBytes();
          return total;
        },
        interceptor,
        pauseReading: (paused) => {
          readingPaused = paused;
          for (const connection of byNumber.values()) connection.pauseReading(paused);
        },
        inject: (conn, from, frame) => {
          const connection = byNumber.get(conn);
          return connection ? connection.inject(from, frame) : 'unknown';
        },
      });
    });
  });
}
