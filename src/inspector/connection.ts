/**
 * One TCP connection, from the first byte of each direction: HTTP/1.1
 * requests and responses (interim 1xx, bodies delimited so keep-alive works),
 * the Upgrade, then WebSocket frames both ways, then the end of each side.
 * Sans-IO in the manner of h11 and wsproto: bytes in, events and the bytes to
 * pass on out. The proxy, the `connect` client and a capture reader are thin
 * adapters around it.
 *
 *   const conn = new Connection({ hostRewrite: 'upstream:9001' });
 *   const { events, forward } = conn.push('client', bytes);  // bytes the client sent
 *   // `forward`: what goes on to the server, in order: `bytes` unchanged but
 *   // for the Host header of each request head when `hostRewrite` is set (and
 *   // nothing of a request head until it is whole). Views of `bytes` may be in
 *   // it: send them before reusing the buffer.
 *   conn.push('server', bytes);           // likewise, forward goes to the client
 *   conn.end('client');                   // that side's stream ended (FIN or reset)
 *   conn.lost('client', offset, missing); // a capture lost that side's bytes there (a gap)
 *   conn.finish(durationMs);              // over: abnormal-closure if due, then connection-end
 *
 * What the adapter may ask or tell between pushes:
 *   conn.upgraded                the 101 came through: frames both ways from here
 *   conn.violated                an error-severity violation was reported (for --strict)
 *   conn.upgradeResponse         the head of the response to the Upgrade request, once read
 *                                (kept only with `keepUpgradeResponse`)
 *   conn.refusalBody             when that response refused the upgrade: the start of its body
 *   conn.headError               why the last malformed head was refused (for adapters that word it themselves)
 *   conn.awaitingResponse        a request is waiting for its response head (arm a timer)
 *   conn.responseHeads           response heads read so far, interim 1xx included (restart it)
 *   conn.relayOnly()             stop following the exchange: later bytes are forwarded, not read
 *   conn.endedByProxy(reason)    the relay ended the connection itself: nobody is blamed for it
 *   conn.canInject(from)         a frame may go into `from`'s stream now: after a whole
 *                                message, never inside a fragmented one
 *   conn.injectRefusal(from)     why no frame can go into `from`'s stream (not upgraded,
 *                                framing lost, too much waiting), or null
 *   conn.held()                  messages held by `intercept` (see hold.ts), waiting for
 *   conn.release(id, action, edit, maskKey)   the user: release one (Output)
 *   conn.holding(from), conn.holdBacklog(from)  a held message blocks `from`'s stream, and
 *                                how much waits behind it (stop reading past a bound)
 *   conn.inject(from, frame)     a frame the relay puts into `from`'s stream itself: now
 *                                when canInject (`forward` = [frame]), else it waits here
 *                                and comes out of a later push(from), at the first message
 *                                boundary, between the peer's bytes; a control frame only
 *                                waits for the end of the frame in progress (RFC 6455 5.4
 *                                lets it in between a message's frames); its events are
 *                                marked `injected`, in wire order either way
 *
 * Events follow the wire: a head's event and its violations when the head is
 * whole, each frame's events when the frame ends. The same bytes give the
 * same events however they are chunked.
 */
import type { InspectorEvent, Side } from './events.js';
import { BodyFramer, requestBodyLength, responseBodyLength } from './http-body.js';
import { DirectionInspector } from './direction.js';
import { HeadReader } from './head-reader.js';
import { hasToken, headerValue, replaceHostHeader, type HttpRequestHead, type HttpResponseHead } from './http-head.js';
import { Session, type SessionOptions } from './session.js';
import { RefusalBody } from './refusal-body.js';
import { HoldingDirection, MAX_HELD_MESSAGE, type HeldMessage, type HoldPredicate } from './hold.js';
import { isControl } from './opcodes.js';
import type { ReleaseAction } from './events.js';

export interface ConnectionOptions extends SessionOptions {
  /** Rewrite the Host header of each request head to this authority in what is forwarded (the reverse proxy). */
  hostRewrite?: string;
  /**
   * The forward proxy's rewrite of each request head (absolute-form target to
   * origin-form, proxy headers dropped), or null when the request cannot go to
   * this connection's upstream (it names another host): then nothing more the
   * client sends is forwarded, and `refusedRequest` says why.
   */
  rewriteRequest?: (head: HttpRequestHead) => Uint8Array | null;
  /**
   * --strict: when the handshake broke a rule, nothing after the 101 is read
   * or forwarded (the relay closes both sides with 1002 instead).
   */
  strict?: boolean;
  /** --intercept: consulted at each message boundary (see hold.ts). */
  intercept?: InterceptHooks;
  /**
   * Keep the response head of the upgrade for `upgradeResponse` (the client
   * reports it). A proxy does without: ~1 KB (its headers, its text) for as
   * long as each of its many connections lasts.
   */
  keepUpgradeResponse?: boolean;
}

export interface InterceptHooks {
  /** Intercepting now: the next messages are gathered whole and matched. */
  active(): boolean;
  matches: HoldPredicate;
  nextId(): number;
}

export interface Output {
  events: InspectorEvent[];
  /** The bytes to pass on to the other side, in order. */
  forward: Uint8Array[];
}

/** What a direction's next bytes are: an HTTP head, a body, WebSocket frames, or bytes only forwarded. */
type Mode = 'head' | 'body' | 'frames' | 'raw';

interface PendingRequest {
  method: string;
  path: string;
  upgrade: boolean;
}

const NOTHING = new Uint8Array(0);
const NO_FRAMES: readonly Uint8Array[] = Object.freeze([]);
/** Bytes of injected frames that may wait for a message boundary, per direction. */
export const MAX_WAITING_INJECTIONS = 4 * 1024 * 1024;

export class Connection {
  private readonly session: Session;
  private readonly modes: Record<Side, Mode> = { client: 'head', server: 'head' };
  /** Made when a head is read, let go once the connection is WebSocket frames both ways (connections are many). */
  private requestHeads: HeadReader<'request'> | null = null;
  private responseHeadReader: HeadReader<'response'> | null = null;
  private readonly bodies: Record<Side, BodyFramer | null> = { client: null, server: null };
  private readonly queue: PendingRequest[] = [];
  /** What the call under way produced: made by its first output, let go by takeOut (see there). */
  private out: Output | null = null;
  private inspectionFailed = false;
  /** Sides whose stream has a gap (see lost): nothing more of them is read. */
  private readonly gaps: Record<Side, boolean> = { client: false, server: false };
  private upgradeHead: HttpResponseHead | null = null;
  private refusal: RefusalBody | null = null;
  private headsRead = 0;
  private errorSeen = false;
  private malformed: string | null = null;
  /** Checks the frames the relay injects, apart from the peers' own streams (never inside their frames). */
  private injectedInspectors: Partial<Record<Side, DirectionInspector>> | null = null;
  /**
   * Injected frames waiting for the next message boundary of their direction
   * (control frames: the next frame boundary). Replaced, never changed in place:
   * until a frame waits, both sides share NO_FRAMES (connections are many, injections rare).
   */
  private readonly waiting: Record<Side, readonly Uint8Array[]> = { client: NO_FRAMES, server: NO_FRAMES };
  /** Directions being intercepted (from a message boundary on, while --intercept is active or anything waits); made with the first. */
  private holds: Partial<Record<Side, HoldingDirection>> | null = null;

  constructor(private readonly options: ConnectionOptions = {}) {
    this.session = new Session(options);
  }

  get upgraded(): boolean {
    return this.session.upgraded;
  }

  get upgradeResponse(): HttpResponseHead | null {
    return this.upgradeHead;
  }

  get refusalBody(): RefusalBody | null {
    return this.refusal;
  }

  get awaitingResponse(): boolean {
    return this.queue.length > 0 && this.modes.server === 'head';
  }

  get headError(): string | null {
    return this.malformed;
  }

  get violated(): boolean {
    return this.errorSeen;
  }

  get responseHeads(): number {
    return this.headsRead;
  }

  /** Set when `rewriteRequest` turned a request away: the relay should close the connection. */
  refusedRequest: string | null = null;

  push(side: Side, bytes: Uint8Array): Output {
    if (side === 'client' && this.refusedRequest) return this.takeOut();
    if (this.gaps[side]) return this.takeOut();
    let data = bytes;
    while (data.length > 0) {
      const mode = this.modes[side];
      if (mode === 'head') data = side === 'client' ? this.requestHead(data) : this.responseHead(data);
      else if (mode === 'body') data = this.body(side, data);
      else {
        if (mode === 'frames') this.frames(side, data);
        else this.forward(data);
        break;
      }
    }
    return this.takeOut();
  }

  end(side: Side): InspectorEvent[] {
    if (side === 'server' && this.refusal) this.refusal.complete = true;
    this.session.end(side);
    return [];
  }

  /**
   * `side`'s bytes from stream offset `offset` on were never seen (a capture
   * lost a segment): `missing` of them when known, 0 when not. Bytes after a
   * gap cannot be decoded, only guessed at, so that direction ends here: what
   * a frame cut short already showed, then an `undecodable` event saying
   * where; later bytes of that side are ignored.
   */
  lost(side: Side, offset: number, missing = 0): InspectorEvent[] {
    if (this.gaps[side]) return [];
    this.gaps[side] = true;
    const what = missing > 0 ? `${missing} bytes` : 'bytes';
    const message = `the ${side}'s stream has a gap: ${what} at byte ${offset} were never seen; the rest of it is not decoded`;
    return [...this.session.lose(side), { type: 'undecodable', from: side, message }];
  }

  finish(durationMs: number): InspectorEvent[] {
    return this.session.finish(durationMs);
  }

  relayOnly(): void {
    this.modes.client = 'raw';
    this.modes.server = 'raw';
  }

  endedByProxy(reason: string): void {
    this.session.endedByProxy(reason);
  }

  canInject(from: Side): boolean {
    return this.modes[from] === 'frames' && this.session.atMessageBoundary(from);
  }

  injectRefusal(from: Side, bytes = 0): string | null {
    if (this.modes[from] !== 'frames' || !this.session.upgraded) return 'the WebSocket connection is not open';
    if (this.session.lost(from)) return `the framing of the ${from}'s stream is lost, so no frame can be placed in it`;
    const waitingBytes = this.waiting[from].reduce((sum, frame) => sum + frame.length, 0);
    if (waitingBytes + bytes > MAX_WAITING_INJECTIONS) {
      return `${waitingBytes} bytes of injected frames already wait for the ${from}'s message to end`;
    }
    return null;
  }

  /** The caller checked injectRefusal first (a refused frame throws: that is a bug, not the peers' doing). */
  inject(from: Side, frame: Uint8Array): Output {
    const refusal = this.injectRefusal(from, frame.length);
    if (refusal) throw new Error(`cannot inject: ${refusal}`);
    const hold = this.holds?.[from];
    if (hold) {
      hold.inject(frame);
      return this.takeOut();
    }
    this.waiting[from] = [...this.waiting[from], frame];
    if (this.canInject(from)) this.releaseWaiting(from);
    else if (this.session.atFrameBoundary(from)) this.releaseWaiting(from, 'control');
    return this.takeOut();
  }

  held(): HeldMessage[] {
    return [...(this.holds?.client?.held() ?? []), ...(this.holds?.server?.held() ?? [])];
  }

  /** Releases held message `id` (see HoldingDirection.release); null when it is not held here. */
  release(id: number, action: ReleaseAction, edit: { kind: 'text' | 'binary'; payload: Uint8Array } | null, maskKey: Uint8Array): Output | null {
    for (const hold of [this.holds?.client, this.holds?.server]) if (hold?.release(id, action, edit, maskKey)) return this.takeOut();
    return null;
  }

  holding(from: Side): boolean {
    return this.holds?.[from]?.holding ?? false;
  }

  holdBacklog(from: Side): number {
    return this.holds?.[from]?.backlog ?? 0;
  }

  /** Frames injected into `from`'s stream still waiting for its message to end. */
  waitingInjections(from: Side): number {
    return this.waiting[from].length;
  }

  // ---- frames -------------------------------------------------------------

  /**
   * A side's bytes after the upgrade; waiting injections go in at the first
   * message boundary, and from a boundary on an intercepted direction is read
   * by its HoldingDirection.
   */
  private frames(side: Side, data: Uint8Array): void {
    let rest = data;
    while (!this.inspectionFailed) {
      const hold = this.holdFor(side);
      if (hold) {
        this.inspect(() => {
          hold.push(rest);
          return [];
        });
        return;
      }
      if (this.waiting[side].length === 0 && !this.intercepting) break;
      const controlWaits = this.waiting[side].some(isControlFrame);
      if (this.canInject(side)) {
        this.releaseWaiting(side);
        if (!this.intercepting) break;
      } else if (controlWaits && this.session.atFrameBoundary(side)) {
        this.releaseWaiting(side, 'control');
      } else if (rest.length > 0) {
        let consumed = rest.length;
        this.inspect(() => {
          // Read up to where the waiting frames may go: the end of the frame for a control frame, else of the message.
          const result = this.session.dataToBoundary(side, rest, controlWaits ? 'frame' : 'message');
          consumed = result.consumed;
          return result.events;
        });
        this.forward(rest.subarray(0, consumed));
        rest = rest.subarray(consumed);
      } else break;
    }
    if (rest.length === 0) return;
    this.forward(rest);
    this.inspect(() => this.session.data(side, rest));
  }

  /** Puts the waiting injected frames (or only the control frames among them) into `from`'s stream, in order. */
  private releaseWaiting(from: Side, which: 'all' | 'control' = 'all'): void {
    const still: Uint8Array[] = [];
    for (const frame of this.waiting[from]) {
      if (which === 'control' && !isControlFrame(frame)) {
        still.push(frame);
        continue;
      }
      for (const event of this.injectedEvents(from, frame)) this.emit(event);
      this.forward(frame);
    }
    this.waiting[from] = still.length > 0 ? still : NO_FRAMES;
  }

  /** A frame the relay puts on the wire, checked apart from the peer's own frames: its events, marked injected. */
  private injectedEvents(from: Side, frame: Uint8Array): InspectorEvent[] {
    const inspector = ((this.injectedInspectors ??= {})[from] ??= new DirectionInspector({ ...this.options, side: from }));
    const events = inspector.push(frame);
    for (const event of events) if (event.type === 'frame' || event.type === 'message') event.injected = true;
    return events;
  }

  private get intercepting(): boolean {
    return this.options.intercept?.active() ?? false;
  }

  /** The direction's HoldingDirection: made at a message boundary while intercepting, let go once idle and not. */
  private holdFor(side: Side): HoldingDirection | null {
    const hook = this.options.intercept;
    const existing = this.holds?.[side];
    if (existing) {
      if (!existing.idle || this.intercepting) return existing;
      delete this.holds![side];
      this.session.keepWhole(side, 0);
      return null;
    }
    if (!hook || !hook.active() || !this.canInject(side) || this.waiting[side].length > 0) return null;
    this.session.keepWhole(side, MAX_HELD_MESSAGE);
    return ((this.holds ??= {})[side] = new HoldingDirection(side, this.session, (message, violations) => hook.matches(message, violations), {
      forward: (bytes) => this.forward(bytes),
      emit: (event) => this.emit(event),
      injected: (frame) => this.injectedEvents(side, frame),
      nextId: () => hook.nextId(),
    }));
  }

  // ---- HTTP ---------------------------------------------------------------

  private requestHead(data: Uint8Array): Uint8Array {
    const read = (this.requestHeads ??= new HeadReader('request')).push(data);
    if (read === null) return NOTHING;
    const { result, received } = read;
    if (!result.ok) {
      this.malformed = result.error;
      this.emit({ type: 'error', message: `client sent a malformed request head: ${result.error}` });
      this.modes.client = 'raw';
      this.forward(received);
      return NOTHING;
    }
    const head = result.head;
    const rewritten = this.rewrite(head, received.subarray(0, received.length - result.rest.length));
    if (rewritten === null) {
      this.refusedRequest = `the client asked for ${head.target} on a connection to another host`;
      this.emit({ type: 'error', message: `${this.refusedRequest}; closing it (clients retry on a new connection)` });
      return NOTHING;
    }
    this.forward(rewritten);
    const upgrade = isUpgradeRequest(head);
    this.queue.push({ method: head.method, path: head.target, upgrade });
    if (upgrade) {
      this.inspect(() => this.session.request(head));
      this.modes.client = 'frames'; // whatever follows an Upgrade request can only be frames
      return result.rest;
    }
    return this.startBody('client', requestBodyLength(head), result.rest);
  }

  /** The request head as it goes on: as received, or rewritten for the upstream. */
  private rewrite(head: HttpRequestHead, received: Uint8Array): Uint8Array | null {
    if (this.options.rewriteRequest) return this.options.rewriteRequest(head);
    const host = this.options.hostRewrite;
    return host === undefined ? received : replaceHostHeader(head.raw, head, host);
  }

  private responseHead(data: Uint8Array): Uint8Array {
    if (this.queue.length === 0) {
      // The server spoke without being asked: nothing to match it with, so just relay.
      this.modes.server = 'raw';
      return data;
    }
    const read = (this.responseHeadReader ??= new HeadReader('response')).push(data);
    if (read === null) return NOTHING;
    const { result, received } = read;
    this.headsRead++;
    if (!result.ok) {
      this.malformed = result.error;
      this.emit({ type: 'error', message: `upstream sent a malformed response head: ${result.error}` });
      this.stopFollowing(null, received);
      return NOTHING;
    }
    const head = result.head;
    this.forward(received.subarray(0, received.length - result.rest.length));
    if (head.status >= 100 && head.status < 200 && head.status !== 101) return result.rest; // interim: the answer follows
    const request = this.queue.shift()!;
    if (request.upgrade) {
      if (this.options.keepUpgradeResponse) this.upgradeHead = head;
      this.inspect(() => this.session.response(head));
      if (this.session.upgraded) {
        this.modes.server = 'frames';
        this.requestHeads = this.responseHeadReader = null; // no HTTP head comes again
        if (!this.options.strict || !this.errorSeen) return result.rest;
        this.relayOnly();
        return NOTHING;
      }
      this.modes.client = 'raw'; // the upgrade was refused; what the client sent after it is not HTTP we can follow
      this.refusal = new RefusalBody();
    } else {
      this.emit({ type: 'http', method: request.method, path: request.path, status: head.status });
    }
    return this.startBody('server', responseBodyLength(head, request.method), result.rest);
  }

  private startBody(side: Side, length: ReturnType<typeof requestBodyLength>, rest: Uint8Array): Uint8Array {
    if ('error' in length) {
      if (side === 'server' && this.refusal) this.refusal.complete = true;
      this.stopFollowing(`${bodyOf(side)}: ${length.error}`, rest);
      return NOTHING;
    }
    const framer = new BodyFramer(length);
    this.bodies[side] = framer;
    this.modes[side] = framer.done ? 'head' : 'body';
    if (side === 'server' && framer.done && this.refusal) this.refusal.complete = true;
    return rest;
  }

  private body(side: Side, data: Uint8Array): Uint8Array {
    // Only the refused upgrade's own body is kept: what a person debugging the server reads.
    const refusal = side === 'server' && this.refusal && !this.refusal.complete ? this.refusal : null;
    const result = this.bodies[side]!.push(data, refusal?.add);
    if ('error' in result) {
      if (refusal) refusal.complete = true;
      this.stopFollowing(`${bodyOf(side)}: ${result.error}`, data);
      return NOTHING;
    }
    this.forward(data.subarray(0, result.consumed));
    if (result.done && refusal) refusal.complete = true;
    if (result.done) this.modes[side] = 'head';
    return data.subarray(result.consumed);
  }

  /** Stops following HTTP both ways (frames go on being read); `data` and what follows it is only relayed. */
  private stopFollowing(reason: string | null, data: Uint8Array): void {
    if (reason) this.emit({ type: 'error', message: `cannot follow the HTTP exchange any more (${reason}); relaying bytes unchanged` });
    for (const s of ['client', 'server'] as const) if (this.modes[s] !== 'frames') this.modes[s] = 'raw';
    this.forward(data);
  }

  // ---- output -------------------------------------------------------------

  /**
   * What this call produced, let go of. Made by the call's first output, never
   * ahead of time: an Output waiting for the next call would be promoted to V8's
   * old generation on an idle connection, and then keep alive, scavenge after
   * scavenge, every young chunk and event the next call put in it (see
   * DirectionInspector.takeOut).
   */
  private takeOut(): Output {
    const out = this.out ?? { events: [], forward: [] };
    this.out = null;
    return out;
  }

  private output(): Output {
    return (this.out ??= { events: [], forward: [] });
  }

  private forward(bytes: Uint8Array): void {
    if (bytes.length > 0) this.output().forward.push(bytes);
  }

  private emit(event: InspectorEvent): void {
    this.output().events.push(event);
  }

  /**
   * Runs the WebSocket inspector. Should it ever fail (a bug, never the
   * peer's doing), this connection goes on relaying uninspected and says so.
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
    for (const event of events) if (event.type === 'violation' && event.severity === 'error') this.errorSeen = true;
    const out = this.output();
    if (out.events.length === 0) out.events = events;
    else for (const event of events) out.events.push(event);
  }
}

/** A WebSocket opening handshake: Upgrade: websocket, or at least a Sec-WebSocket-Key. */
function isUpgradeRequest(head: HttpRequestHead): boolean {
  return hasToken(head.headers, 'upgrade', 'websocket') || headerValue(head.headers, 'sec-websocket-key') !== null;
}

function bodyOf(side: Side): string {
  return side === 'client' ? 'request body' : 'response body';
}

/** A frame with a control opcode (0x8-0xF: close, ping, pong or reserved) by its first byte. */
function isControlFrame(frame: Uint8Array): boolean {
  return frame.length > 0 && isControl(frame[0]! & 0x0f);
}
