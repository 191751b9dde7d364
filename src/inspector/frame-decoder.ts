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
  /** The 4 masking-key bytes, or null: valid only during the decoder's calls to its sink (see sharedKey). */
  maskKey: Uint8Array | null;
  payloadLength: number;
  headerLength: number;
  lengthBits: 7 | 16 | 64;
  /** The length could have been written in a shorter form (5.2: "the minimal number of bytes MUST be used"). */
  lengthNotMinimal: boolean;
  /** Offset of the frame's first byte in this direction's stream. */
  offset: number;
}

/**
 * The sink is handed one header object, reused for every frame (no
 * allocation per frame on the hot path): it must copy what it keeps.
 */
export interface FrameSink {
  onHeader(header: FrameHeader): void;
  /**
   * The payload's next bytes are chunk[start..end) (the caller's chunk, valid
   * only during the call: no view is made per frame); `payloadOffset` is where
   * they are in the payload.
   */
  onPayload(chunk: Uint8Array, start: number, end: number, payloadOffset: number): void;
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

/**
 * The masking key the sinks read (header.maskKey), one for every decoder:
 * decoding is synchronous, and before each call to its sink a decoder puts
 * its frame's key back here if another decoder has used it since. Each
 * decoder keeps its key as a number, not in 4-byte array of its own (a proxy
 * has two decoders per connection, and connections are many).
 */
const sharedKey = new Uint8Array(4);
let keyOwner: FrameDecoder | null = null;

export class FrameDecoder {
  private state = State.Header;
  /** A header cut across chunks is gathered here (made the first time one is). */
  private head: Uint8Array | null = null;
  private headFill = 0;
  /** The current frame's masking key, big-endian (see sharedKey). */
  private key = 0;
  private readonly header: FrameHeader = {
    fin: false,
    rsv1: false,
    rsv2: false,
    rsv3: false,
    opcode: 0,
    masked: false,
    maskKey: null,
    payloadLength: 0,
    headerLength: 0,
    lengthBits: 7,
    lengthNotMinimal: false,
    offset: 0,
  };
  private payloadSeen = 0;
  /** Bytes of this direction consumed so far (the stream offset of the next byte). */
  private position = 0;
  /** Set by the sink (stopAfterFrame) during onFrameEnd: push returns after that frame. */
  private stopRequested = false;

  constructor(private readonly sink: FrameSink) {}

  get lost(): boolean {
    return this.state === State.Lost;
  }

  /** True between frames: no header or payload is half-read. */
  get atFrameBoundary(): boolean {
    return this.state === State.Header && this.headFill === 0;
  }

  /**
   * Decodes `chunk`; returns how many of its bytes were consumed: all of them
   * unless the sink asked to stop after a frame (then the rest is the caller's
   * to push again).
   */
  push(chunk: Uint8Array): number {
    let pos = 0;
    const n = chunk.length;
    this.stopRequested = false;
    while (pos < n) {
      if (this.stopRequested) {
        this.stopRequested = false;
        return pos;
      }
      if (this.state === State.Header) {
        pos = this.readHeader(chunk, pos);
      } else if (this.state === State.Payload) {
        const header = this.header;
        const take = Math.min(n - pos, header.payloadLength - this.payloadSeen);
        if (header.masked && keyOwner !== this) this.restoreKey();
        this.sink.onPayload(chunk, pos, pos + take, this.payloadSeen);
        this.payloadSeen += take;
        pos += take;
        this.position += take;
        if (this.payloadSeen === header.payloadLength) this.endFrame();
      } else {
        this.position += n - pos;
        return n;
      }
    }
    this.stopRequested = false;
    return n;
  }

  /** From the sink's onFrameEnd: the current push returns right after this frame (a place to insert one). */
  stopAfterFrame(): void {
    this.stopRequested = true;
  }

  /**
   * Reads a header: in place when all of it is in this chunk (the common case,
   * no copy), else gathered byte-wise into `head` across chunks. Returns the new
   * read position.
   */
  private readHeader(chunk: Uint8Array, pos: number): number {
    if (this.headFill === 0 && chunk.length - pos >= 2) {
      const length = headerLengthAt(chunk, pos);
      if (chunk.length - pos >= length) {
        this.startFrame(chunk, pos, length);
        return pos + length;
      }
    }
    const head = (this.head ??= new Uint8Array(14));
    const need = this.headFill < 2 ? 2 : headerLengthAt(head, 0);
    const take = Math.min(need - this.headFill, chunk.length - pos);
    for (let i = 0; i < take; i++) head[this.headFill + i] = chunk[pos + i]!;
    this.headFill += take;
    pos += take;
    if (this.headFill < need) return pos;
    if (need === 2 && headerLengthAt(head, 0) > 2) return pos; // now we know how long it is
    this.headFill = 0;
    this.startFrame(head, 0, need);
    return pos;
  }

  /** Decodes the header at h[at..at+headerLength). */
  private startFrame(h: Uint8Array, at: number, headerLength: number): void {
    const b0 = h[at]!;
    const b1 = h[at + 1]!;
    const len7 = b1 & 0x7f;
    const masked = (b1 & 0x80) !== 0;
    let payloadLength = len7;
    let lengthBits: 7 | 16 | 64 = 7;
    let msbSet = false;
    if (len7 === 126) {
      payloadLength = (h[at + 2]! << 8) | h[at + 3]!;
      lengthBits = 16;
    } else if (len7 === 127) {
      const hi = ((h[at + 2]! << 24) | (h[at + 3]! << 16) | (h[at + 4]! << 8) | h[at + 5]!) >>> 0;
      const lo = ((h[at + 6]! << 24) | (h[at + 7]! << 16) | (h[at + 8]! << 8) | h[at + 9]!) >>> 0;
      msbSet = hi >= 0x80000000;
      payloadLength = hi * TWO_32 + lo;
      lengthBits = 64;
    }
    const header = this.header;
    header.fin = (b0 & 0x80) !== 0;
    header.rsv1 = (b0 & 0x40) !== 0;
    header.rsv2 = (b0 & 0x20) !== 0;
    header.rsv3 = (b0 & 0x10) !== 0;
    header.opcode = b0 & 0x0f;
    header.masked = masked;
    header.maskKey = masked ? this.copyKey(h, at + headerLength - 4) : null;
    header.payloadLength = payloadLength;
    header.headerLength = headerLength;
    header.lengthBits = lengthBits;
    header.lengthNotMinimal = (lengthBits === 16 && payloadLength < 126) || (lengthBits === 64 && payloadLength < 65536);
    header.offset = this.position;
    this.position += headerLength;
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
    if (this.header.masked && keyOwner !== this) this.restoreKey();
    this.sink.onFrameEnd();
  }

  /** The 4 masking-key bytes, copied (`bytes` may be the caller's chunk, which it may reuse) into sharedKey. */
  private copyKey(bytes: Uint8Array, at: number): Uint8Array {
    this.key = maskKeyWord(bytes, at);
    return this.restoreKey();
  }

  /** This frame's key into sharedKey. */
  private restoreKey(): Uint8Array {
    const key = this.key;
    sharedKey[0] = key >>> 24;
    sharedKey[1] = (key >>> 16) & 0xff;
    sharedKey[2] = (key >>> 8) & 0xff;
    sharedKey[3] = key & 0xff;
    keyOwner = this;
    return sharedKey;
  }
}

/** The 4 masking-key bytes at bytes[at..] as one number (big-endian): a key kept without an array of its own. */
export function maskKeyWord(bytes: Uint8Array, at = 0): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

/** Header length from its first two bytes: 2, + 2 or 8 for an extended length, + 4 for a mask key. */
function headerLengthAt(bytes: Uint8Array, at: number): number {
  const b1 = bytes[at + 1]!;
  const len7 = b1 & 0x7f;
  return 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0) + (b1 & 0x80 ? 4 : 0);
}
