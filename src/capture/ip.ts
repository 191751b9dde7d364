/**
 * IPv4 (options skipped by the header length) and IPv6 (extension headers
 * walked to the upper-layer protocol). The payload is cut to the length the
 * header declares, so Ethernet padding never reaches TCP. Fragments are not
 * reassembled: they are reported as such.
 */
export const TCP = 6;

export interface IpPacket {
  src: string;
  dst: string;
  protocol: number;
  payload: Uint8Array;
  /** Part of a fragmented datagram (TCP over fragments is not reassembled). */
  fragment: boolean;
}

const V6_HOP_BY_HOP = 0;
const V6_ROUTING = 43;
const V6_FRAGMENT = 44;
const V6_AH = 51;
const V6_DEST_OPTS = 60;

export function parseIp(packet: Uint8Array): IpPacket | null {
  const version = packet.length > 0 ? packet[0]! >> 4 : 0;
  if (version === 4) return ipv4(packet);
  if (version === 6) return ipv6(packet);
  return null;
}

function ipv4(p: Uint8Array): IpPacket | null {
  const headerLength = (p[0]! & 0x0f) * 4;
  if (p.length < 20 || headerLength < 20 || headerLength > p.length) return null;
  const total = (p[2]! << 8) | p[3]!;
  const flagsOffset = (p[6]! << 8) | p[7]!;
  // A total length of 0 happens with TCP segmentation offload captured on the sender: take what is there.
  const end = total >= headerLength && total <= p.length ? total : p.length;
  return {
    src: `${p[12]}.${p[13]}.${p[14]}.${p[15]}`,
    dst: `${p[16]}.${p[17]}.${p[18]}.${p[19]}`,
    protocol: p[9]!,
    payload: p.subarray(headerLength, end),
    fragment: (flagsOffset & 0x3fff) !== 0, // more-fragments flag or a non-zero offset
  };
}

function ipv6(p: Uint8Array): IpPacket | null {
  if (p.length < 40) return null;
  const payloadLength = (p[4]! << 8) | p[5]!;
  const end = payloadLength > 0 && 40 + payloadLength <= p.length ? 40 + payloadLength : p.length;
  let next = p[6]!;
  let at = 40;
  let fragment = false;
  for (;;) {
    if (next === V6_HOP_BY_HOP || next === V6_ROUTING || next === V6_DEST_OPTS) {
      if (at + 2 > end) return null;
      const size = (p[at + 1]! + 1) * 8;
      next = p[at]!;
      at += size;
    } else if (next === V6_FRAGMENT) {
      if (at + 8 > end) return null;
      const offsetMore = (p[at + 2]! << 8) | p[at + 3]!;
      fragment ||= offsetMore !== 0; // an atomic fragment (offset 0, no more) is a whole datagram
      next = p[at]!;
      at += 8;
    } else if (next === V6_AH) {
      if (at + 2 > end) return null;
      const size = (p[at + 1]! + 2) * 4;
      next = p[at]!;
      at += size;
    } else break;
    if (at > end) return null;
  }
  return { src: ipv6Text(p.subarray(8, 24)), dst: ipv6Text(p.subarray(24, 40)), protocol: next, payload: p.subarray(at, end), fragment };
}

/** RFC 5952 text: lowercase, leading zeros dropped, the longest run of zero groups as "::". */
function ipv6Text(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [bestStart, bestLength] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}
