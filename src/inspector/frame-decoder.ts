/**
 * The frame layer of RFC 6455 5.2 as an incremental state machine: header
 * bytes are gathered in a 14-byte buffer (so a header split at any byte is
 * parsed the same), then the payload streams through to the sink as views of
 * the input, still masked. Nothing here holds a payload, so a frame claiming
 * 2^62 bytes costs nothing but counting. The sink decides what to unmask.
 */

export interface FrameHeader {
  fin: boolean;
  rsv1: boolean;
  rsv2: boolean;
  rsv3: boolean;
  opcode: number;
  masked: boolean;
  /** The 4 masking-key bytes (a fresh copy), or null. */
  maskKey: Uint8Array | null;
  payloadLength: number;
  headerLength: number;
  lengthBits: 7 | 16 | 64;
  /** The length could have been written in a shorter form (5.2: "the minimal number of bytes MUST be used"). */
  lengthNotMinimal: boolean;
  /** Offset of the frame's first byte in this direction's stream. */
  offset: number;
}

export interface FrameSink {
  onHeader(header: FrameHeader): void;
  /** `data` is a view valid only during the call; `payloadOffset` is its position in the payload. */
  onPayload(data: Uint8Array, payloadOffset: number): void;
  onFrameEnd(): void;
  /** The framing is lost (a 64-bit length with its top bit set): nothing more will be decoded. */
  onLost(header: FrameHeader, reason: string): void;
}

const enum State {
  Header,
  Payload,
  Lost,
}

const TWO_32 = 2 ** 32;

export class FrameDecoder {
  private state = State.Header;
  private readonly head = new Uint8Array(14);
  private headFill = 0;
  private header: FrameHeader | null = null;
  private payloadSeen = 0;
  /** Bytes of this direction consumed so far (the stream offset of the next byte). */
  private position = 0;

  constructor(private readonly sink: FrameSink) {}

  get lost(): boolean {
    return this.state === State.Lost;
  }

  /** True between frames: no header or payload is half-read. */
  get atFrameBoundary(): boolean {
    return this.state === State.Header && this.headFill === 0;
  }

  push(chunk: Uint8Array): void {
    let pos = 0;
    const n = chunk.length;
    while (pos < n) {
      if (this.state === State.Header) {
        pos = this.readHeader(chunk, pos);
      } else if (this.state === State.Payload) {
        const header = this.header!;
        const take = Math.min(n - pos, header.payloadLength - this.payloadSeen);
        this.sink.onPayload(chunk.subarray(pos, pos + take), this.payloadSeen);
        this.payloadSeen += take;
        pos += take;
        this.position += take;
        if (this.payloadSeen === header.payloadLength) this.endFrame();
      } else {
        this.position += n - pos;
        return;
      }
    }
  }

  /** Copies header bytes until the whole header is here; returns the new read position. */
  private readHeader(chunk: Uint8Array, pos: number): number {
    const need = this.headFill < 2 ? 2 : headerLengthOf(this.head);
    const take = Math.min(need - this.headFill, chunk.length - pos);
    this.head.set(chunk.subarray(pos, pos + take), this.headFill);
    this.headFill += take;
    pos += take;
    if (this.headFill < need) return pos;
    if (need === 2 && headerLengthOf(this.head) > 2) return pos; // now we know how long it is
    this.startFrame(need);
    return pos;
  }

  private startFrame(headerLength: number): void {
    const h = this.head;
    const len7 = h[1]! & 0x7f;
    const masked = (h[1]! & 0x80) !== 0;
    let payloadLength = len7;
    let lengthBits: 7 | 16 | 64 = 7;
    let msbSet = false;
    if (len7 === 126) {
      payloadLength = (h[2]! << 8) | h[3]!;
      lengthBits = 16;
    } else if (len7 === 127) {
      const hi = ((h[2]! << 24) | (h[3]! << 16) | (h[4]! << 8) | h[5]!) >>> 0;
      const lo = ((h[6]! << 24) | (h[7]! << 16) | (h[8]! << 8) | h[9]!) >>> 0;
      msbSet = hi >= 0x80000000;
      payloadLength = hi * TWO_32 + lo;
      lengthBits = 64;
    }
    const header: FrameHeader = {
      fin: (h[0]! & 0x80) !== 0,
      rsv1: (h[0]! & 0x40) !== 0,
      rsv2: (h[0]! & 0x20) !== 0,
      rsv3: (h[0]! & 0x10) !== 0,
      opcode: h[0]! & 0x0f,
      masked,
      maskKey: masked ? h.slice(headerLength - 4, headerLength) : null,
      payloadLength,
      headerLength,
      lengthBits,
      lengthNotMinimal: (lengthBits === 16 && payloadLength < 126) || (lengthBits === 64 && payloadLength < 65536),
      offset: this.position,
    };
    this.position += headerLength;
    this.headFill = 0;
    this.header = header;
    this.payloadSeen = 0;
    if (msbSet) {
      this.state = State.Lost;
      this.sink.onLost(header, 'the 64-bit payload length has its most significant bit set');
      return;
    }
    this.state = State.Payload;
    this.sink.onHeader(header);
    if (payloadLength === 0) this.endFrame();
  }

  private endFrame(): void {
    this.state = State.Header;
    this.header = null;
    this.sink.onFrameEnd();
  }
}

/** Header length from its first two bytes: 2, + 2 or 8 for an extended length, + 4 for a mask key. */
function headerLengthOf(head: Uint8Array): number {
  const len7 = head[1]! & 0x7f;
  return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (head[1]! & 0x80 ? 4 : 0);
}
