/**
 * The inspector's history: every event of the process in arrival order, each
 * with a sequence number (the live feed's cursor), and a summary per
 * connection. Events are kept as their JSON text (what every reader sends
 * on: the live feed, NDJSON, exports), serialized once and shared with the
 * NDJSON output, so the size kept is exactly the text's length. Bounded by `--keep`: past it, the oldest closed connections are
 * dropped (down to 90% of the budget, so the compaction that costs is rare),
 * and an `evicted` event says so (the last KEPT_NOTICES of them stay in the log). Should open connections alone exceed the
 * budget, their oldest frames, messages and violations go too (their
 * connection and handshake events stay).
 *
 * add() is on the relay's path: a few field writes, array pushes, and the
 * event's JSON (free when --json already made it).
 */
import type { WireEvent } from '../inspector/events.js';
import { eventJson } from '../render/event-json.js';
import type { EvictedEvent } from './live-events.js';
import { newSummary, updateSummary, type ConnectionSummary } from './summary.js';

export const DEFAULT_KEEP_BYTES = 256 * 1024 * 1024;
/** `evicted` events kept in the log, so a page that lags behind still learns of the evictions it missed. */
const KEPT_NOTICES = 64;

/** What eviction needs to know of an entry without parsing it. */
const enum Kind {
  /** connection, handshake, http, error, connection-end...: kept while the connection is */
  Context,
  /** frame, message, violation: what goes first when open connections alone exceed the budget */
  Traffic,
  Evicted,
}

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
  private texts: string[] = [];
  private conns: number[] = [];
  private kinds: Kind[] = [];
  private seqs: number[] = [];
  private nextSeq = 0;
  private bytes = 0;
  private readonly records = new Map<number, ConnRecord>();
  private droppedConnections = 0;
  private droppedEvents = 0;
  private notices = 0;
  /** keepBytes, or more when what is left after an eviction could not go (so evict() is not rerun per event). */
  private evictAbove: number;

  constructor(readonly keepBytes = DEFAULT_KEEP_BYTES) {
    this.evictAbove = keepBytes;
  }

  add(event: WireEvent): void {
    let record = this.records.get(event.conn);
    if (!record) {
      record = { summary: newSummary(event.conn, event.ts), bytes: 0 };
      this.records.set(event.conn, record);
    }
    updateSummary(record.summary, event);
    const text = eventJson(event);
    record.bytes += text.length;
    this.bytes += text.length;
    const traffic = event.type === 'frame' || event.type === 'message' || event.type === 'violation';
    this.append(text, event.conn, traffic ? Kind.Traffic : Kind.Context);
    if (this.bytes > this.evictAbove) this.evict();
  }

  /** The sequence number the next event will get: a live client at `head` has seen everything. */
  get head(): number {
    return this.nextSeq;
  }

  /**
   * Visits the JSON text of the kept events from sequence number `from` on,
   * in order, while `visit` returns true; returns the sequence number to continue from.
   */
  visitSince(from: number, visit: (json: string) => boolean): number {
    for (let i = lowerBound(this.seqs, from); i < this.texts.length; i++) if (!visit(this.texts[i]!)) return this.seqs[i]!;
    return this.nextSeq;
  }

  /** JSON text of the kept events of one connection, or of all (without the store's own `evicted` events). */
  jsonOf(conn?: number): string[] {
    const texts: string[] = [];
    for (let i = 0; i < this.texts.length; i++) {
      if (this.kinds[i] !== Kind.Evicted && (conn === undefined || this.conns[i] === conn)) texts.push(this.texts[i]!);
    }
    return texts;
  }

  summaries(): ConnectionSummary[] {
    return [...this.records.values()].map((record) => record.summary);
  }

  has(conn: number): boolean {
    return this.records.has(conn);
  }

  stats(): StoreStats {
    return {
      keepBytes: this.keepBytes,
      keptBytes: this.bytes,
      events: this.texts.length,
      connections: this.records.size,
      droppedConnections: this.droppedConnections,
      droppedEvents: this.droppedEvents,
    };
  }

  private append(text: string, conn: number, kind: Kind): void {
    this.texts.push(text);
    this.conns.push(conn);
    this.kinds.push(kind);
    this.seqs.push(this.nextSeq++);
  }

  private evict(): void {
    const target = this.keepBytes * 0.9;
    const gone = new Set<number>();
    for (const [conn, record] of this.records) {
      if (this.bytes <= target) break;
      if (record.summary.endedAt === null) continue;
      gone.add(conn);
      this.bytes -= record.bytes;
      this.records.delete(conn);
    }
    this.droppedConnections += gone.size;
    let trimLeft = this.bytes - target;
    let noticesToDrop = Math.max(0, this.notices - (KEPT_NOTICES - 1));
    this.notices -= noticesToDrop;
    const keep = (i: number): boolean => {
      const kind = this.kinds[i]!;
      if (kind === Kind.Evicted) return noticesToDrop-- <= 0;
      const conn = this.conns[i]!;
      if (gone.has(conn)) return false;
      if (trimLeft > 0 && kind === Kind.Traffic) {
        const size = this.texts[i]!.length;
        trimLeft -= size;
        this.bytes -= size;
        this.records.get(conn)!.bytes -= size;
        this.droppedEvents++;
        return false;
      }
      return true;
    };
    const kept = { texts: [] as string[], conns: [] as number[], kinds: [] as Kind[], seqs: [] as number[] };
    for (let i = 0; i < this.texts.length; i++) {
      if (!keep(i)) continue;
      kept.texts.push(this.texts[i]!);
      kept.conns.push(this.conns[i]!);
      kept.kinds.push(this.kinds[i]!);
      kept.seqs.push(this.seqs[i]!);
    }
    ({ texts: this.texts, conns: this.conns, kinds: this.kinds, seqs: this.seqs } = kept);
    const notice: EvictedEvent = {
      type: 'evicted',
      conn: 0,
      ts: Date.now(),
      conns: [...gone],
      droppedConnections: this.droppedConnections,
      droppedEvents: this.droppedEvents,
    };
    this.append(JSON.stringify(notice), 0, Kind.Evicted);
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
