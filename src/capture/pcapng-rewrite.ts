/**
 * `read --pcap`: the TCP streams of the connections a packet capture showed,
 * written again by the proxy's pcapng recorder. Each direction's bytes are
 * the reassembled stream exactly (reordering and retransmissions resolved),
 * with the capture's times, from a SYN to the FIN or RST the capture had; a
 * hole stays a hole (the sequence numbers jump past it). What is new is the
 * framing around the bytes: Ethernet, fresh sequence numbers, segments.
 */
import type { PcapngRecorder, ConnectionRecording } from './pcapng-recorder.js';
import type { TcpAddress } from './packet-builder.js';
import type { FlowEvent } from './tcp-tracker.js';

export class PcapngRewrite {
  private readonly open = new Map<number, ConnectionRecording>();

  constructor(private readonly recorder: PcapngRecorder) {}

  /** A stream event of connection `conn` (see StreamObserver). */
  stream(conn: number, event: FlowEvent): void {
    if (event.kind === 'open') {
      this.open.set(conn, this.recorder.connection(tcpAddress(event.client), tcpAddress(event.server), event.ts, conn));
      return;
    }
    const recording = this.open.get(conn);
    if (!recording) return;
    switch (event.kind) {
      case 'data':
        recording.data(event.side, event.bytes, event.ts);
        break;
      case 'hole':
        // How much was lost is not always known: one sequence number is enough to show the gap.
        recording.lost(event.side, Math.max(event.missing, 1));
        break;
      case 'end':
        recording.end(event.side, event.reset, event.ts);
        break;
      case 'close':
        this.open.delete(conn);
        break;
    }
  }
}

/** "1.2.3.4:80" or "[::1]:80" (formatAddress's forms) to its parts. */
function tcpAddress(text: string): TcpAddress {
  const colon = text.lastIndexOf(':');
  return { ip: text.slice(0, colon).replace(/^\[(.*)\]$/, '$1'), port: Number(text.slice(colon + 1)) };
}
