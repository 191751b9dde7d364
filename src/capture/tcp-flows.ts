/**
 * Captured packets to TCP stream events: link layer, IP, TCP, then the
 * connection tracker. Packets that are not TCP over IP are skipped; IP
 * fragments are counted (they are not reassembled, so a TCP segment that was
 * fragmented shows up as a hole in its stream), and so are packets cut by
 * the snap length.
 */
import { ipPayload } from './link-layer.js';
import { parseIp, TCP } from './ip.js';
import type { CapturedPacket } from './packet.js';
import { parseTcp } from './tcp-segment.js';
import { TcpTracker, type FlowEvent } from './tcp-tracker.js';

export class TcpFlows {
  private readonly tracker = new TcpTracker();
  /** IP fragments seen (and not reassembled). */
  fragments = 0;
  /** Packets cut by the capture's snap length (their streams have holes). */
  truncated = 0;
  private lastTs = 0;

  packet(packet: CapturedPacket): FlowEvent[] {
    this.lastTs = Math.max(this.lastTs, packet.ts);
    const ipBytes = ipPayload(packet.linkType, packet.data);
    const ip = ipBytes && parseIp(ipBytes);
    if (!ip || ip.protocol !== TCP) return [];
    if (ip.fragment) {
      this.fragments++;
      return [];
    }
    const tcp = parseTcp(ip.payload);
    if (!tcp) return [];
    // Cut by the snap length: the bytes kept are real; the next segment then starts past a gap, which becomes a hole.
    if (packet.data.length < packet.originalLength) this.truncated++;
    return this.tracker.segment(packet.ts, ip, tcp);
  }

  finish(): FlowEvent[] {
    return this.tracker.finish(this.lastTs);
  }
}
