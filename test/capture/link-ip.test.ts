import { describe, expect, it } from 'vitest';
import { ipPayload } from '../../src/capture/link-layer.js';
import { parseIp } from '../../src/capture/ip.js';
import { parseTcp } from '../../src/capture/tcp-segment.js';
import { tcpFrame } from '../../src/capture/packet-builder.js';
import { segment, withoutEthernet } from './files.js';

const frame = segment('client', 1000, 0, 0x18, 'hello');
const ipPacket = withoutEthernet(frame);

function tcpTextOf(linkType: number, bytes: Uint8Array): string | null {
  const ip = ipPayload(linkType, bytes);
  const parsed = ip && parseIp(ip);
  const tcp = parsed && parseTcp(parsed.payload);
  return tcp ? `${parsed!.src}:${tcp.srcPort}>${parsed!.dst}:${tcp.dstPort} ${Buffer.from(tcp.payload).toString()}` : null;
}

describe('link layers', () => {
  const expected = '10.0.0.1:40000>10.0.0.2:8080 hello';
  const header = (bytes: number[]) => Buffer.concat([Buffer.from(bytes), ipPacket]);
  it.each([
    ['Ethernet', 1, Buffer.from(frame)],
    ['Ethernet with 802.1ad + 802.1Q tags', 1, Buffer.concat([frame.subarray(0, 12), Buffer.from([0x88, 0xa8, 0, 5, 0x81, 0x00, 0, 7, 0x08, 0x00]), ipPacket])],
    ['Linux cooked (SLL)', 113, header([0, 0, 0, 1, 0, 6, 1, 2, 3, 4, 5, 6, 0, 0, 0x08, 0x00])],
    ['Linux cooked v2 (SLL2)', 276, header([0x08, 0x00, 0, 0, 0, 0, 0, 1, 0, 1, 4, 6, 1, 2, 3, 4, 5, 6, 0, 0])],
    ['raw IP (101)', 101, ipPacket],
    ['raw IP (DLT 12)', 12, ipPacket],
    ['IPv4 (228)', 228, ipPacket],
    ['BSD loopback, host order', 0, header([2, 0, 0, 0])],
    ['OpenBSD loopback, network order', 108, header([0, 0, 0, 2])],
  ])('%s', (_name, linkType, bytes) => {
    expect(tcpTextOf(linkType, bytes)).toBe(expected);
  });

  it('skips what is not IP', () => {
    const arp = Buffer.from(frame);
    arp.writeUInt16BE(0x0806, 12);
    expect(ipPayload(1, arp)).toBeNull();
    expect(ipPayload(147, frame)).toBeNull(); // a user link type
    expect(ipPayload(1, frame.subarray(0, 10))).toBeNull();
  });
});

describe('IP', () => {
  it('skips IPv4 options by the header length and cuts Ethernet padding by the total length', () => {
    const withOptions = Buffer.concat([ipPacket.subarray(0, 20), Buffer.from([1, 1, 1, 0]), ipPacket.subarray(20), Buffer.alloc(6)]);
    withOptions[0] = 0x46;
    withOptions.writeUInt16BE(ipPacket.length + 4, 2);
    const parsed = parseIp(withOptions)!;
    expect(Buffer.from(parseTcp(parsed.payload)!.payload).toString()).toBe('hello');
    expect(parsed.fragment).toBe(false);
  });

  it('marks IPv4 fragments (more-fragments flag, or an offset)', () => {
    const more = Buffer.from(ipPacket);
    more.writeUInt16BE(0x2000, 6);
    expect(parseIp(more)!.fragment).toBe(true);
    const later = Buffer.from(ipPacket);
    later.writeUInt16BE(0x0010, 6);
    expect(parseIp(later)!.fragment).toBe(true);
  });

  it('walks IPv6 extension headers to TCP', () => {
    const v6 = withoutEthernet(tcpFrame({ src: { ip: '2001:db8::1', port: 1 }, dst: { ip: '::ffff:10.0.0.2', port: 2 }, seq: 0, ack: 0, flags: 0x18, payload: Buffer.from('v6') }));
    const tcp = v6.subarray(40);
    // hop-by-hop (8 bytes) then destination options (16 bytes) then an atomic fragment header, then TCP
    const hop = Buffer.from([60, 0, 1, 4, 0, 0, 0, 0]);
    const dest = Buffer.from([44, 1, 1, 12, ...Array<number>(12).fill(0)]);
    const frag = Buffer.from([6, 0, 0, 0, 0, 0, 0, 1]);
    const packet = Buffer.concat([v6.subarray(0, 40), hop, dest, frag, tcp]);
    packet[6] = 0;
    packet.writeUInt16BE(hop.length + dest.length + frag.length + tcp.length, 4);
    const parsed = parseIp(packet)!;
    expect(parsed).toMatchObject({ src: '2001:db8::1', dst: '::ffff:a00:2', protocol: 6, fragment: false });
    expect(Buffer.from(parseTcp(parsed.payload)!.payload).toString()).toBe('v6');
    frag.writeUInt16BE(0x0001, 2); // more fragments follow
    const fragmented = Buffer.concat([packet.subarray(0, 40 + hop.length + dest.length), frag, tcp]);
    expect(parseIp(fragmented)!.fragment).toBe(true);
  });

  it('formats IPv6 addresses as RFC 5952 text', () => {
    const v6 = (ip: string) => parseIp(withoutEthernet(tcpFrame({ src: { ip, port: 1 }, dst: { ip: '::1', port: 2 }, seq: 0, ack: 0, flags: 0 })))!.src;
    expect(v6('2001:0db8:0000:0000:0001:0000:0000:0001')).toBe('2001:db8::1:0:0:1');
    expect(v6('::')).toBe('::');
    expect(v6('fe80::')).toBe('fe80::');
    expect(v6('1:2:3:4:5:6:7:8')).toBe('1:2:3:4:5:6:7:8');
  });

  it('rejects headers too short for what they claim', () => {
    expect(parseIp(ipPacket.subarray(0, 19))).toBeNull();
    expect(parseIp(Buffer.from([0x4f, ...Array<number>(30).fill(0)]))).toBeNull();
    expect(parseTcp(Buffer.alloc(19))).toBeNull();
  });
});
