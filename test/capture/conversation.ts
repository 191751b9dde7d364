/** Test helper: a pcapng file of TCP conversations written with the proxy's own writer. */
import type { Side } from '../../src/inspector/events.js';
import { pcapngHeader } from '../../src/capture/pcapng-writer.js';
import { TcpConversation } from '../../src/capture/tcp-conversation.js';
import type { TcpAddress } from '../../src/capture/packet-builder.js';

export type Step = [Side, Uint8Array | string] | [Side, 'fin' | 'rst'];

export function conversationPcapng(steps: Step[], client: TcpAddress = { ip: '127.0.0.1', port: 40000 }, server: TcpAddress = { ip: '127.0.0.1', port: 9000 }): Buffer {
  const conversation = new TcpConversation(client, server);
  const blocks: Uint8Array[] = [pcapngHeader(), ...conversation.open(1_700_000_000_000)];
  let ts = 1_700_000_000_000;
  for (const [side, what] of steps) {
    ts += 1;
    if (what === 'fin' || what === 'rst') blocks.push(...conversation.end(side, ts, what === 'rst'));
    else blocks.push(...conversation.data(side, typeof what === 'string' ? Buffer.from(what, 'latin1') : what, ts));
  }
  return Buffer.concat(blocks);
}

export const UPGRADE_REQUEST =
  'GET /chat HTTP/1.1\r\nHost: 127.0.0.1:9000\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
export const UPGRADE_RESPONSE =
  'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
  'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n';
