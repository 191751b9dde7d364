/**
 * The TCP connections of a capture, fed to the same sans-IO Connection the
 * proxy uses: a connection whose client opens with an HTTP/1.x request line
 * (whatever the ports) is read from its first byte, both directions, giving
 * the proxy's events; one that opens with a TLS record is reported as
 * encrypted; anything else is not HTTP and not shown. A hole in a direction
 * is told to the Connection (which reports it as `undecodable` and decodes
 * nothing of that direction after it).
 * An observer may follow the TCP streams of the connections shown (for
 * `read --pcap`), numbered as their events are.
 */
import { Connection, type ConnectionOptions } from '../inspector/connection.js';
import type { InspectorEvent, WireEvent } from '../inspector/events.js';
import { stamp } from '../inspector/events.js';
import type { FlowEvent } from './tcp-tracker.js';

/** Client bytes looked at to recognise a request line; a longer first line is not one. */
const SNIFF_BYTES = 8192;
const REQUEST_LINE = /^[A-Z][A-Z-]* \S+ HTTP\/1\.\d\r?\n/;

/** The TCP stream events of connection `conn`, from its 'open' on (its client's first bytes as one 'data'). */
export type StreamObserver = (conn: number, event: FlowEvent) => void;

type Flow =
  | { state: 'sniffing'; client: string; server: string; start: number; held: Buffer }
  /** `tls`: only counted, never decoded. */
  | { state: 'inspected'; conn: number; connection: Connection; start: number; tls: boolean }
  | { state: 'ignored' };

export class CaptureConnections {
  private readonly flows = new Map<number, Flow>();
  private nextConn = 1;

  constructor(
    private readonly options: ConnectionOptions = {},
    private readonly observe: StreamObserver | null = null,
  ) {}

  flow(event: FlowEvent): WireEvent[] {
    if (event.kind === 'open') {
      this.flows.set(event.flow, { state: 'sniffing', client: event.client, server: event.server, start: event.ts, held: Buffer.alloc(0) });
      return [];
    }
    const flow = this.flows.get(event.flow);
    if (!flow) return [];
    if (event.kind === 'close') this.flows.delete(event.flow);
    if (flow.state === 'ignored') return [];
    if (flow.state === 'sniffing') return this.sniff(event.flow, flow, event);
    return this.inspected(flow, event);
  }

  /** Waits for the client's first line to decide what the connection is. */
  private sniff(id: number, flow: Extract<Flow, { state: 'sniffing' }>, event: Exclude<FlowEvent, { kind: 'open' }>): WireEvent[] {
    if (event.kind === 'data' && event.side === 'client') {
      flow.held = Buffer.concat([flow.held, event.bytes]);
      if (flow.held[0] === 0x16 && flow.held.length >= 2 && flow.held[1] === 0x03) return this.start(id, flow, event.ts, 'tls');
      if (REQUEST_LINE.test(flow.held.toString('latin1', 0, SNIFF_BYTES))) return this.start(id, flow, event.ts, 'http');
      const lineEnded = flow.held.subarray(0, SNIFF_BYTES).includes(0x0a);
      if (lineEnded || flow.held.length >= SNIFF_BYTES) this.flows.set(id, { state: 'ignored' });
      return [];
    }
    // The server spoke first, or the connection ended before a request line: not HTTP from its start.
    if (event.kind !== 'close') this.flows.set(id, { state: 'ignored' });
    return [];
  }

  private start(id: number, flow: Extract<Flow, { state: 'sniffing' }>, ts: number, kind: 'http' | 'tls'): WireEvent[] {
    const conn = this.nextConn++;
    const connection = new Connection(this.options);
    const inspected: Flow = { state: 'inspected', conn, connection, start: flow.start, tls: kind === 'tls' };
    this.flows.set(id, inspected);
    const events: WireEvent[] = [stamp({ type: 'connection', client: flow.client, upstream: `ws://${flow.server}/` }, conn, flow.start)];
    this.observe?.(conn, { kind: 'open', flow: id, ts: flow.start, client: flow.client, server: flow.server });
    this.observe?.(conn, { kind: 'data', flow: id, ts, side: 'client', bytes: flow.held });
    if (kind === 'tls') {
      // Not followed: its Connection is only there to close it like any other.
      events.push(stamp({ type: 'error', message: `TLS: encrypted, not decodable (${flow.client} → ${flow.server})` }, conn, ts));
      return events;
    }
    for (const event of connection.push('client', flow.held).events) events.push(stamp(event, conn, ts));
    return events;
  }

  private inspected(flow: Extract<Flow, { state: 'inspected' }>, event: Exclude<FlowEvent, { kind: 'open' }>): WireEvent[] {
    this.observe?.(flow.conn, event);
    let events: InspectorEvent[] = [];
    switch (event.kind) {
      case 'data':
        if (!flow.tls) events = flow.connection.push(event.side, event.bytes).events;
        break;
      case 'hole':
        if (!flow.tls) events = flow.connection.lost(event.side, event.offset, event.missing);
        break;
      case 'end':
        events = flow.connection.end(event.side);
        break;
      case 'close':
        events = flow.connection.finish(event.ts - flow.start);
        break;
    }
    return events.map((e) => stamp(e, flow.conn, event.ts));
  }
}
