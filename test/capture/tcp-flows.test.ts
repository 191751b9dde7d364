import { describe, expect, it } from 'vitest';
import { PcapngReader } from '../../src/capture/pcapng-reader.js';
import { TcpFlows } from '../../src/capture/tcp-flows.js';
import type { FlowEvent } from '../../src/capture/tcp-tracker.js';
import type { CaptureRecord } from '../../src/capture/packet.js';
import { conversationPcapng, UPGRADE_REQUEST, UPGRADE_RESPONSE } from './conversation.js';
import { segment } from './files.js';

/** Reads a whole capture in chunks of `chunk` bytes; returns the flow events with data joined per side. */
function flowsOf(file: Uint8Array, chunk = file.length): { events: FlowEvent[]; problems: string[] } {
  const reader = new PcapngReader();
  const flows = new TcpFlows();
  const events: FlowEvent[] = [];
  const problems: string[] = [];
  const take = (records: CaptureRecord[]) => {
    for (const record of records) {
      if (record.kind === 'problem') problems.push(record.message);
      else events.push(...flows.packet(record).map(copyData));
    }
  };
  for (let at = 0; at < file.length; at += chunk) take(reader.push(file.subarray(at, at + chunk)));
  take(reader.end());
  events.push(...flows.finish());
  return { events, problems };
}

function copyData(event: FlowEvent): FlowEvent {
  return event.kind === 'data' ? { ...event, bytes: Buffer.from(event.bytes) } : event;
}

function streamText(events: FlowEvent[], side: 'client' | 'server'): string {
  return Buffer.concat(events.flatMap((e) => (e.kind === 'data' && e.side === side ? [e.bytes] : []))).toString('latin1');
}

describe('TCP conversations written by the pcapng writer read back', () => {
  const file = conversationPcapng([
    ['client', UPGRADE_REQUEST],
    ['server', UPGRADE_RESPONSE],
    ['client', Buffer.alloc(200_000, 7)],
    ['client', 'fin'],
    ['server', 'fin'],
  ]);

  it('gives each side its bytes, in order, with open, both ends and close', () => {
    const { events, problems } = flowsOf(file);
    expect(problems).toEqual([]);
    expect(events[0]).toMatchObject({ kind: 'open', flow: 1, client: '127.0.0.1:40000', server: '127.0.0.1:9000' });
    expect(streamText(events, 'client')).toBe(UPGRADE_REQUEST + Buffer.alloc(200_000, 7).toString('latin1'));
    expect(streamText(events, 'server')).toBe(UPGRADE_RESPONSE);
    expect(events.filter((e) => e.kind !== 'data').map((e) => e.kind + ('side' in e ? `:${e.side}` : ''))).toEqual([
      'open',
      'end:client',
      'end:server',
      'close',
    ]);
  });

  it('gives the same events whatever the chunking', () => {
    const whole = flowsOf(file).events;
    for (const chunk of [1, 7, 4096, 65536]) {
      const chunked = flowsOf(file, chunk).events;
      expect(streamText(chunked, 'client')).toBe(streamText(whole, 'client'));
      expect(chunked.filter((e) => e.kind !== 'data')).toEqual(whole.filter((e) => e.kind !== 'data'));
    }
  });

  it('reads IPv6 conversations', () => {
    const v6 = conversationPcapng([['client', 'GET / HTTP/1.1\r\n\r\n'], ['client', 'rst']], { ip: '::1', port: 5 }, { ip: 'fe80::1:2', port: 80 });
    const { events } = flowsOf(v6);
    expect(events[0]).toMatchObject({ kind: 'open', client: '[::1]:5', server: '[fe80::1:2]:80' });
    expect(streamText(events, 'client')).toBe('GET / HTTP/1.1\r\n\r\n');
    expect(events.filter((e) => e.kind === 'end')).toEqual([
      expect.objectContaining({ side: 'client', reset: true }),
      expect.objectContaining({ side: 'server', reset: true }),
    ]);
  });
});

describe('TCP connections in a capture', () => {
  const SYN = 0x02;
  const ACK = 0x10;
  const PSH_ACK = 0x18;
  const FIN_ACK = 0x11;
  const RST = 0x04;

  function run(frames: Uint8Array[]): FlowEvent[] {
    const flows = new TcpFlows();
    const events: FlowEvent[] = [];
    frames.forEach((data, i) => events.push(...flows.packet({ kind: 'packet', ts: i, linkType: 1, data, originalLength: data.length }).map(copyData)));
    return [...events, ...flows.finish()];
  }
  const kinds = (events: FlowEvent[]) => events.map((e) => `${e.kind}${'side' in e ? `:${e.side}` : ''}#${e.flow}`);

  it('takes the SYN-ACK receiver as client when the SYN was not captured', () => {
    const events = run([segment('server', 500, 101, SYN | ACK), segment('client', 101, 501, PSH_ACK, 'GET')]);
    expect(events[0]).toMatchObject({ kind: 'open', client: '10.0.0.1:40000', server: '10.0.0.2:8080' });
    expect(streamText(events, 'client')).toBe('GET');
  });

  it('takes the first speaker as client for a connection already open, and ignores stray ACKs', () => {
    const events = run([segment('server', 500, 101, ACK), segment('client', 101, 500, PSH_ACK, 'GET')]);
    expect(kinds(events)).toEqual(['open#1', 'data:client#1', 'close#1']);
  });

  it('starts a new connection on a new SYN for the same ports', () => {
    const events = run([
      segment('client', 100, 0, SYN),
      segment('client', 101, 0, PSH_ACK, 'one'),
      segment('client', 9000, 0, SYN),
      segment('client', 9001, 0, PSH_ACK, 'two'),
    ]);
    expect(kinds(events)).toEqual(['open#1', 'data:client#1', 'close#1', 'open#2', 'data:client#2', 'close#2']);
  });

  it('ends both sides on a reset and forgets the connection', () => {
    const events = run([segment('client', 100, 0, SYN), segment('client', 101, 0, PSH_ACK, 'x'), segment('server', 0, 102, RST | ACK), segment('client', 102, 0, PSH_ACK, 'y')]);
    expect(kinds(events)).toEqual(['open#1', 'data:client#1', 'end:server#1', 'end:client#1', 'close#1', 'open#2', 'data:client#2', 'close#2']);
  });

  it('reports a hole in one direction when the peer acknowledges bytes the capture lacks', () => {
    const events = run([
      segment('client', 100, 0, SYN),
      segment('server', 700, 101, SYN | ACK),
      segment('client', 101, 701, PSH_ACK, 'abc'),
      segment('client', 110, 701, PSH_ACK, 'late'),
      segment('server', 701, 114, ACK),
      segment('client', 114, 701, FIN_ACK),
      segment('server', 701, 115, FIN_ACK),
      segment('client', 115, 702, ACK),
    ]);
    expect(events.filter((e) => e.kind === 'hole')).toEqual([{ kind: 'hole', flow: 1, ts: 4, side: 'client', offset: 3, missing: 6 }]);
    expect(kinds(events)).toEqual(['open#1', 'data:client#1', 'hole:client#1', 'end:client#1', 'end:server#1', 'close#1']);
  });
});
