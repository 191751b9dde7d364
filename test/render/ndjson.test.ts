import { expect, test } from 'vitest';
import { stamp, type InspectorEvent, type WireEvent } from '../../src/inspector/events.js';
import { violation } from '../../src/inspector/events.js';
import { createNdjsonSink } from '../../src/render/ndjson.js';
import { fanOut, type EventSink } from '../../src/render/sink.js';
import fc from 'fast-check';
import { DecodedMessage } from '../../src/inspector/message-event.js';
import { frameJson, messageJson } from '../../src/render/event-json.js';
import { DecodedFrame } from '../../src/inspector/frame-event.js';
import { DirectionInspector } from '../../src/inspector/direction.js';
import { encodeFrame } from '../../src/inspector/frame-encoder.js';

const TS = 1_715_000_000_123.5;

const EVENTS: InspectorEvent[] = [
  { type: 'connection', client: '[::1]:51234', upstream: 'ws://127.0.0.1:9001/' },
  { type: 'handshake-request', method: 'GET', path: '/', httpVersion: '1.1', headers: [['Host', 'x'], ['X-Evil', 'a\x1bb\u202ec']], key: null },
  {
    type: 'message',
    from: 'server',
    kind: 'text',
    frames: 1,
    compressed: false,
    wireBytes: 12,
    size: 12,
    text: 'line1\nline2\x1b\u202e',
    truncated: false,
  },
  violation('client-frame-unmasked', 'client', 'client frame is not masked'),
  { type: 'error', message: 'upstream refused' },
];

/** The lines the sink wrote for `events`, once closed. */
async function run(events: WireEvent[]): Promise<string[]> {
  let text = '';
  const sink = createNdjsonSink({ write: (chunk) => ((text += chunk), true) });
  for (const event of events) sink.write(event);
  await sink.close();
  return text.split(/(?<=\n)/);
}

test('one JSON line per event, type, conn and ts first', async () => {
  const events = EVENTS.map((event, i) => stamp(event, 7, TS + i));
  const lines = await run(events);
  expect(lines).toHaveLength(events.length);
  lines.forEach((line, i) => {
    expect(line.endsWith('\n')).toBe(true);
    const parsed = JSON.parse(line) as Record<string, unknown>;
    expect(Object.keys(parsed).slice(0, 3)).toEqual(['type', 'conn', 'ts']);
    expect(parsed).toEqual(events[i]);
  });
});

test('the text is exact: JSON escaping only, no terminal escaping', async () => {
  const [line] = await run([stamp(EVENTS[2]!, 1, TS)]);
  expect(line).toContain('"text":"line1\\nline2\\u001b\u202e"');
  expect((JSON.parse(line!) as { text: string }).text).toBe('line1\nline2\x1b\u202e');
});

test("a tick's lines go out in one write at the end of the tick; a long burst sooner", async () => {
  const writes: string[] = [];
  const sink = createNdjsonSink({ write: (chunk) => (writes.push(chunk), true) });
  sink.write(stamp(EVENTS[0]!, 1, TS));
  sink.write(stamp(EVENTS[4]!, 1, TS));
  expect(writes).toEqual([]);
  await new Promise((resolve) => setImmediate(resolve));
  expect(writes).toHaveLength(1);
  expect(writes[0]!.split('\n')).toHaveLength(3);

  const big = stamp({ type: 'error', message: 'x'.repeat(70_000) }, 1, TS);
  sink.write(big);
  expect(writes).toHaveLength(2);
  await sink.close();
  expect(writes).toHaveLength(2);
});

test('fanOut writes each event to every sink, and closes them all even when one fails', async () => {
  const lines: string[] = [];
  let closed = false;
  const failing: EventSink = { write: () => {}, close: () => Promise.reject(new Error('disk full')) };
  const last: EventSink = { write: () => {}, close: async () => void (closed = true) };
  const sink = fanOut(createNdjsonSink({ write: (text) => (lines.push(text), true) }), failing, last);
  sink.write(stamp(EVENTS[0]!, 1, TS));
  await expect(sink.close()).rejects.toThrow('disk full');
  expect(lines).toHaveLength(1);
  expect(closed).toBe(true);
});

test('a long base64 preview is written exactly as JSON.stringify would write it', async () => {
  const { createNdjsonSink } = await import('../../src/render/ndjson.js');
  let text = '';
  const sink = createNdjsonSink({ write: (s: string) => ((text += s), true) });
  const base64 = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 7) & 0xff)).toString('base64');
  const event = { type: 'message', conn: 1, ts: 1.5, from: 'server', kind: 'binary', frames: 1, compressed: false, wireBytes: 70_010, size: 70_000, base64, truncated: false } as const;
  sink.write(event);
  await sink.close();
  expect(text).toBe(`${JSON.stringify(event)}\n`);
});

test('a decoded message is written exactly as JSON.stringify writes the object it stands for', () => {
  fc.assert(
    fc.property(
      fc.record({
        from: fc.constantFrom('client' as const, 'server' as const),
        kind: fc.constantFrom('text' as const, 'binary' as const),
        frames: fc.nat(5),
        compressed: fc.boolean(),
        wireBytes: fc.nat(),
        truncated: fc.boolean(),
        // Any bytes: control characters, quotes, backslashes, invalid UTF-8, a code point cut at the end.
        bytes: fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 20 }).map((s) => new TextEncoder().encode(s))),
        stamp: fc.option(fc.record({ conn: fc.integer({ min: 1, max: 1e6 }), ts: fc.double({ min: 1e12, max: 2e12, noNaN: true }) })),
        injected: fc.boolean(),
      }),
      (r) => {
        const preview = Buffer.from(r.bytes);
        let m = new DecodedMessage(r.from, r.kind, r.frames, r.compressed, r.wireBytes, preview.length + 3, r.truncated, preview);
        if (r.injected) m.injected = true;
        if (r.stamp) m = stamp(m, r.stamp.conn, r.stamp.ts) as unknown as DecodedMessage;
        const text = r.truncated ? new TextDecoder().decode(preview.subarray(0, preview.length - incompleteTail(preview))) : new TextDecoder().decode(preview);
        const plain = {
          type: 'message',
          ...(r.stamp ? { conn: r.stamp.conn, ts: r.stamp.ts } : {}),
          from: r.from,
          kind: r.kind,
          frames: r.frames,
          compressed: r.compressed,
          wireBytes: r.wireBytes,
          size: preview.length + 3,
          truncated: r.truncated,
          ...(r.kind === 'text' ? { text } : { base64: preview.toString('base64') }),
          ...(r.injected ? { injected: true } : {}),
        };
        expect(JSON.stringify(m)).toBe(JSON.stringify(plain));
        expect(messageJson(m)).toBe(JSON.stringify(plain));
      },
    ),
    { numRuns: 300 },
  );
});

/** Bytes at the end that begin a UTF-8 sequence not yet finished (written apart from the code under test). */
function incompleteTail(bytes: Uint8Array): number {
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const b = bytes[bytes.length - back]!;
    if ((b & 0xc0) === 0x80) continue;
    const need = b >= 0xf0 && b <= 0xf4 ? 4 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xc2 && b <= 0xdf ? 2 : 1;
    return need > back ? back : 0;
  }
  return 0;
}

test('decoded frames are written and stamped exactly as JSON.stringify and Object.assign would', () => {
  const frame = fc.record({
    opcode: fc.constantFrom(0, 1, 2, 3, 8, 9, 10, 11),
    fin: fc.boolean(),
    rsv1: fc.boolean(),
    rsv2: fc.boolean(),
    rsv3: fc.boolean(),
    maskKey: fc.option(fc.uint8Array({ minLength: 4, maxLength: 4 }), { nil: null }),
    // Close payloads with a code and any reason: quotes, backslashes, control characters, invalid UTF-8.
    payload: fc.oneof(fc.uint8Array({ maxLength: 140 }), fc.tuple(fc.integer({ min: 0, max: 5000 }), fc.string({ unit: 'binary', maxLength: 30 })).map(([code, reason]) => Buffer.concat([Buffer.from([code >> 8, code & 255]), Buffer.from(reason)]))),
  });
  fc.assert(
    fc.property(
      fc.array(frame, { minLength: 1, maxLength: 6 }),
      fc.constantFrom('client' as const, 'server' as const),
      fc.boolean(),
      fc.boolean(),
      (frames, side, payloadHeads, deflate) => {
        const inspector = new DirectionInspector({ side, payloadHeads, deflate: deflate ? { noContextTakeover: false } : null });
        const events = inspector.push(Buffer.concat(frames.map((f) => encodeFrame(f))));
        for (const [i, event] of events.entries()) {
          if (!(event instanceof DecodedFrame)) continue;
          if (i % 2) event.injected = true;
          expect(frameJson(event)).toBe(JSON.stringify(event));
          const stamped = stamp(event, 7, 1.7e12 + i);
          expect(JSON.stringify(stamped)).toBe(JSON.stringify(Object.assign({ type: event.type, conn: 7, ts: 1.7e12 + i }, event)));
          expect(frameJson(stamped as DecodedFrame)).toBe(JSON.stringify(stamped));
        }
      },
    ),
    { numRuns: 300 },
  );
});

test('frames of connections taking turns, at the same and at different times, each carry their own stamp', () => {
  const inspector = new DirectionInspector({ side: 'server', payloadHeads: true });
  const frames = inspector.push(Buffer.concat([0, 1, 2, 3].map(() => encodeFrame({ opcode: 2, payload: Buffer.from([1, 2, 3]) })))).filter((e) => e instanceof DecodedFrame);
  const stamps: [number, number][] = [[1, TS], [2, TS], [1, TS], [1, TS + 1]];
  frames.forEach((frame, i) => {
    const stamped = stamp(frame, ...stamps[i]!) as DecodedFrame;
    expect(frameJson(stamped)).toBe(JSON.stringify(stamped));
    expect(frameJson(frame)).toBe(JSON.stringify(frame)); // unstamped in between: no stamp at all
  });
});
