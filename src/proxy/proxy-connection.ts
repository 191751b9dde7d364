/**
 * One client connection through the proxy. Bytes are forwarded first and
 * inspected after, unchanged but for the Host header of each request head
 * (rewritten to the upstream's authority). HTTP requests are relayed with
 * their bodies delimited, so keep-alive connections (the demo page, assets)
 * work and each exchange is logged; an Upgrade request hands both directions
 * to the inspector's Session once the 101 is through.
 */
import type net from 'node:net';
import { randomBytes } from 'node:crypto';
import type { InspectorEvent, Side } from '../inspector/events.js';
import { Session } from '../inspector/session.js';
import { hasToken, headerValue, replaceHostHeader, type HttpRequestHead } from '../inspector/http-head.js';
import { BodyFramer, requestBodyLength, responseBodyLength } from '../inspector/http-body.js';
import { encodeClose } from '../inspector/frame-encoder.js';
import type { Endpoint } from '../net/endpoint.js';
import { DialError } from '../net/dial.js';
import { Pump } from './pump.js';
import { HeadReader } from './head-reader.js';

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
  /**
   * After the proxy ends a side itself (its own 502/504, --strict), how long
   * that peer may take to close its end before the socket is dropped.
   * Default 5 s.
   */
  lingerMs?: number;
}

const DEFAULT_LINGER_MS = 5_000;

/**
 * What each direction's bytes are, as far as the proxy is concerned: an HTTP
 * head being gathered, a body being counted, WebSocket frames, or bytes it
 * only forwards.
 */
type Mode = 'head' | 'body' | 'frames' | 'raw';

interface PendingRequest {
  method: string;
  path: string;
  upgrade: boolean;
}

export class ProxyConnection {
  private upstreamSocket: net.Socket | null = null;
  private readonly session: Session;
  private readonly started = Date.now();
  private clientMode: Mode = 'head';
  private upstreamMode: Mode = 'head';
  private readonly requestHeads = new HeadReader('request');
  private readonly responseHeads = new HeadReader('response');
  private requestBody: BodyFramer | null = null;
  private responseBody: BodyFramer | null = null;
  private readonly queue: PendingRequest[] = [];
  private toUpstream: Pump | null = null;
  private toClient: Pump | null = null;
  private responseTimer: NodeJS.Timeout | null = null;
  private lingerTimer: NodeJS.Timeout | null = null;
  private strictPending = false;
  /** Which sides are over: their socket closed, or (upstream) it never opened or was given up on. */
  private readonly closed: Record<Side, boolean> = { client: false, server: false };
  private finished = false;
  private inspectionFailed = false;
  /** While the upstream is being dialled (then dropped: it is not small, and connections are many). */
  private dialing: AbortController | null = new AbortController();

  constructor(
    private readonly client: net.Socket,
    private readonly ctx: ConnectionContext,
    private readonly onDone: () => void,
  ) {
    this.session = new Session({ previewBytes: ctx.previewBytes, payloadHeads: ctx.payloadHeads });
    client.setNoDelay(true);
    client.on('data', (chunk: Buffer) => this.onClientData(chunk));
    client.pause(); // until the upstream is there to take the bytes
    this.watch(client, 'client');
    void this.connectUpstream();
  }

  /** Ends the connection at once (the proxy is stopping). */
  destroy(): void {
    this.client.destroy();
    if (this.upstreamSocket) this.upstreamSocket.destroy();
    else this.abandonDial();
  }

  /** A dial still under way is abandoned, not waited for: the side counts as over at once. */
  private abandonDial(): void {
    this.dialing?.abort();
    this.sideClosed('server');
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
    this.toUpstream = new Pump(this.client, socket);
    this.toClient = new Pump(socket, this.client);
    socket.on('data', (chunk: Buffer) => this.onUpstreamData(chunk));
    this.watch(socket, 'server');
    this.client.resume();
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
    this.clientMode = 'raw';
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

  // ---- client → upstream ------------------------------------------------

  private onClientData(chunk: Buffer): void {
    let data: Uint8Array = chunk;
    while (data.length > 0) {
      switch (this.clientMode) {
        case 'head':
          data = this.readRequestHead(data);
          break;
        case 'body': {
          const result = this.requestBody!.push(data);
          if ('error' in result) return this.toRaw(`request body: ${result.error}`, data);
          this.toUpstream!.write(data.subarray(0, result.consumed));
          data = data.subarray(result.consumed);
          if (result.done) this.clientMode = 'head';
          break;
        }
        case 'frames':
          this.toUpstream!.write(data);
          this.inspect(() => this.session.data('client', data));
          return;
        case 'raw':
          this.toUpstream?.write(data); // no upstream after a failed dial: the bytes are dropped
          return;
      }
    }
  }

  private readRequestHead(data: Uint8Array): Uint8Array {
    const read = this.requestHeads.push(data);
    if (read === null) return new Uint8Array(0);
    const { result, received } = read;
    if (!result.ok) {
      this.emit({ type: 'error', message: `client sent a malformed request head: ${result.error}` });
      this.clientMode = 'raw';
      this.toUpstream!.write(received);
      return new Uint8Array(0);
    }
    const head = result.head;
    this.toUpstream!.write(replaceHostHeader(head.raw, head, this.ctx.upstream.authority));
    const upgrade = isUpgradeRequest(head);
    this.queue.push({ method: head.method, path: head.target, upgrade });
    this.armResponseTimer();
    if (upgrade) {
      this.inspect(() => this.session.request(head));
      this.clientMode = 'frames'; // whatever follows an Upgrade request can only be frames
    } else {
      const length = requestBodyLength(head);
      if ('error' in length) {
        this.toRaw(`request body: ${length.error}`, result.rest);
        return new Uint8Array(0);
      }
      this.requestBody = new BodyFramer(length);
      this.clientMode = this.requestBody.done ? 'head' : 'body';
    }
    return result.rest;
  }

  // ---- upstream → client ------------------------------------------------

  private onUpstreamData(chunk: Buffer): void {
    let data: Uint8Array = chunk;
    while (data.length > 0) {
      switch (this.upstreamMode) {
        case 'head':
          data = this.readResponseHead(data);
          break;
        case 'body': {
          const result = this.responseBody!.push(data);
          if ('error' in result) return this.toRaw(`response body: ${result.error}`, data, 'server');
          this.toClient!.write(data.subarray(0, result.consumed));
          data = data.subarray(result.consumed);
          if (result.done) this.responseDone();
          break;
        }
        case 'frames':
          this.toClient!.write(data);
          this.inspect(() => this.session.data('server', data));
          return;
        case 'raw':
          this.toClient!.write(data);
          return;
      }
    }
  }

  private readResponseHead(data: Uint8Array): Uint8Array {
    if (this.queue.length === 0) {
      // The server spoke without being asked: nothing to match it with, so just relay.
      this.upstreamMode = 'raw';
      this.toClient!.write(data);
      return new Uint8Array(0);
    }
    const read = this.responseHeads.push(data);
    if (read === null) return new Uint8Array(0);
    const { result, received } = read;
    this.clearResponseTimer();
    if (!result.ok) {
      this.emit({ type: 'error', message: `upstream sent a malformed response head: ${result.error}` });
      this.toRaw(null, received, 'server');
      return new Uint8Array(0);
    }
    const head = result.head;
    this.toClient!.write(received.subarray(0, received.length - result.rest.length));
    if (head.status >= 100 && head.status < 200 && head.status !== 101) {
      this.armResponseTimer(); // interim: the real answer follows
      return result.rest;
    }
    const request = this.queue.shift()!;
    if (request.upgrade) {
      this.inspect(() => this.session.response(head));
      if (this.session.upgraded) {
        this.upstreamMode = 'frames';
        if (this.strictPending) this.strictClose();
        return result.rest;
      }
      this.clientMode = 'raw'; // the upgrade was refused; what the client sent after it is not HTTP we can follow
    } else {
      this.emit({ type: 'http', method: request.method, path: request.path, status: head.status });
    }
    const length = responseBodyLength(head, request.method);
    if ('error' in length) {
      this.toRaw(`response body: ${length.error}`, result.rest, 'server');
      return new Uint8Array(0);
    }
    this.responseBody = new BodyFramer(length);
    if (this.responseBody.done) this.responseDone();
    else this.upstreamMode = 'body';
    return result.rest;
  }

  // ---- shared -------------------------------------------------------------

  /** Stops following HTTP in both directions; `data` (from `side`) and everything after is only relayed. */
  private toRaw(reason: string | null, data: Uint8Array, side: Side = 'client'): void {
    if (reason) this.emit({ type: 'error', message: `cannot follow the HTTP exchange any more (${reason}); relaying bytes unchanged` });
    this.clientMode = this.clientMode === 'frames' ? 'frames' : 'raw';
    this.upstreamMode = this.upstreamMode === 'frames' ? 'frames' : 'raw';
    (side === 'client' ? this.toUpstream : this.toClient)!.write(data);
  }

  /** Events of this connection; none after its connection-end. */
  private emit(event: InspectorEvent): void {
    if (!this.finished) this.ctx.emit(event);
  }

  /**
   * Runs the inspector and reports what it found. The bytes were forwarded
   * before; should the inspector ever fail on them (a bug, never the peer's
   * doing), this connection goes on relaying uninspected and says so, and no
   * other connection notices.
   */
  private inspect(run: () => InspectorEvent[]): void {
    if (this.inspectionFailed) return;
    let events: InspectorEvent[];
    try {
      events = run();
    } catch (err) {
      this.inspectionFailed = true;
      this.emit({ type: 'error', message: `internal error while inspecting (${(err as Error).message}); relaying the rest uninspected` });
      return;
    }
    let violated = false;
    for (const event of events) {
      this.emit(event);
      violated ||= event.type === 'violation' && event.severity === 'error';
    }
    // --strict acts after the whole batch is out, so the events keep the wire's order.
    if (!violated || !this.ctx.strict) return;
    if (this.session.upgraded) this.strictClose();
    else this.strictPending = true;
  }

  /** --strict: close both sides with 1002 (a client-bound frame unmasked, a server-bound one masked). */
  private strictClose(): void {
    if (this.clientMode === 'raw' && this.upstreamMode === 'raw') return;
    this.clientMode = 'raw';
    this.upstreamMode = 'raw';
    this.emit({ type: 'error', message: 'strict: protocol violation, closing both sides with 1002' });
    this.client.end(encodeClose(1002, 'protocol violation (wsinspect --strict)'));
    this.upstreamSocket?.end(encodeClose(1002, 'protocol violation (wsinspect --strict)', randomBytes(4)));
    this.linger();
  }

  /** A response is complete: the next head is awaited, if a request is waiting for it. */
  private responseDone(): void {
    this.upstreamMode = 'head';
    this.armResponseTimer();
  }

  /**
   * Starts the deadline for the upstream's next response head, when one is
   * awaited: not while an earlier response's body is still streaming (a
   * pipelined request must not get a 504 in the middle of that body).
   */
  private armResponseTimer(): void {
    if (this.responseTimer || this.queue.length === 0 || this.upstreamMode !== 'head') return;
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
      this.session.end(side);
      other()?.end();
    });
    socket.on('error', () => {
      this.session.end(side);
      other()?.destroy();
    });
    socket.on('close', () => {
      this.session.end(side);
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
    for (const event of this.session.finish(Date.now() - this.started)) this.emit(event);
    this.finished = true;
    this.onDone();
  }
}

/** A WebSocket opening handshake: Upgrade: websocket, or at least a Sec-WebSocket-Key. */
function isUpgradeRequest(head: HttpRequestHead): boolean {
  return hasToken(head.headers, 'upgrade', 'websocket') || headerValue(head.headers, 'sec-websocket-key') !== null;
}
