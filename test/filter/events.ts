/** Small stamped events for the filter tests. */
import type { WireEvent } from '../../src/inspector/events.js';
import type { RuleId } from '../../src/inspector/rules.js';

type Of<T extends WireEvent['type']> = Extract<WireEvent, { type: T }>;

export function connection(conn: number, upstream = 'ws://127.0.0.1:9000/'): Of<'connection'> {
  return { type: 'connection', conn, ts: 0, client: '127.0.0.1:5000', upstream };
}

export function frame(conn: number, from: 'client' | 'server', opcode: number, payloadLength = 5, extra: Partial<Of<'frame'>> = {}): Of<'frame'> {
  const names = ['continuation', 'text', 'binary', 'reserved', 'reserved', 'reserved', 'reserved', 'reserved', 'close', 'ping', 'pong'] as const;
  return {
    type: 'frame', conn, ts: 0, from, fin: true, rsv1: false, rsv2: false, rsv3: false, opcode,
    opcodeName: names[opcode] ?? 'reserved', masked: from === 'client', maskKey: from === 'client' ? '01020304' : null,
    payloadLength, headerLength: 2, wireLength: 2 + payloadLength, offset: 0, lengthBits: 7, ...extra,
  };
}

export function text(conn: number, from: 'client' | 'server', content: string): Of<'message'> {
  return { type: 'message', conn, ts: 0, from, kind: 'text', frames: 1, compressed: false, wireBytes: content.length + 2, size: content.length, text: content, truncated: false };
}

export function binary(conn: number, from: 'client' | 'server', bytes: number[]): Of<'message'> {
  return { type: 'message', conn, ts: 0, from, kind: 'binary', frames: 1, compressed: false, wireBytes: bytes.length + 2, size: bytes.length, base64: Buffer.from(bytes).toString('base64'), truncated: false };
}

export function violation(conn: number, rule: RuleId, from: 'client' | 'server' | null = 'client'): Of<'violation'> {
  return { type: 'violation', conn, ts: 0, from, rule, severity: 'error', section: 'RFC6455 5.1', message: 'bad' };
}

export function handshake(conn: number): Of<'handshake-request'> {
  return { type: 'handshake-request', conn, ts: 0, method: 'GET', path: '/', httpVersion: '1.1', headers: [], key: null };
}

export function end(conn: number): Of<'connection-end'> {
  const side = { frames: 0, messages: 0, wireBytes: 0 };
  return { type: 'connection-end', conn, ts: 0, clean: true, closeCode: 1000, by: 'client', durationMs: 1, stats: { client: side, server: side } };
}

export function http(conn: number): Of<'http'> {
  return { type: 'http', conn, ts: 0, method: 'GET', path: '/', status: 200 };
}
