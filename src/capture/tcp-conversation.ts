/**
 * One proxied connection told as a TCP conversation between the client and
 * the upstream, for the pcapng file: the three-way handshake, the bytes each
 * way in segments of at most 64 KiB with consistent sequence and
 * acknowledgement numbers, and FIN or RST at the end. Sans-IO: each call
 * returns the pcapng blocks to append.
 */
import type { Side } from '../inspector/events.js';
import { MAX_SEGMENT, TCP_ACK, TCP_FIN, TCP_PSH, TCP_RST, TCP_SYN, tcpFrame, type TcpAddress } from './packet-builder.js';
import { pcapngPacket } from './pcapng-writer.js';

export class TcpConversation {
  /** The next sequence number each side sends. */
  private readonly next: Record<Side, number>;
  private readonly finished: Record<Side, boolean> = { client: false, server: false };

  constructor(
    private readonly client: TcpAddress,
    private readonly server: TcpAddress,
    isn: Record<Side, number> = { client: 0x10000000, server: 0x20000000 },
  ) {
    this.next = { ...isn };
  }

  /** SYN, SYN-ACK, ACK. */
  open(ts: number): Uint8Array[] {
    // A SYN uses one sequence number.
    return [this.segment('client', ts, TCP_SYN, 1), this.segment('server', ts, TCP_SYN | TCP_ACK, 1), this.segment('client', ts, TCP_ACK, 0)];
  }

  /** Bytes `side` sent, as segments. */
  data(side: Side, bytes: Uint8Array, ts: number): Uint8Array[] {
    if (this.finished[side]) return [];
    const blocks: Uint8Array[] = [];
    for (let at = 0; at < bytes.length; at += MAX_SEGMENT) {
      const payload = bytes.subarray(at, Math.min(at + MAX_SEGMENT, bytes.length));
      blocks.push(this.segment(side, ts, TCP_ACK | TCP_PSH, payload.length, payload));
    }
    return blocks;
  }

  /**
   * `side` sent `bytes` bytes that are not known (a capture being converted
   * lost them): its sequence numbers jump past them, so a dissector sees the
   * same gap ("previous segment not captured") rather than a joined stream.
   */
  lost(side: Side, bytes: number): void {
    this.next[side] = (this.next[side] + bytes) >>> 0;
  }

  /** `side` closed its end (FIN), or the connection broke (RST). */
  end(side: Side, ts: number, reset = false): Uint8Array[] {
    if (this.finished[side]) return [];
    this.finished[side] = true;
    if (reset) {
      const other: Side = side === 'client' ? 'server' : 'client';
      this.finished[other] = true;
      return [this.segment(side, ts, TCP_RST | TCP_ACK, 0)];
    }
    return [this.segment(side, ts, TCP_FIN | TCP_ACK, 1)];
  }

  /** A segment from `side` that uses `length` sequence numbers. */
  private segment(side: Side, ts: number, flags: number, length: number, payload?: Uint8Array): Uint8Array {
    const seq = this.next[side];
    const other: Side = side === 'client' ? 'server' : 'client';
    const [src, dst] = side === 'client' ? [this.client, this.server] : [this.server, this.client];
    const ack = flags & TCP_ACK ? this.next[other] : 0;
    const frame = tcpFrame({ src, dst, seq, ack, flags, payload });
    this.next[side] = (seq + length) >>> 0;
    return pcapngPacket(ts, frame);
  }
}
