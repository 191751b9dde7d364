/**
 * One direction of a TCP connection put back in order by sequence number
 * (RFC 9293 3.4): retransmitted and overlapping bytes are delivered once (the
 * first copy wins), segments that arrive early wait for the gap before them,
 * and all arithmetic is modulo 2^32, so a stream may wrap around. When the
 * gap is never filled (the capture lost a segment), the direction reports a
 * hole at its stream offset and delivers nothing more: bytes after a hole
 * cannot be decoded, only guessed at.
 */
export type StreamOutput =
  | { kind: 'data'; bytes: Uint8Array }
  /** `offset`: bytes delivered before the hole; `missing`: bytes known to be missing (0: unknown). */
  | { kind: 'hole'; offset: number; missing: number }
  | { kind: 'end'; reset: boolean };

/** Out-of-order bytes one direction may hold waiting for a gap to fill; past it the gap is a hole. */
export const MAX_PENDING_BYTES = 4 * 1024 * 1024;

interface Pending {
  seq: number;
  bytes: Uint8Array;
}

export class TcpStream {
  /** The next sequence number expected; null until the first SYN or segment. */
  private next: number | null = null;
  private delivered = 0;
  private pending: Pending[] = [];
  private pendingBytes = 0;
  private finSeq: number | null = null;
  private state: 'open' | 'holed' | 'ended' = 'open';

  /** Bytes delivered so far (the stream offset). */
  get offset(): number {
    return this.delivered;
  }

  get ended(): boolean {
    return this.state === 'ended';
  }

  /** A segment of this direction. */
  segment(seq: number, payload: Uint8Array, flags: { syn: boolean; fin: boolean; rst: boolean }): StreamOutput[] {
    if (this.state === 'ended') return [];
    const out: StreamOutput[] = [];
    if (flags.syn && this.next === null) this.next = (seq + 1) >>> 0;
    const dataSeq = flags.syn ? (seq + 1) >>> 0 : seq; // data on a SYN (TCP Fast Open) follows the SYN's own number
    this.next ??= dataSeq;
    if (flags.fin) this.finSeq = (dataSeq + payload.length) >>> 0;
    if (this.state === 'open' && payload.length > 0) this.take(dataSeq, payload, out);
    if (flags.rst) {
      if (this.state === 'open' && this.pending.length > 0) this.hole(out); // the gap will never fill now
      return this.close(true, out);
    }
    if (this.finSeq !== null && this.state === 'open' && this.next === this.finSeq) this.close(false, out);
    else if (this.finSeq !== null && this.state === 'holed') this.close(false, out);
    return out;
  }

  /**
   * The peer acknowledged up to `ack`: bytes before it reached the peer, so
   * if the capture does not have them they are lost to it for good (a hole,
   * now, rather than when the capture ends).
   */
  acknowledged(ack: number): StreamOutput[] {
    if (this.state !== 'open' || this.next === null) return [];
    const finAcked = this.finSeq !== null && this.next === this.finSeq;
    if (finAcked || ((ack - this.next) | 0) <= 0) return [];
    const out: StreamOutput[] = [];
    this.hole(out, ack);
    if (this.finSeq !== null) this.close(false, out);
    return out;
  }

  /** No more segments will come (the capture ended, or the connection was replaced). */
  finish(): StreamOutput[] {
    if (this.state === 'ended') return [];
    const out: StreamOutput[] = [];
    const missingTail = this.finSeq !== null && this.next !== this.finSeq;
    if (this.state === 'open' && (this.pending.length > 0 || missingTail)) this.hole(out);
    if (this.finSeq !== null) this.close(false, out);
    this.state = 'ended';
    return out;
  }

  private take(seq: number, payload: Uint8Array, out: StreamOutput[]): void {
    const ahead = (seq - this.next!) | 0;
    if (ahead > 0) {
      this.pending.push({ seq, bytes: Uint8Array.from(payload) }); // kept past this packet: copied
      this.pendingBytes += payload.length;
      if (this.pendingBytes > MAX_PENDING_BYTES) this.hole(out);
      return;
    }
    this.deliver(payload, -ahead, out);
    this.drain(out);
  }

  /** Delivers `payload` from `skip` on (the bytes before were already delivered). */
  private deliver(payload: Uint8Array, skip: number, out: StreamOutput[]): void {
    if (skip >= payload.length) return;
    const bytes = skip === 0 ? payload : payload.subarray(skip);
    out.push({ kind: 'data', bytes });
    this.delivered += bytes.length;
    this.next = (this.next! + bytes.length) >>> 0;
  }

  /** Early segments whose turn has come, lowest sequence first. */
  private drain(out: StreamOutput[]): void {
    while (this.pending.length > 0) {
      let best = -1;
      let bestAhead = Infinity;
      for (let i = 0; i < this.pending.length; i++) {
        const ahead = (this.pending[i]!.seq - this.next!) | 0;
        if (ahead < bestAhead) [best, bestAhead] = [i, ahead];
      }
      if (bestAhead > 0) return;
      const [segment] = this.pending.splice(best, 1);
      this.pendingBytes -= segment!.bytes.length;
      this.deliver(segment!.bytes, -bestAhead, out);
    }
  }

  /** `acked`: the peer's acknowledgement that revealed the hole (so at least the bytes before it are missing). */
  private hole(out: StreamOutput[], acked?: number): void {
    let missing = 0;
    for (const { seq } of this.pending) {
      const ahead = (seq - this.next!) | 0;
      if (ahead > 0 && (missing === 0 || ahead < missing)) missing = ahead;
    }
    if (this.pending.length === 0 && this.finSeq !== null) missing = (this.finSeq - this.next!) | 0;
    else if (this.pending.length === 0 && acked !== undefined) missing = (acked - this.next!) | 0;
    out.push({ kind: 'hole', offset: this.delivered, missing: Math.max(missing, 0) });
    this.pending = [];
    this.pendingBytes = 0;
    this.state = 'holed';
  }

  private close(reset: boolean, out: StreamOutput[]): StreamOutput[] {
    this.pending = [];
    this.pendingBytes = 0;
    this.state = 'ended';
    out.push({ kind: 'end', reset });
    return out;
  }
}
