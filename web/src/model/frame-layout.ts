/**
 * A frame as fields with bit and byte ranges (RFC 6455 5.2), the one model
 * behind the bit diagram, the hex dump and the Learn tab: hovering a field in
 * one lights the same range in the other, as Wireshark's bytes pane does.
 *
 * The header is rebuilt from the frame event's fields (flags, opcode, MASK,
 * length and its encoding, masking key), which determine it bit for bit. The
 * payload is known as far as the events carry it: a control frame's
 * `payloadHex`, the frame's slice of its (uncompressed) message, or the
 * `payloadHead` preview; the rest is counted, never invented.
 */
import { fromBase64, fromHex, utf8, xorMask } from './bytes.js';
import { formatCount } from '../format.js';
import type { FrameRow } from './store.js';

export type FieldId = 'fin' | 'rsv1' | 'rsv2' | 'rsv3' | 'opcode' | 'mask' | 'len' | 'extlen' | 'maskkey' | 'payload';

export interface Field {
  id: FieldId;
  name: string;
  /** Bit range over the frame, [start, end). */
  bits: [number, number];
  /** Byte range over the frame, [start, end); a field smaller than a byte shares its byte. */
  bytes: [number, number];
  /** This frame's value, in words. */
  value: string;
  /** What the field means, one sentence. */
  meaning: string;
  section: string;
}

export interface FrameLayout {
  header: Uint8Array;
  fields: Field[];
  /** The payload as far as it is known, unmasked and as on the wire (masked for a client). */
  plain: Uint8Array;
  wire: Uint8Array;
  maskKey: Uint8Array | null;
  /** Whole payload length; plain.length of it is known. */
  payloadLength: number;
  /** Where the known bytes came from, for the page to say. */
  source: 'control payload' | 'message' | 'preview' | 'none';
}

const OPCODES: Record<number, string> = {
  0x0: 'continuation frame',
  0x1: 'text frame',
  0x2: 'binary frame',
  0x8: 'connection close',
  0x9: 'ping',
  0xa: 'pong',
};

export function opcodeMeaning(opcode: number): string {
  return OPCODES[opcode] ?? (opcode < 0x8 ? 'reserved non-control frame' : 'reserved control frame');
}

export function layoutFrame(row: FrameRow): FrameLayout {
  const f = row.event;
  const extBytes = f.lengthBits === 16 ? 2 : f.lengthBits === 64 ? 8 : 0;
  const maskKey = f.maskKey ? fromHex(f.maskKey) : null;
  const header = new Uint8Array(2 + extBytes + (maskKey ? 4 : 0));
  header[0] = (f.fin ? 0x80 : 0) | (f.rsv1 ? 0x40 : 0) | (f.rsv2 ? 0x20 : 0) | (f.rsv3 ? 0x10 : 0) | (f.opcode & 0x0f);
  header[1] = (f.masked ? 0x80 : 0) | (f.lengthBits === 7 ? f.payloadLength & 0x7f : f.lengthBits === 16 ? 126 : 127);
  let length = BigInt(f.payloadLength);
  for (let i = 1 + extBytes; i >= 2; i--) {
    header[i] = Number(length & 0xffn);
    length >>= 8n;
  }
  if (maskKey) header.set(maskKey, 2 + extBytes);

  const fields: Field[] = [
    bitField('fin', 'FIN', 0, f.fin ? '1: final fragment' : '0: more fragments follow', 'Set on the last frame of a message; a message sent in one frame has it set.', 'RFC6455 5.2, 5.4'),
    bitField('rsv1', 'RSV1', 1, rsv1Value(row), 'Reserved for extensions: permessage-deflate sets it on the first frame of a compressed message; otherwise it must be 0.', 'RFC6455 5.2, RFC7692 6'),
    bitField('rsv2', 'RSV2', 2, f.rsv2 ? '1 (no extension defines it)' : '0', 'Reserved: must be 0 unless a negotiated extension defines it.', 'RFC6455 5.2'),
    bitField('rsv3', 'RSV3', 3, f.rsv3 ? '1 (no extension defines it)' : '0', 'Reserved: must be 0 unless a negotiated extension defines it.', 'RFC6455 5.2'),
    {
      id: 'opcode',
      name: 'opcode',
      bits: [4, 8],
      bytes: [0, 1],
      value: `0x${f.opcode.toString(16)}: ${opcodeMeaning(f.opcode)}`,
      meaning: 'How to read the payload: 0x0 continues a message, 0x1 text, 0x2 binary, 0x8 close, 0x9 ping, 0xA pong; the rest are reserved.',
      section: 'RFC6455 5.2',
    },
    bitField('mask', 'MASK', 8, f.masked ? '1: payload masked' : '0: not masked', 'Whether the payload is XORed with a masking key; every client-to-server frame must be masked, and no server frame may be.', 'RFC6455 5.1, 5.3'),
    {
      id: 'len',
      name: 'Payload len',
      bits: [9, 16],
      bytes: [1, 2],
      value: f.lengthBits === 7 ? `${f.payloadLength} bytes` : f.lengthBits === 16 ? '126: a 16-bit length follows' : '127: a 64-bit length follows',
      meaning: 'The payload length when 0-125; 126 means the next 2 bytes hold it, 127 the next 8 bytes, and the shortest form must be used.',
      section: 'RFC6455 5.2',
    },
  ];
  if (extBytes > 0) {
    fields.push({
      id: 'extlen',
      name: `Extended payload length (${f.lengthBits} bits)`,
      bits: [16, 16 + extBytes * 8],
      bytes: [2, 2 + extBytes],
      value: `${formatCount(f.payloadLength)} bytes`,
      meaning: `The payload length as a ${f.lengthBits}-bit unsigned integer in network byte order (most significant byte first).`,
      section: 'RFC6455 5.2',
    });
  }
  if (maskKey) {
    const at = 2 + extBytes;
    fields.push({
      id: 'maskkey',
      name: 'Masking-key',
      bits: [at * 8, at * 8 + 32],
      bytes: [at, at + 4],
      value: f.maskKey!,
      meaning: 'Four bytes the client picks at random for each frame; payload byte i is XORed with key byte i mod 4.',
      section: 'RFC6455 5.3',
    });
  }
  const h = header.length;
  fields.push({
    id: 'payload',
    name: 'Payload data',
    bits: [h * 8, (h + f.payloadLength) * 8],
    bytes: [h, h + f.payloadLength],
    value: `${formatCount(f.payloadLength)} bytes${f.masked ? ', masked' : ''}${f.rsv1 ? ', compressed' : ''}`,
    meaning: 'Extension data (none without extensions) followed by application data: text as UTF-8, binary as is, a close code and reason, or ping/pong data.',
    section: 'RFC6455 5.2',
  });

  const { plain, source } = knownPayload(row);
  return {
    header,
    fields,
    plain,
    wire: maskKey ? xorMask(plain, maskKey) : plain,
    maskKey,
    payloadLength: f.payloadLength,
    source,
  };
}

function bitField(id: FieldId, name: string, bit: number, value: string, meaning: string, section: string): Field {
  return { id, name, bits: [bit, bit + 1], bytes: [bit >> 3, (bit >> 3) + 1], value, meaning, section };
}

function rsv1Value(row: FrameRow): string {
  if (!row.event.rsv1) return '0';
  return row.event.opcode <= 0x2 ? '1: compressed message (permessage-deflate)' : '1';
}

/** The unmasked payload bytes the events carry for this frame (a prefix of it at least). */
function knownPayload(row: FrameRow): { plain: Uint8Array; source: FrameLayout['source'] } {
  const f = row.event;
  const max = f.payloadLength;
  if (f.payloadHex !== undefined) return { plain: fromHex(f.payloadHex).subarray(0, max), source: 'control payload' };
  const message = row.message;
  const reencodable = message !== null && !message.violations.some((v) => v.rule === 'invalid-utf8');
  if (message && reencodable && !message.event.compressed && message.frames.length === message.event.frames) {
    // Uncompressed: the frame's payload is its slice of the message's bytes.
    let offset = 0;
    for (const frame of message.frames) {
      if (frame === row) break;
      offset += frame.event.payloadLength;
    }
    const m = message.event;
    const bytes = m.text !== undefined ? utf8.encode(m.text) : m.base64 !== undefined ? fromBase64(m.base64) : new Uint8Array(0);
    const slice = bytes.subarray(offset, offset + max);
    // Text that was cut may end short of a code point; only whole known bytes count.
    if (slice.length > 0 || max === 0) return { plain: slice, source: 'message' };
  }
  if (f.payloadHead !== undefined) return { plain: fromHex(f.payloadHead).subarray(0, max), source: 'preview' };
  return { plain: new Uint8Array(0), source: 'none' };
}

/** The field a byte belongs to: header fields by byte (the first field of a shared byte), then the payload. */
export function fieldsAtByte(layout: FrameLayout, index: number): Field[] {
  return layout.fields.filter((field) => index >= field.bytes[0] && index < field.bytes[1]);
}
