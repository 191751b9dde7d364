import { Chalk } from 'chalk';
import { describe, expect, test } from 'vitest';
import type { DirectionOptions } from '../../src/inspector/direction.js';
import { encodeFrame, closePayload } from '../../src/inspector/frame-encoder.js';
import { FrameDecoder, type FrameHeader } from '../../src/inspector/frame-decoder.js';
import { renderFrameBreakdown, type BreakdownOptions } from '../../src/render/frame-breakdown.js';
import { decode, hex } from '../helpers/decode.js';

const plain = new Chalk({ level: 0 });
const MASK = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);

function breakdown(bytes: Buffer, inspector: DirectionOptions, options: Partial<BreakdownOptions> = {}): string {
  return renderFrameBreakdown(bytes, decode(bytes, inspector), { chalk: plain, ...options });
}

/** The masked "Hello" of RFC 6455 5.7. */
const HELLO = hex('81 85 37 fa 21 3d 7f 9f 4d 51 58');

describe('renderFrameBreakdown', () => {
  test('labels every field of the RFC 6455 5.7 masked "Hello"', () => {
    const out = breakdown(HELLO, { side: 'client' });
    expect(out).toContain('Frame 1 · client → server · text · FIN · masked · 5-byte payload (7-bit length)');
    expect(out).toMatch(/byte 0 +0x81 +1 0 0 0 0001 +FIN=1 RSV1=0 RSV2=0 RSV3=0 opcode=0x1 \(text\)/);
    expect(out).toMatch(/byte 1 +0x85 +1 0000101 +MASK=1 payload length=5/);
    expect(out).toMatch(/bytes 2-5 +37 fa 21 3d +masking key/);
    expect(out).toMatch(/masked: +7f 9f 4d 51 58/);
    expect(out).toMatch(/unmasked: +48 65 6c 6c 6f/);
    expect(out).toMatch(/text: +"Hello"/);
    expect(out).toContain('message: text, 1 frame, 5 bytes: "Hello"');
    expect(out).toContain('Summary: 1 frame, 1 message, 11 bytes; no violations');
  });

  test('the full view of the masked "Hello"', () => {
    expect(breakdown(HELLO, { side: 'client' })).toMatchInlineSnapshot(`
      "Frame 1 · client → server · text · FIN · masked · 5-byte payload (7-bit length)
        byte 0     0x81  1 0 0 0 0001  FIN=1 RSV1=0 RSV2=0 RSV3=0 opcode=0x1 (text)
        byte 1     0x85  1 0000101     MASK=1 payload length=5
        bytes 2-5  37 fa 21 3d         masking key
        masked:    7f 9f 4d 51 58
        unmasked:  48 65 6c 6c 6f
        text:      "Hello"
      message: text, 1 frame, 5 bytes: "Hello"

      Summary: 1 frame, 1 message, 11 bytes; no violations
      "
    `);
  });

  test('a 16-bit length: 126 in byte 1, the real length in bytes 2-3', () => {
    const out = breakdown(encodeFrame({ opcode: 0x2, payload: Buffer.alloc(300, 0x61) }), { side: 'server' });
    expect(out).toMatch(/byte 1 +0x7e +0 1111110 +MASK=0 payload length=126: the real length\s+follows in 16 bits/);
    expect(out).toMatch(/bytes 2-3 +01 2c +extended payload length=300/);
    expect(out).toContain('300-byte payload (16-bit length)');
    // Only the first 64 bytes are shown, as a hex dump with an ASCII column.
    expect(out).toContain('61 61 61 61 61 61 61 61 61 61 61 61 61 61 61 61  |aaaaaaaaaaaaaaaa|');
    expect(out.match(/\|a{16}\|/g)).toHaveLength(4);
    expect(out).toContain('… (300 bytes in all)');
  });

  test('a 64-bit length: 127 in byte 1, the real length in bytes 2-9, the key after it', () => {
    const bytes = encodeFrame({ opcode: 0x1, payload: 'x'.repeat(70000), maskKey: MASK });
    const out = breakdown(bytes, { side: 'client' });
    expect(out).toMatch(/byte 1 +0xff +1 1111111 +MASK=1 payload length=127: the real length\s+follows in 64 bits/);
    expect(out).toMatch(/bytes 2-9 +00 00 00 00 +extended payload length=70000\n +00 01 11 70\n/);
    expect(out).toMatch(/bytes 10-13 +37 fa 21 3d +masking key/);
    expect(out).toContain(`"${'x'.repeat(64)}"`);
    expect(out).toContain('… (70000 bytes in all)');
  });

  test('a close frame shows its code and reason', () => {
    const out = breakdown(encodeFrame({ opcode: 0x8, payload: closePayload(1000, 'bye'), maskKey: MASK }), { side: 'client' });
    expect(out).toContain('opcode=0x8 (close)');
    expect(out).toMatch(/code: +1000 \(Normal Closure\)/);
    expect(out).toMatch(/reason: +"bye"/);
  });

  test('a violation follows its frame with rule, severity, section and message', () => {
    const out = breakdown(hex('81 05 48 65 6c 6c 6f'), { side: 'client' });
    const frame = out.indexOf('Frame 1');
    const violation = out.indexOf('✘ error client-frame-unmasked (RFC6455 5.1): client frame is not masked');
    expect(frame).toBeGreaterThanOrEqual(0);
    expect(violation).toBeGreaterThan(frame);
    expect(out).toContain('1 error, 0 warnings');
  });

  test('control characters from the wire are escaped', () => {
    const bytes = encodeFrame({ opcode: 0x1, payload: 'a\x1b[2Jb\u202e', maskKey: MASK });
    const out = breakdown(bytes, { side: 'client' });
    expect(out).toContain('"a\\x1b[2Jb\\u{202e}"');
    expect(out).not.toContain('\x1b');
    expect(out).not.toContain('\u202e');
  });

  test('a compressed message shows its inflated text and sizes', () => {
    const out = breakdown(hex('c1 07 f2 48 cd c9 c9 07 00'), { side: 'server', deflate: { noContextTakeover: false } });
    expect(out).toContain('message: text, 1 frame, compressed, 5 bytes: "Hello"');
    expect(out).toMatch(/inflated: +5 bytes from 7/);
  });

  test('an incomplete frame is shown with its header and what is missing', () => {
    const bytes = hex('81 05 48 65');
    let header: FrameHeader | null = null;
    const grab = (h: FrameHeader) => (header = h);
    new FrameDecoder({ onHeader: grab, onLost: grab, onPayload: () => {}, onFrameEnd: () => {} }).push(bytes);
    const out = breakdown(bytes, { side: 'server' }, {
      incomplete: { from: 'server', offset: 0, header, message: 'input ends in the middle of a frame: 2 of 5 payload bytes', violations: [] },
    });
    expect(out).toContain('Frame 1 (incomplete) · server → client · text');
    expect(out).toMatch(/byte 1 +0x05 +0 0000101 +MASK=0 payload length=5/);
    expect(out).toContain('✘ input ends in the middle of a frame: 2 of 5 payload bytes');
    expect(out).toContain('the last frame is incomplete');
  });

  test('fits 80 columns', () => {
    const bytes = Buffer.concat([
      encodeFrame({ opcode: 0x2, payload: Buffer.alloc(100_000, 0xfe), maskKey: MASK }),
      encodeFrame({ opcode: 0x1, payload: 'é'.repeat(200), fin: false, maskKey: MASK }),
      encodeFrame({ opcode: 0x0, payload: 'z', maskKey: MASK }),
      encodeFrame({ opcode: 0x8, payload: closePayload(4000, 'r'.repeat(100)), maskKey: MASK }),
    ]);
    for (const line of breakdown(bytes, { side: 'client' }).split('\n')) expect(line.length).toBeLessThanOrEqual(80);
  });
});
