import { describe, expect, it } from 'vitest';
import { PcapReader } from '../../src/capture/pcap-reader.js';
import { PcapngReader } from '../../src/capture/pcapng-reader.js';
import { detectFormat } from '../../src/capture/detect.js';
import type { CaptureReader, CaptureRecord } from '../../src/capture/packet.js';
import { pcapFile, pcapngSection } from './files.js';

function readAll(reader: CaptureReader, file: Uint8Array, chunk = file.length): CaptureRecord[] {
  const out: CaptureRecord[] = [];
  for (let at = 0; at < file.length; at += chunk) {
    for (const r of reader.push(file.subarray(at, at + chunk))) out.push(r.kind === 'packet' ? { ...r, data: Buffer.from(r.data) } : r);
  }
  out.push(...reader.end());
  return out;
}

const PACKETS = [
  { ts: 1_700_000_000_123.456, data: Buffer.from('first packet') },
  { ts: 1_700_000_001_000.001, data: Buffer.from('second, a bit longer packet'), originalLength: 100 },
];

describe('pcap', () => {
  for (const littleEndian of [true, false]) {
    for (const nanoseconds of [false, true]) {
      it(`reads ${littleEndian ? 'little' : 'big'}-endian files with ${nanoseconds ? 'nano' : 'micro'}second timestamps, in any chunks`, () => {
        const file = pcapFile(PACKETS, { littleEndian, nanoseconds, linkType: 113 });
        expect(detectFormat(file)).toBe('pcap');
        for (const chunk of [1, 3, 17, file.length]) {
          const records = readAll(new PcapReader(), file, chunk);
          expect(records).toHaveLength(2);
          records.forEach((record, i) => {
            expect(record).toMatchObject({ kind: 'packet', linkType: 113, data: PACKETS[i]!.data, originalLength: PACKETS[i]!.originalLength ?? PACKETS[i]!.data.length });
            expect((record as { ts: number }).ts).toBeCloseTo(nanoseconds ? PACKETS[i]!.ts : Math.round(PACKETS[i]!.ts * 1000) / 1000, 3);
          });
        }
      });
    }
  }

  it('says where a truncated file was cut', () => {
    const file = pcapFile(PACKETS);
    const records = readAll(new PcapReader(), file.subarray(0, file.length - 3));
    expect(records.map((r) => r.kind)).toEqual(['packet', 'problem']);
    expect(records[1]).toEqual({ kind: 'problem', message: `pcap file truncated: a record cut short at byte ${24 + 16 + 12}` });
    expect(readAll(new PcapReader(), file.subarray(0, 10))).toEqual([{ kind: 'problem', message: 'pcap file truncated: a file header cut short' }]);
  });

  it('stops at once on a record claiming 10 GB, without waiting for it', () => {
    const file = pcapFile(PACKETS);
    file.writeUInt32LE(0xffffffff, 24 + 8);
    const reader = new PcapReader();
    const records = reader.push(file);
    expect(records).toEqual([{ kind: 'problem', message: 'pcap record at byte 24 claims 4294967295 captured bytes (bad record length)' }]);
    expect(reader.push(Buffer.alloc(100))).toEqual([]);
    expect(reader.end()).toEqual([]);
  });
});

describe('pcapng', () => {
  for (const littleEndian of [true, false]) {
    it(`reads ${littleEndian ? 'little' : 'big'}-endian sections with several interfaces, resolutions and Simple Packet Blocks`, () => {
      const file = pcapngSection(
        [{ linkType: 1 }, { linkType: 276, tsresol: 9 }, { linkType: 101, tsresol: 0x80 | 20 }],
        [
          { ts: 1_700_000_000_123.456, data: Buffer.from('on interface 0'), iface: 0 },
          { ts: 1_700_000_000_124.000123, data: Buffer.from('on interface 1, ns'), iface: 1 },
          { ts: 1_700_000_000_125.5, data: Buffer.from('on interface 2, 2^-20 s'), iface: 2 },
          { ts: 0, data: Buffer.from('simple'), simple: true },
        ],
        littleEndian,
      );
      expect(detectFormat(file)).toBe('pcapng');
      for (const chunk of [1, 5, file.length]) {
        const records = readAll(new PcapngReader(), file, chunk) as Extract<CaptureRecord, { kind: 'packet' }>[];
        expect(records.map((r) => [r.linkType, r.data.toString()])).toEqual([
          [1, 'on interface 0'],
          [276, 'on interface 1, ns'],
          [101, 'on interface 2, 2^-20 s'],
          [1, 'simple'],
        ]);
        expect(records[0]!.ts).toBeCloseTo(1_700_000_000_123.456, 3);
        expect(records[1]!.ts).toBeCloseTo(1_700_000_000_124.000123, 4);
        expect(records[2]!.ts).toBeCloseTo(1_700_000_000_125.5, 2);
      }
    });
  }

  it('reads a second section with the other byte order and its own interfaces', () => {
    const file = Buffer.concat([
      pcapngSection([{ linkType: 1 }], [{ ts: 1000, data: Buffer.from('a') }], true),
      pcapngSection([{ linkType: 113 }], [{ ts: 2000, data: Buffer.from('b') }], false),
    ]);
    const records = readAll(new PcapngReader(), file) as Extract<CaptureRecord, { kind: 'packet' }>[];
    expect(records.map((r) => [r.linkType, r.ts, r.data.toString()])).toEqual([
      [1, 1000, 'a'],
      [113, 2000, 'b'],
    ]);
  });

  it('reports a bad block length, a truncated block, and a packet on an undescribed interface', () => {
    const file = pcapngSection([{ linkType: 1 }], [{ ts: 1000, data: Buffer.from('abcd') }]);
    const bad = Buffer.from(file);
    bad.writeUInt32LE(0x80000000, 28 + 20 + 4); // the EPB's length: 2 GB
    expect(readAll(new PcapngReader(), bad)).toEqual([{ kind: 'problem', message: 'pcapng block at byte 48 has a bad block length (2147483648)' }]);
    const mismatch = Buffer.from(file);
    mismatch.writeUInt32LE(40, mismatch.length - 4);
    expect(readAll(new PcapngReader(), mismatch)).toEqual([{ kind: 'problem', message: `pcapng block at byte 48 has a bad block length (${file.length - 48}, trailer says 40)` }]);
    expect(readAll(new PcapngReader(), file.subarray(0, file.length - 1))).toEqual([{ kind: 'problem', message: 'pcapng file truncated: a block cut short at byte 48' }]);
    const undescribed = Buffer.from(file);
    undescribed.writeUInt32LE(5, 48 + 8);
    expect(readAll(new PcapngReader(), undescribed)).toEqual([{ kind: 'problem', message: 'pcapng packet at byte 48 names interface 5, which was not described' }]);
    const overlong = Buffer.from(file);
    overlong.writeUInt32LE(1000, 48 + 20); // captured length past the block
    expect(readAll(new PcapngReader(), overlong)).toEqual([{ kind: 'problem', message: 'pcapng packet at byte 48 claims 1000 bytes, more than its block holds' }]);
  });

  it('refuses a file that does not start with a section header', () => {
    const file = pcapngSection([{ linkType: 1 }], []).subarray(28);
    expect(new PcapngReader().push(Buffer.concat([Buffer.from([0x0a, 0x0d, 0x0d, 0x0a]), file.subarray(4)]))[0]).toMatchObject({ kind: 'problem' });
    expect(new PcapngReader().push(file)).toEqual([{ kind: 'problem', message: 'not a pcapng file (it must start with a section header block)' }]);
  });
});

describe('format detection', () => {
  it('tells HAR from NDJSON and refuses the rest', () => {
    expect(detectFormat(Buffer.from('{\n  "log": {"version": "1.2"}}'))).toBe('har');
    expect(detectFormat(Buffer.from('\uFEFF{"log":{}}'))).toBe('har');
    expect(detectFormat(Buffer.from('{"type":"connection","conn":1,"ts":1}\n{"type":'))).toBe('ndjson');
    expect(detectFormat(Buffer.from('GIF89a'))).toBeNull();
    expect(detectFormat(Buffer.from(''))).toBeNull();
  });
});
