/**
 * Forwards chunks from one socket to another, honouring backpressure: when
 * the destination's buffer is full the source is paused until it drains, so
 * a reader that stalls cannot grow the proxy's memory past one socket buffer.
 */
import type { Duplex } from 'node:stream';

export class Pump {
  private waiting = false;
  private blocked = false;

  constructor(
    private readonly from: Duplex,
    private readonly to: Duplex,
  ) {}

  write(data: Uint8Array): void {
    // Once the proxy has ended or dropped the destination (--strict, an answer of its own), later
    // bytes have nowhere to go; writing them would raise "write after end" and tear down the peer.
    if (data.length === 0 || this.to.destroyed || this.to.writableEnded) return;
    if (this.to.write(data) || this.waiting) return;
    this.waiting = true;
    this.from.pause();
    this.to.once('drain', () => {
      this.waiting = false;
      if (!this.from.destroyed && !this.blocked) this.from.resume();
    });
  }

  /** Stops reading the source until unblocked (a held message waits: backpressure), whatever drains. */
  block(blocked: boolean): void {
    if (blocked === this.blocked) return;
    this.blocked = blocked;
    if (blocked) this.from.pause();
    else if (!this.waiting && !this.from.destroyed) this.from.resume();
  }
}
