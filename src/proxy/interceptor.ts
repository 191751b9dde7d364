/**
 * `--intercept` for the whole proxy: the filter in force (the command line's,
 * then whatever `PUT /api/intercept` sets), the ids of held messages, and
 * every held message of every connection with its timeout. A held message
 * that nobody releases in time is forwarded unchanged (action "timeout").
 */
import type { MessageEvent, ReleaseAction, ViolationEvent } from '../inspector/events.js';
import type { Edit, HeldEntry } from '../inspector/hold.js';
import { stamp } from '../inspector/events.js';
import type { Filter } from '../filter/index.js';

export const DEFAULT_INTERCEPT_TIMEOUT_MS = 60_000;

export type { Edit, HeldEntry };

/** Lets a held message go; false when it is no longer held. */
export type Releaser = (action: ReleaseAction, edit: Edit | null) => boolean;

interface Tracked {
  entry: HeldEntry;
  release: Releaser;
  timer: NodeJS.Timeout;
}

export class Interceptor {
  private nextHeldId = 1;
  private readonly held = new Map<number, Tracked>();

  constructor(
    private filter: Filter | null,
    private readonly timeoutMs = DEFAULT_INTERCEPT_TIMEOUT_MS,
  ) {}

  get active(): boolean {
    return this.filter !== null;
  }

  get source(): string | null {
    return this.filter?.source ?? null;
  }

  /** Takes effect at each connection's next message boundary; messages already held stay held. */
  setFilter(filter: Filter | null): void {
    this.filter = filter;
  }

  /** Whether connection `conn` (to `host`) holds `message`. */
  matches(conn: number, host: string | null, message: MessageEvent, violations: ViolationEvent[]): boolean {
    return this.filter !== null && this.filter.matches({ event: stamp(message, conn, Date.now()), violations, host });
  }

  nextId(): number {
    return this.nextHeldId++;
  }

  /** A message is held: it times out after the configured time. */
  track(entry: HeldEntry, release: Releaser): void {
    const timer = setTimeout(() => this.release(entry.id, 'timeout', null), this.timeoutMs);
    timer.unref();
    this.held.set(entry.id, { entry, release, timer });
  }

  /** The message went (released, or its connection ended). */
  untrack(id: number): void {
    const tracked = this.held.get(id);
    if (!tracked) return;
    clearTimeout(tracked.timer);
    this.held.delete(id);
  }

  list(): HeldEntry[] {
    return [...this.held.values()].map((tracked) => tracked.entry);
  }

  /** False when `id` is not held (never was, already released, or its connection is gone). */
  release(id: number, action: ReleaseAction, edit: Edit | null): boolean {
    const tracked = this.held.get(id);
    if (!tracked) return false;
    this.untrack(id);
    return tracked.release(action, edit);
  }

  /** The proxy stops: no timer may outlive it. */
  close(): void {
    for (const id of [...this.held.keys()]) this.untrack(id);
  }
}
