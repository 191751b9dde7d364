/**
 * Damaged captures: random corruption of real fixtures (bytes flipped,
 * lengths rewritten, the file cut anywhere) never throws, never hangs, and
 * always ends with each connection closed: the reading either goes through
 * or stops with a one-line problem.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { detectFormat } from '../../src/capture/detect.js';
import { HarReader } from '../../src/capture/har-reader.js';
import { NdjsonReader } from '../../src/capture/ndjson-reader.js';
import { PacketCapture } from '../../src/capture/packet-capture.js';
import type { WireEvent } from '../../src/inspector/events.js';
import { FUZZ_TIMEOUT, fuzzParams } from '../helpers/fuzz.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/captures');
const fixture = (name: string) => readFileSync(join(FIXTURES, name));

/** Flips, overwrites (with 0x00/0xff runs, as a bad length would be) and cuts. */
const damage = (file: Buffer) =>
  fc
    .record({
      edits: fc.array(fc.tuple(fc.nat(file.length - 1), fc.constantFrom(0x00, 0xff, 0x7f, 0x80, 0x41), fc.integer({ min: 1, max: 8 })), { minLength: 1, maxLength: 8 }),
      cut: fc.option(fc.nat(file.length), { nil: undefined }),
      chunk: fc.integer({ min: 1, max: 4096 }),
    })
    .map(({ edits, cut, chunk }) => {
      const bytes = Buffer.from(file);
      for (const [at, value, run] of edits) bytes.fill(value, at, Math.min(at + run, bytes.length));
      return { bytes: cut === undefined ? bytes : bytes.subarray(0, cut), chunk };
    });

interface Reader {
  push(chunk: Uint8Array): WireEvent[];
  end(): WireEvent[];
  problem: string | null;
}

function readAll(reader: Reader, bytes: Uint8Array, chunk: number): WireEvent[] {
  const events: WireEvent[] = [];
  for (let at = 0; at < bytes.length && !reader.problem; at += chunk) events.push(...reader.push(bytes.subarray(at, at + chunk)));
  events.push(...reader.end());
  if (reader.problem !== null) expect(reader.problem).toMatch(/^[^\n]+$/);
  return events;
}

/** Each connection that began was ended, once, last (a HAR's plain HTTP entry is a single `http` event). */
function expectConnectionsClosed(events: WireEvent[]): void {
  const conns = new Set(events.map((e) => e.conn));
  for (const conn of conns) {
    const mine = events.filter((e) => e.conn === conn);
    if (mine.length === 1 && mine[0]!.type === 'http') continue;
    expect(mine[0]!.type).toBe('connection');
    expect(mine.filter((e) => e.type === 'connection-end')).toHaveLength(1);
    expect(mine.at(-1)!.type).toBe('connection-end');
  }
}

describe('damaged captures', () => {
  for (const name of ['loopback-ws.pcapng', 'any-deflate.pcap']) {
    const file = fixture(name);
    const format = detectFormat(file) as 'pcap' | 'pcapng';
    it(
      `${name}, corrupted at random: events or a one-line problem, every connection closed`,
      () => {
        fc.assert(
          fc.property(damage(file), ({ bytes, chunk }) => {
            expectConnectionsClosed(readAll(new PacketCapture(format), bytes, chunk));
          }),
          fuzzParams(150),
        );
      },
      FUZZ_TIMEOUT,
    );
  }

  it(
    'a HAR corrupted at random: events or a one-line problem',
    () => {
      const file = fixture('chrome-websocket.har');
      fc.assert(
        fc.property(damage(file), ({ bytes, chunk }) => {
          expectConnectionsClosed(readAll(new HarReader(), bytes, chunk));
        }),
        fuzzParams(150),
      );
    },
    FUZZ_TIMEOUT,
  );

  it(
    'NDJSON corrupted at random: the events before the damage, then a one-line problem naming the line',
    () => {
      const lines = [
        { type: 'connection', conn: 1, ts: 1, client: '127.0.0.1:1', upstream: 'ws://x/' },
        { type: 'message', conn: 1, ts: 2, from: 'client', kind: 'text', text: 'é😀', frames: 1, compressed: false, wireBytes: 13, size: 7, truncated: false },
        { type: 'connection-end', conn: 1, ts: 3, clean: true, closeCode: 1000, by: 'client', durationMs: 2, stats: {} },
      ];
      const file = Buffer.from(lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
      fc.assert(
        fc.property(damage(file), ({ bytes, chunk }) => {
          const reader = new NdjsonReader();
          readAll(reader, bytes, chunk);
          if (reader.problem) expect(reader.problem).toMatch(/^NDJSON line \d+ /);
        }),
        fuzzParams(150),
      );
    },
    FUZZ_TIMEOUT,
  );

  it('a 10 GB claimed length stops the reading at once, in pcap and pcapng', () => {
    const pcap = Buffer.from(fixture('any-deflate.pcap'));
    pcap.writeUInt32LE(0xfffffff0, 24 + 8); // first record's captured length (this fixture is little-endian)
    const reader = new PacketCapture('pcap');
    expect(reader.push(pcap)).toEqual([]);
    expect(reader.problem).toMatch(/claims 4294967280 captured bytes/);
    const ng = Buffer.from(fixture('loopback-ws.pcapng'));
    const shbLength = ng.readUInt32LE(4);
    ng.writeUInt32LE(0xfffffff0, shbLength + 4); // the interface block's length
    const ngReader = new PacketCapture('pcapng');
    ngReader.push(ng);
    expect(ngReader.problem).toMatch(/bad block length \(4294967280\)/);
  });
});
