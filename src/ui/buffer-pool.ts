/**
 * The store's segment buffers, reused instead of freed. Why: a fresh buffer's
 * pages are faulted in (and zeroed by the kernel) on first write, and its
 * allocation makes V8 run full collections as external memory grows. Under a
 * flood of small messages the store writes tens of MB a second, and at --keep
 * every byte it writes would land in fresh pages (eviction frees as much as
 * comes in): measured in this VM, the page faults alone cost the relay a
 * third more CPU per message with the inspector open.
 *
 * A retired buffer may still be read by a live-feed write in flight (the feed
 * sends slices of segments, no copies), so it is reused only once the
 * `inFlight` predicate says no slice is held anywhere.
 */
export class BufferPool {
  private retired: Buffer[] = [];
  private free: Buffer[] = [];
  /** Whether slices of retired buffers may still be in use; the live feed answers it (its sockets' unsent bytes). */
  inFlight: () => boolean = () => false;

  /** Buffers of `size` bytes, keeping at most `max` of them unused. */
  constructor(
    readonly size: number,
    private readonly max: number,
  ) {}

  take(): Buffer {
    if (this.free.length === 0 && this.retired.length > 0 && !this.inFlight()) [this.free, this.retired] = [this.retired, this.free];
    return this.free.pop() ?? Buffer.allocUnsafeSlow(this.size);
  }

  /** Gives back a buffer no segment uses any more (one of another size is left to the garbage collector). */
  retire(buffer: Buffer): void {
    if (buffer.length === this.size && this.retired.length + this.free.length < this.max) this.retired.push(buffer);
  }
}
