/**
 * The classic libpcap file format (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcap-04.html):
 * a 24-byte file header, then records of a 16-byte header and the packet.
 * Either byte order, microsecond or nanosecond timestamps (told apart by the
 * magic number).
 */
import { CaptureFileReader } from './capture-file-reader.js';
import { MAX_RECORD_BYTES, type CaptureRecord } from './packet.js';

const FILE_HEADER = 24;
const RECORD_HEADER = 16;

/** The four magic numbers, as the first four bytes of the file read big-endian. */
const MAGICS: Record<number, { littleEndian: boolean; nanoseconds: boolean }> = {
  0xa1b2c3d4: { littleEndian: false, nanoseconds: false },
  0xd4c3b2a1: { littleEndian: true, nanoseconds: false },
  0xa1b23c4d: { littleEndian: false, nanoseconds: true },
  0x4d3cb2a1: { littleEndian: true, nanoseconds: true },
};

export function isPcapMagic(head: Uint8Array): boolean {
  return head.length >= 4 && Buffer.from(head.buffer, head.byteOffset, 4).readUInt32BE(0) in MAGICS;
}

export class PcapReader extends CaptureFileReader {
  private header: { littleEndian: boolean; nanoseconds: boolean; linkType: number } | null = null;

  protected read(records: CaptureRecord[]): void {
    if (!this.header && !this.readFileHeader(records)) return;
    const { littleEndian, nanoseconds, linkType } = this.header!;
    while (this.buffer.available >= RECORD_HEADER) {
      const h = this.buffer.peek(RECORD_HEADER);
      const u32 = (at: number) => (littleEndian ? h.readUInt32LE(at) : h.readUInt32BE(at));
      const captured = u32(8);
      if (captured > MAX_RECORD_BYTES) {
        records.push(this.stop(`pcap record at byte ${this.offset} claims ${captured} captured bytes (bad record length)`));
        break;
      }
      if (this.buffer.available < RECORD_HEADER + captured) break;
      const fraction = u32(4);
      const ts = u32(0) * 1000 + (nanoseconds ? fraction / 1e6 : fraction / 1e3);
      const record = this.buffer.peek(RECORD_HEADER + captured);
      records.push({ kind: 'packet', ts, linkType, data: record.subarray(RECORD_HEADER), originalLength: u32(12) });
      this.buffer.skip(RECORD_HEADER + captured);
      this.offset += RECORD_HEADER + captured;
    }
  }

  end(): CaptureRecord[] {
    if (this.stopped || this.buffer.available === 0) return [];
    const what = this.header ? `a record cut short at byte ${this.offset}` : 'a file header cut short';
    return [this.stop(`pcap file truncated: ${what}`)];
  }

  private readFileHeader(records: CaptureRecord[]): boolean {
    if (this.buffer.available < FILE_HEADER) return false;
    const h = this.buffer.peek(FILE_HEADER);
    const magic = MAGICS[h.readUInt32BE(0)];
    if (!magic) {
      records.push(this.stop('not a pcap file (bad magic number)'));
      return false;
    }
    const linkType = (magic.littleEndian ? h.readUInt32LE(20) : h.readUInt32BE(20)) & 0x0fffffff; // upper bits: FCS info
    this.header = { ...magic, linkType };
    this.buffer.skip(FILE_HEADER);
    this.offset = FILE_HEADER;
    return true;
  }
}
