/**
 * pcapng blocks (little-endian): a Section Header and one Ethernet Interface
 * Description with microsecond timestamps, then one Enhanced Packet Block per
 * frame. Each block is complete in itself, so a file cut after any block is
 * still readable up to there.
 */
const LINKTYPE_ETHERNET = 1;

export function pcapngHeader(application = 'wsinspect'): Uint8Array {
  const shb = block(0x0a0d0d0a, (body) => {
    body.writeUInt32LE(0x1a2b3c4d, 0);
    body.writeUInt16LE(1, 4);
    body.writeUInt16LE(0, 6);
    body.writeInt32LE(-1, 8); // section length unknown (written as it goes)
    body.writeInt32LE(-1, 12);
    writeOptions(body, 16, [[4, Buffer.from(application)]]); // shb_userappl
  }, 16 + optionsLength([Buffer.from(application)]));
  const idb = block(1, (body) => {
    body.writeUInt16LE(LINKTYPE_ETHERNET, 0);
    body.writeUInt16LE(0, 2);
    body.writeUInt32LE(0, 4); // no snap length limit
    writeOptions(body, 8, [[9, Buffer.from([6])]]); // if_tsresol: microseconds
  }, 8 + optionsLength([Buffer.from([6])]));
  return Buffer.concat([shb, idb]);
}

/** An Enhanced Packet Block on interface 0; `ts` in milliseconds since the epoch. */
export function pcapngPacket(ts: number, frame: Uint8Array): Uint8Array {
  const padded = Math.ceil(frame.length / 4) * 4;
  return block(6, (body) => {
    const micros = Math.round(ts * 1000);
    body.writeUInt32LE(0, 0);
    body.writeUInt32LE(Math.floor(micros / 4294967296), 4);
    body.writeUInt32LE(micros % 4294967296, 8);
    body.writeUInt32LE(frame.length, 12);
    body.writeUInt32LE(frame.length, 16);
    body.set(frame, 20);
    body.fill(0, 20 + frame.length, 20 + padded);
  }, 20 + padded);
}

function block(type: number, fill: (body: Buffer) => void, bodyLength: number): Buffer {
  const total = 12 + bodyLength;
  const bytes = Buffer.allocUnsafe(total);
  bytes.writeUInt32LE(type, 0);
  bytes.writeUInt32LE(total, 4);
  fill(bytes.subarray(8, 8 + bodyLength));
  bytes.writeUInt32LE(total, total - 4);
  return bytes;
}

function optionsLength(values: Buffer[]): number {
  return values.reduce((sum, value) => sum + 4 + Math.ceil(value.length / 4) * 4, 0) + 4; // + opt_endofopt
}

function writeOptions(body: Buffer, at: number, options: [code: number, value: Buffer][]): void {
  for (const [code, value] of options) {
    body.writeUInt16LE(code, at);
    body.writeUInt16LE(value.length, at + 2);
    body.set(value, at + 4);
    const padded = Math.ceil(value.length / 4) * 4;
    body.fill(0, at + 4 + value.length, at + 4 + padded);
    at += 4 + padded;
  }
  body.writeUInt32LE(0, at);
}
