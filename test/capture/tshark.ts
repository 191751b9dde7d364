/**
 * Test helper: what tshark makes of a capture's WebSocket frames, read from
 * its PDML output (one record per frame, in packet order, with the TCP source
 * port to tell the direction and the payload as tshark unmasked, reassembled
 * and inflated it); and the check that it agrees with `read`'s events on
 * every frame.
 */
import { spawnSync } from 'node:child_process';
import { expect } from 'vitest';
import type { WireEvent } from '../../src/inspector/events.js';

export const TSHARK = spawnSync('tshark', ['--version'], { encoding: 'utf8' }).status === 0 ? 'tshark' : null;
if (!TSHARK) console.warn('\n*** tshark not found: the tshark round-trip tests are SKIPPED (apt-get install -y tshark to run them) ***\n');

export interface TsharkFrame {
  srcPort: number;
  fin: boolean;
  opcode: number;
  masked: boolean;
  payloadLength: number;
  /** Hex of the payload tshark shows for the frame (unmasked; a message's last frame: reassembled, inflated), or null. */
  payloadHex: string | null;
}

export function tsharkFrames(file: string): TsharkFrame[] {
  const result = spawnSync(TSHARK!, ['-r', file, '-Y', 'websocket', '-T', 'pdml'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`tshark failed: ${result.stderr}`);
  const frames: TsharkFrame[] = [];
  let srcPort = 0;
  let current: TsharkFrame | null = null;
  let closePayload: string | null = null;
  const attr = (line: string, name: string) => new RegExp(`\\b${name}="([^"]*)"`).exec(line)?.[1] ?? '';
  for (const line of result.stdout.split('\n')) {
    if (line.includes('<packet>')) current = null;
    const field = attr(line, 'name');
    if (field === 'tcp.srcport') srcPort = Number(attr(line, 'show'));
    if (line.includes('<proto name="websocket"')) {
      current = { srcPort, fin: false, opcode: -1, masked: false, payloadLength: 0, payloadHex: null };
      closePayload = null;
      frames.push(current);
      continue;
    }
    if (!current) continue;
    const show = attr(line, 'show');
    const value = attr(line, 'value');
    switch (field) {
      case 'websocket.fin':
        current.fin = show === '1';
        break;
      case 'websocket.opcode':
        current.opcode = Number(show);
        break;
      case 'websocket.mask':
        current.masked = show === '1';
        break;
      case 'websocket.payload_length':
        current.payloadLength = Number(show);
        break;
      case 'websocket.payload_length_ext_16':
      case 'websocket.payload_length_ext_64':
        current.payloadLength = Number(show);
        break;
      case 'websocket.payload.text':
      case 'websocket.payload.ping':
      case 'websocket.payload.pong':
      case 'websocket.payload.continue':
      case 'data':
        current.payloadHex = value;
        break;
      case 'websocket.payload.close.status_code':
      case 'websocket.payload.close.reason':
        closePayload = (closePayload ?? '') + value;
        current.payloadHex = closePayload;
        break;
    }
  }
  return frames;
}

/** Every frame of `read`'s events against tshark's dissection of the same file. */
export function expectTsharkAgrees(file: string, events: WireEvent[]): void {
  const clientPorts = new Set(events.flatMap((e) => (e.type === 'connection' ? [Number(e.client.split(':').pop())] : [])));
  const frames = events.filter((e): e is Extract<WireEvent, { type: 'frame' }> => e.type === 'frame');
  const shark = tsharkFrames(file);
  expect(shark.map((f) => [clientPorts.has(f.srcPort) ? 'client' : 'server', f.fin, f.opcode, f.masked, f.payloadLength])).toEqual(
    frames.map((f) => [f.from, f.fin, f.opcode, f.masked, f.payloadLength]),
  );
  // Payloads: each message's (tshark shows it, unmasked, reassembled and inflated, on its last frame), and each control frame's.
  let i = 0;
  let messageFrames: number[] = [];
  for (const event of events) {
    if (event.type === 'frame') {
      if (event.opcode >= 8) expect(shark[i]!.payloadHex ?? '', `control frame ${i}`).toBe(event.payloadHex);
      else messageFrames.push(i);
      i++;
    } else if (event.type === 'message') {
      const payload = event.kind === 'text' ? Buffer.from(event.text!).toString('hex') : Buffer.from(event.base64!, 'base64').toString('hex');
      const shown = messageFrames.map((n) => shark[n]!.payloadHex).filter((hex): hex is string => hex !== null);
      // tshark shows a fragmented message reassembled on a late fragment, or fragment by fragment (4.0 leaves out
      // the first fragment of a binary message when the last is empty: then what it shows is the message's tail).
      const candidates = [shown.at(-1) ?? '', shown.join('')];
      if (event.frames! > 1 && shown.length > 0 && payload.endsWith(shown.join(''))) candidates.push(payload);
      const where = `message ending at frame ${messageFrames.at(-1)}`;
      if (event.compressed && event.frames! > 1) {
        // tshark 4.0 reassembles a fragmented compressed message but does not inflate it: nothing to compare
      } else if (event.truncated) expect(candidates.some((hex) => hex.startsWith(payload)), where).toBe(true);
      else expect(candidates, where).toContain(payload);
      messageFrames = [];
    }
  }
}
