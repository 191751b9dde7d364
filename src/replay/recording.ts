/**
 * One recorded WebSocket connection, taken from a capture's events (whatever
 * `read` reads): where it went, the handshake headers a replay repeats, and
 * the messages of each side with their times and whether their payloads are
 * whole, and how the client closed. Pure: events in, a Recording out.
 */
import type { Header, Side, WireEvent } from '../inspector/events.js';

export interface RecordedMessage {
  kind: 'text' | 'binary';
  payload: Buffer;
  /** Only a prefix was recorded (an NDJSON preview). */
  truncated: boolean;
  ts: number;
}

export interface Recording {
  conn: number;
  /** The recorded upstream with the request's path: ws://host:port/path. */
  url: string | null;
  /** Request headers a replay sends as recorded (Origin, Cookie, Authorization, subprotocols, the extension offer). */
  headers: Header[];
  messages: Record<Side, RecordedMessage[]>;
  /** The client's close frame as recorded (code null: it had no payload), or null when the client sent none. */
  close: { code: number | null; reason: string } | null;
}

/** Request headers repeated as recorded; the key is fresh, Host follows the target. */
const REPEATED = ['origin', 'cookie', 'authorization', 'sec-websocket-protocol', 'sec-websocket-extensions'];

/** Picks connection `conn` (or the first WebSocket connection) out of `events`; null when there is none. */
export function recordingOf(events: WireEvent[], conn?: number): Recording | null {
  const chosen = conn ?? events.find((event) => event.type === 'handshake-request')?.conn;
  if (chosen === undefined) return null;
  const mine = events.filter((event) => event.conn === chosen);
  const request = mine.find((event) => event.type === 'handshake-request');
  if (!request || request.type !== 'handshake-request') return null;
  const opened = mine.find((event) => event.type === 'connection');
  const recording: Recording = {
    conn: chosen,
    url: opened?.type === 'connection' ? withPath(opened.upstream, request.path) : null,
    headers: request.headers.filter(([name]) => REPEATED.includes(name.toLowerCase())),
    messages: { client: [], server: [] },
    close: null,
  };
  for (const event of mine) {
    if (event.type === 'frame' && event.from === 'client' && event.close && !event.injected) recording.close ??= { code: event.close.code, reason: event.close.reason };
    if (event.type !== 'message' || event.injected) continue;
    const payload = event.kind === 'text' ? Buffer.from(event.text ?? '') : Buffer.from(event.base64 ?? '', 'base64');
    recording.messages[event.from].push({ kind: event.kind, payload, truncated: event.truncated, ts: event.ts });
  }
  return recording;
}

function withPath(upstream: string, path: string): string | null {
  try {
    return new URL(path, upstream).href.replace(/^http/, 'ws');
  } catch {
    return null;
  }
}
