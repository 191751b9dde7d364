/**
 * Property tests (fast-check) of DirectionInspector:
 * - random valid frame sequences (every opcode, control frames inside fragmented
 *   messages, masked for a client, unmasked for a server, some messages compressed
 *   by node:zlib) decode to exactly the messages that were sent, with no violation,
 *   and to the same events however the bytes are chunked;
 * - random and corrupted bytes never throw, finish quickly, and are chunking-independent too.
 *
 * FUZZ_LONG=1 runs far more cases (FUZZ_SEED=n replays one seed):
 *   npm run fuzz   (FUZZ_LONG=1 over this file and the HTTP parser properties)
 */
import { constants as zlib, deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { DirectionInspector, type DirectionOptions } from '../../src/inspector/direction.js';
import type { InspectorEvent, Side } from '../../src/inspector/events.js';
import { closePayload, encodeFrame } from '../../src/inspector/frame-encoder.js';
import { OP_BINARY, OP_CLOSE, OP_CONTINUATION, OP_PING, OP_PONG, OP_TEXT } from '../../src/inspector/opcodes.js';
import { messages, violations } from '../helpers/decode.js';
import { FUZZ_TIMEOUT, fuzzParams } from '../helpers/fuzz.js';

const params = fuzzParams;
const TIMEOUT = FUZZ_TIMEOUT;

// ---- generators -----------------------------------------------------------

interface Control {
  opcode: typeof OP_PING | typeof OP_PONG;
  payload: Uint8Array;
}

interface Message {
  kind: 'text' | 'binary';
  text: string;
  bytes: Uint8Array;
  compress: boolean;
  /** Where the (compressed) payload is cut into fragments. */
  cuts: number[];
  /** Control frames sent between (or, for one-frame messages, before) the fragments. */
  controls: Control[];
}

type Item = { type: 'message'; message: Message } | { type: 'control'; control: Control };

const controlArb: fc.Arbitrary<Control> = fc.record({
  opcode: fc.constantFrom(OP_PING, OP_PONG),
  payload: fc.uint8Array({ maxLength: 125 }),
});

/** Binary payloads: random bytes, or runs of a few values (so compression has something to do). */
const bytesArb = fc.oneof(
  fc.uint8Array({ maxLength: 2000 }),
  fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 400 })), { maxLength: 12 }).map((runs) =>
    Uint8Array.from(runs.flatMap(([value, n]) => Array<number>(n).fill(value))),
  ),
);

const messageArb: fc.Arbitrary<Message> = fc.record({
  kind: fc.constantFrom('text' as const, 'binary' as const),
  text: fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), fc.string({ unit: 'grapheme', maxLength: 50 }).map((s) => s.repeat(5))),
  bytes: bytesArb,
  compress: fc.boolean(),
  cuts: fc.array(fc.nat(), { maxLength: 4 }),
  controls: fc.array(controlArb, { maxLength: 3 }),
});

const itemArb: fc.Arbitrary<Item> = fc.oneof(
  { weight: 4, arbitrary: messageArb.map((message) => ({ type: 'message' as const, message })) },
  { weight: 1, arbitrary: controlArb.map((control) => ({ type: 'control' as const, control })) },
);

const closeArb = fc.option(
  fc.record({
    code: fc.oneof(fc.constantFrom(1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014), fc.integer({ min: 3000, max: 4999 })),
    reason: fc.string({ unit: 'binary', maxLength: 30 }),
  }),
);

interface Scenario {
  side: Side;
  /** permessage-deflate: off, on without context takeover, or on with it. */
  deflate: 'off' | 'no-context-takeover' | 'context-takeover';
  items: Item[];
  close: { code: number; reason: string } | null;
  keys: number[];
}

const scenarioArb: fc.Arbitrary<Scenario> = fc.record({
  side: fc.constantFrom('client' as const, 'server' as const),
  deflate: fc.constantFrom('off' as const, 'no-context-takeover' as const, 'context-takeover' as const),
  items: fc.array(itemArb, { maxLength: 8 }),
  close: closeArb,
  keys: fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 1, maxLength: 16 }),
});

/** What a message should decode to. */
interface Expected {
  kind: 'text' | 'binary';
  data: Buffer;
  text: string;
  frames: number;
  compressed: boolean;
}

/**
 * A message as permessage-deflate sends it: sync-flushed, the 00 00 ff ff tail removed.
 * Under context takeover the compressor may refer back into earlier messages; compressing
 * with the last 32 KiB of them as the dictionary does exactly that.
 */
const compress = (data: Uint8Array, window?: Uint8Array) =>
  deflateRawSync(data, { finishFlush: zlib.Z_SYNC_FLUSH, ...(window?.length ? { dictionary: window } : {}) }).subarray(0, -4);

/** The wire bytes of a scenario, and the messages and frame count it should decode to. */
function build(s: Scenario): { bytes: Buffer; expected: Expected[]; frameCount: number; options: DirectionOptions } {
  const frames: Buffer[] = [];
  let keyIndex = 0;
  let lastKey = -1;
  const maskKey = (): Buffer | null => {
    if (s.side === 'server') return null;
    // Never all zeros, never the previous frame's key: this is a valid, well-behaved sender.
    let k = s.keys[keyIndex++ % s.keys.length]! || 1;
    if (k === lastKey) k = (k ^ 0x01010101) >>> 0 || 2;
    lastKey = k;
    const b = Buffer.alloc(4);
    b.writeUInt32BE(k);
    return b;
  };
  const control = (c: Control) => frames.push(encodeFrame({ opcode: c.opcode, payload: c.payload, maskKey: maskKey() }));
  const expected: Expected[] = [];
  let window = Buffer.alloc(0);
  for (const item of s.items) {
    if (item.type === 'control') {
      control(item.control);
      continue;
    }
    const m = item.message;
    const data = m.kind === 'text' ? Buffer.from(m.text) : Buffer.from(m.bytes);
    const compressed = s.deflate !== 'off' && m.compress;
    const payload = compressed ? compress(data, s.deflate === 'context-takeover' ? window : undefined) : data;
    if (compressed) window = Buffer.concat([window, data]).subarray(-32768);
    const cuts = [...new Set(m.cuts.map((c) => c % (payload.length + 1)))].sort((a, b) => a - b);
    const bounds = [0, ...cuts, payload.length];
    const fragments = bounds.slice(1).map((end, i) => payload.subarray(bounds[i], end));
    if (fragments.length === 1) m.controls.forEach(control);
    fragments.forEach((fragment, i) => {
      const first = i === 0;
      const last = i === fragments.length - 1;
      frames.push(
        encodeFrame({
          opcode: first ? (m.kind === 'text' ? OP_TEXT : OP_BINARY) : OP_CONTINUATION,
          fin: last,
          rsv1: first && compressed,
          payload: fragment,
          maskKey: maskKey(),
        }),
      );
      if (!last) m.controls.filter((_, j) => j % (fragments.length - 1) === i).forEach(control);
    });
    expected.push({ kind: m.kind, data, text: m.text, frames: fragments.length, compressed });
  }
  if (s.close) frames.push(encodeFrame({ opcode: OP_CLOSE, payload: closePayload(s.close.code, s.close.reason), maskKey: maskKey() }));
  const options: DirectionOptions = {
    side: s.side,
    deflate: s.deflate === 'off' ? null : { noContextTakeover: s.deflate === 'no-context-takeover' },
  };
  return { bytes: Buffer.concat(frames), expected, frameCount: frames.length, options };
}

/** Feeds `bytes` cut at the given points (taken modulo its length). */
function decodeCut(bytes: Uint8Array, options: DirectionOptions, cuts: number[]): InspectorEvent[] {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const inspector = new DirectionInspector(options);
  const events: InspectorEvent[] = [];
  let from = 0;
  for (const cut of [...at, bytes.length]) {
    events.push(...inspector.push(bytes.subarray(from, cut)));
    from = cut;
  }
  return events;
}

const cutsArb = fc.array(fc.nat(), { maxLength: 40 });

// ---- properties -----------------------------------------------------------

describe('valid frame sequences', () => {
  test('decode to the messages sent, with no violation, however the bytes are chunked', () => {
    fc.assert(
      fc.property(scenarioArb, cutsArb, (scenario, cuts) => {
        const { bytes, expected, frameCount, options } = build(scenario);
        const events = new DirectionInspector(options).push(bytes);
        expect(violations(events)).toEqual([]);
        expect(events.filter((e) => e.type === 'frame')).toHaveLength(frameCount);
        const got = messages(events);
        expect(got).toHaveLength(expected.length);
        got.forEach((m, i) => {
          const want = expected[i]!;
          expect(m).toMatchObject({ from: scenario.side, kind: want.kind, frames: want.frames, compressed: want.compressed, size: want.data.length, truncated: false });
          if (want.kind === 'text') expect(m.text).toBe(want.text);
          else expect(Buffer.from(m.base64!, 'base64').equals(want.data)).toBe(true);
        });
        if (scenario.close) {
          expect(events.at(-1)).toMatchObject({ type: 'frame', opcode: OP_CLOSE, close: { code: scenario.close.code, reason: scenario.close.reason } });
        }
        expect(decodeCut(bytes, options, cuts)).toEqual(events);
      }),
      params(150),
    );
  }, TIMEOUT);

  test('a small preview holds the longest whole-code-point prefix that fits', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), fc.integer({ min: 0, max: 80 }), cutsArb, (text, previewBytes, cuts) => {
        const bytes = encodeFrame({ opcode: OP_TEXT, payload: text });
        const options: DirectionOptions = { side: 'server', previewBytes };
        const [message] = messages(decodeCut(bytes, options, cuts));
        const size = Buffer.byteLength(text);
        expect(message).toMatchObject({ size, truncated: size > previewBytes });
        const shown = message!.text!;
        expect(text.startsWith(shown)).toBe(true);
        const shownBytes = Buffer.byteLength(shown);
        expect(shownBytes).toBeLessThanOrEqual(previewBytes);
        if (shown !== text) expect(shownBytes + Buffer.byteLength(String.fromCodePoint(text.slice(shown.length).codePointAt(0)!))).toBeGreaterThan(previewBytes);
      }),
      params(300),
    );
  }, TIMEOUT);
});

describe('arbitrary bytes', () => {
  const optionsArb = fc.record({
    side: fc.constantFrom('client' as const, 'server' as const),
    deflate: fc.constantFrom(null, { noContextTakeover: true }, { noContextTakeover: false }),
    previewBytes: fc.constantFrom(undefined, 0, 7, 1000),
    maxInflate: fc.constantFrom(undefined, 10, 4096),
  });

  /** Fast-failing checks on any event list: offsets grow, nothing after `undecodable`. */
  function sane(events: InspectorEvent[]): void {
    let offset = -1;
    events.forEach((e, i) => {
      if (e.type === 'frame') {
        expect(e.offset).toBeGreaterThan(offset);
        offset = e.offset;
      }
      if (e.type === 'undecodable') expect(i).toBe(events.length - 1);
    });
  }

  test('random bytes never throw and decode the same however chunked', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), optionsArb, cutsArb, (bytes, options, cuts) => {
        const events = new DirectionInspector(options).push(bytes);
        // Work is bounded by the input: every frame takes at least its 2 header bytes.
        expect(events.filter((e) => e.type === 'frame').length).toBeLessThanOrEqual(Math.ceil(bytes.length / 2));
        sane(events);
        expect(decodeCut(bytes, options, cuts)).toEqual(events);
      }),
      params(300),
    );
  }, TIMEOUT);

  test('frame-shaped noise: random headers and payloads, RSV1 set often', () => {
    const frameArb = fc.record({
      first: fc.integer({ min: 0, max: 255 }),
      mask: fc.option(fc.uint8Array({ minLength: 4, maxLength: 4 })),
      payload: fc.oneof(fc.uint8Array({ maxLength: 300 }), bytesArb.map((b) => compress(b))),
    });
    fc.assert(
      fc.property(fc.array(frameArb, { maxLength: 10 }), optionsArb, cutsArb, (specs, options, cuts) => {
        const bytes = Buffer.concat(
          specs.map((f) =>
            encodeFrame({
              opcode: f.first & 0x0f,
              fin: (f.first & 0x80) !== 0,
              rsv1: (f.first & 0x40) !== 0 || (f.first & 0x0f) < 3,
              rsv2: (f.first & 0x20) !== 0 && (f.first & 0x07) === 0,
              rsv3: (f.first & 0x10) !== 0 && (f.first & 0x07) === 0,
              payload: f.payload,
              maskKey: f.mask,
            }),
          ),
        );
        const events = new DirectionInspector(options).push(bytes);
        // Work is bounded by the input: every frame takes at least its 2 header bytes.
        expect(events.filter((e) => e.type === 'frame').length).toBeLessThanOrEqual(Math.ceil(bytes.length / 2));
        sane(events);
        expect(events.filter((e) => e.type === 'frame')).toHaveLength(specs.length);
        expect(decodeCut(bytes, options, cuts)).toEqual(events);
      }),
      params(300),
    );
  }, TIMEOUT);

  test('valid sequences with a few bytes corrupted', () => {
    fc.assert(
      fc.property(scenarioArb, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }), cutsArb, (scenario, flips, cuts) => {
        const { bytes, options } = build(scenario);
        if (bytes.length === 0) return;
        for (const [at, xor] of flips) bytes[at % bytes.length] ^= xor;
        const events = new DirectionInspector(options).push(bytes);
        // Work is bounded by the input: every frame takes at least its 2 header bytes.
        expect(events.filter((e) => e.type === 'frame').length).toBeLessThanOrEqual(Math.ceil(bytes.length / 2));
        sane(events);
        expect(decodeCut(bytes, options, cuts)).toEqual(events);
      }),
      params(200),
    );
  }, TIMEOUT);
});
