/**
 * The pcapng file format (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-02.html):
 * sections, each a Section Header Block (which sets the byte order) followed
 * by Interface Description Blocks (link type, timestamp resolution) and packet
 * blocks: Enhanced, Simple and the obsolete Packet Block. Other blocks (name
 * resolution, statistics, custom) are skipped.
 */
import { CaptureFileReader } from './capture-file-reader.js';
import { MAX_RECORD_BYTES, type CaptureRecord } from './packet.js';

const SHB = 0x0a0d0d0a;
const IDB = 1;
const OPB = 2;
const SPB = 3;
const EPB = 6;
const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
const OPT_TSRESOL = 9;
const OPT_TSOFFSET = 14;

export function isPcapngMagic(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x0a && head[1] === 0x0d && head[2] === 0x0d && head[3] === 0x0a;
}

interface Interface {
  linkType: number;
  snapLength: number;
  /** Timestamp units per millisecond. */
  unitsPerMs: number;
  /** Seconds added to every timestamp (if_tsoffset). */
  offsetMs: number;
}

/** A block's fields, read in its section's byte order. */
class BlockView {
  constructor(
    readonly bytes: Buffer,
    private readonly littleEndian: boolean,
  ) {}
  u16(at: number): number {
    return this.littleEndian ? this.bytes.readUInt16LE(at) : this.bytes.readUInt16BE(at);
  }
  u32(at: number): number {
    return this.littleEndian ? this.bytes.readUInt32LE(at) : this.bytes.readUInt32BE(at);
  }
  /** A 64-bit integer as a number (exact up to 2^53). */
  u64(at: number): number {
    const [high, low] = this.littleEndian ? [this.u32(at + 4), this.u32(at)] : [this.u32(at), this.u32(at + 4)];
    return high * 4294967296 + low;
  }
}

export class PcapngReader extends CaptureFileReader {
  private littleEndian: boolean | null = null;
  private interfaces: Interface[] = [];

  protected read(records: CaptureRecord[]): void {
    while (!this.stopped && this.buffer.available >= 12) {
      const head = this.buffer.peek(12);
      const type = head.readUInt32BE(0);
      if (type === SHB) {
        const bom = head.readUInt32LE(8);
        if (bom !== BYTE_ORDER_MAGIC && head.readUInt32BE(8) !== BYTE_ORDER_MAGIC) {
          records.push(this.stop(`pcapng section header at byte ${this.offset} has no byte-order magic`));
          break;
        }
        this.littleEndian = bom === BYTE_ORDER_MAGIC;
      } else if (this.littleEndian === null) {
        records.push(this.stop('not a pcapng file (it must start with a section header block)'));
        break;
      }
      const length = this.littleEndian ? head.readUInt32LE(4) : head.readUInt32BE(4);
      if (length < 12 || length % 4 !== 0 || length > MAX_RECORD_BYTES) {
        records.push(this.stop(`pcapng block at byte ${this.offset} has a bad block length (${length})`));
        break;
      }
      if (this.buffer.available < length) break;
      const block = new BlockView(this.buffer.peek(length), this.littleEndian);
      if (block.u32(length - 4) !== length) {
        records.push(this.stop(`pcapng block at byte ${this.offset} has a bad block length (${length}, trailer says ${block.u32(length - 4)})`));
        break;
      }
      const record = this.readBlock(type === SHB ? SHB : block.u32(0), block, length);
      if (record) records.push(record);
      this.buffer.skip(length);
      this.offset += length;
    }
  }

  end(): CaptureRecord[] {
    if (this.stopped || this.buffer.available === 0) return [];
    return [this.stop(`pcapng file truncated: a block cut short at byte ${this.offset}`)];
  }

  private readBlock(type: number, block: BlockView, length: number): CaptureRecord | null {
    switch (type) {
      case SHB:
        this.interfaces = []; // interface ids are per section
        return null;
      case IDB:
        if (length < 20) return this.stop(`pcapng interface block at byte ${this.offset} is too short`);
        this.interfaces.push(readInterface(block, length));
        return null;
      case EPB:
        return this.packet(block, length, { iface: block.u32(8), ts: 12, captured: block.u32(20), original: block.u32(24), data: 28 });
      case OPB:
        return this.packet(block, length, { iface: block.u16(8), ts: 12, captured: block.u32(20), original: block.u32(24), data: 28 });
      case SPB: {
        const original = length >= 16 ? block.u32(8) : 0;
        const snap = this.interfaces[0]?.snapLength || Infinity;
        return this.packet(block, length, { iface: 0, ts: null, captured: Math.min(original, snap, length - 16), original, data: 12 });
      }
      default:
        return null;
    }
  }

  private packet(
    block: BlockView,
    length: number,
    at: { iface: number; ts: number | null; captured: number; original: number; data: number },
  ): CaptureRecord {
    const iface = this.interfaces[at.iface];
    if (!iface) return this.stop(`pcapng packet at byte ${this.offset} names interface ${at.iface}, which was not described`);
    if (at.data + at.captured + 4 > length) return this.stop(`pcapng packet at byte ${this.offset} claims ${at.captured} bytes, more than its block holds`);
    // Simple Packet Blocks carry no time: 0 (the epoch) says so honestly.
    const units = at.ts === null ? 0 : block.u32(at.ts) * 4294967296 + block.u32(at.ts + 4);
    const ts = at.ts === null ? 0 : units / iface.unitsPerMs + iface.offsetMs;
    return { kind: 'packet', ts, linkType: iface.linkType, data: block.bytes.subarray(at.data, at.data + at.captured), originalLength: at.original };
  }
}

function readInterface(block: BlockView, length: number): Interface {
  const iface: Interface = { linkType: block.u16(8), snapLength: block.u32(12), unitsPerMs: 1000, offsetMs: 0 };
  // Options: code, length, value padded to 4 bytes; code 0 ends them.
  for (let at = 16; at + 4 <= length - 4; ) {
    const code = block.u16(at);
    const size = block.u16(at + 2);
    if (code === 0 || at + 4 + size > length - 4) break;
    if (code === OPT_TSRESOL && size >= 1) {
      const v = block.bytes[at + 4]!;
      const perSecond = v & 0x80 ? 2 ** (v & 0x7f) : 10 ** v;
      iface.unitsPerMs = perSecond / 1000;
    } else if (code === OPT_TSOFFSET && size >= 8) {
      iface.offsetMs = block.u64(at + 4) * 1000;
    }
    at += 4 + Math.ceil(size / 4) * 4;
  }
  return iface;
}
