/**
 * DirectionInspector: golden fixtures (fixtures/frames/*.json, expectations
 * written by hand from the RFC examples) fed whole, split at every offset and
 * byte by byte; message assembly; bounded memory under large claims.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { constants as zlib, deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { DEFAULT_PREVIEW_BYTES, DirectionInspector, type DirectionOptions } from '../../src/inspector/direction.js';
import type { InspectorEvent } from '../../src/inspector/events.js';
import { encodeClose, encodeFrame } from '../../src/inspector/frame-encoder.js';
import { OP_BINARY, OP_CONTINUATION, OP_PING, OP_TEXT } from '../../src/inspector/opcodes.js';
import { bytesAllocated } from '../helpers/allocations.js';
import {
  concat,
  decode,
  decodeAtSplits,
  decodeByteByByte,
  hex,
  key,
  messages,
  rulesOf,
  types,
} from '../helpers/decode.js';

// ---- golden fixtures ----------------------------------------------------

interface Fixture {
  name: string;
  source: string;
  from: 'client' | 'server';
  deflate: { noContextTakeover: boolean } | null;
  hex: string | string[];
  /** Appended after `hex`: `hex` repeated (and cut) to `length` bytes, so big payloads stay out of the JSON. */
  payloadRepeat?: { hex: string; length: number };
  /** Partial events in order; the string "$payload" stands for the base64 of the repeated payload's preview. */
  expect: Record<string, unknown>[];
}

const FIXTURE_DIR = new URL('../../fixtures/frames/', import.meta.url);
const fixtureFiles = readdirSync(FIXTURE_DIR).filter((f) => f.endsWith('.json')).sort();

function loadFixture(file: string): { fixture: Fixture; bytes: Buffer; expected: Record<string, unknown>[] } {
  const fixture = JSON.parse(readFileSync(new URL(file, FIXTURE_DIR), 'utf8')) as Fixture;
  const head = hex(Array.isArray(fixture.hex) ? fixture.hex.join(' ') : fixture.hex);
  let payload = Buffer.alloc(0);
  if (fixture.payloadRepeat) {
    const unit = hex(fixture.payloadRepeat.hex);
    payload = Buffer.alloc(fixture.payloadRepeat.length);
    for (let i = 0; i < payload.length; i++) payload[i] = unit[i % unit.length]!;
  }
  const preview = payload.subarray(0, DEFAULT_PREVIEW_BYTES).toString('base64');
  const expected = fixture.expect.map((e) =>
    Object.fromEntries(Object.entries(e).map(([k, v]) => [k, v === '$payload' ? preview : v])),
  );
  return { fixture, bytes: concat(head, payload), expected };
}

function checkEvents(events: InspectorEvent[], fixture: Fixture, expected: Record<string, unknown>[]): void {
  expect(types(events)).toEqual(expected.map((e) => e.type));
  expected.forEach((e, i) => expect(events[i]).toMatchObject(e));
  for (const event of events) if ('from' in event) expect(event.from).toBe(fixture.from);
}

/** Every offset for small inputs; for big ones the first and last 80 and a stride through the middle. */
function cutsFor(length: number): number[] {
  if (length <= 2048) return Array.from({ length: length + 1 }, (_, i) => i);
  const cuts = new Set<number>();
  for (let i = 0; i <= 80; i++) cuts.add(i).add(length - i);
  for (let i = 0; i < length; i += 997) cuts.add(i);
  return [...cuts].sort((a, b) => a - b);
}

describe('golden fixtures', () => {
  test('there are fixtures, each with the documented fields', () => {
    expect(fixtureFiles.length).toBeGreaterThanOrEqual(30);
    for (const file of fixtureFiles) {
      const { fixture } = loadFixture(file);
      expect(Object.keys(fixture), file).toEqual(expect.arrayContaining(['name', 'source', 'from', 'deflate', 'hex', 'expect']));
      expect(['client', 'server'], file).toContain(fixture.from);
      expect(fixture.expect.length, file).toBeGreaterThan(0);
    }
  });

  describe.each(fixtureFiles)('%s', (file) => {
    const { fixture, bytes, expected } = loadFixture(file);
    const options: DirectionOptions = { side: fixture.from, deflate: fixture.deflate };

    test(`whole: ${fixture.name} (${fixture.source})`, () => {
      checkEvents(decode(bytes, options), fixture, expected);
    });

    test('split once at every offset', () => {
      const cuts = cutsFor(bytes.length);
      decodeAtSplits(bytes, options, cuts).forEach((events, i) => {
        try {
          checkEvents(events, fixture, expected);
        } catch (err) {
          throw new Error(`split at ${cuts[i]}: ${(err as Error).message}`);
        }
      });
    });

    test('byte by byte', () => {
      checkEvents(decodeByteByByte(bytes, options), fixture, expected);
    });
  });
});

// ---- message assembly ---------------------------------------------------

const K1 = key('a1b2c3d4');
const K2 = key('0badf00d');

describe('messages', () => {
  test('a masked binary message in three fragments, fed in odd chunks, is unmasked per frame', () => {
    const data = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff));
    const bytes = concat(
      encodeFrame({ opcode: OP_BINARY, fin: false, payload: data.subarray(0, 101), maskKey: K1 }),
      encodeFrame({ opcode: OP_CONTINUATION, fin: false, payload: data.subarray(101, 200), maskKey: K2 }),
      encodeFrame({ opcode: OP_CONTINUATION, fin: true, payload: data.subarray(200), maskKey: key('01020304') }),
    );
    for (const chunks of [[], [1], [3, 5, 7], [13], [64]]) {
      const events = decode(bytes, { side: 'client' }, chunks);
      expect(types(events)).toEqual(['frame', 'frame', 'frame', 'message']);
      const [message] = messages(events);
      expect(message).toMatchObject({ kind: 'binary', frames: 3, wireBytes: bytes.length, size: 300, truncated: false });
      expect(Buffer.from(message!.base64!, 'base64')).toEqual(data);
    }
  });

  test('frame offsets and wire lengths tile the stream', () => {
    const bytes = concat(
      encodeFrame({ opcode: OP_TEXT, payload: 'a'.repeat(200), maskKey: K1 }),
      encodeFrame({ opcode: OP_PING, payload: 'p', maskKey: K2 }),
      encodeFrame({ opcode: OP_BINARY, payload: Buffer.alloc(70000), maskKey: K1 }),
      encodeClose(1000, 'done', K2),
    );
    const frames = decode(bytes, { side: 'client' }, [999]).filter((e) => e.type === 'frame');
    let at = 0;
    for (const f of frames) {
      expect(f).toMatchObject({ offset: at });
      at += (f as { wireLength: number }).wireLength;
    }
    expect(at).toBe(bytes.length);
    expect(frames.map((f) => (f as { lengthBits: number }).lengthBits)).toEqual([16, 7, 64, 7]);
  });

  test('stats count frames, messages and wire bytes; closeSent keeps the first close', () => {
    const inspector = new DirectionInspector({ side: 'server' });
    inspector.push(concat(encodeFrame({ opcode: OP_TEXT, payload: 'x' }), encodeFrame({ opcode: OP_PING })));
    expect(inspector.closeSent).toBeNull();
    inspector.push(concat(encodeClose(1001, 'bye'), encodeClose(1000)));
    expect(inspector.stats).toEqual({ frames: 4, messages: 1, wireBytes: 3 + 2 + 7 + 4 });
    expect(inspector.closeSent).toEqual({ code: 1001, codeName: 'Going Away', reason: 'bye' });
  });

  test('atFrameBoundary is true only between frames', () => {
    const inspector = new DirectionInspector({ side: 'server' });
    expect(inspector.atFrameBoundary).toBe(true);
    inspector.push(hex('81'));
    expect(inspector.atFrameBoundary).toBe(false);
    inspector.push(hex('05 48 65'));
    expect(inspector.atFrameBoundary).toBe(false);
    inspector.push(hex('6c 6c 6f'));
    expect(inspector.atFrameBoundary).toBe(true);
    expect(inspector.lost).toBe(false);
  });

  test('an empty text and an empty binary message', () => {
    const events = decode(concat(encodeFrame({ opcode: OP_TEXT }), encodeFrame({ opcode: OP_BINARY })), { side: 'server' });
    expect(messages(events)).toEqual([
      expect.objectContaining({ kind: 'text', size: 0, text: '', truncated: false, frames: 1, wireBytes: 2 }),
      expect.objectContaining({ kind: 'binary', size: 0, base64: '', truncated: false, frames: 1, wireBytes: 2 }),
    ]);
  });

  test('payloadHead holds the first 32 unmasked bytes of each frame', () => {
    const payload = Buffer.from(Array.from({ length: 40 }, (_, i) => i));
    const events = decode(encodeFrame({ opcode: OP_BINARY, payload, maskKey: K1 }), { side: 'client' }, [3]);
    expect(events[0]).toMatchObject({ type: 'frame', payloadHead: payload.subarray(0, 32).toString('hex') });
  });

  test('a long text preview is cut at previewBytes and never ends in half a code point', () => {
    const text = 'aaaaaaaaa€'; // 9 + 3 bytes
    for (const chunks of [[], [1], [5]]) {
      const events = decode(encodeFrame({ opcode: OP_TEXT, payload: text, maskKey: K1 }), { side: 'client', previewBytes: 10 }, chunks);
      expect(messages(events)[0]).toMatchObject({ text: 'aaaaaaaaa', size: 12, truncated: true });
      expect(rulesOf(events)).toEqual([]);
    }
    const whole = decode(encodeFrame({ opcode: OP_TEXT, payload: text }), { side: 'server', previewBytes: 12 });
    expect(messages(whole)[0]).toMatchObject({ text, size: 12, truncated: false });
  });

  test('previewBytes caps binary previews too', () => {
    const payload = Buffer.from('0123456789abcdef');
    const events = decode(encodeFrame({ opcode: OP_BINARY, payload, maskKey: K2 }), { side: 'client', previewBytes: 10 }, [3]);
    expect(messages(events)[0]).toMatchObject({ size: 16, truncated: true, base64: payload.subarray(0, 10).toString('base64') });
  });

  test('a single-frame binary message keeps the first previewBytes of its payload, unmasked, however it is chunked', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 400 }),
        fc.integer({ min: 0, max: 150 }),
        fc.option(fc.uint8Array({ minLength: 4, maxLength: 4 }), { nil: undefined }),
        fc.array(fc.integer({ min: 1, max: 60 }), { maxLength: 8 }),
        (payload, previewBytes, maskKey, chunks) => {
          const bytes = encodeFrame({ opcode: OP_BINARY, payload: Buffer.from(payload), maskKey });
          const [message] = messages(decode(bytes, { side: maskKey ? 'client' : 'server', previewBytes }, chunks));
          const kept = Buffer.from(payload).subarray(0, previewBytes);
          expect(message).toMatchObject({ size: payload.length, truncated: payload.length > previewBytes, base64: kept.toString('base64') });
        },
      ),
      { numRuns: 300 },
    );
  });

  test('a compressed binary message (RSV1 under deflate) is inflated', () => {
    const data = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i % 251) ^ 0x5a));
    const compressed = deflateRawSync(data, { finishFlush: zlib.Z_SYNC_FLUSH }).subarray(0, -4);
    const events = decode(encodeFrame({ opcode: OP_BINARY, rsv1: true, payload: compressed, maskKey: K1 }), {
      side: 'client',
      deflate: { noContextTakeover: true },
    }, [7]);
    expect(types(events)).toEqual(['frame', 'message']);
    const [message] = messages(events);
    expect(message).toMatchObject({ kind: 'binary', compressed: true, size: 5000, truncated: false });
    expect(Buffer.from(message!.base64!, 'base64')).toEqual(data);
  });

  test('a message of exactly maxInflate bytes is whole, and context takeover goes on after it', () => {
    // RFC 7692 7.2.3.2: the second "Hello" needs the first one's window.
    const bytes = hex('c1 07 f2 48 cd c9 c9 07 00  c1 05 f2 00 11 00 00');
    const events = decode(bytes, { side: 'server', deflate: { noContextTakeover: false }, maxInflate: 5 });
    expect(messages(events)).toEqual([
      expect.objectContaining({ size: 5, text: 'Hello', truncated: false }),
      expect.objectContaining({ size: 5, text: 'Hello', truncated: false }),
    ]);
    expect(rulesOf(events)).toEqual([]);
  });

  test('a compressed message over maxInflate is cut there; later takeover messages are reported cut, not misread', () => {
    const bytes = hex('c1 07 f2 48 cd c9 c9 07 00  c1 05 f2 00 11 00 00');
    const events = decode(bytes, { side: 'server', deflate: { noContextTakeover: false }, maxInflate: 4 });
    expect(messages(events)).toEqual([
      expect.objectContaining({ size: 4, text: 'Hell', truncated: true }),
      expect.objectContaining({ size: 0, text: '', truncated: true }),
    ]);
    expect(rulesOf(events)).toEqual([]);
  });

  test('inflated bytes that arrive only with the appended tail belong to the message (no bogus error text)', () => {
    // A truncated fixed-Huffman block: the 4 tail bytes are read as more codes. This is a
    // deflate-error (the data ends inside a block), reported as such, not as an internal crash.
    const events = decode(hex('c1 02 f2 48  c1 07 f2 48 cd c9 c9 07 00'), { side: 'server', deflate: { noContextTakeover: false } });
    expect(types(events)).toEqual(['frame', 'message', 'violation', 'frame', 'message']);
    expect(events[2]).toMatchObject({ rule: 'deflate-error' });
    expect((events[2] as { message: string }).message).not.toMatch(/Cannot read|undefined|null/);
    expect(messages(events)[1]).toMatchObject({ text: 'Hello', size: 5 });
  });
});

// ---- bounded memory -----------------------------------------------------

describe('bounded memory and big claims', () => {
  test('a header claiming 2^62 bytes, then 1 MiB of payload: nothing proportional to the claim', () => {
    for (const side of ['client', 'server'] as const) {
      for (const opcode of [OP_BINARY, OP_TEXT]) {
        const inspector = new DirectionInspector({ side });
        const header = encodeFrame({ opcode, declaredLength: 2n ** 62n, maskKey: side === 'client' ? K1 : null });
        const chunk = Buffer.alloc(64 * 1024, 0x61);
        const events: InspectorEvent[] = [];
        const allocated = bytesAllocated(() => {
          events.push(...inspector.push(header));
          for (let i = 0; i < 16; i++) events.push(...inspector.push(chunk));
        });
        expect(events).toEqual([]); // no frame event before the frame completes, no violation for a valid header
        // The 64 KiB text preview at most (and the shared unmask scratch on first use), nothing like the 1 MiB seen.
        expect(allocated).toBeLessThanOrEqual(2 * 64 * 1024);
        expect(inspector.atFrameBoundary).toBe(false);
        expect(inspector.lost).toBe(false);
        expect(inspector.stats.wireBytes).toBe(header.length + 16 * chunk.length);
      }
    }
  });

  test('a 10 MiB binary message previews exactly 64 KiB and reports its exact size', () => {
    const size = 10 * 1024 * 1024;
    const payload = Buffer.alloc(size);
    for (let i = 0; i < size; i += 4096) payload[i] = (i >> 12) & 0xff;
    const bytes = encodeFrame({ opcode: OP_BINARY, payload, maskKey: K1 });
    const events = decode(bytes, { side: 'client' }, [1 << 20, 12345]);
    expect(types(events)).toEqual(['frame', 'message']);
    const [message] = messages(events);
    expect(message).toMatchObject({ kind: 'binary', size, truncated: true, wireBytes: bytes.length });
    const preview = Buffer.from(message!.base64!, 'base64');
    expect(preview.length).toBe(64 * 1024);
    expect(preview).toEqual(payload.subarray(0, 64 * 1024));
  });

  test('a 10 MiB text message previews at most 64 KiB', () => {
    const text = 'ab€'.repeat((10 * 1024 * 1024) / 5);
    const events = decode(encodeFrame({ opcode: OP_TEXT, payload: text }), { side: 'server' }, [65535]);
    const [message] = messages(events);
    expect(message).toMatchObject({ size: Buffer.byteLength(text), truncated: true });
    expect(Buffer.byteLength(message!.text!)).toBeLessThanOrEqual(64 * 1024);
    expect(Buffer.byteLength(message!.text!)).toBeGreaterThan(64 * 1024 - 3);
    expect(text.startsWith(message!.text!)).toBe(true);
  });

  test('a deflate bomb stops at maxInflate', () => {
    // How fast it stops is measured in npm run bench, not here.
    const bomb = deflateRawSync(Buffer.alloc(200e6), { finishFlush: zlib.Z_SYNC_FLUSH }).subarray(0, -4);
    const frame = encodeFrame({ opcode: OP_BINARY, rsv1: true, payload: bomb });
    const events = decode(frame, { side: 'server', deflate: { noContextTakeover: false }, maxInflate: 1 << 20 }, [16384]);
    expect(types(events)).toEqual(['frame', 'message']);
    expect(messages(events)[0]).toMatchObject({ compressed: true, size: 1 << 20, truncated: true });
    expect(Buffer.from(messages(events)[0]!.base64!, 'base64').length).toBe(64 * 1024);
  });
});
