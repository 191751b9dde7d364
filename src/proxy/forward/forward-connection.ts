/**
 * The first moments of a client connection in forward mode, until it is
 * known where it goes and how: then a ProxyConnection takes over, with the
 * sans-IO Connection reading the bytes as in reverse mode.
 *
 * - Absolute-form (`GET http://host:port/path`): relayed to that host, the
 *   target rewritten to origin-form (request-target.ts).
 * - `CONNECT host:port`: the TCP connection is opened first (a refusal or a
 *   name that does not resolve is a 502 to the CONNECT), then 200, then the
 *   tunnel's first bytes decide (sniff.ts): a TLS ClientHello is intercepted
 *   with a leaf for its SNI name (ALPN http/1.1 only) while the upstream gets
 *   its own TLS, verified; plain HTTP is inspected; anything else, or a
 *   server that speaks first, is relayed untouched as an opaque tunnel.
 *
 * Who may use the proxy and for which hosts (--proxy-auth, --allow-hosts,
 * --ignore-hosts, --tls-passthrough) is decided here, before any dial.
 */
import net from 'node:net';
import tls from 'node:tls';
import { Connection } from '../../inspector/connection.js';
import type { InspectorEvent, TunnelKind } from '../../inspector/events.js';
import { HeadReader } from '../../inspector/head-reader.js';
import type { HttpRequestHead } from '../../inspector/http-head.js';
import { dial, DialError } from '../../net/dial.js';
import type { Endpoint } from '../../net/endpoint.js';
import type { ProxyConnection, ConnectionContext } from '../proxy-connection.js';
import type { LeafCache } from '../../tls-intercept/leaf-cache.js';
import type { HostPolicy } from './host-policy.js';
import type { ProxyAuth } from './proxy-auth.js';
import { originFormHead, parseAbsoluteTarget, parseConnectTarget, type Target } from './request-target.js';
import { sniffTunnel } from './sniff.js';

export interface ForwardContext {
  policy: HostPolicy;
  auth: ProxyAuth | null;
  leaves: LeafCache;
  /** Skip verification of the real servers' certificates. */
  insecure: boolean;
  /** Trusted roots for the real servers instead of Node's. */
  upstreamCa?: string | Buffer;
  timeoutMs: number;
  /** Numbers a connection and reports it (its `connection` event); returns its number and the emitter for its events. */
  open(upstream: string, tunnel?: TunnelKind): Opened;
  /** A ProxyConnection for the rest of the connection, the server's shared settings filled in. */
  relay(opened: Opened, client: net.Socket, how: RelayFor, onDone: () => void): ProxyConnection;
  /** The connection is over (reported or not). */
  onDone(): void;
}

export interface Opened {
  conn: number;
  emit(event: InspectorEvent): void;
}

export type RelayFor = Pick<ConnectionContext, 'upstream' | 'dial' | 'requestHeads' | 'relayOnly'>;

/** How long a client may take to read the proxy's own refusal before its socket is dropped. */
const LINGER_MS = 5_000;

export class ForwardConnection {
  private readonly heads = new HeadReader('request');
  private relayed: ProxyConnection | null = null;
  private upstream: net.Socket | null = null;
  private readonly dialing = new AbortController();
  private readonly started = Date.now();
  private finished = false;

  constructor(
    private readonly client: net.Socket,
    private readonly ctx: ForwardContext,
  ) {
    client.setNoDelay(true);
    client.on('data', this.onHead);
    client.on('error', () => {}); // a reset shows as 'close'
    client.once('close', () => {
      if (this.relayed) return; // the relay's own business now
      this.dialing.abort();
      this.upstream?.destroy();
      this.done();
    });
  }

  /** Ends the connection at once (the proxy is stopping). */
  destroy(): void {
    if (this.relayed) return this.relayed.destroy();
    this.client.destroy();
  }

  bufferedBytes(): number {
    return this.relayed?.bufferedBytes() ?? this.client.writableLength + this.client.readableLength;
  }

  // ---- the first request ----------------------------------------------------

  private readonly onHead = (chunk: Buffer): void => {
    const read = this.heads.push(chunk);
    if (read === null) return;
    this.client.off('data', this.onHead);
    this.client.pause();
    if (!read.result.ok) return this.answer(400, 'Bad Request', `malformed request head: ${read.result.error}`);
    const head = read.result.head;
    if (this.ctx.auth && !this.ctx.auth.accepts(head.headers)) {
      return this.refuse(head.target, 407, 'Proxy Authentication Required', 'proxy authentication required (--proxy-auth)', [
        'Proxy-Authenticate: Basic realm="wsinspect"',
      ]);
    }
    if (head.method === 'CONNECT') {
      const target = parseConnectTarget(head.target);
      if (!target) return this.answer(400, 'Bad Request', `CONNECT needs host:port, not "${head.target}"`);
      void this.connect(target, read.result.rest);
      return;
    }
    this.absoluteForm(head, read.received);
  };

  /** `GET http://host/path`: the whole connection goes to that host (one upstream per client connection). */
  private absoluteForm(head: HttpRequestHead, received: Buffer): void {
    const target = parseAbsoluteTarget(head.target);
    if (!target) {
      return this.answer(400, 'Bad Request', `this is a forward proxy: it takes absolute-form requests (GET http://host/path) and CONNECT, not "${head.target}" (use --mode reverse for a fixed upstream)`);
    }
    if (this.ctx.policy.handling(target.host, target.port) === 'refuse') {
      return this.refuse(`http://${target.authority}/`, 403, 'Forbidden', `${target.authority} is not in --allow-hosts`);
    }
    const upstream = endpoint('ws', target);
    this.client.unshift(received); // the relay reads this head again, from its first byte
    this.handOff(this.client, {
      upstream,
      dial: (signal) => dial(upstream, { timeoutMs: this.ctx.timeoutMs, signal }),
      requestHeads: (next) => {
        const asked = parseAbsoluteTarget(next.target);
        if (!asked) return next.raw; // origin-form on a proxy connection: pass it on as it is
        if (asked.host !== target.host || asked.port !== target.port) return null;
        return originFormHead(next.raw, asked.path);
      },
    });
  }

  // ---- CONNECT -----------------------------------------------------------------

  private async connect(target: Target, early: Uint8Array): Promise<void> {
    const handling = this.ctx.policy.handling(target.host, target.port);
    if (handling === 'refuse') return this.refuse(`tcp://${target.authority}`, 403, 'Forbidden', `${target.authority} is not in --allow-hosts`);
    const tcp = endpoint('tcp', target);
    try {
      this.upstream = await dial(tcp, { timeoutMs: this.ctx.timeoutMs, signal: this.dialing.signal });
    } catch (err) {
      if (this.dialing.signal.aborted) return;
      const timeout = err instanceof DialError && err.kind === 'timeout';
      const message = `upstream ${target.authority}: ${(err as Error).message}`;
      return this.refuse(tcp.url, timeout ? 504 : 502, timeout ? 'Gateway Timeout' : 'Bad Gateway', message);
    }
    const upstream = this.upstream;
    upstream.on('error', () => {}); // the relay watches it once it takes over
    if (this.client.destroyed) return void upstream.destroy();
    this.client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (handling === 'ignore') return this.opaque(target, Buffer.from(early), 'ignored');
    this.sniff(target, Buffer.from(early));
  }

  /** Waits for the tunnel's first client bytes; a server that speaks first makes it opaque. */
  private sniff(target: Target, early: Buffer): void {
    const upstream = this.upstream!;
    let seen = early;
    const decide = (): void => {
      const kind = sniffTunnel(seen);
      if (kind === null) return;
      stop();
      if (kind === 'http') return this.inspectPlain(target, seen);
      if (kind === 'tls' && !this.ctx.policy.passesTls(target.host, target.port)) return void this.intercept(target, seen);
      this.opaque(target, seen, kind === 'tls' ? 'tls-passthrough' : 'opaque');
    };
    const fromClient = (chunk: Buffer) => {
      seen = Buffer.concat([seen, chunk]);
      decide();
    };
    const fromServer = (chunk: Buffer) => {
      stop();
      upstream.unshift(chunk);
      this.opaque(target, seen, 'opaque');
    };
    const upstreamGone = () => {
      stop();
      this.refuse(`tcp://${target.authority}`, null, '', `upstream ${target.authority} closed the tunnel before anything was sent`);
    };
    const stop = () => {
      this.client.off('data', fromClient);
      this.client.pause();
      upstream.off('data', fromServer).off('close', upstreamGone);
      upstream.pause();
    };
    this.client.on('data', fromClient);
    upstream.on('data', fromServer).once('close', upstreamGone);
    this.client.resume();
    decide();
  }

  private inspectPlain(target: Target, seen: Buffer): void {
    const upstream = this.upstream!;
    this.client.unshift(seen);
    this.handOff(this.client, { upstream: endpoint('ws', target), dial: () => Promise.resolve(upstream), requestHeads: 'as-is' });
  }

  private opaque(target: Target, seen: Buffer, kind: TunnelKind): void {
    const upstream = this.upstream!;
    if (seen.length > 0) this.client.unshift(seen);
    this.handOff(this.client, { upstream: endpoint('tcp', target), dial: () => Promise.resolve(upstream), relayOnly: true }, kind);
  }

  /**
   * TLS to the client with a leaf for the name it asks for (SNI, else the
   * CONNECT host), then TLS to the real server over the tunnel's TCP
   * connection, verified as in reverse mode: a failure there is the relay's
   * 502 with the reason, over the client's TLS.
   */
  private async intercept(target: Target, seen: Buffer): Promise<void> {
    let fallback: tls.SecureContext;
    try {
      fallback = (await this.ctx.leaves.get(target.host)).context;
    } catch (err) {
      return this.refuse(`wss://${target.authority}/`, null, '', `cannot make a certificate for ${target.host}: ${(err as Error).message}`);
    }
    if (this.client.destroyed) return;
    this.client.unshift(seen);
    const secure = new tls.TLSSocket(this.client, {
      isServer: true,
      secureContext: fallback,
      ALPNProtocols: ['http/1.1'], // WebSocket over HTTP/2 (RFC 8441) is not inspected yet
      SNICallback: (name, done) => this.ctx.leaves.get(name).then((leaf) => done(null, leaf.context), done),
    });
    // 'error' stays listened to until the relay takes the socket: a second error before then must not crash the process.
    let settled = false;
    const failed = (err: Error) => {
      if (settled) return;
      settled = true;
      this.refuse(
        `wss://${target.authority}/`,
        null,
        '',
        `the client refused the TLS interception for ${target.host} (${err.message}); does it trust the wsinspect CA? (wsinspect ca --help)`,
      );
    };
    secure.on('error', failed);
    secure.once('secure', () => {
      settled = true;
      const name = secure.servername || target.host;
      const upstream = endpoint('wss', { ...target, host: name });
      const tcp = this.upstream!;
      this.handOff(secure, {
        upstream,
        dial: (signal) => dial(upstream, { socket: tcp, insecure: this.ctx.insecure, ca: this.ctx.upstreamCa, timeoutMs: this.ctx.timeoutMs, signal }),
        requestHeads: 'as-is',
      });
    });
  }

  // ---- endings -----------------------------------------------------------------

  private handOff(client: net.Socket, how: RelayFor, tunnel?: TunnelKind): void {
    this.relayed = this.ctx.relay(this.ctx.open(how.upstream.url, tunnel), client, how, () => this.done());
  }

  /**
   * The proxy answers the client itself (when it still speaks HTTP: `status`
   * not null) and ends; the attempt is reported as a connection to
   * `upstream` with the reason.
   */
  private refuse(upstream: string, status: number | null, reason: string, message: string, headers: string[] = []): void {
    const { emit } = this.ctx.open(upstream);
    emit({ type: 'error', message });
    for (const event of new Connection().finish(Date.now() - this.started)) emit(event);
    if (status === null) this.client.destroy();
    else this.answer(status, reason, message, headers);
  }

  /** An answer of the proxy's own, then the connection closes. */
  private answer(status: number, reason: string, message: string, headers: string[] = []): void {
    const body = `${status} ${reason}: ${message}\n`;
    const head = [`HTTP/1.1 ${status} ${reason}`, ...headers, 'Content-Type: text/plain; charset=utf-8', `Content-Length: ${Buffer.byteLength(body)}`, 'Connection: close'];
    this.client.end(`${head.join('\r\n')}\r\n\r\n${body}`);
    this.client.resume(); // read and drop what the client still sends, so it sees the answer
    this.upstream?.destroy();
    setTimeout(() => this.client.destroy(), LINGER_MS).unref();
  }

  private done(): void {
    if (this.finished) return;
    this.finished = true;
    this.ctx.onDone();
  }
}

/** The upstream as a URL: ws:// or wss:// when it speaks HTTP (the scheme of its WebSocket), tcp:// for a tunnel. */
function endpoint(scheme: 'ws' | 'wss' | 'tcp', target: Target): Endpoint {
  const host = net.isIP(target.host) === 6 ? `[${target.host}]` : target.host;
  const defaultPort = scheme === 'ws' ? 80 : scheme === 'wss' ? 443 : -1;
  const authority = target.port === defaultPort ? host : `${host}:${target.port}`;
  return { url: `${scheme}://${authority}${scheme === 'tcp' ? '' : '/'}`, secure: scheme === 'wss', host: target.host, port: target.port, authority, path: '/' };
}
