/**
 * Captures recorded with dumpcap on loopback (a real kernel's TCP, not our
 * writer's): ws client and server, with and without permessage-deflate;
 * pcapng on lo (Ethernet) and classic pcap on "any" (Linux cooked capture).
 * Recorded by: dumpcap -i lo -f "tcp port N" -w loopback-ws.pcapng, and
 * dumpcap -P -i any -f "tcp port N" -w any-deflate.pcap.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectFormat } from '../../src/capture/detect.js';
import { PacketCapture } from '../../src/capture/packet-capture.js';
import type { WireEvent } from '../../src/inspector/events.js';
import { TSHARK, tsharkFrames } from './tshark.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/captures');

function read(name: string): WireEvent[] {
  const bytes = readFileSync(join(FIXTURES, name));
  const capture = new PacketCapture(detectFormat(bytes) as 'pcap' | 'pcapng');
  const events = [...capture.push(bytes), ...capture.end()];
  expect(capture.problem).toBeNull();
  return events;
}

const MESSAGES = ['Hello from a dumpcap fixture', 'AQIDBAU=', 'fragmented message', 'é😀 unicode', 'x'.repeat(3000)];

describe('captures recorded with dumpcap on loopback', () => {
  for (const [name, deflate] of [['loopback-ws.pcapng', false], ['any-deflate.pcap', true]] as const) {
    it(`${name}: one clean WebSocket connection, every message both ways${deflate ? ', inflated' : ''}`, () => {
      const events = read(name);
      expect(events.filter((e) => e.type === 'connection')).toHaveLength(1);
      expect(events.filter((e) => e.type === 'violation')).toEqual([]);
      const messages = events.filter((e) => e.type === 'message');
      for (const from of ['client', 'server']) {
        expect(messages.filter((m) => m.from === from).map((m) => m.text ?? m.base64)).toEqual(MESSAGES);
      }
      expect(messages.every((m) => m.compressed === deflate)).toBe(true);
      expect(events.at(-1)).toMatchObject({ type: 'connection-end', clean: true, closeCode: 1000, by: 'client' });
      if (TSHARK) {
        const frames = events.filter((e) => e.type === 'frame');
        expect(tsharkFrames(join(FIXTURES, name)).map((f) => [f.opcode, f.fin, f.masked, f.payloadLength])).toEqual(
          frames.map((f) => [f.opcode, f.fin, f.masked, f.payloadLength]),
        );
      }
    });
  }
});
