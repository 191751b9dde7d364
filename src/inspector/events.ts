/**
 * The events the inspector produces: exactly the NDJSON schema of the contract
 * (shared/contract.md), minus `conn` and `ts`, which the I/O layer stamps on
 * (the core has no clock and no notion of which connection it is).
 */
import { RULES, type RuleId, type Severity } from './rules.js';

export type Side = 'client' | 'server';
export type Header = [name: string, value: string];

export interface ConnectionEvent {
  type: 'connection';
  client: string;
  upstream: string;
  /**
   * Extra, forward mode: a CONNECT tunnel relayed untouched and not inspected,
   * and why: its bytes are neither TLS nor HTTP ("opaque"), TLS to a
   * --tls-passthrough host ("tls-passthrough"), or an --ignore-hosts host ("ignored").
   */
  tunnel?: TunnelKind;
}

export type TunnelKind = 'opaque' | 'tls-passthrough' | 'ignored';

export interface HandshakeRequestEvent {
  type: 'handshake-request';
  method: string;
  path: string;
  httpVersion: string;
  headers: Header[];
  key: string | null;
}

/** One entry of Sec-WebSocket-Extensions; a parameter without a value is `true`. */
export interface ExtensionOffer {
  name: string;
  params: Record<string, string | true>;
}

export interface HandshakeResponseEvent {
  type: 'handshake-response';
  status: number;
  reason: string;
  headers: Header[];
  accept: { expected: string | null; actual: string | null; valid: boolean };
  subprotocol: string | null;
  extensions: ExtensionOffer[];
  ok: boolean;
  /**
   * Added by the client commands when the upgrade was refused: the start of
   * the response body as UTF-8 text (at most 4 KiB read), and its size in bytes so far.
   */
  body?: string;
  bodySize?: number;
}

export type OpcodeName = 'continuation' | 'text' | 'binary' | 'close' | 'ping' | 'pong' | 'reserved';

export interface CloseInfo {
  code: number | null;
  codeName: string | null;
  reason: string;
}

export interface FrameEvent {
  type: 'frame';
  from: Side;
  fin: boolean;
  rsv1: boolean;
  rsv2: boolean;
  rsv3: boolean;
  opcode: number;
  opcodeName: OpcodeName;
  masked: boolean;
  maskKey: string | null;
  payloadLength: number;
  headerLength: number;
  wireLength: number;
  /** Extra (allowed by the contract): byte offset of the frame in its direction's stream. */
  offset: number;
  /** Extra: how the length was encoded on the wire: 7, 16 or 64 bits. */
  lengthBits: 7 | 16 | 64;
  /**
   * Extra: up to 32 bytes of the unmasked wire payload, hex, for one-line previews.
   * Always on control frames; on data frames when the consumer asked for them.
   */
  payloadHead?: string;
  /** Data frames (contract): the kind of message the frame belongs to; null for a continuation with no message open. */
  messageKind?: 'text' | 'binary' | null;
  /** Data frames (contract): the message it belongs to is compressed (permessage-deflate). */
  compressed?: boolean;
  /** Control frames (contract): the whole unmasked payload in hex (its first 125 bytes when longer). */
  payloadHex?: string;
  /** Contract: wsinspect put this frame on the wire itself. */
  injected?: true;
  close?: CloseInfo;
}

export interface MessageEvent {
  type: 'message';
  from: Side;
  kind: 'text' | 'binary';
  /** null: not known (a message read from a HAR, which keeps messages but not their frames). */
  frames: number | null;
  compressed: boolean | null;
  wireBytes: number | null;
  size: number;
  text?: string;
  base64?: string;
  truncated: boolean;
  /** Contract: wsinspect put this message on the wire itself. */
  injected?: true;
}

export interface ViolationEvent {
  type: 'violation';
  from: Side | null;
  rule: RuleId;
  severity: Severity;
  section: string;
  message: string;
}

export interface HttpEvent {
  type: 'http';
  method: string;
  path: string;
  status: number;
}

export interface UndecodableEvent {
  type: 'undecodable';
  from: Side;
  message: string;
}

export interface ErrorEvent {
  type: 'error';
  message: string;
}

/** null: not known (read from a HAR). */
export interface SideStats {
  frames: number | null;
  messages: number;
  wireBytes: number | null;
}

export interface ConnectionEndEvent {
  type: 'connection-end';
  /** null: not known (a HAR does not record the closing handshake). */
  clean: boolean | null;
  closeCode: number | null;
  by: Side | null;
  durationMs: number;
  stats: { client: SideStats; server: SideStats };
  /** Extra: the code of the close frame that answered (null: none in it), when both were seen. */
  replyCode?: number | null;
  /**
   * Extra: the relay ended the connection itself (it was stopped, or --strict),
   * saying why; no peer is blamed for the missing closing handshake.
   */
  endedByProxy?: string;
}

/** Contract: a data message was intercepted (held before forwarding, see --intercept). */
export interface HeldEvent {
  type: 'held';
  id: number;
  from: Side;
  kind: 'text' | 'binary';
  size: number;
}

export type ReleaseAction = 'forward' | 'edit' | 'drop' | 'timeout';

/** Contract: a held message was let go: forwarded as it was, edited, dropped, or forwarded at its timeout. */
export interface ReleasedEvent {
  type: 'released';
  id: number;
  action: ReleaseAction;
}

/**
 * Contract: `--json-lossy` lost `events` of this connection's events, the
 * first of them stamped `since` (ms since the epoch), because stdout could not
 * keep up. The NDJSON sink makes it; the core never does.
 */
export interface DroppedEvent {
  type: 'dropped';
  events: number;
  since: number;
}

export type InspectorEvent =
  | ConnectionEvent
  | HandshakeRequestEvent
  | HandshakeResponseEvent
  | FrameEvent
  | MessageEvent
  | ViolationEvent
  | HttpEvent
  | UndecodableEvent
  | ErrorEvent
  | HeldEvent
  | ReleasedEvent
  | DroppedEvent
  | ConnectionEndEvent;

/** An event as it leaves the process: stamped with its connection and time. */
export type WireEvent = InspectorEvent & { conn: number; ts: number };

/** A copy of `event` stamped `conn` and `ts`; an event stamped already is renumbered (read's later files). */
export function stamp(event: InspectorEvent, conn: number, ts: number): WireEvent {
  // A decoded frame or message (frame-event.ts, message-event.ts; not imported: the web page shares this file) copies itself.
  if ('stamped' in event) return (event as { stamped(conn: number, ts: number): WireEvent }).stamped(conn, ts);
  // type, conn, ts first: the NDJSON reads better that way; set again after, over a stamp the event had.
  const copy = Object.assign({ type: event.type, conn, ts }, event);
  copy.conn = conn;
  copy.ts = ts;
  return copy;
}

/** A violation of `rule`, with the section and severity the contract gives it. */
export function violation(rule: RuleId, from: Side | null, message: string): ViolationEvent {
  const { section, severity } = RULES[rule];
  return { type: 'violation', from, rule, severity, section, message };
}
