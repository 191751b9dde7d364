/**
 * A run of consecutive stored events, as UTF-8 JSON bytes in one buffer,
 * each followed by a comma, plus each event's start offset. Why bytes and
 * not strings: the store is on the relay's path, and under a flood of small
 * messages what it costs per event decides the proxy's throughput with the
 * inspector open. Writing a JSON text into a buffer is one copy; keeping the
 * strings instead made V8 copy them at every young-generation collection and
 * again to join them, and the live feed then encoded them to UTF-8 for the
 * socket. Bytes are also what every reader sends on: consecutive events are
 * one slice of the buffer (the live feed sends slices, never re-encoding),
 * and the size kept (`--keep`) is exactly the bytes held.
 *
 * A segment is append-only: a slice handed to a socket stays valid however
 * the store changes later (eviction builds new segments, it never rewrites;
 * the buffers of segments let go are reused only once no slice is in use:
 * buffer-pool.ts).
 */

/** What eviction needs to know of an event without parsing it. */
export enum Kind {
  /** connection, handshake, http, error, connection-end...: kept while the connection is */
  Context,
  /** frame, message, violation: what goes first when open connections alone exceed the budget */
  Traffic,
  /** the store's own `evicted` event */
  Evicted,
}

/**
 * A segment's usual capacity (larger only for an event that needs more). Large
 * beside the largest usual event (a message's 64 KiB preview as base64, 87 KB)
 * so that such events fill segments like small ones do: a segment closed with a
 * quarter or more unused is copied into an exactly sized buffer (trim), fresh
 * memory the pool cannot reuse. Then only an event of over 256 KiB, or the end
 * of what an eviction packs, leaves that much unused.
 */
export const SEGMENT_BYTES = 1024 * 1024;
/** Event slots a new segment starts with (doubled as needed). */
const FIRST_SLOTS = 4096;
/** Connections a segment lists (past them, eviction looks at each of its events). */
const MAX_LISTED = 16;
const NEWLINE = 0x0a;

/**
 * Per event: where its JSON starts, its sequence number, connection and kind,
 * in typed arrays (outside V8's heap: the garbage collector never scans or
 * copies them, where arrays of numbers cost it ~50 bytes per event).
 */
export class Segment {
  private buffer: Buffer;
  private used = 0;
  private count = 0;
  private starts: Uint32Array;
  private seqs: Float64Array;
  private conns: Float64Array;
  private kinds: Uint8Array;
  /** The connections with events here (0: the store's own notices), or null when more than MAX_LISTED. */
  private listed: number[] | null = [];
  private lastConn = -1;

  /** A segment writing into `buffer` (its bytes are overwritten). */
  constructor(buffer: Buffer, slots = FIRST_SLOTS) {
    this.buffer = buffer;
    this.starts = new Uint32Array(slots);
    this.seqs = new Float64Array(slots);
    this.conns = new Float64Array(slots);
    this.kinds = new Uint8Array(slots);
  }

  get length(): number {
    return this.count;
  }

  /** The buffer written into, to give back once the segment is let go. */
  get memory(): Buffer {
    return this.buffer;
  }

  seq(i: number): number {
    return this.seqs[i]!;
  }

  conn(i: number): number {
    return this.conns[i]!;
  }

  kind(i: number): Kind {
    return this.kinds[i]!;
  }

  /**
   * The connections with events in this segment (0 for the store's notices),
   * or null when there are too many to list: eviction decides a whole
   * segment from them without looking at its events.
   */
  connections(): readonly number[] | null {
    return this.listed;
  }

  /** Index of the first event whose sequence number is >= `seq` (length when none). */
  indexOf(seq: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.seqs[mid]! < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Bytes left to write into. */
  get free(): number {
    return this.buffer.length - this.used;
  }

  /**
   * Appends events, given as their JSON texts and as `text`, the same texts
   * each followed by a comma: one UTF-8 encoding for all of them. If they do
   * not fit, nothing is written and false returned.
   */
  pushAll(text: string, jsons: readonly string[], seq: number, conns: readonly number[], kinds: readonly Kind[]): boolean {
    if (text.length > this.free) return false;
    let at = this.used;
    // Written as far as it fits. All ASCII (nearly always): each character is a byte, so it all fit, and
    // the events' offsets come from their lengths. Else it may have been cut short (then `used` stays).
    const size = this.buffer.write(text, at);
    const ascii = size === text.length;
    if (!ascii && Buffer.byteLength(text) !== size) return false;
    this.used = at + size;
    for (let i = 0; i < jsons.length; i++) {
      this.record(at, seq + i, conns[i]!, kinds[i]!);
      at += (ascii ? jsons[i]!.length : Buffer.byteLength(jsons[i]!)) + 1;
    }
    return true;
  }

  /**
   * Gives back unused space once the segment takes no more events: slots
   * always, bytes when a quarter or more is unused (the events move to an
   * exactly sized copy); returns the buffer let go, if any.
   */
  trim(): Buffer | null {
    this.resize(this.count);
    if (this.buffer.length - this.used < this.buffer.length / 4) return null;
    const old = this.buffer;
    this.buffer = copied(old.subarray(0, this.used), Buffer.allocUnsafeSlow(this.used));
    return old;
  }

  /**
   * Appends events `indices[k]`, `indices[k + 1]`, ... (ascending) of `from`
   * while they fit (eviction packs the events that stay this way); returns the
   * k to go on from.
   */
  copyFrom(from: Segment, indices: readonly number[], k: number): number {
    while (k < indices.length) {
      // Runs of consecutive events are copied at once, as far as they fit.
      const start = from.starts[indices[k]!]!;
      const fits = (i: number) => from.end(i) + 1 - start <= this.free;
      if (!fits(indices[k]!)) break;
      let last = k;
      while (last + 1 < indices.length && indices[last + 1] === indices[last]! + 1 && fits(indices[last + 1]!)) last++;
      const to = from.end(indices[last]!) + 1;
      from.buffer.copy(this.buffer, this.used, start, to);
      for (; k <= last; k++) {
        const i = indices[k]!;
        this.record(this.used + from.starts[i]! - start, from.seqs[i]!, from.conns[i]!, from.kinds[i]!);
      }
      this.used += to - start;
    }
    return k;
  }

  /** The JSON text of event i. */
  json(i: number): string {
    return this.buffer.toString('utf8', this.starts[i], this.end(i));
  }

  /** Bytes of event i's JSON. */
  size(i: number): number {
    return this.end(i) - this.starts[i]!;
  }

  /** Bytes of events i..j-1, with the commas between them. */
  rangeSize(i: number, j: number): number {
    return this.end(j - 1) - this.starts[i]!;
  }

  /** Events i..j-1 as JSON joined by commas: a view of the buffer, no copy. */
  range(i: number, j: number): Buffer {
    return this.buffer.subarray(this.starts[i], this.end(j - 1));
  }

  /**
   * Events i..j-1 as NDJSON: a copy of their bytes with each event's comma
   * made a newline, at the start of `into` when it is large enough, else in
   * new memory.
   */
  lines(i: number, j: number, into?: Buffer): Buffer {
    const from = this.starts[i]!;
    const to = this.end(j - 1) + 1;
    // Into uninitialized memory: Buffer.from of a view would zero new memory first.
    const lines = into && into.length >= to - from ? into.subarray(0, to - from) : Buffer.allocUnsafe(to - from);
    this.buffer.copy(lines, 0, from, to);
    for (let k = i; k < j; k++) lines[this.end(k) - from] = NEWLINE;
    return lines;
  }

  /** Where event i's JSON ends (at its comma). */
  private end(i: number): number {
    return (i + 1 < this.count ? this.starts[i + 1]! : this.used) - 1;
  }

  private record(start: number, seq: number, conn: number, kind: Kind): void {
    const i = this.count++;
    if (i === this.seqs.length) this.resize(Math.max(2 * i, FIRST_SLOTS));
    this.starts[i] = start;
    this.seqs[i] = seq;
    this.conns[i] = conn;
    this.kinds[i] = kind;
    if (conn !== this.lastConn && this.listed) {
      this.lastConn = conn;
      if (!this.listed.includes(conn)) this.listed = this.listed.length < MAX_LISTED ? [...this.listed, conn] : null;
    }
  }

  private resize(slots: number): void {
    if (slots === this.seqs.length) return;
    this.starts = copied(this.starts.subarray(0, this.count), new Uint32Array(slots));
    this.seqs = copied(this.seqs.subarray(0, this.count), new Float64Array(slots));
    this.conns = copied(this.conns.subarray(0, this.count), new Float64Array(slots));
    this.kinds = copied(this.kinds.subarray(0, this.count), new Uint8Array(slots));
  }
}

/** `from` copied into `to` (same element type: a memory copy). */
function copied<T extends Uint32Array | Float64Array | Uint8Array>(from: ArrayLike<number>, to: T): T {
  to.set(from);
  return to;
}
