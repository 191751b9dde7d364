/**
 * A frame event as the decoder makes it. A class for speed alone: stamp()
 * copies it with a constructor (Object.assign walking 16 fields was a tenth
 * of the proxy's time with --json) and the NDJSON sink writes it field by
 * field (render/event-json.ts). Its own properties are the contract's object
 * in the order they always had (type, conn, ts, the header fields, then the
 * optional ones as the decoder sets them), so JSON.stringify, spreads and
 * comparisons see what they saw before.
 */
import type { CloseInfo, FrameEvent, OpcodeName, Side } from './events.js';
import type { FrameHeader } from './frame-decoder.js';
import { opcodeName } from './opcodes.js';

type HeaderFields = Pick<FrameHeader, 'fin' | 'rsv1' | 'rsv2' | 'rsv3' | 'opcode' | 'masked' | 'payloadLength' | 'headerLength' | 'offset' | 'lengthBits'>;

export class DecodedFrame implements FrameEvent {
  // `declare`: no field is defined before the constructor sets it, so the order is the constructor's.
  declare readonly type: 'frame';
  declare conn?: number;
  declare ts?: number;
  declare readonly from: Side;
  declare readonly fin: boolean;
  declare readonly rsv1: boolean;
  declare readonly rsv2: boolean;
  declare readonly rsv3: boolean;
  declare readonly opcode: number;
  declare readonly opcodeName: OpcodeName;
  declare readonly masked: boolean;
  declare readonly maskKey: string | null;
  declare readonly payloadLength: number;
  declare readonly headerLength: number;
  declare readonly wireLength: number;
  declare readonly offset: number;
  declare readonly lengthBits: 7 | 16 | 64;
  // Set after construction, in this order, when they apply.
  declare payloadHead?: string;
  declare messageKind?: 'text' | 'binary' | null;
  declare compressed?: boolean;
  declare payloadHex?: string;
  declare close?: CloseInfo;
  declare injected?: true;

  /** `h` is the decoder's header (or the frame being copied); `maskKey` in hex. */
  constructor(from: Side, h: HeaderFields, maskKey: string | null, conn?: number, ts?: number) {
    this.type = 'frame';
    if (conn !== undefined) {
      this.conn = conn;
      this.ts = ts;
    }
    this.from = from;
    this.fin = h.fin;
    this.rsv1 = h.rsv1;
    this.rsv2 = h.rsv2;
    this.rsv3 = h.rsv3;
    this.opcode = h.opcode;
    this.opcodeName = opcodeName(h.opcode);
    this.masked = h.masked;
    this.maskKey = maskKey;
    this.payloadLength = h.payloadLength;
    this.headerLength = h.headerLength;
    this.wireLength = h.headerLength + h.payloadLength;
    this.offset = h.offset;
    this.lengthBits = h.lengthBits;
  }

  /** This event stamped with its connection and time (a copy: the core's event stays as it was). */
  stamped(conn: number, ts: number): DecodedFrame {
    const copy = new DecodedFrame(this.from, this, this.maskKey, conn, ts);
    if (this.payloadHead !== undefined) copy.payloadHead = this.payloadHead;
    if (this.messageKind !== undefined) copy.messageKind = this.messageKind;
    if (this.compressed !== undefined) copy.compressed = this.compressed;
    if (this.payloadHex !== undefined) copy.payloadHex = this.payloadHex;
    if (this.close !== undefined) copy.close = this.close;
    if (this.injected !== undefined) copy.injected = this.injected;
    return copy;
  }
}
