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

/** The reasons as bits of one number (a Set per pump was ~150 bytes, two per connection). */
const BLOCK_BITS: Record<BlockReason, number> = { hold: 1, output: 2 };

export class Pump {
  private waiting = false;
  private blocks = 0;

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
    const bit = BLOCK_BITS[reason];
    if (blocked === ((this.blocks & bit) !== 0)) return;
    if (blocked) {
      this.blocks |= bit;
      this.from.pause();
    } else {
      this.blocks &= ~bit;
      this.resume();
    }
  }

  /** Reads the source again unless something still stops it. */
  resume(): void {
    if (!this.waiting && this.blocks === 0 && !this.from.destroyed) this.from.resume();
  }
}
