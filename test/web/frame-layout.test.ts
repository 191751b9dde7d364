/**
 * The page's frame model against the core: frames built by the core's
 * encoder and decoded by the core's inspector must come out of layoutFrame
 * with the very header bytes and (as far as the events carry it) payload
 * bytes that were on the wire, and fields covering exactly those bytes.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { encodeFrame } from '../../src/inspector/frame-encoder.js';
import { stamp, type InspectorEvent, type WireEvent } from '../../src/inspector/events.js';
import { Store, type FrameRow } from '../../web/src/model/store.js';
import { layoutFrame, fieldsAtByte } from '../../web/src/model/frame-layout.js';
import { decode } from '../helpers/decode.js';
import { fuzzParams } from '../helpers/fuzz.js';

function stamped(events: InspectorEvent[]): WireEvent[] {
  return events.map((event, i) => stamp(event, 1, 1000 + i));
}

function framesOf(bytes: Uint8Array, side: 'client' | 'server'): FrameRow[] {
  const store = new Store();
  store.ingest(stamped(decode(bytes, { side, payloadHeads: true })));
  return store.rows.filter((row): row is FrameRow => row.kind === 'frame');
}

describe('layoutFrame', () => {
  test('RFC 6455 5.7 example: a masked "Hello" rebuilt byte for byte, every byte owned by a field', () => {
    const wire = Buffer.from('818537fa213d7f9f4d5158', 'hex');
    const [row] = framesOf(wire, 'client');
    const layout = layoutFrame(row!);
    expect(Buffer.concat([layout.header, layout.wire]).toString('hex')).toBe(wire.toString('hex'));
    expect(new TextDecoder().decode(layout.plain)).toBe('Hello');
    expect(layout.source).toBe('message');
    expect(layout.fields.map((f) => f.id)).toEqual(['fin', 'rsv1', 'rsv2', 'rsv3', 'opcode', 'mask', 'len', 'maskkey', 'payload']);
    expect(fieldsAtByte(layout, 0).map((f) => f.id)).toEqual(['fin', 'rsv1', 'rsv2', 'rsv3', 'opcode']);
    expect(fieldsAtByte(layout, 1).map((f) => f.id)).toEqual(['mask', 'len']);
    expect(fieldsAtByte(layout, 4).map((f) => f.id)).toEqual(['maskkey']);
    expect(fieldsAtByte(layout, 6).map((f) => f.id)).toEqual(['payload']);
  });

  test('any frame the core decodes: header rebuilt exactly, payload bytes as far as the events carry them', () => {
    const spec = fc.record({
      opcode: fc.constantFrom(0x1, 0x2, 0x8, 0x9, 0xa),
      payload: fc.uint8Array({ maxLength: 300 }),
      mask: fc.option(fc.uint8Array({ minLength: 4, maxLength: 4 }), { nil: null }),
      lengthBits: fc.constantFrom(undefined, 16, 64),
      rsv2: fc.boolean(),
    });
    fc.assert(
      fc.property(spec, ({ opcode, payload, mask, lengthBits, rsv2 }) => {
        const control = opcode >= 0x8;
        // Control payloads as the core reads them: at most 125 bytes; close frames a valid code first.
        const body = control ? (opcode === 0x8 ? Uint8Array.from([0x03, 0xe8, ...payload.subarray(0, 20)]) : payload.subarray(0, 125)) : payload;
        const text = opcode === 0x1 ? new TextEncoder().encode(Buffer.from(body).toString('base64')) : body;
        const bits = lengthBits === 16 && text.length > 0xffff ? 64 : lengthBits;
        const wire = encodeFrame({ opcode, payload: text, maskKey: mask, lengthBits: bits, rsv2 });
        const side = mask ? 'client' : 'server';
        const [row] = framesOf(wire, side);
        const layout = layoutFrame(row!);
        const headerLength = wire.length - text.length;
        expect(Buffer.from(layout.header).toString('hex')).toBe(wire.subarray(0, headerLength).toString('hex'));
        expect(layout.plain.length).toBe(text.length); // control: payloadHex; data: the message's bytes
        expect(Buffer.from(layout.wire).toString('hex')).toBe(wire.subarray(headerLength).toString('hex'));
        const payloadField = layout.fields.at(-1)!;
        expect(payloadField.bytes).toEqual([headerLength, wire.length]);
      }),
      fuzzParams(200),
    );
  });

  test('a compressed frame: only the preview bytes are known, the rest is counted, never invented', () => {
    const events = stamped([
      { type: 'frame', from: 'server', fin: true, rsv1: true, rsv2: false, rsv3: false, opcode: 1, opcodeName: 'text', masked: false, maskKey: null, payloadLength: 300, headerLength: 4, wireLength: 304, offset: 0, lengthBits: 16, payloadHead: 'f248cdc9c957' },
      { type: 'message', from: 'server', kind: 'text', frames: 1, compressed: true, wireBytes: 304, size: 5000, text: 'x'.repeat(5000), truncated: false },
    ]);
    const store = new Store();
    store.ingest(events);
    const layout = layoutFrame(store.rows[0] as FrameRow);
    expect(Buffer.from(layout.header).toString('hex')).toBe('c17e012c');
    expect(Buffer.from(layout.plain).toString('hex')).toBe('f248cdc9c957');
    expect(layout.source).toBe('preview');
    expect(layout.payloadLength).toBe(300);
  });
});
