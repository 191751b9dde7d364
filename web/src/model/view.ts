/**
 * One ordered view over the store's rows: a connection (or all), frames or
 * messages, and a predicate (the filter box's). It keeps the seqs it shows
 * and is brought up to date incrementally: new rows are scanned once, rows
 * let go by the store fall off the front. The last RESCAN rows are looked at
 * again on each update, because a frame's violations and its message arrive
 * just after it and may change whether the filter matches it.
 */
import type { Row, Store } from './store.js';

export type Mode = 'frames' | 'messages';

export interface ViewSpec {
  conn: number | null;
  mode: Mode;
  predicate: ((row: Row) => boolean) | null;
}

const RESCAN = 64;

export class RowView {
  private seqs: number[] = [];
  private head = 0;
  private scanned: number;

  constructor(
    private readonly store: Store,
    readonly spec: ViewSpec,
  ) {
    this.scanned = store.firstSeq;
    this.update();
  }

  get length(): number {
    return this.seqs.length - this.head;
  }

  at(index: number): Row | undefined {
    const seq = this.seqs[this.head + index];
    return seq === undefined ? undefined : this.store.row(seq);
  }

  /** Position of the row with this seq, or -1 when the view does not show it. */
  indexOf(seq: number): number {
    let lo = this.head;
    let hi = this.seqs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const value = this.seqs[mid]!;
      if (value === seq) return mid - this.head;
      if (value < seq) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  update(): void {
    const { store } = this;
    while (this.head < this.seqs.length && this.seqs[this.head]! < store.firstSeq) this.head++;
    if (this.head > 4096 && this.head * 2 > this.seqs.length) {
      this.seqs = this.seqs.slice(this.head);
      this.head = 0;
    }
    const from = Math.max(store.firstSeq, this.scanned - RESCAN);
    while (this.seqs.length > this.head && this.seqs[this.seqs.length - 1]! >= from) this.seqs.pop();
    for (let seq = from; seq < store.nextSeq; seq++) if (this.shows(store.row(seq)!)) this.seqs.push(seq);
    this.scanned = store.nextSeq;
  }

  private shows(row: Row): boolean {
    const { conn, mode, predicate } = this.spec;
    if (conn !== null && row.event.conn !== conn) return false;
    if (mode === 'frames' ? row.kind === 'message' : row.kind === 'frame' && row.event.opcode <= 0x2) return false;
    return predicate === null || predicate(row);
  }
}
