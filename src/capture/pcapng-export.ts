/**
 * A pcapng being recorded, read back for the inspector's export: the whole
 * file as far as it is written, or the packets of one conversation (both
 * directions) as a file of their own, which Wireshark opens like any capture.
 */
import { createReadStream } from 'node:fs';
import type { CapturedPacket } from './packet.js';
import { TCP, parseIp } from './ip.js';
import { ipPayload } from './link-layer.js';
import type { TcpAddress } from './packet-builder.js';
import { PcapngReader } from './pcapng-reader.js';
import { pcapngHeader, pcapngPacket } from './pcapng-writer.js';
import { parseTcp } from './tcp-segment.js';

export interface Conversation {
  client: TcpAddress;
  server: TcpAddress;
}

/** `size`: the bytes written so far (whole blocks: the recorder writes each block at once). */
export async function* pcapngExport(path: string, size: number, only: Conversation | null): AsyncGenerator<Uint8Array> {
  const stream = createReadStream(path, { start: 0, end: size - 1, highWaterMark: 256 * 1024 });
  if (!only) {
    yield* stream;
    return;
  }
  yield pcapngHeader();
  const reader = new PcapngReader();
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    for (const record of reader.push(chunk)) {
      // pcapngPacket copies the packet: the reader's view is only valid until the next push.
      if (record.kind === 'packet' && belongsTo(record, only)) yield pcapngPacket(record.ts, record.data);
    }
  }
}

function belongsTo(packet: CapturedPacket, { client, server }: Conversation): boolean {
  const payload = ipPayload(packet.linkType, packet.data);
  const ip = payload && parseIp(payload);
  const tcp = ip && ip.protocol === TCP ? parseTcp(ip.payload) : null;
  if (!ip || !tcp) return false;
  const is = (address: TcpAddress, text: string, port: number) => port === address.port && sameIp(text, address.ip);
  return (
    (is(client, ip.src, tcp.srcPort) && is(server, ip.dst, tcp.dstPort)) ||
    (is(server, ip.src, tcp.srcPort) && is(client, ip.dst, tcp.dstPort))
  );
}

/** IPv6 has many spellings of one address: compare the canonical one. */
function sameIp(a: string, b: string): boolean {
  const canonical = (ip: string) => (ip.includes(':') ? new URL(`http://[${ip}]/`).hostname : ip);
  return a === b || canonical(a) === canonical(b);
}
