/**
 * The rules a frame header is checked against as it is read, as a table: the
 * rule (its section and severity are in rules.ts), the RFC's sentence, and a
 * check that returns one sentence saying what was seen, or null. The rules
 * that need a frame's payload (close payloads, UTF-8, inflation) are checked
 * where the payload is read; abnormal-closure at the end of the connection.
 */
import type { CloseInfo, Side } from './events.js';
import { maskKeyWord, type FrameHeader } from './frame-decoder.js';
import { OP_BINARY, OP_CONTINUATION, OP_TEXT, isControl, isReservedOpcode, opcodeName } from './opcodes.js';
import type { RuleId } from './rules.js';

/** What a check knows of the sending side, before this frame. */
export interface FrameState {
  readonly side: Side;
  /** The close frame this side already sent, if any. */
  readonly closeSent: CloseInfo | null;
  /** A fragmented data message of this side is open. */
  readonly messageOpen: boolean;
  /** The masking key of this side's previous frame as a 32-bit number (maskKeyWord), or -1 when it had none. */
  readonly previousMaskKey: number;
  /** What may set RSV bits: permessage-deflate (RSV1), another negotiated extension (any), or nothing. */
  readonly rsvOwner: 'deflate' | 'extension' | null;
  /** Reports a rule the frame breaks, with its sentence. */
  flag(rule: RuleId, message: string): void;
}

type FrameCheck = (h: FrameHeader, s: FrameState) => string | null;

/** In the order their violations are reported when one frame breaks several. */
export const FRAME_RULES: ReadonlyArray<readonly [RuleId, FrameCheck]> = [
  // 5.5.1: "The application MUST NOT send any more data frames after sending a Close frame."
  ['data-after-close', (h, s) => (s.closeSent ? `${opcodeName(h.opcode)} frame sent after this side's close frame` : null)],
  // 5.1: "a client MUST mask all frames that it sends to the server".
  ['client-frame-unmasked', (h, s) => (s.side === 'client' && !h.masked ? 'client frame is not masked' : null)],
  // 5.1: "A server MUST NOT mask any frames that it sends to the client."
  ['server-frame-masked', (h, s) => (s.side === 'server' && h.masked ? 'server frame is masked' : null)],
  // 5.3: "The masking key MUST be derived from a strong source of entropy".
  ['mask-key-weak', weakMaskKey],
  // 5.2: "MUST be 0 unless an extension is negotiated that defines meanings for non-zero values."
  ['reserved-bits', (h, s) => (h.rsv1 && s.rsvOwner === null ? 'RSV1 is set but no extension defining it was negotiated' : null)],
  // RFC 7692 6: RSV1 is the "Per-Message Compressed" bit, set on "the first frame of a message" only.
  ['deflate-rsv1-misuse', (h, s) =>
    h.rsv1 && s.rsvOwner === 'deflate' && (isControl(h.opcode) || h.opcode === OP_CONTINUATION)
      ? `RSV1 set on a ${opcodeName(h.opcode)} frame; permessage-deflate allows it only on a message's first frame`
      : null],
  ['reserved-bits', reservedBits23],
  // 5.2: "If an unknown opcode is received, the receiving endpoint MUST _Fail the WebSocket Connection_."
  ['reserved-opcode', (h) => (isReservedOpcode(h.opcode) ? `opcode 0x${h.opcode.toString(16)} is reserved` : null)],
  // 5.5: "All control frames MUST have a payload length of 125 bytes or less".
  ['control-frame-too-long', (h) =>
    isControl(h.opcode) && h.payloadLength > 125
      ? `${opcodeName(h.opcode)} frame payload is ${h.payloadLength} bytes; control frames allow 125`
      : null],
  // 5.5: "and MUST NOT be fragmented."
  ['control-frame-fragmented', (h) =>
    isControl(h.opcode) && !h.fin ? `${opcodeName(h.opcode)} frame has FIN clear; control frames cannot be fragmented` : null],
  // 5.4: fragments are "a single frame with the FIN bit clear and an opcode other than 0, followed by
  // zero or more frames with the FIN bit clear and the opcode set to 0".
  ['unexpected-continuation', (h, s) => (h.opcode === OP_CONTINUATION && !s.messageOpen ? 'continuation frame with no message open' : null)],
  // 5.4: "The fragments of one message MUST NOT be interleaved between the fragments of another message".
  ['expected-continuation', (h, s) =>
    (h.opcode === OP_TEXT || h.opcode === OP_BINARY) && s.messageOpen
      ? `new ${opcodeName(h.opcode)} frame while a fragmented message is open`
      : null],
  // 5.2: "the minimal number of bytes MUST be used to encode the length".
  ['length-not-minimal', (h) =>
    h.lengthNotMinimal ? `payload length ${h.payloadLength} sent in ${h.lengthBits} bits; the shortest form must be used` : null],
];

/** Flags each broken rule of the frame `h`, with its sentence, in table order. */
export function checkFrame(h: FrameHeader, s: FrameState): void {
  if (breaksNoRule(h, s)) return;
  for (const [rule, check] of FRAME_RULES) {
    const message = check(h, s);
    if (message !== null) s.flag(rule, message);
  }
}

/**
 * The common frame, seen without walking the table (the decoder's hot path:
 * one frame per 64 bytes of small messages): nothing set that a rule looks
 * at. False sends the frame through the table, which has the last word.
 */
function breaksNoRule(h: FrameHeader, s: FrameState): boolean {
  if (s.closeSent !== null || h.rsv1 || h.rsv2 || h.rsv3 || h.lengthNotMinimal) return false;
  if (h.masked !== (s.side === 'client')) return false;
  const op = h.opcode;
  if (op === OP_TEXT || op === OP_BINARY) {
    if (s.messageOpen) return false;
  } else if (op === OP_CONTINUATION) {
    if (!s.messageOpen) return false;
  } else if (!isControl(op) || isReservedOpcode(op) || !h.fin || h.payloadLength > 125) return false;
  return weakMaskKey(h, s) === null;
}

function weakMaskKey(h: FrameHeader, s: FrameState): string | null {
  const k = h.maskKey;
  if (!k) return null;
  if ((k[0]! | k[1]! | k[2]! | k[3]!) === 0) return 'masking key is all zeros';
  if (maskKeyWord(k) === s.previousMaskKey) return "masking key repeats the previous frame's";
  return null;
}

function reservedBits23(h: FrameHeader, s: FrameState): string | null {
  if (!(h.rsv2 || h.rsv3) || s.rsvOwner === 'extension') return null;
  const bits = h.rsv2 && h.rsv3 ? 'RSV2 and RSV3 are' : h.rsv2 ? 'RSV2 is' : 'RSV3 is';
  return `${bits} set but no extension defining them was negotiated`;
}
