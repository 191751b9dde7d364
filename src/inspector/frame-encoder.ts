/**
 * Builds any frame, valid or deliberately not (like ws's `Sender.frame`): any
 * flags, opcode, masking key and length encoding, even a declared length that
 * differs from the payload. Pure: the mask key is an input, never random here.
 */
import { OP_CLOSE } from './opcodes.js';

export interface FrameSpec {
  opcode: number;
  payload?: Uint8Array | string;
  fin?: boolean;
  rsv1?: boolean;
  rsv2?: boolean;
  rsv3?: boolean;
  /** 4 bytes: mask the payload with this key; omitted: unmasked. */
  maskKey?: Uint8Array | null;
  /** Force a length encoding (a longer one than needed breaks the "minimal" rule on purpose). */
  lengthBits?: 7 | 16 | 64;
  /** Write this length in the header instead of the payload's (for malformed frames); a bigint reaches 2^64-1. */
  declaredLength?: number | bigint;
}

export function encodeFrame(spec: FrameSpec): Buffer {
  const payload = typeof spec.payload === 'string' ? Buffer.from(spec.payload) : (spec.payload ?? new Uint8Array(0));
  const length = BigInt(spec.declaredLength ?? payload.length);
  const bits = spec.lengthBits ?? (length < 126n ? 7 : length < 65536n ? 16 : 64);
  const mask = spec.maskKey ?? null;
  const headerLength = 2 + (bits === 16 ? 2 : bits === 64 ? 8 : 0) + (mask ? 4 : 0);
  const frame = Buffer.allocUnsafe(headerLength + payload.length);
  frame[0] =
    (spec.fin === false ? 0 : 0x80) |
    (spec.rsv1 ? 0x40 : 0) |
    (spec.rsv2 ? 0x20 : 0) |
    (spec.rsv3 ? 0x10 : 0) |
    (spec.opcode & 0x0f);
  const maskBit = mask ? 0x80 : 0;
  let at = 2;
  if (bits === 7) {
    frame[1] = maskBit | Number(length & 0x7fn);
  } else if (bits === 16) {
    frame[1] = maskBit | 126;
    frame.writeUInt16BE(Number(length & 0xffffn), 2);
    at = 4;
  } else {
    frame[1] = maskBit | 127;
    frame.writeBigUInt64BE(BigInt.asUintN(64, length), 2);
    at = 10;
  }
  if (mask) {
    frame.set(mask.subarray(0, 4), at);
    at += 4;
  }
  for (let i = 0; i < payload.length; i++) frame[at + i] = payload[i]! ^ (mask ? mask[i & 3]! : 0);
  return frame;
}

/** A close frame's payload: the code in network byte order, then the UTF-8 reason. */
export function closePayload(code: number, reason = ''): Buffer {
  const text = Buffer.from(reason);
  const payload = Buffer.allocUnsafe(2 + text.length);
  payload.writeUInt16BE(code, 0);
  text.copy(payload, 2);
  return payload;
}

/** A close frame with `code` (1002 for --strict), masked when a key is given (a client must mask). */
export function encodeClose(code: number, reason = '', maskKey: Uint8Array | null = null): Buffer {
  return encodeFrame({ opcode: OP_CLOSE, payload: closePayload(code, reason), maskKey });
}
