/**
 * Synthesised Ethernet/IP/TCP frames for the pcapng the proxy writes: the
 * headers a dissector needs, around bytes that really crossed. IPv4 carries
 * its header checksum; the TCP checksum is left 0, which Wireshark and tshark
 * show as unverified (they do not check it by default) rather than compute a
 * sum over every relayed byte.
 */
import { isIPv4 } from 'node:net';

export interface TcpAddress {
  ip: string;
  port: number;
}

export const TCP_FIN = 0x01;
export const TCP_SYN = 0x02;
export const TCP_RST = 0x04;
export const TCP_PSH = 0x08;
export const TCP_ACK = 0x10;

/** The largest TCP payload an IPv4 packet holds (65535 - 20 - 20): segments are cut to it. */
export const MAX_SEGMENT = 65495;

export interface SegmentSpec {
  src: TcpAddress;
  dst: TcpAddress;
  seq: number;
  ack: number;
  flags: number;
  payload?: Uint8Array;
}

const ETHERNET_HEADER = 14;
const TCP_HEADER = 20;

export function tcpFrame(spec: SegmentSpec): Uint8Array {
  const payload = spec.payload ?? new Uint8Array(0);
  const v4 = isIPv4(spec.src.ip) && isIPv4(spec.dst.ip);
  const ipHeader = v4 ? 20 : 40;
  const frame = Buffer.allocUnsafe(ETHERNET_HEADER + ipHeader + TCP_HEADER + payload.length);
  // Ethernet: locally administered addresses, 02:00:00:00:00:01 (client side) and :02.
  frame.fill(0, 0, 12);
  frame[0] = 0x02;
  frame[5] = 0x02;
  frame[6] = 0x02;
  frame[11] = 0x01;
  frame.writeUInt16BE(v4 ? 0x0800 : 0x86dd, 12);
  const ip = frame.subarray(ETHERNET_HEADER);
  if (v4) writeIpv4(ip, spec, TCP_HEADER + payload.length);
  else writeIpv6(ip, spec, TCP_HEADER + payload.length);
  const tcp = ip.subarray(ipHeader);
  tcp.writeUInt16BE(spec.src.port, 0);
  tcp.writeUInt16BE(spec.dst.port, 2);
  tcp.writeUInt32BE(spec.seq >>> 0, 4);
  tcp.writeUInt32BE(spec.ack >>> 0, 8);
  tcp[12] = (TCP_HEADER / 4) << 4;
  tcp[13] = spec.flags;
  tcp.writeUInt16BE(65535, 14); // window
  tcp.writeUInt32BE(0, 16); // checksum (unverified), urgent pointer
  tcp.set(payload, TCP_HEADER);
  return frame;
}

function writeIpv4(ip: Buffer, spec: SegmentSpec, length: number): void {
  ip[0] = 0x45;
  ip[1] = 0;
  ip.writeUInt16BE(20 + length, 2);
  ip.writeUInt32BE(0x00004000, 4); // id 0, don't fragment
  ip[8] = 64;
  ip[9] = 6;
  ip.writeUInt16BE(0, 10);
  ip.set(ipv4Bytes(spec.src.ip), 12);
  ip.set(ipv4Bytes(spec.dst.ip), 16);
  let sum = 0;
  for (let i = 0; i < 20; i += 2) sum += ip.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  ip.writeUInt16BE(~sum & 0xffff, 10);
}

function writeIpv6(ip: Buffer, spec: SegmentSpec, length: number): void {
  ip.writeUInt32BE(0x60000000, 0);
  ip.writeUInt16BE(length, 4);
  ip[6] = 6;
  ip[7] = 64;
  ip.set(ipv6Bytes(spec.src.ip), 8);
  ip.set(ipv6Bytes(spec.dst.ip), 24);
}

function ipv4Bytes(ip: string): number[] {
  return ip.split('.').map(Number);
}

/** 16 bytes of an IPv6 address; an IPv4 address becomes IPv4-mapped (::ffff:a.b.c.d), to pair with an IPv6 peer. */
export function ipv6Bytes(ip: string): Uint8Array {
  const bytes = new Uint8Array(16);
  if (isIPv4(ip)) {
    bytes[10] = 0xff;
    bytes[11] = 0xff;
    bytes.set(ipv4Bytes(ip), 12);
    return bytes;
  }
  let text = ip.replace(/%.*$/, ''); // zone id
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  const tail = dotted ? ipv4Bytes(dotted[1]!) : null;
  if (dotted) text = text.slice(0, -dotted[1]!.length) + '0:0';
  const [left, right] = text.includes('::') ? text.split('::') : [text, null];
  const head = left ? left.split(':') : [];
  const rest = right ? right.split(':') : [];
  const groups = right === null ? head : [...head, ...Array<string>(8 - head.length - rest.length).fill('0'), ...rest];
  groups.forEach((group, i) => {
    const value = parseInt(group, 16) || 0;
    bytes[i * 2] = value >> 8;
    bytes[i * 2 + 1] = value & 0xff;
  });
  if (tail) bytes.set(tail, 12);
  return bytes;
}
