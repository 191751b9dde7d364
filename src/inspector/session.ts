/**
 * The WebSocket part of a connection: the handshake checks, then one
 * DirectionInspector per side configured by what was negotiated, the closing
 * handshake across both sides, and the summary at the end. Connection
 * (connection.ts) drives it with the heads it parsed and the bytes after them.
 */
import type { ConnectionEndEvent, InspectorEvent, Side } from './events.js';
import { DirectionInspector, type Boundary } from './direction.js';
import { checkRequest, checkResponse } from './handshake-check.js';
import type { HttpRequestHead, HttpResponseHead } from './http-head.js';
import { violation } from './events.js';

export interface SessionOptions {
  previewBytes?: number;
  /** Data frames get a `payloadHead` (for the pretty view). */
  payloadHeads?: boolean;
  maxInflate?: number;
}

/** Client bytes that arrive before the 101 are held (they can only be frames) up to this many. */
const EARLY_CLIENT_BYTES = 1024 * 1024;
const SIDES = ['client', 'server'] as const;

export class Session {
  private requestHead: HttpRequestHead | null = null;
  private inspectors: Record<Side, DirectionInspector> | null = null;
  private early: Buffer[] | null = null;
  private earlyLength = 0;
  /** The client sent more before the 101 than is held: its frames cannot be followed. */
  private earlyOverflow = false;
  private proxyEnded: string | null = null;
  private readonly endedSides: Side[] = [];
  private firstClose: Side | null = null;
  /** Sides whose stream has a gap (see lose). */
  private readonly gaps: Record<Side, boolean> = { client: false, server: false };

  constructor(private readonly options: SessionOptions = {}) {}

  /** True once a 101 switched the connection to WebSocket frames. */
  get upgraded(): boolean {
    return this.inspectors !== null;
  }

  request(head: HttpRequestHead): InspectorEvent[] {
    this.requestHead = head;
    const { event, violations } = checkRequest(head);
    return [event, ...violations];
  }

  response(head: HttpResponseHead): InspectorEvent[] {
    const { event, violations, negotiated } = checkResponse(this.requestHead, head);
    this.requestHead = null; // its checks are done; connections are many
    const events: InspectorEvent[] = [event, ...violations];
    if (!negotiated) return events;
    const common = {
      previewBytes: this.options.previewBytes,
      payloadHeads: this.options.payloadHeads,
      maxInflate: this.options.maxInflate,
      rsvDefinedByExtension: negotiated.unknownExtension,
    };
    const deflate = negotiated.deflate;
    this.inspectors = {
      client: new DirectionInspector({
        ...common,
        side: 'client',
        deflate: deflate && { noContextTakeover: deflate.clientNoContextTakeover },
      }),
      server: new DirectionInspector({
        ...common,
        side: 'server',
        deflate: deflate && { noContextTakeover: deflate.serverNoContextTakeover },
      }),
    };
    for (const chunk of this.early ?? []) events.push(...this.data('client', chunk));
    this.early = null;
    if (this.earlyOverflow) {
      const mib = EARLY_CLIENT_BYTES / (1024 * 1024);
      events.push(...this.inspectors.client.abandon(`sent more than ${mib} MiB before the 101, more than is held for decoding`));
    }
    // A client whose stream had a gap before the 101: its frames up to the gap are read, none after.
    for (const side of SIDES) if (this.gaps[side]) events.push(...this.inspectors[side].stop());
    return events;
  }

  /** Bytes a side sent after its head. */
  data(side: Side, chunk: Uint8Array): InspectorEvent[] {
    if (!this.inspectors) {
      if (side === 'client') this.holdEarly(chunk);
      return [];
    }
    const inspector = this.inspectors[side];
    const events = inspector.push(chunk);
    if (!this.firstClose && inspector.closeSent) this.firstClose = side;
    return events;
  }

  /** Bytes a side sent, up to the first message boundary they reach (see DirectionInspector.pushToBoundary). */
  dataToBoundary(side: Side, chunk: Uint8Array, until: Boundary = 'message'): { consumed: number; events: InspectorEvent[] } {
    const inspector = this.inspectors![side];
    const result = inspector.pushToBoundary(chunk, until);
    if (!this.firstClose && inspector.closeSent) this.firstClose = side;
    return result;
  }

  atFrameBoundary(side: Side): boolean {
    return this.inspectors !== null && this.inspectors[side].atFrameBoundary;
  }

  /** Keep whole payloads of `side`'s messages up to `bytes` (for interception); see takePayload. */
  keepWhole(side: Side, bytes: number): void {
    this.inspectors![side].keepWhole = bytes;
  }

  takePayload(side: Side): Buffer | null {
    return this.inspectors![side].takePayload();
  }

  sharesContext(side: Side): boolean {
    return this.inspectors !== null && this.inspectors[side].sharesContext;
  }

  /** The side's framing is lost: nobody can tell where its frames begin. */
  lost(side: Side): boolean {
    return this.inspectors !== null && this.inspectors[side].lost;
  }

  /** `side`'s stream has a gap (bytes never seen): what its frame cut short showed, then nothing more of it is decoded. */
  lose(side: Side): InspectorEvent[] {
    this.gaps[side] = true;
    return this.inspectors ? this.inspectors[side].stop() : [];
  }

  /** The side's TCP stream ended (FIN or reset). */
  end(side: Side): void {
    if (!this.endedSides.includes(side)) this.endedSides.push(side);
  }

  /** True when a frame could be inserted into `side`'s stream now without breaking a frame or a message. */
  atMessageBoundary(side: Side): boolean {
    return this.inspectors !== null && this.inspectors[side].atMessageBoundary;
  }

  /** The relay ended the connection itself, for `reason`: the missing closing handshake is nobody's fault. */
  endedByProxy(reason: string): void {
    this.proxyEnded ??= reason;
  }

  /** The connection is over: the abnormal-closure verdict, if any, then the summary. */
  finish(durationMs: number): InspectorEvent[] {
    const events: InspectorEvent[] = [];
    const inspectors = this.inspectors;
    const clean = Boolean(inspectors?.client.closeSent && inspectors.server.closeSent);
    if (inspectors && this.proxyEnded === null) {
      // Where a side with a gap stopped says nothing about how the connection ended.
      const brokeMidFrame = SIDES.some((side) => !this.gaps[side] && !inspectors[side].atFrameBoundary);
      if (!clean || brokeMidFrame) {
        const from = this.endedSides[0] ?? null;
        const why = brokeMidFrame ? 'in the middle of a frame' : 'before both close frames were seen';
        events.push(violation('abnormal-closure', from, `the TCP connection ended ${why} (close code 1006)`));
      }
    }
    const first = this.firstClose && inspectors ? inspectors[this.firstClose].closeSent : null;
    const end: ConnectionEndEvent = {
      type: 'connection-end',
      clean,
      closeCode: first?.code ?? null,
      by: this.firstClose,
      durationMs,
      stats: {
        client: { ...(inspectors?.client.stats ?? { frames: 0, messages: 0, wireBytes: 0 }) },
        server: { ...(inspectors?.server.stats ?? { frames: 0, messages: 0, wireBytes: 0 }) },
      },
    };
    if (clean && this.firstClose) end.replyCode = inspectors![this.firstClose === 'client' ? 'server' : 'client'].closeSent!.code;
    if (this.proxyEnded !== null) end.endedByProxy = this.proxyEnded;
    events.push(end);
    return events;
  }

  /** Past the hold, nothing more is kept: a later, smaller chunk would leave a gap that decodes as garbage. */
  private holdEarly(chunk: Uint8Array): void {
    if (this.earlyOverflow) return;
    if (this.earlyLength + chunk.length > EARLY_CLIENT_BYTES) {
      this.earlyOverflow = true;
      return;
    }
    (this.early ??= []).push(Buffer.from(chunk));
    this.earlyLength += chunk.length;
  }
}
