import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { MAX_PENDING_BYTES, TcpStream, type StreamOutput } from '../../src/capture/tcp-stream.js';
import { fuzzParams } from '../helpers/fuzz.js';

const NONE = { syn: false, fin: false, rst: false };
const FIN = { syn: false, fin: true, rst: false };

function summary(outputs: StreamOutput[]): string[] {
  return outputs.map((o) => (o.kind === 'data' ? Buffer.from(o.bytes).toString('latin1') : o.kind === 'hole' ? `hole@${o.offset}+${o.missing}` : o.reset ? 'reset' : 'end'));
}

describe('TcpStream', () => {
  it('orders early segments, drops retransmissions and trims overlaps (first copy wins)', () => {
    const s = new TcpStream();
    const out = [
      ...s.segment(99, new Uint8Array(0), { syn: true, fin: false, rst: false }),
      ...s.segment(106, Buffer.from('world'), NONE), // early
      ...s.segment(100, Buffer.from('hello '), NONE), // fills the gap
      ...s.segment(100, Buffer.from('hello '), NONE), // retransmission
      ...s.segment(108, Buffer.from('XXd!!'), NONE), // overlaps "rld": only "!!" is new
      ...s.segment(113, new Uint8Array(0), FIN),
    ];
    expect(summary(out)).toEqual(['hello ', 'world', '!!', 'end']);
  });

  it('follows a sequence number through wrap-around', () => {
    const s = new TcpStream();
    const out = [
      ...s.segment(0xfffffffd, new Uint8Array(0), { syn: true, fin: false, rst: false }),
      ...s.segment(0x00000002, Buffer.from('cd'), NONE), // after the wrap, early
      ...s.segment(0xfffffffe, Buffer.from('abAB'), NONE), // 0xfffffffe..0x00000001
      ...s.segment(0x00000004, Buffer.from(''), FIN),
    ];
    expect(summary(out)).toEqual(['abAB', 'cd', 'end']);
  });

  it('reports a hole where a segment never came, and delivers nothing after it', () => {
    const s = new TcpStream();
    const out = [
      ...s.segment(0, Buffer.from('abc'), NONE),
      ...s.segment(10, Buffer.from('later'), NONE),
      ...s.segment(15, new Uint8Array(0), FIN),
    ];
    expect(summary(out)).toEqual(['abc']); // the missing segment may still come, retransmitted
    expect(summary(s.acknowledged(16))).toEqual(['hole@3+7', 'end']); // the peer had it all: the capture lost it
    expect(summary(s.segment(3, Buffer.from('defghij'), NONE))).toEqual([]);
  });

  it('counts the bytes an acknowledgement reveals as missing when nothing after the gap was captured', () => {
    const s = new TcpStream();
    expect(summary([...s.segment(0, Buffer.from('abc'), NONE), ...s.acknowledged(10)])).toEqual(['abc', 'hole@3+7']);
  });

  it('takes an acknowledgement of what it has, or of its FIN, as no hole', () => {
    const s = new TcpStream();
    expect(summary([...s.segment(0, Buffer.from('ab'), NONE), ...s.acknowledged(2), ...s.segment(2, new Uint8Array(0), FIN), ...s.acknowledged(3)])).toEqual(['ab', 'end']);
  });

  it('reports a hole when the capture ends with data still waiting', () => {
    const s = new TcpStream();
    expect(summary([...s.segment(0, Buffer.from('ab'), NONE), ...s.segment(5, Buffer.from('z'), NONE), ...s.finish()])).toEqual(['ab', 'hole@2+3']);
  });

  it('reports a hole when out-of-order data would exceed its bound', () => {
    const s = new TcpStream();
    s.segment(0, Buffer.from('a'), NONE);
    const chunk = new Uint8Array(1024 * 1024);
    const out: StreamOutput[] = [];
    for (let i = 0; i <= MAX_PENDING_BYTES / chunk.length; i++) out.push(...s.segment(10 + i * chunk.length, chunk, NONE));
    expect(summary(out)).toEqual(['hole@1+9']);
  });

  it('ends on a reset, with a hole if data was still waiting', () => {
    const s = new TcpStream();
    expect(summary([...s.segment(0, Buffer.from('a'), NONE), ...s.segment(5, Buffer.from('b'), NONE), ...s.segment(6, new Uint8Array(0), { syn: false, fin: false, rst: true })])).toEqual([
      'a',
      'hole@1+4',
      'reset',
    ]);
    expect(s.ended).toBe(true);
  });

  it('takes data carried on a SYN (TCP Fast Open) after the SYN', () => {
    const s = new TcpStream();
    expect(summary([...s.segment(41, Buffer.from('GET'), { syn: true, fin: false, rst: false }), ...s.segment(45, Buffer.from(' /'), NONE)])).toEqual(['GET', ' /']);
  });

  it('reassembles any segmentation, reordering and duplication of a stream', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 300 }),
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 40 })), { maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 60 }),
        (data, isn, extra, order) => {
          // Cover every byte at least once, plus random overlapping extra segments.
          const pieces: [number, number][] = [];
          for (let at = 0; at < data.length; at += 7) pieces.push([at, Math.min(at + 7, data.length)]);
          for (const [start, len] of extra) pieces.push([start % data.length, Math.min((start % data.length) + len, data.length)]);
          const shuffled = pieces.map((p, i) => [order[i] ?? i, p] as const).sort((a, b) => a[0] - b[0]).map(([, p]) => p);
          const s = new TcpStream();
          const out: StreamOutput[] = [...s.segment((isn - 1) >>> 0, new Uint8Array(0), { syn: true, fin: false, rst: false })];
          for (const [a, b] of shuffled) out.push(...s.segment((isn + a) >>> 0, data.subarray(a, b), NONE));
          out.push(...s.segment((isn + data.length) >>> 0, new Uint8Array(0), FIN));
          const joined = Buffer.concat(out.flatMap((o) => (o.kind === 'data' ? [o.bytes] : [])));
          expect(joined).toEqual(Buffer.from(data));
          expect(out.at(-1)).toEqual({ kind: 'end', reset: false });
          expect(out.some((o) => o.kind === 'hole')).toBe(false);
        },
      ),
      fuzzParams(200),
    );
  });
});
