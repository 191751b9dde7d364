/**
 * Forwards chunks from one socket to another, honouring backpressure: when
 * the destination's buffer is full the source is paused until it drains, so
 * a reader that stalls cannot grow the proxy's memory past one socket buffer.
 * The source is also paused while something else blocks it: a held message
 * (--intercept), or stdout's full queue (a slow reader of --json).
 */
import type { Duplex } from 'node:stream';

/** Why a source may be kept from being read, besides its destination being full. */
export type BlockReason = 'hold' | 'output';

export class Pump {
  private waiting = false;
  private readonly blocks = new Set<BlockReason>();

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
      this.resume();
    });
  }

  /** Stops reading the source while `reason` holds (whatever drains), or lets it go on. */
  block(reason: BlockReason, blocked: boolean): void {
    if (blocked === this.blocks.has(reason)) return;
    if (blocked) {
      this.blocks.add(reason);
      this.from.pause();
    } else {
      this.blocks.delete(reason);
      this.resume();
    }
  }

  /** Reads the source again unless something still stops it. */
  resume(): void {
    if (!this.waiting && this.blocks.size === 0 && !this.from.destroyed) this.from.resume();
  }
}
