import { describe, expect, it } from 'vitest';
import { PacketCapture } from '../../src/capture/packet-capture.js';
import { Connection } from '../../src/inspector/connection.js';
import { encodeFrame } from '../../src/inspector/frame-encoder.js';
import { stamp, type InspectorEvent, type WireEvent } from '../../src/inspector/events.js';
import { conversationPcapng, UPGRADE_REQUEST, UPGRADE_RESPONSE, type Step } from './conversation.js';
import { captureWithHole, pcapFile, segment } from './files.js';

const KEY = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);
const KEY2 = Buffer.from([1, 2, 3, 4]);

function readCapture(file: Uint8Array, format: 'pcap' | 'pcapng' = 'pcapng', chunk = file.length): { events: WireEvent[]; capture: PacketCapture } {
  const capture = new PacketCapture(format);
  const events: WireEvent[] = [];
  for (let at = 0; at < file.length; at += chunk) events.push(...capture.push(file.subarray(at, at + chunk)));
  events.push(...capture.end());
  return { events, capture };
}

/** What the proxy's Connection gives for the same bytes, pushed side by side as they were sent. */
function direct(steps: Step[]): InspectorEvent[] {
  const connection = new Connection();
  const events: InspectorEvent[] = [];
  for (const [side, what] of steps) {
    if (what === 'fin') events.push(...connection.end(side));
    else if (what !== 'rst') events.push(...connection.push(side, typeof what === 'string' ? Buffer.from(what, 'latin1') : what).events);
  }
  return [...events, ...connection.finish(0)];
}

const strip = (events: WireEvent[]) => events.map(({ conn: _c, ts: _t, ...rest }) => ('durationMs' in rest ? { ...rest, durationMs: 0 } : rest));

const KEEP_ALIVE_THEN_UPGRADE: Step[] = [
  ['client', 'GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n'],
  ['server', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello'],
  ['client', UPGRADE_REQUEST],
  ['server', UPGRADE_RESPONSE],
  ['client', encodeFrame({ opcode: 1, payload: 'part one ', fin: false, maskKey: KEY })],
  ['client', Buffer.concat([encodeFrame({ opcode: 9, payload: 'ping', maskKey: KEY2 }), encodeFrame({ opcode: 0, payload: 'part two', maskKey: KEY })])],
  ['server', encodeFrame({ opcode: 2, payload: Buffer.alloc(70_000, 9) })],
  ['server', encodeFrame({ opcode: 8, payload: Buffer.from([3, 232]) })],
  ['client', encodeFrame({ opcode: 8, payload: Buffer.from([3, 232]), maskKey: KEY2 })],
  ['server', 'fin'],
  ['client', 'fin'],
];

describe('packet captures into the Connection', () => {
  it('gives the events the proxy Connection gives for the same bytes (keep-alive HTTP, upgrade, fragments, control frames)', () => {
    const { events, capture } = readCapture(conversationPcapng(KEEP_ALIVE_THEN_UPGRADE));
    expect(capture.problem).toBeNull();
    expect(events[0]).toMatchObject({ type: 'connection', conn: 1, client: '127.0.0.1:40000', upstream: 'ws://127.0.0.1:9000/' });
    expect(strip(events.slice(1))).toEqual(strip(direct(KEEP_ALIVE_THEN_UPGRADE).map((e) => stamp(e, 1, 0))));
    expect(events.map((e) => e.type)).toContain('http');
    expect(events.at(-1)).toMatchObject({ type: 'connection-end', clean: true, closeCode: 1000, by: 'server' });
  });

  it('gives the same events whatever the chunking of the file', () => {
    const file = conversationPcapng(KEEP_ALIVE_THEN_UPGRADE);
    const whole = readCapture(file).events;
    for (const chunk of [1, 13, 1000]) expect(readCapture(file, 'pcapng', chunk).events).toEqual(whole);
  });

  it('stamps events with the capture time of their packet', () => {
    const { events } = readCapture(conversationPcapng(KEEP_ALIVE_THEN_UPGRADE));
    expect(events.find((e) => e.type === 'handshake-request')!.ts).toBe(1_700_000_000_003);
  });

  it('reports a lost segment as undecodable at its offset, and decodes nothing of that direction after it', () => {
    const { file, lostAt, lost } = captureWithHole();
    const { events } = readCapture(file, 'pcap');
    const types = events.map((e) => `${e.type}${'from' in e && e.from ? `:${e.from}` : ''}`);
    expect(types).toEqual([
      'connection',
      'handshake-request',
      'handshake-response',
      'frame:client',
      'message:client',
      'undecodable:client',
      'frame:server',
      'message:server',
      'violation',
      'connection-end',
    ]);
    expect(events.find((e) => e.type === 'undecodable')).toMatchObject({
      message: `the client's stream has a gap: ${lost} bytes at byte ${lostAt} were never seen; the rest of it is not decoded`,
    });
  });

  it('reports a TLS connection as encrypted, and ignores TCP that is not HTTP', () => {
    const tls = Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5]);
    const frames = [
      segment('client', 100, 0, 0x18, tls),
      segment('server', 500, 0, 0x18, 'SSH-2.0-OpenSSH\r\n'), // same ports, but the client spoke first: still TLS
    ];
    const { events } = readCapture(pcapFile(frames.map((data, i) => ({ ts: i, data }))), 'pcap');
    expect(events.map((e) => e.type)).toEqual(['connection', 'error', 'connection-end']);
    expect(events[1]).toMatchObject({ message: 'TLS: encrypted, not decodable (10.0.0.1:40000 → 10.0.0.2:8080)' });
    const ssh = readCapture(pcapFile([{ ts: 0, data: segment('client', 1, 0, 0x18, 'SSH-2.0-OpenSSH\r\n') }]), 'pcap').events;
    expect(ssh).toEqual([]);
  });

  it('keeps the events read before a truncated file, ends the open connections and reports the problem', () => {
    const file = conversationPcapng(KEEP_ALIVE_THEN_UPGRADE);
    const { events, capture } = readCapture(file.subarray(0, file.length - 300)); // the close frames are lost
    expect(capture.problem).toMatch(/^pcapng file truncated: a block cut short at byte \d+$/);
    expect(events.at(-1)).toMatchObject({ type: 'connection-end' });
    expect(events.some((e) => e.type === 'violation' && e.rule === 'abnormal-closure')).toBe(true);
  });
});
