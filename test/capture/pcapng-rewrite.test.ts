/**
 * `read --pcap`: a packet capture's TCP streams written again by the proxy's
 * recorder. The streams come out byte for byte as reassembled (out of order
 * and retransmitted segments resolved), a lost segment stays a gap, the
 * rewritten file reads back to the same events, and tshark dissects it as it
 * dissects the original.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectFormat } from '../../src/capture/detect.js';
import { PacketCapture } from '../../src/capture/packet-capture.js';
import { PcapngRecorder } from '../../src/capture/pcapng-recorder.js';
import { PcapngRewrite } from '../../src/capture/pcapng-rewrite.js';
import type { FlowEvent } from '../../src/capture/tcp-tracker.js';
import { encodeFrame } from '../../src/inspector/frame-encoder.js';
import type { WireEvent } from '../../src/inspector/events.js';
import { UPGRADE_REQUEST } from './conversation.js';
import { captureWithHole, pcapFile, segment, upgradeSegments } from './files.js';
import { expectTsharkAgrees, TSHARK, tsharkFrames } from './tshark.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/captures');
const dir = mkdtempSync(join(tmpdir(), 'wsinspect-rewrite-'));

interface Read {
  events: WireEvent[];
  /** Each connection's stream events as observed, data joined per side. */
  streams: Map<number, { client: Buffer; server: Buffer; marks: string[] }>;
}

/** Reads a capture, following its streams; with `out`, also rewrites them there. */
function read(bytes: Buffer, out?: string): Read {
  const streams: Read['streams'] = new Map();
  const recorder = out ? new PcapngRecorder(out) : null;
  const rewrite = recorder && new PcapngRewrite(recorder);
  const observe = (conn: number, event: FlowEvent) => {
    rewrite?.stream(conn, event);
    if (event.kind === 'open') streams.set(conn, { client: Buffer.alloc(0), server: Buffer.alloc(0), marks: [] });
    const stream = streams.get(conn)!;
    if (event.kind === 'data') stream[event.side] = Buffer.concat([stream[event.side], event.bytes]);
    else stream.marks.push(event.kind === 'hole' ? `hole:${event.side}@${event.offset}` : event.kind === 'end' ? `end:${event.side}${event.reset ? ':rst' : ''}` : event.kind);
  };
  const capture = new PacketCapture(detectFormat(bytes) as 'pcap' | 'pcapng', {}, observe);
  const events = [...capture.push(bytes), ...capture.end()];
  recorder?.close();
  expect(capture.problem).toBeNull();
  return { events, streams };
}

/** Events as read from either file: microsecond timestamps in the rewrite, so `ts` and durations set aside. */
const comparable = (events: WireEvent[]) => events.map(({ ts: _ts, ...e }) => ('durationMs' in e ? { ...e, durationMs: 0 } : e));

describe('read --pcap: a capture rewritten as pcapng', () => {
  for (const name of ['loopback-ws.pcapng', 'any-deflate.pcap']) {
    it(`${name} (dumpcap on loopback): the same streams, the same events, and tshark agrees`, () => {
      const out = join(dir, `${name}.rewritten.pcapng`);
      const original = read(readFileSync(join(FIXTURES, name)), out);
      const rewritten = read(readFileSync(out));
      expect(rewritten.streams).toEqual(original.streams);
      expect(original.streams.get(1)!.client.length).toBeGreaterThan(300);
      expect(comparable(rewritten.events)).toEqual(comparable(original.events));
      if (TSHARK) {
        expectTsharkAgrees(out, rewritten.events);
        const frame = (f: ReturnType<typeof tsharkFrames>[number]) => [f.fin, f.opcode, f.masked, f.payloadLength, f.payloadHex];
        expect(tsharkFrames(out).map(frame)).toEqual(tsharkFrames(join(FIXTURES, name)).map(frame));
      }
    });
  }

  it('writes the streams as reassembled: reordered and retransmitted segments come out once, in order', () => {
    const a = encodeFrame({ opcode: 1, payload: 'first', maskKey: Buffer.from([1, 2, 3, 4]) });
    const b = encodeFrame({ opcode: 1, payload: 'second', maskKey: Buffer.from([5, 6, 7, 8]) });
    const { segments, client, server } = upgradeSegments();
    const frames = [
      ...segments,
      segment('client', client + a.length, 0, 0x18, b), // early
      segment('client', client, 0, 0x18, a),
      segment('client', client, 0, 0x18, a), // retransmitted
      segment('client', client + a.length + b.length, 0, 0x11),
      segment('server', server, 0, 0x11),
    ];
    const out = join(dir, 'reordered.pcapng');
    const original = read(pcapFile(frames.map((data, i) => ({ ts: 1000 + i, data }))), out);
    const rewritten = read(readFileSync(out));
    expect(rewritten.streams.get(1)!.client.toString('latin1')).toBe(UPGRADE_REQUEST + Buffer.concat([a, b]).toString('latin1'));
    expect(rewritten.streams).toEqual(original.streams);
    expect(rewritten.events.filter((e) => e.type === 'message').map((e) => e.text)).toEqual(['first', 'second']);
    if (TSHARK) expect(tsharkFrames(out).map((f) => f.payloadLength)).toEqual([5, 6]);
  });

  it('keeps a lost segment as a gap: read back, the direction is undecodable at the same offset', () => {
    const { file, lostAt } = captureWithHole();
    const out = join(dir, 'holed.pcapng');
    const original = read(file, out);
    const rewritten = read(readFileSync(out));
    expect(original.streams.get(1)!.marks).toContain(`hole:client@${lostAt}`);
    expect(rewritten.streams).toEqual(original.streams);
    expect(comparable(rewritten.events)).toEqual(comparable(original.events));
    expect(rewritten.events.filter((e) => e.type === 'undecodable')).toHaveLength(1);
  });
});
