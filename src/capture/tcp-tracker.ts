/**
 * The TCP connections of a capture: segments are matched to their connection
 * by address and port (either direction), the client told from the server by
 * who sent the SYN (or, for a connection already open when the capture began,
 * who spoke first), and each direction reassembled. A connection is forgotten
 * once both directions ended or it was reset, so memory follows the
 * connections open at a time, not the length of the capture; a new SYN on the
 * same ports starts a new connection.
 */
import type { Side } from '../inspector/events.js';
import { formatAddress } from '../net/endpoint.js';
import type { IpPacket } from './ip.js';
import type { TcpSegment } from './tcp-segment.js';
import { TcpStream, type StreamOutput } from './tcp-stream.js';

export type FlowEvent =
  | { kind: 'open'; flow: number; ts: number; client: string; server: string }
  | { kind: 'data'; flow: number; ts: number; side: Side; bytes: Uint8Array }
  | { kind: 'hole'; flow: number; ts: number; side: Side; offset: number; missing: number }
  | { kind: 'end'; flow: number; ts: number; side: Side; reset: boolean }
  | { kind: 'close'; flow: number; ts: number };

interface Flow {
  id: number;
  key: string;
  /** "ip:port" of the client, to tell the direction of a segment. */
  client: string;
  streams: Record<Side, TcpStream>;
}

export class TcpTracker {
  private readonly flows = new Map<string, Flow>();
  private nextId = 1;

  segment(ts: number, ip: IpPacket, tcp: TcpSegment): FlowEvent[] {
    const src = formatAddress(ip.src, tcp.srcPort);
    const dst = formatAddress(ip.dst, tcp.dstPort);
    const key = src < dst ? `${src} ${dst}` : `${dst} ${src}`;
    const events: FlowEvent[] = [];
    let flow = this.flows.get(key);
    const newSyn = tcp.syn && !tcp.ackFlag;
    if (flow && newSyn && flow.client === src && flow.streams.client.offset > 0) {
      // Port reuse: a fresh SYN where data already flowed starts another connection.
      this.close(flow, ts, events);
      flow = undefined;
    }
    if (!flow) {
      // A pure ACK, FIN or RST of a connection not known (or already over) is not a connection to show.
      if (!tcp.syn && tcp.payload.length === 0) return events;
      const client = tcp.syn && tcp.ackFlag ? dst : src;
      flow = { id: this.nextId++, key, client, streams: { client: new TcpStream(), server: new TcpStream() } };
      this.flows.set(key, flow);
      events.push({ kind: 'open', flow: flow.id, ts, client, server: client === src ? dst : src });
    }
    const side: Side = src === flow.client ? 'client' : 'server';
    const other: Side = side === 'client' ? 'server' : 'client';
    // The acknowledgement is about the other direction, and was sent after what it acknowledges: it goes first.
    if (tcp.ackFlag && !tcp.rst) this.emit(flow, other, ts, flow.streams[other].acknowledged(tcp.ack), events);
    this.emit(flow, side, ts, flow.streams[side].segment(tcp.seq, tcp.payload, tcp), events);
    if (tcp.rst) {
      // A reset ends both directions at once.
      this.emit(flow, other, ts, flow.streams[other].segment(0, new Uint8Array(0), { syn: false, fin: false, rst: true }), events);
    }
    if (flow.streams.client.ended && flow.streams.server.ended) this.close(flow, ts, events);
    return events;
  }

  /** The capture ended: every connection still open ends here, in the order they began. */
  finish(ts: number): FlowEvent[] {
    const events: FlowEvent[] = [];
    for (const flow of [...this.flows.values()].sort((a, b) => a.id - b.id)) this.close(flow, ts, events);
    return events;
  }

  private close(flow: Flow, ts: number, events: FlowEvent[]): void {
    for (const side of ['client', 'server'] as const) this.emit(flow, side, ts, flow.streams[side].finish(), events);
    this.flows.delete(flow.key);
    events.push({ kind: 'close', flow: flow.id, ts });
  }

  private emit(flow: Flow, side: Side, ts: number, outputs: StreamOutput[], events: FlowEvent[]): void {
    for (const output of outputs) {
      if (output.kind === 'data') events.push({ kind: 'data', flow: flow.id, ts, side, bytes: output.bytes });
      else if (output.kind === 'hole') events.push({ kind: 'hole', flow: flow.id, ts, side, offset: output.offset, missing: output.missing });
      else events.push({ kind: 'end', flow: flow.id, ts, side, reset: output.reset });
    }
  }
}
