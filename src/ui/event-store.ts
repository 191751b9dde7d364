/**
 * The inspector's history: every event of the process in arrival order, each
 * with a sequence number (the live feed's cursor), and a summary per
 * connection. Bounded by `--keep`: past it, the oldest closed connections are
 * dropped (down to 90% of the budget, so the compaction that costs is rare),
 * and an `evicted` event says so (the last KEPT_NOTICES of them stay in the log). Should open connections alone exceed the
 * budget, their oldest frames, messages and violations go too (their
 * connection and handshake events stay).
 *
 * add() is on the relay's path: a few field writes and an array push.
 */
import type { WireEvent } from '../inspector/events.js';
import type { EvictedEvent, LiveEvent } from './live-events.js';
import { newSummary, updateSummary, type ConnectionSummary } from './summary.js';

export const DEFAULT_KEEP_BYTES = 256 * 1024 * 1024;
/** `evicted` events kept in the log, so a page that lags behind still learns of the evictions it missed. */
const KEPT_NOTICES = 64;

interface ConnRecord {
  summary: ConnectionSummary;
  bytes: number;
}

export interface StoreStats {
  keepBytes: number;
  keptBytes: number;
  events: number;
  connections: number;
  droppedConnections: number;
  droppedEvents: number;
}

export class EventStore {
  private log: LiveEvent[] = [];
  private seqs: number[] = [];
  private nextSeq = 0;
  private bytes = 0;
  private readonly conns = new Map<number, ConnRecord>();
  private droppedConnections = 0;
  private droppedEvents = 0;
  private notices = 0;
  /** keepBytes, or more when what is left after an eviction could not go (so evict() is not rerun per event). */
  private evictAbove: number;

  constructor(readonly keepBytes = DEFAULT_KEEP_BYTES) {
    this.evictAbove = keepBytes;
  }

  add(event: WireEvent): void {
    let record = this.conns.get(event.conn);
    if (!record) {
      record = { summary: newSummary(event.conn, event.ts), bytes: 0 };
      this.conns.set(event.conn, record);
    }
    updateSummary(record.summary, event);
    const size = approxSize(event);
    record.bytes += size;
    this.bytes += size;
    this.append(event);
    if (this.bytes > this.evictAbove) this.evict();
  }

  /** The sequence number the next event will get: a live client at `head` has seen everything. */
  get head(): number {
    return this.nextSeq;
  }

  /**
   * Visits the kept events from sequence number `from` on, in order, while
   * `visit` returns true; returns the sequence number to continue from.
   */
  visitSince(from: number, visit: (event: LiveEvent) => boolean): number {
    let i = lowerBound(this.seqs, from);
    for (; i < this.log.length; i++) if (!visit(this.log[i]!)) return this.seqs[i]!;
    return this.nextSeq;
  }

  /** Kept events of one connection, or of all (without the store's own `evicted` events). */
  events(conn?: number): WireEvent[] {
    const events: WireEvent[] = [];
    for (const event of this.log) if (event.type !== 'evicted' && (conn === undefined || event.conn === conn)) events.push(event);
    return events;
  }

  summaries(): ConnectionSummary[] {
    return [...this.conns.values()].map((record) => record.summary);
  }

  has(conn: number): boolean {
    return this.conns.has(conn);
  }

  stats(): StoreStats {
    return {
      keepBytes: this.keepBytes,
      keptBytes: this.bytes,
      events: this.log.length,
      connections: this.conns.size,
      droppedConnections: this.droppedConnections,
      droppedEvents: this.droppedEvents,
    };
  }

  private append(event: LiveEvent): void {
    this.log.push(event);
    this.seqs.push(this.nextSeq++);
  }

  private evict(): void {
    const target = this.keepBytes * 0.9;
    const gone = new Set<number>();
    for (const [conn, record] of this.conns) {
      if (this.bytes <= target) break;
      if (record.summary.endedAt === null) continue;
      gone.add(conn);
      this.bytes -= record.bytes;
      this.conns.delete(conn);
    }
    this.droppedConnections += gone.size;
    let trimLeft = this.bytes - target;
    let noticesToDrop = Math.max(0, this.notices - (KEPT_NOTICES - 1));
    this.notices -= noticesToDrop;
    const keep = (event: LiveEvent): boolean => {
      if (event.type === 'evicted') return noticesToDrop-- <= 0;
      if (gone.has(event.conn)) return false;
      if (trimLeft > 0 && (event.type === 'frame' || event.type === 'message' || event.type === 'violation')) {
        const size = approxSize(event);
        trimLeft -= size;
        this.bytes -= size;
        this.conns.get(event.conn)!.bytes -= size;
        this.droppedEvents++;
        return false;
      }
      return true;
    };
    const log: LiveEvent[] = [];
    const seqs: number[] = [];
    for (let i = 0; i < this.log.length; i++) {
      if (!keep(this.log[i]!)) continue;
      log.push(this.log[i]!);
      seqs.push(this.seqs[i]!);
    }
    this.log = log;
    this.seqs = seqs;
    const notice: EvictedEvent = {
      type: 'evicted',
      conn: 0,
      ts: Date.now(),
      conns: [...gone],
      droppedConnections: this.droppedConnections,
      droppedEvents: this.droppedEvents,
    };
    this.append(notice);
    this.notices++;
    this.evictAbove = Math.max(this.keepBytes, this.bytes + this.keepBytes / 10);
  }
}

/** First index whose value is >= `value` in an ascending array. */
function lowerBound(values: number[], value: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Bytes an event holds in memory, near enough: a fixed cost per object
 * (measured with --expose-gc: a 64-byte text frame event ~340 bytes, its
 * message event ~260) plus the strings it carries, which is where a big
 * message's weight is.
 */
export function approxSize(event: LiveEvent): number {
  switch (event.type) {
    case 'frame':
      return 240 + (event.payloadHead?.length ?? 0) + (event.close ? 64 + event.close.reason.length : 0);
    case 'message':
      return 180 + (event.text?.length ?? 0) + (event.base64?.length ?? 0);
    case 'handshake-request':
    case 'handshake-response':
      return 400 + event.headers.reduce((sum, [name, value]) => sum + 48 + name.length + value.length, 0);
    case 'violation':
      return 160 + event.message.length;
    default:
      return 200;
  }
}
