/**
 * What a user asks to send into a live connection (the body of
 * `POST /api/connections/:conn/send`, also built by `wsinspect send`), checked,
 * and the frame it becomes. Pure: the masking key is an input.
 *
 * Frames toward the server are masked (a client must mask), toward the client
 * not. Data messages go in one uncompressed frame (RSV1 clear), which RFC 7692
 * allows on a permessage-deflate connection, so neither side's inflate
 * context is touched. `raw` is the user's own frame, any bits, sent as it is.
 */
import type { Side } from '../inspector/events.js';
import { closePayload, encodeFrame } from '../inspector/frame-encoder.js';
import { OP_BINARY, OP_CLOSE, OP_PING, OP_PONG, OP_TEXT } from '../inspector/opcodes.js';

export const SEND_TYPES = ['text', 'binary', 'ping', 'pong', 'close', 'raw'] as const;
export type SendType = (typeof SEND_TYPES)[number];

export interface SendRequest {
  to: Side;
  type: SendType;
  /** text; ping/pong payload as text. */
  text?: string;
  /** binary, raw (the whole frame); ping/pong payload as bytes. */
  base64?: string;
  /** close: the status code (omitted: an empty close payload). */
  code?: number;
  reason?: string;
}

/** A message too large to be a sensible injection (the API reads bodies up to about this much). */
export const MAX_SEND_BYTES = 16 * 1024 * 1024;

/** The request checked and its payload decoded, or one sentence saying what is wrong with it. */
export function parseSendRequest(body: unknown): { request: SendRequest; payload: Buffer } | { error: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { error: 'the body must be a JSON object' };
  const b = body as Record<string, unknown>;
  if (b.to !== 'server' && b.to !== 'client') return { error: 'to must be "server" or "client"' };
  if (!SEND_TYPES.includes(b.type as SendType)) return { error: `type must be one of ${SEND_TYPES.join(', ')}` };
  const type = b.type as SendType;
  for (const key of ['text', 'base64', 'reason'] as const) {
    if (b[key] !== undefined && typeof b[key] !== 'string') return { error: `${key} must be a string` };
  }
  if (b.text !== undefined && b.base64 !== undefined) return { error: 'give text or base64, not both' };
  const request: SendRequest = { to: b.to, type, text: b.text as string | undefined, base64: b.base64 as string | undefined };

  if (type === 'close') {
    if (b.code === undefined) {
      if (b.reason !== undefined) return { error: 'a close reason needs a code' };
      return { request, payload: Buffer.alloc(0) };
    }
    if (!Number.isInteger(b.code) || (b.code as number) < 0 || (b.code as number) > 65535) return { error: 'code must be an integer from 0 to 65535' };
    request.code = b.code as number;
    request.reason = (b.reason as string | undefined) ?? '';
    const payload = closePayload(request.code, request.reason);
    if (payload.length > 125) return { error: `the close payload would be ${payload.length} bytes; a close frame carries at most 125` };
    return { request, payload };
  }

  let payload: Buffer;
  if (request.base64 !== undefined) {
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(request.base64) || request.base64.length % 4 === 1) return { error: 'base64 is not valid base64' };
    payload = Buffer.from(request.base64, 'base64');
  } else payload = Buffer.from(request.text ?? '');
  if (type === 'text' && request.text === undefined) return { error: 'a text message needs text' };
  if ((type === 'binary' || type === 'raw') && request.base64 === undefined) return { error: `a ${type} send needs base64` };
  if ((type === 'ping' || type === 'pong') && payload.length > 125) return { error: `a ${type} payload is at most 125 bytes (this one is ${payload.length})` };
  if (type === 'raw' && payload.length < 2) return { error: 'a raw frame is at least 2 bytes' };
  if (payload.length > MAX_SEND_BYTES) return { error: `at most ${MAX_SEND_BYTES} bytes can be sent at once` };
  return { request, payload };
}

const OPCODES: Record<Exclude<SendType, 'raw'>, number> = { text: OP_TEXT, binary: OP_BINARY, ping: OP_PING, pong: OP_PONG, close: OP_CLOSE };

/** The stream the frame goes into: toward the server it is the client's. */
export function senderFor(to: Side): Side {
  return to === 'server' ? 'client' : 'server';
}

/** The frame on the wire: one final frame, masked with `maskKey` toward the server; `raw` as given. */
export function frameFor(type: SendType, to: Side, payload: Uint8Array, maskKey: Uint8Array): Buffer {
  if (type === 'raw') return Buffer.from(payload);
  return encodeFrame({ opcode: OPCODES[type], payload, maskKey: to === 'server' ? maskKey : null });
}
