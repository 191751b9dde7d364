/** The TCP header fields reassembly needs (RFC 9293 3.1), and the segment's data. */
export interface TcpSegment {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  syn: boolean;
  fin: boolean;
  rst: boolean;
  ackFlag: boolean;
  payload: Uint8Array;
}

export function parseTcp(bytes: Uint8Array): TcpSegment | null {
  if (bytes.length < 20) return null;
  const dataOffset = (bytes[12]! >> 4) * 4;
  if (dataOffset < 20 || dataOffset > bytes.length) return null;
  const flags = bytes[13]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, 16);
  return {
    srcPort: view.getUint16(0),
    dstPort: view.getUint16(2),
    seq: view.getUint32(4),
    ack: view.getUint32(8),
    fin: (flags & 0x01) !== 0,
    syn: (flags & 0x02) !== 0,
    rst: (flags & 0x04) !== 0,
    ackFlag: (flags & 0x10) !== 0,
    payload: bytes.subarray(dataOffset),
  };
}
