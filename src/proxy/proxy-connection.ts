/**
 * One client connection through the proxy: the sockets, timers, backpressure
 * and the proxy's own answers. What the bytes mean, and which of them go on
 * (unchanged but for each request's Host header, rewritten to the
 * upstream's authority), is the sans-IO Connection's business.
 */
import type net from 'node:net';
import { randomBytes } from 'node:crypto';
import type { HttpRequestHead } from '../inspector/http-head.js';
import type { InspectorEvent, MessageEvent, ReleaseAction, Side, ViolationEvent } from '../inspector/events.js';
import { Connection, type InterceptHooks, type Output } from '../inspector/connection.js';
import { hostOf } from '../filter/index.js';
import type { Edit, Interceptor } from './interceptor.js';
import { encodeClose } from '../inspector/frame-encoder.js';
import type { Endpoint } from '../net/endpoint.js';
import type { ConnectionRecording } from '../capture/pcapng-recorder.js';
import type { TcpAddress } from '../capture/packet-builder.js';
import { DialError } from '../net/dial.js';
import { Pump } from './pump.js';

export interface ConnectionContext {
  upstream: Endpoint;
  /** Opens the upstream socket (TLS, timeout and verification already decided). */
  dial(signal: AbortSignal): Promise<net.Socket>;
  emit(event: InspectorEvent): void;
  strict: boolean;
  previewBytes?: number;
  /** Data frames get a `payloadHead` (the pretty view shows it; NDJSON does without). */
  payloadHeads?: boolean;
  /** How long the upstream may take to answer a request head. */
  responseTimeoutMs: number;
  /** --intercept: the proxy's interceptor and this connection's number (for the filter's conn: term). */
  intercept?: { interceptor: Interceptor; conn: number };
  /**
   * How request heads go on: by default with Host rewritten to the upstream's
   * authority (reverse mode); forward mode passes them as they are ('as-is',
   * inside a tunnel) or rewrites absolute-form targets (see ConnectionOptions).
   */
  requestHeads?: 'as-is' | ((head: HttpRequestHead) => Uint8Array | null);
  /** Relay both ways without reading anything (an opaque tunnel). */
  relayOnly?: boolean;
  /**
   * After the proxy ends a side itself (its own 502/504, --strict), how long
   * that peer may take to close its end before the socket is dropped.
   * Default 5 s.
   */
  lingerMs?: number;
  /** --pcap: starts recording the connection's traffic once both sockets are there. */
  record?: (client: TcpAddress, upstream: TcpAddress) => ConnectionRecording;
}

const DEFAULT_LINGER_MS = 5_000;
/** Bytes a direction may read past a held message before its socket is paused. */
const HOLD_BACKLOG = 1024 * 1024;

/** What a connection's Connection asks the proxy's interceptor (methods, not closures: connections are many). */
class ConnectionIntercept implements InterceptHooks {
  constructor(
    private readonly interceptor: Interceptor,
    private readonly conn: number,
    private readonly host: string | null,
  ) {}

  active(): boolean {
    return this.interceptor.active;
  }

  matches(message: MessageEvent, violations: ViolationEvent[]): boolean {
    return this.interceptor.matches(this.conn, this.host, message, violations);
  }

  nextId(): number {
    return this.interceptor.nextId();
  }
}

export class ProxyConnection {
  private upstreamSocket: net.Socket | null = null;
  private readonly connection: Connection;
  private readonly started = Date.now();
  /** Carries each side's bytes to the other, once the upstream is there. */
  private readonly pumps: Record<Side, Pump | null> = { client: null, server: null };
  private responseTimer: NodeJS.Timeout | null = null;
  /** The response heads read when the timer was armed: a new one (an interim 1xx) restarts it. */
  private timerHeads = 0;
  private lingerTimer: NodeJS.Timeout | null = null;
  /** The proxy ended the sockets itself (--strict): nothing more is relayed. */
  private stopped = false;
  /** Which sides are over: their socket closed, or (upstream) it never opened or was given up on. */
  private readonly closed: Record<Side, boolean> = { client: false, server: false };
  private finished = false;
  /** While the upstream is being dialled (then dropped: it is not small, and connections are many). */
  private dialing: AbortController | null = new AbortController();
  /** --pcap: what crosses, as it crosses (from the upstream's connection on). */
  private recording: ConnectionRecording | null = null;
  /** See pauseReading. */
  private outputFull = false;

  constructor(
    private readonly client: net.Socket,
    private readonly ctx: ConnectionContext,
    private readonly onDone: () => void,
  ) {
    const heads = ctx.requestHeads;
    this.connection = new Connection({
      previewBytes: ctx.previewBytes,
      payloadHeads: ctx.payloadHeads,
      hostRewrite: heads === undefined ? ctx.upstream.authority : undefined,
      rewriteRequest: typeof heads === 'function' ? heads : undefined,
      strict: ctx.strict,
      intercept: ctx.intercept && new ConnectionIntercept(ctx.intercept.interceptor, ctx.intercept.conn, hostOf(ctx.upstream.url)),
    });
    if (ctx.relayOnly) this.connection.relayOnly();
    client.setNoDelay(true);
    client.on('data', (chunk: Buffer) => this.onData('client', chunk));
    client.pause(); // until the upstream is there to take the bytes
    this.watch(client, 'client');
    void this.connectUpstream();
  }

  /** Ends the connection at once (the proxy is stopping, or says `reason`). */
  destroy(reason = 'the proxy stopped'): void {
    this.connection.endedByProxy(reason);
    this.client.destroy();
    if (this.upstreamSocket) this.upstreamSocket.destroy();
    else this.abandonDial();
  }

  /** A dial still under way is abandoned, not waited for: the side counts as over at once. */
  private abandonDial(): void {
    this.dialing?.abort();
    this.sideClosed('server');
  }

  /**
   * Puts a frame of the user's into `from`'s stream (toward the other side):
   * at once between messages, else at the end of the message in progress.
   * Returns why it cannot, or null when it is on its way.
   */
  inject(from: Side, frame: Uint8Array): string | null {
    const to = from === 'client' ? this.upstreamSocket : this.client;
    if (this.stopped || !to || to.destroyed || to.writableEnded) return 'the connection is not open';
    const refusal = this.connection.injectRefusal(from, frame.length);
    if (refusal) return refusal;
    this.deliver(from, this.connection.inject(from, frame));
    return null;
  }

  /** Lets held message `id` go (see Connection.release); false when it is not held here. */
  private release(id: number, action: ReleaseAction, edit: Edit | null): boolean {
    const from = this.connection.held().find((message) => message.id === id)?.from;
    const out = from && this.connection.release(id, action, edit, randomBytes(4));
    if (!from || !out) return false;
    this.deliver(from, out);
    return true;
  }

  /** What the Connection said about `from`'s stream: its bytes on to the other side, its events out, holds tracked. */
  private deliver(from: Side, { events, forward }: Output): void {
    const pump = this.pumps[from];
    if (pump) {
      for (const bytes of forward) {
        pump.write(bytes);
        this.recording?.data(from, bytes);
      }
    }
    for (const event of events) {
      this.emit(event);
      if (event.type === 'held') this.track(event.id);
    }
    this.holdBack();
  }

  /** A held message is waiting for the user: it times out in the interceptor, which can release it. */
  private track(id: number): void {
    const { interceptor, conn } = this.ctx.intercept!;
    const message = this.connection.held().find((held) => held.id === id)!;
    const { payload, from, kind, size } = message;
    interceptor.track({ id, conn, from, kind, size, payload, heldAt: Date.now() }, (action, edit) => this.release(id, action, edit));
  }

  /** While a held message blocks a direction, its socket is read only up to a bound (backpressure to the sender). */
  private holdBack(): void {
    for (const side of ['client', 'server'] as const) {
      this.pumps[side]?.block('hold', this.connection.holding(side) && this.connection.holdBacklog(side) > HOLD_BACKLOG);
    }
  }

  /**
   * Stops reading both sockets while the proxy's output cannot keep up (a slow
   * reader of --json), or reads them again: the peers then wait, as they would
   * for a slow network, and no event is lost.
   */
  pauseReading(paused: boolean): void {
    this.outputFull = paused;
    for (const pump of [this.pumps.client, this.pumps.server]) pump?.block('output', paused);
  }

  /** Bytes this connection holds in its sockets' buffers (both sockets, both directions). */
  bufferedBytes(): number {
    let total = this.client.writableLength + this.client.readableLength;
    if (this.upstreamSocket) total += this.upstreamSocket.writableLength + this.upstreamSocket.readableLength;
    return total;
  }

  private async connectUpstream(): Promise<void> {
    let socket: net.Socket;
    try {
      socket = await this.ctx.dial(this.dialing!.signal);
    } catch (err) {
      if (!this.closed.server) this.failUpstream(err as Error);
      return;
    } finally {
      this.dialing = null;
    }
    if (this.closed.server || this.client.destroyed) {
      socket.destroy(); // the client left (or the proxy stopped) while the dial was under way
      this.sideClosed('server');
      return;
    }
    this.upstreamSocket = socket;
    this.recording = this.ctx.record?.(tcpAddress(this.client), tcpAddress(socket)) ?? null;
    this.pumps.client = new Pump(this.client, socket);
    this.pumps.server = new Pump(socket, this.client);
    socket.on('data', (chunk: Buffer) => this.onData('server', chunk));
    this.watch(socket, 'server');
    // A socket handed over already open may have been paused by its opener; the output may be full.
    this.pauseReading(this.outputFull);
    this.pumps.server.resume();
    this.pumps.client.resume();
  }

  /** The upstream could not be reached: 502 (504 on a timeout) with the cause, and an error event. */
  private failUpstream(err: Error): void {
    const timeout = err instanceof DialError && err.kind === 'timeout';
    const message = `upstream ${this.ctx.upstream.url}: ${err.message}`;
    this.emit({ type: 'error', message });
    this.answerClient(timeout ? 504 : 502, timeout ? 'Gateway Timeout' : 'Bad Gateway', message);
    this.sideClosed('server'); // it never opened
  }

  private answerClient(status: number, reason: string, message: string): void {
    const body = `${status} ${reason}: ${message}\n`;
    this.client.end(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    this.connection.relayOnly();
    this.client.resume(); // read and drop whatever the client still sends, so it sees our answer
    this.linger();
  }

  /**
   * The proxy has ended the connection's sockets itself; a peer that never
   * closes its end (never reads our FIN) would hold the connection open for
   * good. Give it a moment to read the answer, then drop both sockets.
   */
  private linger(): void {
    if (this.lingerTimer) return;
    this.lingerTimer = setTimeout(() => {
      this.client.destroy();
      this.upstreamSocket?.destroy();
    }, this.ctx.lingerMs ?? DEFAULT_LINGER_MS);
  }

  /** Bytes from `side`: what the Connection says goes on is passed to the other side, then its events. */
  private onData(side: Side, chunk: Buffer): void {
    // No upstream after a failed dial: the client's bytes are dropped.
    this.deliver(side, this.connection.push(side, chunk));
    // --strict acts after the whole batch is out, so the events keep the wire's order.
    if (this.ctx.strict && this.connection.violated && this.connection.upgraded) this.strictClose();
    if (this.connection.refusedRequest) this.destroy(this.connection.refusedRequest);
    this.watchResponse();
  }

  /** Events of this connection; none after its connection-end. */
  private emit(event: InspectorEvent): void {
    if (!this.finished) this.ctx.emit(event);
  }

  /** --strict: close both sides with 1002 (a client-bound frame unmasked, a server-bound one masked). */
  private strictClose(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.connection.relayOnly();
    this.connection.endedByProxy('--strict: a protocol violation');
    this.emit({ type: 'error', message: 'strict: protocol violation, closing both sides with 1002' });
    const toClient = encodeClose(1002, 'protocol violation (wsinspect --strict)');
    const toUpstream = encodeClose(1002, 'protocol violation (wsinspect --strict)', randomBytes(4));
    this.client.end(toClient);
    this.upstreamSocket?.end(toUpstream);
    // In the recording they cross as if from the other peer: that is what each peer received.
    this.recording?.data('server', toClient);
    this.recording?.data('client', toUpstream);
    this.linger();
  }

  /**
   * Keeps a deadline on the upstream's next response head while one is
   * awaited: not while an earlier response's body is still streaming (a
   * pipelined request must not get a 504 in the middle of that body);
   * restarted by each interim 1xx.
   */
  private watchResponse(): void {
    if (!this.connection.awaitingResponse) return this.clearResponseTimer();
    if (this.responseTimer && this.timerHeads === this.connection.responseHeads) return;
    this.clearResponseTimer();
    this.timerHeads = this.connection.responseHeads;
    this.responseTimer = setTimeout(() => {
      this.responseTimer = null;
      const seconds = this.ctx.responseTimeoutMs / 1000;
      const message = `upstream ${this.ctx.upstream.url}: no response within ${seconds} s`;
      this.emit({ type: 'error', message });
      this.upstreamSocket?.destroy();
      this.answerClient(504, 'Gateway Timeout', message);
    }, this.ctx.responseTimeoutMs);
  }

  private clearResponseTimer(): void {
    if (this.responseTimer) clearTimeout(this.responseTimer);
    this.responseTimer = null;
  }

  /** Half-close is passed on; a reset on one side destroys the other. */
  private watch(socket: net.Socket, side: Side): void {
    const other = () => (side === 'client' ? this.upstreamSocket : this.client);
    socket.on('end', () => {
      this.recording?.end(side);
      this.connection.end(side);
      other()?.end();
    });
    socket.on('error', () => {
      this.recording?.end(side, true);
      this.connection.end(side);
      other()?.destroy();
    });
    socket.on('close', () => {
      this.recording?.end(side);
      this.connection.end(side);
      const peer = other();
      if (peer && !peer.destroyed && peer.writableEnded && peer.readableEnded) peer.destroy();
      this.sideClosed(side);
      // The client left while the upstream was still being dialled: give up on it now.
      if (side === 'client' && !this.upstreamSocket) this.abandonDial();
    });
  }

  /** Counts a side as over (once); when both are, the connection-end goes out, last. */
  private sideClosed(side: Side): void {
    if (this.closed[side]) return;
    this.closed[side] = true;
    if (!this.closed.client || !this.closed.server || this.finished) return;
    this.clearResponseTimer();
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    // Messages still held go with their connection.
    for (const held of this.connection.held()) this.ctx.intercept?.interceptor.untrack(held.id);
    for (const event of this.connection.finish(Date.now() - this.started)) this.emit(event);
    this.finished = true;
    this.onDone();
  }
}

/** A socket's peer for the recording; an IPv4-mapped IPv6 address as the IPv4 address it is. */
function tcpAddress(socket: net.Socket): TcpAddress {
  const ip = socket.remoteAddress ?? '0.0.0.0';
  return { ip: ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip, port: socket.remotePort ?? 0 };
}
