/**
 * The inspector's history: every event of the process in arrival order, each
 * with a sequence number (the live feed's cursor), and a summary per
 * connection. Events are kept as their JSON (what every reader sends on: the
 * live feed, NDJSON, exports) in UTF-8, the text serialized once and shared
 * with the NDJSON output, so the size kept is exactly the bytes held; runs of
 * them share a buffer (segment.ts says why).
 *
 * Bounded by `--keep`: past it, the oldest closed connections are dropped
 * (down to 75% of the budget, so evictions are rare; segments that lose no
 * event are kept as they are, the others rebuilt), and an
 * `evicted` event says so (the last KEPT_NOTICES of them stay). Should open
 * connections alone exceed the budget, their oldest frames, messages and
 * violations go too (their connection and handshake events stay).
 *
 * add() is on the relay's path: a few field writes and array pushes (the
 * event's JSON is free when --json already made it); the events of a tick are
 * then encoded into a segment together (flush).
 */
import type { WireEvent } from '../inspector/events.js';
import { eventJson } from '../render/event-json.js';
import type { EvictedEvent } from './live-events.js';
import { BufferPool } from './buffer-pool.js';
import { Kind, SEGMENT_BYTES, Segment } from './segment.js';
import { newSummary, updateSummary, type ConnectionSummary } from './summary.js';

export const DEFAULT_KEEP_BYTES = 256 * 1024 * 1024;
/** `evicted` events kept, so a page that lags behind still learns of the evictions it missed. */
const KEPT_NOTICES = 64;
/** An eviction brings the kept bytes down to this share of --keep, so evictions come once per quarter of it. */
const EVICT_TO = 0.75;
/** Events are written into segments once per tick, or once their JSON reaches this many UTF-16 units. */
const BATCH_CHARS = 64 * 1024;
/** A batch's NDJSON fits (at most 3 bytes per UTF-16 unit), unless one event alone is larger. */
const NDJSON_SCRATCH_BYTES = 3 * BATCH_CHARS + 1024;

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
  /**
   * Segment buffers to reuse: up to the whole budget's worth, so the memory the
   * store once wrote into is reused whatever comes next (after a spell of large
   * messages, small ones fill the same buffers: none is freed and allocated
   * again). It holds no more than the store once used.
   */
  private readonly pool: BufferPool;
  private segments: Segment[];
  private nextSeq = 0;
  private events = 0;
  private bytes = 0;
  private readonly records = new Map<number, ConnRecord>();
  private droppedConnections = 0;
  private droppedEvents = 0;
  private notices = 0;
  /** Events added and not yet written into a segment (flush): their JSON, joined by commas (a comma after each) and as a list, their connections and kinds. */
  private pendingText = '';
  private readonly pending: string[] = [];
  private readonly pendingConns: number[] = [];
  private readonly pendingKinds: Kind[] = [];
  private flushing: NodeJS.Immediate | null = null;
  private ndjson: ((lines: Buffer) => void) | null = null;
  /** Where NDJSON lines are copied when the writer is done with them at once (else each batch gets new memory). */
  private ndjsonScratch: Buffer | undefined;
  /** keepBytes, or more when what is left after an eviction could not go (so evict() is not rerun per event). */
  private evictAbove: number;

  constructor(readonly keepBytes = DEFAULT_KEEP_BYTES) {
    this.evictAbove = keepBytes;
    this.pool = new BufferPool(SEGMENT_BYTES, Math.ceil(keepBytes / SEGMENT_BYTES));
    this.segments = [new Segment(this.pool.take())];
  }

  /**
   * How to know whether slices handed out by readSince may still be read (by
   * sockets that have not sent them yet): the buffers of evicted events are
   * reused only when not.
   */
  slicesInUse(check: () => boolean): void {
    this.pool.inFlight = check;
  }

  /**
   * Passes every event added from now on to `write` as an NDJSON line (in
   * batches, in order, as they are written into segments): `--json` with the
   * inspector on serializes and encodes each event once, for both. When
   * `write` is done with the bytes once it returns (a file: written
   * synchronously), they are copied into one reused buffer: a new one per
   * batch cost more than the copy (allocation, and garbage collection).
   */
  writeNdjsonTo(write: (lines: Buffer) => void, { doneOnReturn = false } = {}): void {
    this.ndjson = write;
    this.ndjsonScratch = doneOnReturn ? Buffer.allocUnsafeSlow(NDJSON_SCRATCH_BYTES) : undefined;
  }

  add(event: WireEvent): void {
    let record = this.records.get(event.conn);
    if (!record) {
      record = { summary: newSummary(event.conn, event.ts), bytes: 0 };
      this.records.set(event.conn, record);
    }
    updateSummary(record.summary, event);
    const json = eventJson(event);
    const traffic = event.type === 'frame' || event.type === 'message' || event.type === 'violation';
    // A batch stays within what the open segment can take (when its text is ASCII, as nearly all is).
    if (this.pendingText.length + json.length + 1 > this.openSegment().free) this.flush();
    // A string built by concatenation (a rope) is copied once, when written; joining an array copied it twice.
    this.pendingText += json;
    this.pendingText += ',';
    this.pending.push(json);
    this.pendingConns.push(event.conn);
    this.pendingKinds.push(traffic ? Kind.Traffic : Kind.Context);
    this.nextSeq++;
    // Past the budget, the batch goes at once so the eviction comes when it would per event.
    if (this.pendingText.length >= BATCH_CHARS || this.bytes + this.pendingText.length > this.evictAbove) this.flush();
    else this.flushing ??= setImmediate(this.flush);
  }

  /**
   * Writes the events added since the last flush into segments: one UTF-8
   * encoding for all of them, not one per event. Runs once per event-loop
   * tick (or sooner past BATCH_CHARS), and before anything reads the store.
   */
  readonly flush = (): void => {
    if (this.flushing) clearImmediate(this.flushing);
    this.flushing = null;
    const count = this.pending.length;
    if (count === 0) return;
    const seq = this.nextSeq - count;
    const open = this.openSegment();
    const first = open.length;
    if (open.pushAll(this.pendingText, this.pending, seq, this.pendingConns, this.pendingKinds)) {
      this.events += count;
      for (let i = 0; i < count; i++) this.countBytes(this.pendingConns[i]!, open.size(first + i));
      this.ndjson?.(open.lines(first, first + count, this.ndjsonScratch));
    } else {
      for (let i = 0; i < count; i++) {
        this.countBytes(this.pendingConns[i]!, this.append(this.pending[i]!, this.pendingConns[i]!, this.pendingKinds[i]!, seq + i));
        const segment = this.openSegment();
        this.ndjson?.(segment.lines(segment.length - 1, segment.length, this.ndjsonScratch));
      }
    }
    this.pending.length = 0;
    this.pendingConns.length = 0;
    this.pendingKinds.length = 0;
    this.pendingText = '';
    if (this.bytes > this.evictAbove) this.evict();
  };

  private countBytes(conn: number, bytes: number): void {
    this.records.get(conn)!.bytes += bytes;
    this.bytes += bytes;
  }

  /** The sequence number the next event will get: a live client at `head` has seen everything. */
  get head(): number {
    return this.nextSeq;
  }

  /**
   * The kept events from sequence number `from` on, as slices of UTF-8 JSON
   * (events joined by commas; join the slices with commas too), taking events
   * while fewer than `maxBytes` are taken (so at least one); with their count
   * and the sequence number to continue from. One slice per segment, no copy:
   * nothing here runs per event.
   */
  readSince(from: number, maxBytes: number): { slices: Buffer[]; count: number; next: number } {
    this.flush();
    const slices: Buffer[] = [];
    let bytes = 0;
    let count = 0;
    for (let s = this.segmentAt(from); s < this.segments.length && bytes < maxBytes; s++) {
      const segment = this.segments[s]!;
      const i = segment.indexOf(from);
      if (i === segment.length) continue;
      let j = segment.length;
      if (segment.rangeSize(i, j) >= maxBytes - bytes) j = firstReaching(segment, i, maxBytes - bytes);
      slices.push(segment.range(i, j));
      bytes += segment.rangeSize(i, j);
      count += j - i;
      from = segment.seq(j - 1) + 1;
    }
    return { slices, count, next: count > 0 ? from : this.nextSeq };
  }

  /** JSON texts of the kept events of one connection, or of all (without the store's own `evicted` events). */
  jsonOf(conn?: number): string[] {
    this.flush();
    const texts: string[] = [];
    for (const segment of this.segments) {
      for (let i = 0; i < segment.length; i++) {
        if (segment.kind(i) !== Kind.Evicted && (conn === undefined || segment.conn(i) === conn)) texts.push(segment.json(i));
      }
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
    this.flush();
    return {
      keepBytes: this.keepBytes,
      keptBytes: this.bytes,
      events: this.events,
      connections: this.records.size,
      droppedConnections: this.droppedConnections,
      droppedEvents: this.droppedEvents,
    };
  }

  private openSegment(): Segment {
    return this.segments[this.segments.length - 1]!;
  }

  /** Stores one event's JSON (a segment of its own when it outgrows the open one); returns its size in bytes. */
  private append(json: string, conn: number, kind: Kind, seq = this.nextSeq++): number {
    const text = `${json},`;
    let open = this.openSegment();
    if (!open.pushAll(text, [json], seq, [conn], [kind])) {
      this.retire(open.trim());
      open = this.newSegment(Buffer.byteLength(text));
      this.segments.push(open);
      open.pushAll(text, [json], seq, [conn], [kind]);
    }
    this.events++;
    return open.size(open.length - 1);
  }

  /** An empty segment in a buffer from the pool, or of its own for more than a pool buffer's `bytes`. */
  private newSegment(bytes: number): Segment {
    return new Segment(bytes <= SEGMENT_BYTES ? this.pool.take() : Buffer.allocUnsafeSlow(bytes));
  }

  private retire(memory: Buffer | null): void {
    if (memory) this.pool.retire(memory);
  }

  /** Index of the segment holding sequence number `seq` (or the first after it). */
  private segmentAt(seq: number): number {
    let lo = 0;
    let hi = this.segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const segment = this.segments[mid]!;
      if (segment.length > 0 && segment.seq(segment.length - 1) < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private evict(): void {
    const target = this.keepBytes * EVICT_TO;
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
    const keep = (segment: Segment, i: number): boolean => {
      const kind = segment.kind(i);
      if (kind === Kind.Evicted) return noticesToDrop-- <= 0;
      const conn = segment.conn(i);
      if (gone.has(conn)) return false;
      if (trimLeft > 0 && kind === Kind.Traffic) {
        const size = segment.size(i);
        trimLeft -= size;
        this.bytes -= size;
        this.records.get(conn)!.bytes -= size;
        this.droppedEvents++;
        return false;
      }
      return true;
    };
    // Segments untouched by this eviction stay as they are; only those losing events are rebuilt.
    // Most are decided by the connections they hold, without looking at their events.
    const kept: Segment[] = [];
    // What stays of rebuilt segments is packed, in order, into segments from the pool (not new
    // memory: connections open at the same time share segments, so an eviction may rebuild most of
    // the store); `packing` is the one being filled, while nothing untouched comes between.
    let packing: Segment | null = null;
    const keepWhole = (segment: Segment): void => {
      if (packing) this.retire(packing.trim());
      packing = null;
      kept.push(segment);
    };
    for (const segment of this.segments) {
      const conns = segment.connections();
      if (conns && trimLeft <= 0) {
        if (conns.every((conn) => gone.has(conn))) {
          this.events -= segment.length;
          this.retire(segment.memory);
          continue;
        }
        if (!conns.some((conn) => gone.has(conn) || (conn === 0 && noticesToDrop > 0))) {
          keepWhole(segment);
          continue;
        }
      }
      const survivors: number[] = [];
      for (let i = 0; i < segment.length; i++) if (keep(segment, i)) survivors.push(i);
      this.events -= segment.length - survivors.length;
      if (survivors.length === segment.length) {
        keepWhole(segment);
        continue;
      }
      for (let k = 0; k < survivors.length; ) {
        packing ??= this.newSegment(segment.size(survivors[k]!) + 1);
        if (packing.length === 0) kept.push(packing);
        const next = packing.copyFrom(segment, survivors, k);
        if (next < survivors.length) {
          this.retire(packing.trim());
          packing = null;
        }
        k = next;
      }
      this.retire(segment.memory);
    }
    this.segments = kept.length > 0 ? kept : [new Segment(this.pool.take())];
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

/** The smallest j > i such that events i..j-1 of `segment` take at least `bytes` (it must exist). */
function firstReaching(segment: Segment, i: number, bytes: number): number {
  let lo = i + 1;
  let hi = segment.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (segment.rangeSize(i, mid) < bytes) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
