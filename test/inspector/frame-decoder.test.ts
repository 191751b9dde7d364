/** FrameDecoder: the header state machine and payload streaming, at every split. */
import { describe, expect, test } from 'vitest';
import { FrameDecoder, type FrameHeader, type FrameSink } from '../../src/inspector/frame-decoder.js';
import { encodeFrame } from '../../src/inspector/frame-encoder.js';
import { OP_BINARY, OP_CLOSE, OP_CONTINUATION, OP_PING, OP_TEXT } from '../../src/inspector/opcodes.js';
import { concat, hex, key } from '../helpers/decode.js';

interface Frame {
  header: FrameHeader;
  /** The payload as delivered (still masked), pieces joined. */
  payload: Buffer;
  ended: boolean;
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(what); // cheaper than expect() on a per-byte path
}

/** The decoder hands over one header object, reused for every frame: a sink copies what it keeps. */
function copied(header: FrameHeader): FrameHeader {
  return { ...header, maskKey: header.maskKey && Uint8Array.from(header.maskKey) };
}

/** A sink that records frames, checking that payload pieces arrive in order and only between header and end. */
class Recorder implements FrameSink {
  frames: Frame[] = [];
  lost: { header: FrameHeader; reason: string } | null = null;
  pieces = 0;
  private parts: Buffer[] = [];
  private received = 0;

  onHeader(header: FrameHeader): void {
    check(this.current()?.ended ?? true, 'header inside a frame');
    this.frames.push({ header: copied(header), payload: Buffer.alloc(0), ended: false });
    this.parts = [];
    this.received = 0;
  }

  onPayload(chunk: Uint8Array, start: number, end: number, payloadOffset: number): void {
    const data = chunk.subarray(start, end);
    const frame = this.current();
    check(frame !== undefined && !frame.ended, 'payload outside a frame');
    check(payloadOffset === this.received, `payload offset ${payloadOffset}, expected ${this.received}`);
    check(data.length > 0, 'empty payload piece');
    this.parts.push(Buffer.from(data)); // a copy: the view is valid only during the call
    this.received += data.length;
    this.pieces++;
  }

  onFrameEnd(): void {
    const frame = this.current()!;
    check(!frame.ended, 'frame ended twice');
    frame.payload = Buffer.concat(this.parts);
    check(frame.payload.length === frame.header.payloadLength, 'payload length');
    frame.ended = true;
  }

  onLost(header: FrameHeader, reason: string): void {
    check(this.lost === null, 'lost twice');
    this.lost = { header: copied(header), reason };
  }

  /** The payload received so far of an unfinished frame. */
  payloadSoFar(): Buffer {
    return Buffer.concat(this.parts);
  }

  private current(): Frame | undefined {
    return this.frames.at(-1);
  }
}

/** Frames in a form that compares fast (Buffers compare element by element in toEqual). */
function summary(frames: Frame[]): unknown[] {
  return frames.map((f) => ({ ...f, header: { ...f.header, maskKey: f.header.maskKey && Buffer.from(f.header.maskKey).toString('hex') }, payload: f.payload.toString('hex') }));
}

function feed(bytes: Uint8Array, chunks: number[] = []): { recorder: Recorder; decoder: FrameDecoder } {
  const recorder = new Recorder();
  const decoder = new FrameDecoder(recorder);
  if (chunks.length === 0) decoder.push(bytes);
  for (let at = 0, i = 0; chunks.length > 0 && at < bytes.length; i++) {
    const n = chunks[i % chunks.length]!;
    decoder.push(bytes.subarray(at, at + n));
    at += n;
  }
  return { recorder, decoder };
}

function splitEverywhere(bytes: Uint8Array): Recorder[] {
  const out: Recorder[] = [];
  for (let cut = 0; cut <= bytes.length; cut++) {
    const recorder = new Recorder();
    const decoder = new FrameDecoder(recorder);
    decoder.push(bytes.subarray(0, cut));
    decoder.push(bytes.subarray(cut));
    out.push(recorder);
  }
  return out;
}

const MASK = key('37fa213d');

describe('headers', () => {
  test.each([
    { length: 0, bits: 7, headerLength: 2 },
    { length: 1, bits: 7, headerLength: 2 },
    { length: 125, bits: 7, headerLength: 2 },
    { length: 126, bits: 16, headerLength: 4 },
    { length: 65535, bits: 16, headerLength: 4 },
    { length: 65536, bits: 64, headerLength: 10 },
  ])('a $length-byte payload takes a $bits-bit length', ({ length, bits, headerLength }) => {
    for (const masked of [false, true]) {
      const bytes = encodeFrame({ opcode: OP_BINARY, payload: Buffer.alloc(length, 0x41), maskKey: masked ? MASK : null });
      const { recorder, decoder } = feed(bytes);
      expect(recorder.frames).toHaveLength(1);
      expect(recorder.frames[0]!.header).toEqual({
        fin: true,
        rsv1: false,
        rsv2: false,
        rsv3: false,
        opcode: OP_BINARY,
        masked,
        maskKey: masked ? new Uint8Array(MASK) : null,
        payloadLength: length,
        headerLength: headerLength + (masked ? 4 : 0),
        lengthBits: bits,
        lengthNotMinimal: false,
        offset: 0,
      });
      expect(recorder.frames[0]!.ended).toBe(true);
      expect(decoder.atFrameBoundary).toBe(true);
    }
  });

  test('each bit of the first byte', () => {
    const { recorder } = feed(hex('f5 00  0a 00  4c 00  29 00'));
    expect(recorder.frames.map((f) => f.header)).toMatchObject([
      { fin: true, rsv1: true, rsv2: true, rsv3: true, opcode: 0x5 },
      { fin: false, rsv1: false, rsv2: false, rsv3: false, opcode: 0xa },
      { fin: false, rsv1: true, rsv2: false, rsv3: false, opcode: 0xc },
      { fin: false, rsv1: false, rsv2: true, rsv3: false, opcode: 0x9 },
    ]);
  });

  test('non-minimal lengths are flagged, minimal ones are not', () => {
    const flags = (spec: Parameters<typeof encodeFrame>[0]) => feed(encodeFrame(spec)).recorder.frames[0]!.header.lengthNotMinimal;
    expect(flags({ opcode: OP_TEXT, payload: 'a'.repeat(125), lengthBits: 16 })).toBe(true);
    expect(flags({ opcode: OP_TEXT, payload: 'a'.repeat(126), lengthBits: 16 })).toBe(false);
    expect(flags({ opcode: OP_TEXT, payload: '', lengthBits: 64 })).toBe(true);
    expect(flags({ opcode: OP_TEXT, payload: 'a'.repeat(65535), lengthBits: 64 })).toBe(true);
    expect(flags({ opcode: OP_TEXT, payload: 'a'.repeat(65536), lengthBits: 64 })).toBe(false);
  });

  test('the mask key is a copy: later changes to the input do not reach it', () => {
    const bytes = encodeFrame({ opcode: OP_TEXT, payload: 'hi', maskKey: MASK });
    const { recorder } = feed(bytes);
    bytes.fill(0);
    expect(Buffer.from(recorder.frames[0]!.header.maskKey!).toString('hex')).toBe('37fa213d');
  });

  test('two decoders each see their own frame\'s key, whatever the other read in between (the key array is shared)', () => {
    const seen: string[] = [];
    const sink = (name: string): FrameSink => ({
      onHeader: (h) => seen.push(`${name} header ${Buffer.from(h.maskKey!).toString('hex')}`),
      onPayload: () => {},
      onFrameEnd: () => {},
      onLost: () => {},
    });
    const keyOf = (name: string, header: FrameHeader | null) => `${name} ${header && Buffer.from(header.maskKey!).toString('hex')}`;
    let aHeader: FrameHeader | null = null;
    let bHeader: FrameHeader | null = null;
    const a = new FrameDecoder({ ...sink('a'), onHeader: (h) => (aHeader = h), onPayload: () => seen.push(keyOf('a', aHeader)), onFrameEnd: () => seen.push(`${keyOf('a', aHeader)} end`) });
    const b = new FrameDecoder({ ...sink('b'), onHeader: (h) => (bHeader = h), onPayload: () => seen.push(keyOf('b', bHeader)), onFrameEnd: () => seen.push(`${keyOf('b', bHeader)} end`) });
    const frameA = encodeFrame({ opcode: OP_TEXT, payload: 'aaaa', maskKey: hex('01020304') });
    const frameB = encodeFrame({ opcode: OP_TEXT, payload: 'bbbb', maskKey: hex('0a0b0c0d') });
    a.push(frameA.subarray(0, 8)); // header and 2 payload bytes
    b.push(frameB); // a whole frame with another key
    a.push(frameA.subarray(8));
    expect(seen).toEqual(['a 01020304', 'b 0a0b0c0d', 'b 0a0b0c0d end', 'a 01020304', 'a 01020304 end']);
  });

  test('the payload is delivered still masked, as views of the input', () => {
    const bytes = hex('81 85 37 fa 21 3d 7f 9f 4d 51 58');
    const { recorder } = feed(bytes);
    expect(recorder.frames[0]!.payload.toString('hex')).toBe('7f9f4d5158');
  });
});

describe('streaming', () => {
  const stream = concat(
    encodeFrame({ opcode: OP_TEXT, fin: false, payload: 'Hel', maskKey: MASK }),
    encodeFrame({ opcode: OP_PING }),
    encodeFrame({ opcode: OP_CONTINUATION, payload: 'lo', maskKey: key('00000001') }),
    encodeFrame({ opcode: OP_BINARY, payload: Buffer.alloc(300, 9), maskKey: MASK }),
    encodeFrame({ opcode: OP_BINARY, payload: Buffer.alloc(70000, 3), lengthBits: 64, maskKey: key('ffffffff') }),
    encodeFrame({ opcode: OP_CLOSE, payload: hex('03 e8') }),
  );

  test('offsets are each frame\'s position in the stream', () => {
    const { recorder } = feed(stream);
    const offsets = recorder.frames.map((f) => f.header.offset);
    const lengths = recorder.frames.map((f) => f.header.headerLength + f.header.payloadLength);
    expect(offsets).toEqual(lengths.map((_, i) => lengths.slice(0, i).reduce((a, b) => a + b, 0)));
    expect(offsets.at(-1)! + lengths.at(-1)!).toBe(stream.length);
  });

  test('any chunking gives the same frames', () => {
    const whole = summary(feed(stream).recorder.frames);
    expect(whole).toHaveLength(6);
    for (const chunks of [[1], [2], [3], [7, 1], [13], [1000], [65536]]) {
      expect(summary(feed(stream, chunks).recorder.frames)).toEqual(whole);
    }
  });

  test('a stream of small frames split once at every offset', () => {
    const small = stream.subarray(0, 9 + 2 + 8); // the first three frames
    const tail = encodeFrame({ opcode: OP_CLOSE, payload: hex('03 e8 61 62') });
    const bytes = concat(small, tail);
    const whole = feed(bytes).recorder.frames;
    expect(whole.map((f) => f.header.opcode)).toEqual([OP_TEXT, OP_PING, OP_CONTINUATION, OP_CLOSE]);
    for (const recorder of splitEverywhere(bytes)) expect(recorder.frames).toEqual(whole);
  });

  test('the longest header (64-bit length and mask key, 14 bytes) split at every offset', () => {
    const bytes = encodeFrame({ opcode: OP_BINARY, payload: Buffer.from('xyz'), lengthBits: 64, maskKey: MASK });
    expect(bytes.length).toBe(17);
    const whole = feed(bytes).recorder.frames;
    expect(whole[0]!.header).toMatchObject({ headerLength: 14, payloadLength: 3, lengthBits: 64, lengthNotMinimal: true });
    for (const recorder of splitEverywhere(bytes)) expect(recorder.frames).toEqual(whole);
    expect(feed(bytes, [1]).recorder.frames).toEqual(whole);
  });

  test('atFrameBoundary is false inside a header and inside a payload', () => {
    const recorder = new Recorder();
    const decoder = new FrameDecoder(recorder);
    const bytes = encodeFrame({ opcode: OP_TEXT, payload: 'abc', maskKey: MASK });
    const boundary: boolean[] = [];
    for (const byte of bytes) {
      decoder.push(Uint8Array.of(byte));
      boundary.push(decoder.atFrameBoundary);
    }
    expect(boundary).toEqual([false, false, false, false, false, false, false, false, true]);
  });

  test('a zero-length frame ends without payload calls; an empty push does nothing', () => {
    const { recorder, decoder } = feed(hex('89 00 8a 00'));
    expect(recorder.frames.map((f) => [f.header.opcode, f.ended])).toEqual([
      [OP_PING, true],
      [0xa, true],
    ]);
    expect(recorder.pieces).toBe(0);
    decoder.push(new Uint8Array(0));
    expect(recorder.frames).toHaveLength(2);
  });

  test('payload pieces are never larger than the chunk they came in', () => {
    const bytes = encodeFrame({ opcode: OP_BINARY, payload: Buffer.alloc(1000, 1) });
    const { recorder } = feed(bytes, [100]);
    expect(recorder.pieces).toBe(Math.ceil(1000 / 100) + 1); // the first chunk's 4 header bytes leave 96 payload bytes
  });
});

describe('lost framing', () => {
  test('a 64-bit length with the top bit set: onLost once, then nothing', () => {
    const bad = encodeFrame({ opcode: OP_BINARY, declaredLength: 2n ** 63n + 5n, maskKey: MASK });
    const bytes = concat(encodeFrame({ opcode: OP_TEXT, payload: 'ok' }), bad, encodeFrame({ opcode: OP_TEXT, payload: 'never' }));
    for (const chunks of [[], [1], [5]]) {
      const { recorder, decoder } = feed(bytes, chunks);
      expect(recorder.frames).toHaveLength(1);
      expect(recorder.lost).toMatchObject({ header: { opcode: OP_BINARY, headerLength: 14, lengthBits: 64, offset: 4, masked: true } });
      expect(recorder.lost!.reason).toMatch(/most significant bit/);
      expect(decoder.lost).toBe(true);
      expect(decoder.atFrameBoundary).toBe(false);
      decoder.push(hex('81 00'));
      expect(recorder.frames).toHaveLength(1);
    }
  });

  test('2^63 - 1 and 2^62 are legal claims: the decoder waits for the payload', () => {
    for (const declaredLength of [2n ** 63n - 1n, 2n ** 62n]) {
      const { recorder, decoder } = feed(concat(encodeFrame({ opcode: OP_BINARY, declaredLength }), Buffer.alloc(4096)));
      expect(recorder.lost).toBeNull();
      expect(recorder.frames).toHaveLength(1);
      expect(recorder.frames[0]!.ended).toBe(false);
      expect(recorder.payloadSoFar().length).toBe(4096);
      expect(decoder.lost).toBe(false);
    }
    expect(feed(encodeFrame({ opcode: OP_BINARY, declaredLength: 2n ** 62n })).recorder.frames[0]!.header.payloadLength).toBe(2 ** 62);
  });
});
