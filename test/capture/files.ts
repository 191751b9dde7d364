/** Test helpers: capture files and packets built byte by byte, in every variant the readers accept. */
import { tcpFrame, type SegmentSpec } from '../../src/capture/packet-builder.js';
import { encodeFrame } from '../../src/inspector/frame-encoder.js';
import { UPGRADE_REQUEST, UPGRADE_RESPONSE } from './conversation.js';

export interface RawPacket {
  ts: number;
  data: Uint8Array;
  originalLength?: number;
}

/** A classic pcap file: either byte order, micro- or nanosecond timestamps. */
export function pcapFile(packets: RawPacket[], opts: { littleEndian?: boolean; nanoseconds?: boolean; linkType?: number } = {}): Buffer {
  const le = opts.littleEndian ?? true;
  const u32 = (value: number) => {
    const b = Buffer.alloc(4);
    if (le) b.writeUInt32LE(value >>> 0);
    else b.writeUInt32BE(value >>> 0);
    return b;
  };
  const u16 = (value: number) => {
    const b = Buffer.alloc(2);
    if (le) b.writeUInt16LE(value);
    else b.writeUInt16BE(value);
    return b;
  };
  const parts = [u32(opts.nanoseconds ? 0xa1b23c4d : 0xa1b2c3d4), u16(2), u16(4), u32(0), u32(0), u32(262144), u32(opts.linkType ?? 1)];
  for (const p of packets) {
    const seconds = Math.floor(p.ts / 1000);
    const fraction = opts.nanoseconds ? Math.round((p.ts - seconds * 1000) * 1e6) : Math.round((p.ts - seconds * 1000) * 1e3);
    parts.push(u32(seconds), u32(fraction), u32(p.data.length), u32(p.originalLength ?? p.data.length), Buffer.from(p.data));
  }
  return Buffer.concat(parts);
}

export interface NgInterface {
  linkType: number;
  /** if_tsresol byte (default 6: microseconds). */
  tsresol?: number;
}

export type NgPacket = RawPacket & { iface?: number; simple?: boolean };

/** A pcapng section in either byte order, with several interfaces and Enhanced or Simple packet blocks. */
export function pcapngSection(interfaces: NgInterface[], packets: NgPacket[], littleEndian = true): Buffer {
  const w = new Writer(littleEndian);
  const blocks: Buffer[] = [];
  blocks.push(w.block(0x0a0d0d0a, Buffer.concat([w.u32(0x1a2b3c4d), w.u16(1), w.u16(0), w.u32(0xffffffff), w.u32(0xffffffff)])));
  for (const iface of interfaces) {
    const options = iface.tsresol === undefined ? Buffer.alloc(0) : Buffer.concat([w.u16(9), w.u16(1), Buffer.from([iface.tsresol, 0, 0, 0]), w.u32(0)]);
    blocks.push(w.block(1, Buffer.concat([w.u16(iface.linkType), w.u16(0), w.u32(0), options])));
  }
  for (const p of packets) {
    const data = pad(p.data);
    if (p.simple) {
      blocks.push(w.block(3, Buffer.concat([w.u32(p.originalLength ?? p.data.length), data])));
      continue;
    }
    const iface = interfaces[p.iface ?? 0]!;
    const resolution = iface.tsresol ?? 6;
    const perSecond = resolution & 0x80 ? 2 ** (resolution & 0x7f) : 10 ** resolution;
    const units = BigInt(Math.round((p.ts / 1000) * perSecond));
    blocks.push(
      w.block(6, Buffer.concat([w.u32(p.iface ?? 0), w.u32(Number(units >> 32n)), w.u32(Number(units & 0xffffffffn)), w.u32(p.data.length), w.u32(p.originalLength ?? p.data.length), data])),
    );
  }
  return Buffer.concat(blocks);
}

function pad(data: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(data), Buffer.alloc((4 - (data.length % 4)) % 4)]);
}

class Writer {
  constructor(private readonly le: boolean) {}
  u32(v: number): Buffer {
    const b = Buffer.alloc(4);
    if (this.le) b.writeUInt32LE(v >>> 0);
    else b.writeUInt32BE(v >>> 0);
    return b;
  }
  u16(v: number): Buffer {
    const b = Buffer.alloc(2);
    if (this.le) b.writeUInt16LE(v);
    else b.writeUInt16BE(v);
    return b;
  }
  block(type: number, body: Buffer): Buffer {
    const total = 12 + body.length;
    return Buffer.concat([this.u32(type), this.u32(total), body, this.u32(total)]);
  }
}

const CLIENT = { ip: '10.0.0.1', port: 40000 };
const SERVER = { ip: '10.0.0.2', port: 8080 };

/** An Ethernet frame of a segment between 10.0.0.1:40000 (client) and 10.0.0.2:8080. */
export function segment(from: 'client' | 'server', seq: number, ack: number, flags: number, payload: Uint8Array | string = ''): Uint8Array {
  const [src, dst] = from === 'client' ? [CLIENT, SERVER] : [SERVER, CLIENT];
  const spec: SegmentSpec = { src, dst, seq, ack, flags, payload: typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload };
  return tcpFrame(spec);
}

/**
 * SYN, SYN-ACK and a WebSocket upgrade both ways (conversation.ts's heads),
 * as segments from `segment`; `client` and `server`: the sequence number
 * each side's next byte takes.
 */
export function upgradeSegments(): { segments: Uint8Array[]; client: number; server: number } {
  const client = 101 + UPGRADE_REQUEST.length;
  const server = 501 + UPGRADE_RESPONSE.length;
  const segments = [
    segment('client', 100, 0, 0x02),
    segment('server', 500, 101, 0x12),
    segment('client', 101, 501, 0x18, UPGRADE_REQUEST),
    segment('server', 501, client, 0x18, UPGRADE_RESPONSE),
  ];
  return { segments, client, server };
}

/**
 * A pcap of an upgraded connection whose client sent three 11-byte text
 * frames ("hello") of which the capture lost the second (the server's reply
 * acknowledges all three): `lostAt` is the client stream offset of the hole.
 */
export function captureWithHole(): { file: Buffer; lostAt: number; lost: number } {
  const hello = encodeFrame({ opcode: 1, payload: 'hello', maskKey: Buffer.from([0x37, 0xfa, 0x21, 0x3d]) });
  const { segments, client, server } = upgradeSegments();
  const packets = [
    ...segments,
    segment('client', client, 0, 0x18, hello),
    segment('client', client + 2 * hello.length, 0, 0x18, hello),
    segment('server', server, client + 3 * hello.length, 0x18, encodeFrame({ opcode: 1, payload: 'ok' })),
  ];
  const file = pcapFile(packets.map((data, i) => ({ ts: 1000 + i, data })));
  return { file, lostAt: UPGRADE_REQUEST.length + hello.length, lost: hello.length };
}

/** The IP packet of an Ethernet frame (for the link types that carry IP without Ethernet). */
export function withoutEthernet(frame: Uint8Array): Buffer {
  return Buffer.from(frame.subarray(14));
}
