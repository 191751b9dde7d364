/**
 * A pcap or pcapng file to events, sans-IO: the file's bytes in (any
 * chunks), the proxy's events out, stamped with capture time and a
 * connection number. Problems with the file itself (truncated, a bad length)
 * stop the reading and are kept for the caller to report; connections still
 * open are ended with what was read.
 */
import type { ConnectionOptions } from '../inspector/connection.js';
import type { WireEvent } from '../inspector/events.js';
import { CaptureConnections, type StreamObserver } from './capture-connections.js';
import type { CaptureReader, CaptureRecord } from './packet.js';
import { PcapReader } from './pcap-reader.js';
import { PcapngReader } from './pcapng-reader.js';
import { TcpFlows } from './tcp-flows.js';

export class PacketCapture {
  private readonly reader: CaptureReader;
  private readonly flows = new TcpFlows();
  private readonly connections: CaptureConnections;
  /** What was wrong with the file, if anything (reading stopped there). */
  problem: string | null = null;

  /** `observe`: follows the TCP streams of the connections shown (see CaptureConnections). */
  constructor(format: 'pcap' | 'pcapng', options: ConnectionOptions = {}, observe: StreamObserver | null = null) {
    this.reader = format === 'pcap' ? new PcapReader() : new PcapngReader();
    this.connections = new CaptureConnections(options, observe);
  }

  push(chunk: Uint8Array): WireEvent[] {
    return this.records(this.reader.push(chunk));
  }

  end(): WireEvent[] {
    const events = this.records(this.reader.end());
    for (const flowEvent of this.flows.finish()) events.push(...this.connections.flow(flowEvent));
    return events;
  }

  /** Notes about what could not be decoded (fragments, cut packets), for the caller to show once. */
  notes(): string[] {
    const notes: string[] = [];
    if (this.flows.fragments > 0) notes.push(`${this.flows.fragments} IP fragments were not reassembled`);
    if (this.flows.truncated > 0) notes.push(`${this.flows.truncated} packets were cut by the capture's snap length`);
    return notes;
  }

  private records(records: CaptureRecord[]): WireEvent[] {
    const events: WireEvent[] = [];
    for (const record of records) {
      if (record.kind === 'problem') {
        this.problem ??= record.message;
        continue;
      }
      for (const flowEvent of this.flows.packet(record)) {
        const out = this.connections.flow(flowEvent);
        for (const event of out) events.push(event);
      }
    }
    return events;
  }
}
