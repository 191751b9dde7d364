/**
 * stdout with its backlog counted. A pipe to a slow reader
 * (`wsinspect proxy --json | (sleep 5; cat)`) makes Node keep every write in
 * memory until the reader takes it; nothing stops that queue growing. This
 * wrapper counts what is written and not yet flushed (in characters or bytes: the
 * NDJSON is nearly all ASCII) and tells its listeners when the count reaches
 * `limit` ("full") and when it is back under half of it: the proxy then stops
 * reading its sockets (backpressure), or --json-lossy drops events instead.
 */
import type { TextOut } from './sink.js';

/** The default most output queued for a slow stdout: 64 MiB (`--json-queue`). */
export const DEFAULT_OUTPUT_QUEUE = 64 * 1024 * 1024;

/** A stream whose write calls back once the text has left the process (process.stdout does). */
export interface FlushingOut {
  write(chunk: string | Uint8Array, flushed: () => void): boolean;
}

export class OutputQueue implements TextOut {
  private queued = 0;
  private isFull = false;
  private readonly listeners: ((full: boolean) => void)[] = [];

  constructor(
    private readonly out: FlushingOut,
    readonly limit = DEFAULT_OUTPUT_QUEUE,
  ) {}

  /** Past the limit, and not yet drained to half of it. */
  get full(): boolean {
    return this.isFull;
  }

  /** Characters written and not yet flushed. */
  get backlog(): number {
    return this.queued;
  }

  /** `listener(true)` when the queue fills up, `listener(false)` when it has drained to half. */
  onChange(listener: (full: boolean) => void): void {
    this.listeners.push(listener);
  }

  /** Text, or bytes already encoded (the inspector store's NDJSON lines). */
  write(chunk: string | Uint8Array): boolean {
    const size = chunk.length;
    this.queued += size;
    this.out.write(chunk, () => {
      this.queued -= size;
      if (this.isFull && this.queued <= this.limit / 2) this.change(false);
    });
    if (!this.isFull && this.queued >= this.limit) this.change(true);
    return !this.isFull;
  }

  private change(full: boolean): void {
    this.isFull = full;
    for (const listener of this.listeners) listener(full);
  }
}
