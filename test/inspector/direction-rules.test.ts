/**
 * Every frame-level rule of the contract: a frame that breaks it and a close
 * relative that does not, asserting rule, severity, section and `from`; and
 * decoding goes on after each violation (a valid frame after it still decodes).
 * Frames are built with encodeFrame; every input is also fed byte by byte and
 * must give the same events.
 */
import { constants as zlib, deflateRawSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { DirectionInspector, type DirectionOptions } from '../../src/inspector/direction.js';
import type { InspectorEvent, Side } from '../../src/inspector/events.js';
import { closePayload, encodeFrame, type FrameSpec } from '../../src/inspector/frame-encoder.js';
import { OP_BINARY, OP_CLOSE, OP_CONTINUATION, OP_PING, OP_PONG, OP_TEXT } from '../../src/inspector/opcodes.js';
import { concat, decode, decodeByteByByte, hex, key, messages, rulesOf, types, violations } from '../helpers/decode.js';
import { FRAME_RULES } from '../helpers/contract-rules.js';

/** The rule table of shared/contract.md, restated here so the code's table is checked against it. */

let keyCounter = 0;
/** A fresh, never-repeating, non-zero masking key. */
function freshKey(): Buffer {
  keyCounter++;
  return Buffer.from([0x5a, keyCounter & 0xff, (keyCounter >> 8) & 0xff, 0xa5]);
}

/** A frame as `side` would send it: a client masks with a fresh key unless the spec says otherwise. */
function frame(side: Side, spec: FrameSpec): Buffer {
  return encodeFrame(side === 'client' && !('maskKey' in spec) ? { ...spec, maskKey: freshKey() } : spec);
}

const AFTER = 'after';

/**
 * Decodes the frames followed by one valid text frame ("after"), whole and byte by byte
 * (the two must agree), checks that the valid frame decoded, and returns the events
 * before it.
 */
function run(side: Side, frames: Buffer[], options: Partial<DirectionOptions> = {}): InspectorEvent[] {
  const opts: DirectionOptions = { side, ...options };
  const bytes = concat(...frames, frame(side, { opcode: OP_TEXT, payload: AFTER }));
  const events = decode(bytes, opts);
  expect(decodeByteByByte(bytes, opts)).toEqual(events);
  expect(events.at(-2)).toMatchObject({ type: 'frame', from: side, opcode: OP_TEXT, payloadLength: AFTER.length });
  expect(events.at(-1)).toMatchObject({ type: 'message', from: side, kind: 'text', text: AFTER, frames: 1 });
  return events.slice(0, -2);
}

/** Exactly the listed rules were reported, in order, each by `side` and with the contract's section and severity. */
function expectRules(events: InspectorEvent[], side: Side, rules: string[]): void {
  expect(rulesOf(events)).toEqual(rules);
  for (const v of violations(events)) {
    expect(FRAME_RULES[v.rule], v.rule).toBeDefined();
    expect(v).toMatchObject({ from: side, ...FRAME_RULES[v.rule] });
    expect(v.message.length).toBeGreaterThan(10);
  }
}

const deflate = { deflate: { noContextTakeover: false } };

function compress(data: string | Uint8Array): Buffer {
  return deflateRawSync(typeof data === 'string' ? Buffer.from(data) : data, { finishFlush: zlib.Z_SYNC_FLUSH }).subarray(0, -4);
}

describe('client-frame-unmasked (RFC6455 5.1)', () => {
  test('an unmasked client text frame and an unmasked client ping are reported; the text is still read', () => {
    const events = run('client', [frame('client', { opcode: OP_TEXT, payload: 'hi', maskKey: null })]);
    expect(types(events)).toEqual(['frame', 'violation', 'message']);
    expectRules(events, 'client', ['client-frame-unmasked']);
    expect(messages(events)[0]).toMatchObject({ text: 'hi' });
    expectRules(run('client', [frame('client', { opcode: OP_PING, maskKey: null })]), 'client', ['client-frame-unmasked']);
  });

  test('a masked client frame, or an unmasked server frame, is not', () => {
    expectRules(run('client', [frame('client', { opcode: OP_TEXT, payload: 'hi' })]), 'client', []);
    expectRules(run('server', [frame('server', { opcode: OP_TEXT, payload: 'hi' })]), 'server', []);
  });
});

describe('server-frame-masked (RFC6455 5.1)', () => {
  test('a masked server frame is reported and still unmasked', () => {
    const events = run('server', [encodeFrame({ opcode: OP_TEXT, payload: 'hi', maskKey: key('01020304') })]);
    expect(types(events)).toEqual(['frame', 'violation', 'message']);
    expectRules(events, 'server', ['server-frame-masked']);
    expect(messages(events)[0]).toMatchObject({ text: 'hi' });
  });

  test('an unmasked server frame, or a masked client frame, is not', () => {
    expectRules(run('server', [encodeFrame({ opcode: OP_BINARY, payload: 'x' })]), 'server', []);
    expectRules(run('client', [encodeFrame({ opcode: OP_BINARY, payload: 'x', maskKey: key('01020304') })]), 'client', []);
  });
});

describe('reserved-bits (RFC6455 5.2)', () => {
  test('RSV2, RSV3, or RSV1 with no extension', () => {
    for (const side of ['client', 'server'] as const) {
      expectRules(run(side, [frame(side, { opcode: OP_TEXT, payload: 'a', rsv2: true })]), side, ['reserved-bits']);
      expectRules(run(side, [frame(side, { opcode: OP_PING, rsv3: true })]), side, ['reserved-bits']);
      const rsv1 = run(side, [frame(side, { opcode: OP_TEXT, payload: 'plain', rsv1: true })]);
      expectRules(rsv1, side, ['reserved-bits']);
      expect(messages(rsv1)[0]).toMatchObject({ text: 'plain', compressed: false });
    }
  });

  test('RSV2 is reserved even under permessage-deflate', () => {
    expectRules(run('server', [frame('server', { opcode: OP_TEXT, payload: compress('a'), rsv1: true, rsv2: true })], deflate), 'server', ['reserved-bits']);
  });

  test('not: clear bits; RSV1 on a first frame under deflate; any bit when another extension defines them', () => {
    expectRules(run('server', [frame('server', { opcode: OP_TEXT, payload: 'a' })]), 'server', []);
    expectRules(run('server', [frame('server', { opcode: OP_TEXT, payload: compress('a'), rsv1: true })], deflate), 'server', []);
    const other = run('client', [frame('client', { opcode: OP_BINARY, payload: 'a', rsv1: true, rsv2: true, rsv3: true })], { rsvDefinedByExtension: true });
    expectRules(other, 'client', []);
  });
});

describe('reserved-opcode (RFC6455 5.2)', () => {
  test.each([0x3, 0x4, 0x5, 0x6, 0x7, 0xb, 0xc, 0xd, 0xe, 0xf])('opcode 0x%s', (opcode) => {
    const events = run('server', [frame('server', { opcode, payload: 'zzz' })]);
    expect(events[0]).toMatchObject({ type: 'frame', opcode, opcodeName: 'reserved', payloadLength: 3 });
    expectRules(events, 'server', ['reserved-opcode']);
  });

  test('not: the six defined opcodes', () => {
    const frames = [
      frame('client', { opcode: OP_TEXT, fin: false, payload: 'a' }),
      frame('client', { opcode: OP_CONTINUATION, payload: 'b' }),
      frame('client', { opcode: OP_BINARY, payload: 'c' }),
      frame('client', { opcode: OP_PING }),
      frame('client', { opcode: OP_PONG }),
    ];
    expectRules(run('client', frames), 'client', []);
  });

  test('a reserved frame between fragments leaves the message intact', () => {
    const events = run('server', [
      frame('server', { opcode: OP_TEXT, fin: false, payload: 'He' }),
      frame('server', { opcode: 0x3, payload: 'zz' }),
      frame('server', { opcode: OP_CONTINUATION, payload: 'llo' }),
    ]);
    expectRules(events, 'server', ['reserved-opcode']);
    expect(messages(events)).toEqual([expect.objectContaining({ text: 'Hello', frames: 2 })]);
  });
});

describe('control-frame-too-long (RFC6455 5.5)', () => {
  test('a 126-byte ping, a 200-byte pong, a 126-byte close', () => {
    expectRules(run('client', [frame('client', { opcode: OP_PING, payload: Buffer.alloc(126, 0x70) })]), 'client', ['control-frame-too-long']);
    expectRules(run('server', [frame('server', { opcode: OP_PONG, payload: Buffer.alloc(200, 0x70) })]), 'server', ['control-frame-too-long']);
    const close = decodeBoth('server', frame('server', { opcode: OP_CLOSE, payload: closePayload(1000, 'r'.repeat(124)) }));
    expectRules(close, 'server', ['control-frame-too-long']);
  });

  test('a close reason cut at 125 bytes is not reported as invalid UTF-8 because of the cut', () => {
    const reason = 'a' + '€'.repeat(70); // 2 + 1 + 210 bytes: the first 125 end inside a '€'
    const events = decodeBoth('client', frame('client', { opcode: OP_CLOSE, payload: closePayload(1000, reason) }));
    expectRules(events, 'client', ['control-frame-too-long']);
    expect(events[0]).toMatchObject({ close: { code: 1000, reason: 'a' + '€'.repeat(40) } });
  });

  test('not: a 125-byte ping', () => {
    expectRules(run('client', [frame('client', { opcode: OP_PING, payload: Buffer.alloc(125, 0x70) })]), 'client', []);
  });
});

describe('control-frame-fragmented (RFC6455 5.5)', () => {
  test('a ping or close with FIN clear', () => {
    expectRules(run('server', [frame('server', { opcode: OP_PING, fin: false, payload: 'p' })]), 'server', ['control-frame-fragmented']);
    const close = decodeBoth('client', frame('client', { opcode: OP_CLOSE, fin: false, payload: closePayload(1000) }));
    expectRules(close, 'client', ['control-frame-fragmented']);
  });

  test('not: a ping with FIN set, inside a fragmented message', () => {
    const events = run('server', [
      frame('server', { opcode: OP_BINARY, fin: false, payload: 'ab' }),
      frame('server', { opcode: OP_PING, payload: 'p' }),
      frame('server', { opcode: OP_CONTINUATION, payload: 'cd' }),
    ]);
    expectRules(events, 'server', []);
    expect(messages(events)[0]).toMatchObject({ frames: 2, base64: Buffer.from('abcd').toString('base64') });
  });
});

describe('unexpected-continuation (RFC6455 5.4)', () => {
  test('a continuation with no message open, at the start and after a complete message', () => {
    const first = run('client', [frame('client', { opcode: OP_CONTINUATION, payload: 'x' })]);
    expect(types(first)).toEqual(['frame', 'violation']);
    expectRules(first, 'client', ['unexpected-continuation']);
    const later = run('server', [
      frame('server', { opcode: OP_TEXT, payload: 'done' }),
      frame('server', { opcode: OP_CONTINUATION, fin: false, payload: 'x' }),
      frame('server', { opcode: OP_CONTINUATION, payload: 'y' }),
    ]);
    expectRules(later, 'server', ['unexpected-continuation', 'unexpected-continuation']);
    expect(messages(later)).toHaveLength(1);
  });

  test('not: a continuation of an open message', () => {
    expectRules(
      run('client', [frame('client', { opcode: OP_TEXT, fin: false, payload: 'a' }), frame('client', { opcode: OP_CONTINUATION, payload: 'b' })]),
      'client',
      [],
    );
  });
});

describe('expected-continuation (RFC6455 5.4)', () => {
  test('a new text or binary frame while a message is open: the open one is dropped, the new one read', () => {
    const events = run('server', [
      frame('server', { opcode: OP_TEXT, fin: false, payload: 'ab' }),
      frame('server', { opcode: OP_TEXT, payload: 'cd' }),
    ]);
    expect(types(events)).toEqual(['frame', 'frame', 'violation', 'message']);
    expectRules(events, 'server', ['expected-continuation']);
    expect(messages(events)).toEqual([expect.objectContaining({ text: 'cd', frames: 1 })]);
    const binary = run('client', [
      frame('client', { opcode: OP_BINARY, fin: false, payload: 'ab' }),
      frame('client', { opcode: OP_BINARY, fin: false, payload: 'cd' }),
      frame('client', { opcode: OP_CONTINUATION, payload: 'ef' }),
    ]);
    expectRules(binary, 'client', ['expected-continuation']);
    expect(messages(binary)).toEqual([expect.objectContaining({ base64: Buffer.from('cdef').toString('base64'), frames: 2 })]);
  });

  test('not: control frames inside a message, or whole messages back to back', () => {
    expectRules(
      run('server', [
        frame('server', { opcode: OP_TEXT, fin: false, payload: 'a' }),
        frame('server', { opcode: OP_PONG }),
        frame('server', { opcode: OP_CONTINUATION, payload: 'b' }),
        frame('server', { opcode: OP_TEXT, payload: 'c' }),
      ]),
      'server',
      [],
    );
  });
});

describe('length-not-minimal (RFC6455 5.2, warning)', () => {
  test.each([
    { bits: 16 as const, length: 125 },
    { bits: 16 as const, length: 0 },
    { bits: 64 as const, length: 65535 },
    { bits: 64 as const, length: 125 },
  ])('$length bytes in a $bits-bit length', ({ bits, length }) => {
    const events = run('client', [frame('client', { opcode: OP_BINARY, payload: Buffer.alloc(length, 1), lengthBits: bits })]);
    expect(events[0]).toMatchObject({ type: 'frame', lengthBits: bits, payloadLength: length });
    expectRules(events, 'client', ['length-not-minimal']);
    expect(violations(events)[0]!.severity).toBe('warning');
    expect(messages(events)[0]).toMatchObject({ size: length });
  });

  test.each([
    { bits: 7 as const, length: 125 },
    { bits: 16 as const, length: 126 },
    { bits: 16 as const, length: 65535 },
    { bits: 64 as const, length: 65536 },
  ])('not: $length bytes in a $bits-bit length', ({ bits, length }) => {
    const events = run('server', [frame('server', { opcode: OP_BINARY, payload: Buffer.alloc(length, 1), lengthBits: bits })]);
    expect(events[0]).toMatchObject({ lengthBits: bits, payloadLength: length });
    expectRules(events, 'server', []);
  });
});

describe('length-msb-set (RFC6455 5.2)', () => {
  test.each([2n ** 63n, 2n ** 64n - 1n])('a 64-bit length of %s: violation, undecodable, and nothing after', (declaredLength) => {
    for (const side of ['client', 'server'] as const) {
      const bytes = concat(
        frame(side, { opcode: OP_TEXT, payload: 'ok' }),
        frame(side, { opcode: OP_BINARY, declaredLength }),
        frame(side, { opcode: OP_TEXT, payload: 'never seen' }),
        Buffer.from('more bytes'),
      );
      for (const events of [decode(bytes, { side }), decodeByteByByte(bytes, { side })]) {
        expect(types(events)).toEqual(['frame', 'message', 'frame', 'violation', 'undecodable']);
        expectRules(events, side, ['length-msb-set']);
        expect(events[2]).toMatchObject({ type: 'frame', opcode: OP_BINARY, lengthBits: 64 });
        expect(events[4]).toMatchObject({ type: 'undecodable', from: side });
      }
      const inspector = new DirectionInspector({ side });
      inspector.push(bytes);
      expect(inspector.lost).toBe(true);
      expect(inspector.push(frame(side, { opcode: OP_TEXT, payload: 'x' }))).toEqual([]);
      expect(inspector.stats.wireBytes).toBe(bytes.length + 2 + (side === 'client' ? 4 : 0) + 1);
    }
  });

  test('not: 2^63 - 1 (the claim is legal; the frame just never completes)', () => {
    const inspector = new DirectionInspector({ side: 'server' });
    expect(inspector.push(frame('server', { opcode: OP_BINARY, declaredLength: 2n ** 63n - 1n }))).toEqual([]);
    expect(inspector.push(Buffer.alloc(1000))).toEqual([]);
    expect(inspector.lost).toBe(false);
  });
});

describe('invalid-utf8 (RFC6455 8.1, 5.5.1)', () => {
  const text = (payload: Buffer | string, fin = true, opcode: number = OP_TEXT) => frame('client', { opcode, payload, fin });

  test.each([
    ['a lone 0xff', 'ff'],
    ['a stray continuation byte', '61 80 62'],
    ['an overlong 2-byte "/"', 'c0 af'],
    ['an overlong 3-byte "/"', 'e0 80 af'],
    ['an overlong 4-byte "/"', 'f0 80 80 af'],
    ['a UTF-16 surrogate (U+D800)', 'ed a0 80'],
    ['a code point above U+10FFFF', 'f4 90 80 80'],
    ['a lead byte then ASCII', 'e2 41 41'],
  ])('%s in one frame: reported right after the frame', (_, bytes) => {
    const events = run('client', [text(hex(bytes))]);
    expect(types(events)).toEqual(['frame', 'violation', 'message']);
    expectRules(events, 'client', ['invalid-utf8']);
  });

  test('a sequence cut by the end of the message: reported when the message ends', () => {
    const single = run('client', [text(hex('61 e2 82'))]);
    expect(types(single)).toEqual(['frame', 'message', 'violation']);
    expectRules(single, 'client', ['invalid-utf8']);
    const fragmented = run('client', [text(hex('61 e2'), false), text(hex('82'), true, OP_CONTINUATION)]);
    expectRules(fragmented, 'client', ['invalid-utf8']);
  });

  test('an invalid first fragment is reported after that fragment, once per message', () => {
    const events = run('client', [text(hex('ff'), false), text(hex('fe ff'), true, OP_CONTINUATION)]);
    expect(types(events)).toEqual(['frame', 'violation', 'frame', 'message']);
    expectRules(events, 'client', ['invalid-utf8']);
  });

  test('not: a code point split across two fragments, at each position', () => {
    for (const ch of ['é', '€', '𝄞']) {
      const bytes = Buffer.from(ch);
      for (let cut = 1; cut < bytes.length; cut++) {
        const events = run('client', [
          text(Buffer.concat([Buffer.from('x'), bytes.subarray(0, cut)]), false),
          frame('client', { opcode: OP_PING }),
          text(Buffer.concat([bytes.subarray(cut), Buffer.from('y')]), true, OP_CONTINUATION),
        ]);
        expectRules(events, 'client', []);
        expect(messages(events)[0]).toMatchObject({ text: `x${ch}y`, frames: 2 });
      }
    }
  });

  test('not: invalid UTF-8 in a binary message', () => {
    expectRules(run('client', [text(hex('ff fe c0'), true, OP_BINARY)]), 'client', []);
  });

  test('a close reason that is not UTF-8; not: a valid multi-byte reason', () => {
    const bad = decodeBoth('server', frame('server', { opcode: OP_CLOSE, payload: Buffer.concat([closePayload(1000), hex('ce ff')]) }));
    expect(types(bad)).toEqual(['frame', 'violation']);
    expectRules(bad, 'server', ['invalid-utf8']);
    const good = decode(frame('server', { opcode: OP_CLOSE, payload: closePayload(1000, 'ça va €') }), { side: 'server' });
    expectRules(good, 'server', []);
    expect(good[0]).toMatchObject({ close: { code: 1000, reason: 'ça va €' } });
  });

  test('a compressed text message that inflates to invalid UTF-8', () => {
    const events = run('server', [frame('server', { opcode: OP_TEXT, rsv1: true, payload: compress(hex('61 ff 62')) })], deflate);
    expectRules(events, 'server', ['invalid-utf8']);
    expect(messages(events)[0]).toMatchObject({ compressed: true, size: 3 });
  });
});

// run() appends a valid text frame, which after a close frame is itself data-after-close:
// close-frame rules are checked with decode() directly, then recovery separately.
function decodeBoth(side: Side, bytes: Buffer, options: Partial<DirectionOptions> = {}): InspectorEvent[] {
  const events = decode(bytes, { side, ...options });
  expect(decodeByteByByte(bytes, { side, ...options })).toEqual(events);
  return events;
}

describe('close-payload-length-one (RFC6455 5.5.1)', () => {
  test('a 1-byte close payload; the next frame still decodes', () => {
    const events = decodeBoth('client', concat(frame('client', { opcode: OP_CLOSE, payload: hex('03') }), frame('client', { opcode: OP_PING })));
    expect(types(events)).toEqual(['frame', 'violation', 'frame', 'violation']);
    expectRules(events, 'client', ['close-payload-length-one', 'data-after-close']);
    expect(events[2]).toMatchObject({ type: 'frame', opcode: OP_PING });
  });

  test('not: 0 or 2 bytes', () => {
    expectRules(decodeBoth('client', frame('client', { opcode: OP_CLOSE })), 'client', []);
    expectRules(decodeBoth('client', frame('client', { opcode: OP_CLOSE, payload: hex('03 e8') })), 'client', []);
  });
});

describe('close-code-invalid (RFC6455 7.4)', () => {
  test.each([0, 999, 1004, 1005, 1006, 1015, 1016, 2000, 2999, 5000, 65535])('code %i', (code) => {
    const events = decodeBoth('server', frame('server', { opcode: OP_CLOSE, payload: closePayload(code, 'x') }));
    expect(types(events)).toEqual(['frame', 'violation']);
    expectRules(events, 'server', ['close-code-invalid']);
    expect(events[0]).toMatchObject({ close: { code, reason: 'x' } });
  });

  test.each([1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999])('not: code %i', (code) => {
    expectRules(decodeBoth('server', frame('server', { opcode: OP_CLOSE, payload: closePayload(code) })), 'server', []);
  });
});

describe('data-after-close (RFC6455 5.5.1)', () => {
  test('a text frame, a ping, or a second close after this side\'s close', () => {
    for (const side of ['client', 'server'] as const) {
      const close = frame(side, { opcode: OP_CLOSE, payload: closePayload(1000) });
      const text = decodeBoth(side, concat(close, frame(side, { opcode: OP_TEXT, payload: 'late' })));
      expect(types(text)).toEqual(['frame', 'frame', 'violation', 'message']);
      expectRules(text, side, ['data-after-close']);
      expect(messages(text)[0]).toMatchObject({ text: 'late' });
      expectRules(decodeBoth(side, concat(close, frame(side, { opcode: OP_PING }))), side, ['data-after-close']);
      expectRules(decodeBoth(side, concat(close, frame(side, { opcode: OP_CLOSE }), frame(side, { opcode: OP_PONG }))), side, [
        'data-after-close',
        'data-after-close',
      ]);
    }
  });

  test('not: frames before the close, the close itself', () => {
    const events = decodeBoth('client', concat(
      frame('client', { opcode: OP_TEXT, payload: 'a' }),
      frame('client', { opcode: OP_PING }),
      frame('client', { opcode: OP_CLOSE, payload: closePayload(1001) }),
    ));
    expectRules(events, 'client', []);
  });
});

describe('deflate-rsv1-misuse (RFC7692 6)', () => {
  test('RSV1 on a continuation: the misuse alone, and the message still inflates', () => {
    const data = compress('Hello, world');
    const events = run('client', [
      frame('client', { opcode: OP_TEXT, fin: false, rsv1: true, payload: data.subarray(0, 4) }),
      frame('client', { opcode: OP_CONTINUATION, rsv1: true, payload: data.subarray(4) }),
    ], deflate);
    expect(types(events)).toEqual(['frame', 'frame', 'violation', 'message']);
    expectRules(events, 'client', ['deflate-rsv1-misuse']);
    expect(messages(events)[0]).toMatchObject({ text: 'Hello, world', compressed: true, frames: 2 });
  });

  test('RSV1 on a ping, pong or close', () => {
    for (const opcode of [OP_PING, OP_PONG]) {
      expectRules(run('server', [frame('server', { opcode, rsv1: true, payload: 'p' })], deflate), 'server', ['deflate-rsv1-misuse']);
    }
    const close = decodeBoth('server', frame('server', { opcode: OP_CLOSE, rsv1: true, payload: closePayload(1000) }), deflate);
    expectRules(close, 'server', ['deflate-rsv1-misuse']);
  });

  test('without deflate, RSV1 on a continuation or control frame is reserved-bits only', () => {
    const events = run('client', [
      frame('client', { opcode: OP_TEXT, fin: false, payload: 'a' }),
      frame('client', { opcode: OP_PING, rsv1: true }),
      frame('client', { opcode: OP_CONTINUATION, rsv1: true, payload: 'b' }),
    ]);
    expectRules(events, 'client', ['reserved-bits', 'reserved-bits']);
    expect(messages(events)[0]).toMatchObject({ text: 'ab' });
  });

  test('not: RSV1 on the first frame only', () => {
    const data = compress('Hello, world');
    expectRules(run('client', [
      frame('client', { opcode: OP_BINARY, fin: false, rsv1: true, payload: data.subarray(0, 4) }),
      frame('client', { opcode: OP_CONTINUATION, payload: data.subarray(4) }),
    ], deflate), 'client', []);
  });
});

describe('deflate-error (RFC7692 6.2)', () => {
  test('a garbage compressed payload: reported after the message; the next compressed message inflates', () => {
    const events = run('server', [
      frame('server', { opcode: OP_TEXT, rsv1: true, payload: hex('ff ff ff ff') }),
      frame('server', { opcode: OP_TEXT, rsv1: true, payload: compress('fine') }),
    ], deflate);
    expect(types(events)).toEqual(['frame', 'message', 'violation', 'frame', 'message']);
    expectRules(events, 'server', ['deflate-error']);
    expect(messages(events)[0]).toMatchObject({ compressed: true });
    expect(messages(events)[1]).toMatchObject({ text: 'fine', compressed: true });
  });

  test('a back-reference into a window that no-context-takeover emptied', () => {
    // RFC 7692 7.2.3.2's second message only inflates with the first one's window.
    const bytes = hex('c1 07 f2 48 cd c9 c9 07 00  c1 05 f2 00 11 00 00');
    const events = decodeBoth('server', bytes, { deflate: { noContextTakeover: true } });
    expectRules(events, 'server', ['deflate-error']);
    expect(messages(events)[0]).toMatchObject({ text: 'Hello' });
  });

  test('a compressed message cut short inside a block', () => {
    const data = compress('a message long enough to have several codes in it');
    const events = run('client', [frame('client', { opcode: OP_TEXT, rsv1: true, payload: data.subarray(0, data.length - 3) })], deflate);
    expectRules(events, 'client', ['deflate-error']);
  });

  test('not: the RFC examples, and RSV1-less messages under deflate', () => {
    expectRules(decodeBoth('server', hex('c1 07 f2 48 cd c9 c9 07 00  c1 05 f2 00 11 00 00'), deflate), 'server', []);
    const plain = run('client', [frame('client', { opcode: OP_TEXT, payload: 'not compressed' })], deflate);
    expectRules(plain, 'client', []);
    expect(messages(plain)[0]).toMatchObject({ text: 'not compressed', compressed: false });
  });
});

describe('mask-key-weak (RFC6455 5.3, warning)', () => {
  test('an all-zero key', () => {
    const events = run('client', [frame('client', { opcode: OP_TEXT, payload: 'zero', maskKey: key('00000000') })]);
    expect(types(events)).toEqual(['frame', 'violation', 'message']);
    expectRules(events, 'client', ['mask-key-weak']);
    expect(violations(events)[0]!.severity).toBe('warning');
    expect(messages(events)[0]).toMatchObject({ text: 'zero' });
  });

  test('the same key as the previous frame, each time it repeats', () => {
    const k = key('deadbeef');
    const events = run('client', [
      frame('client', { opcode: OP_TEXT, payload: 'a', maskKey: k }),
      frame('client', { opcode: OP_PING, maskKey: k }),
      frame('client', { opcode: OP_TEXT, payload: 'b', maskKey: k }),
    ]);
    expect(types(events)).toEqual(['frame', 'message', 'frame', 'violation', 'frame', 'violation', 'message']);
    expectRules(events, 'client', ['mask-key-weak', 'mask-key-weak']);
  });

  test('not: different keys, a key reused but not by the next frame, a key reused across an unmasked frame', () => {
    const [a, b] = [key('01020304'), key('04030201')];
    expectRules(run('client', [
      frame('client', { opcode: OP_TEXT, payload: 'x', maskKey: a }),
      frame('client', { opcode: OP_TEXT, payload: 'y', maskKey: b }),
      frame('client', { opcode: OP_TEXT, payload: 'z', maskKey: a }),
    ]), 'client', []);
    expectRules(run('client', [
      frame('client', { opcode: OP_TEXT, payload: 'x', maskKey: a }),
      frame('client', { opcode: OP_PING, maskKey: null }),
      frame('client', { opcode: OP_TEXT, payload: 'z', maskKey: a }),
    ]), 'client', ['client-frame-unmasked']);
  });
});

test('the code\'s rule table matches the contract for every frame rule', async () => {
  const { RULES } = await import('../../src/inspector/rules.js');
  for (const [rule, expected] of Object.entries(FRAME_RULES)) expect(RULES[rule as keyof typeof RULES]).toEqual(expected);
});
