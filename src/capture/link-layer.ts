/**
 * From a captured frame to the IP packet inside it, for the link types
 * loopback and server captures use: Ethernet (with 802.1Q/802.1ad VLAN tags),
 * Linux cooked capture v1 and v2, raw IP, and BSD loopback (null/loop).
 * Anything else (ARP, another link type) is null: not ours to decode.
 */
const ETHERNET = 1;
const NULL = 0;
const RAW = 101;
const RAW_DLT_12 = 12;
const RAW_DLT_14 = 14;
const LOOP = 108;
const LINUX_SLL = 113;
const IPV4 = 228;
const IPV6 = 229;
const LINUX_SLL2 = 276;

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
const VLAN_TAGS = new Set([0x8100, 0x88a8, 0x9100]);

/** The IP packet of a frame (it starts with its version nibble), or null. */
export function ipPayload(linkType: number, frame: Uint8Array): Uint8Array | null {
  switch (linkType) {
    case ETHERNET:
      return ethernet(frame);
    case LINUX_SLL:
      return frame.length >= 16 ? byEthertype(u16(frame, 14), frame.subarray(16)) : null;
    case LINUX_SLL2:
      return frame.length >= 20 ? byEthertype(u16(frame, 0), frame.subarray(20)) : null;
    case RAW:
    case RAW_DLT_12:
    case RAW_DLT_14:
    case IPV4:
    case IPV6:
      return frame;
    case NULL:
    case LOOP:
      // A 4-byte address family (host byte order for NULL, network for LOOP): the IP version nibble decides.
      return frame.length > 4 ? frame.subarray(4) : null;
    default:
      return null;
  }
}

function ethernet(frame: Uint8Array): Uint8Array | null {
  let at = 12;
  while (at + 2 <= frame.length && VLAN_TAGS.has(u16(frame, at))) at += 4;
  return at + 2 <= frame.length ? byEthertype(u16(frame, at), frame.subarray(at + 2)) : null;
}

function byEthertype(type: number, payload: Uint8Array): Uint8Array | null {
  return type === ETHERTYPE_IPV4 || type === ETHERTYPE_IPV6 ? payload : null;
}

function u16(bytes: Uint8Array, at: number): number {
  return (bytes[at]! << 8) | bytes[at + 1]!;
}
