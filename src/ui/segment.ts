/**
 * A run of consecutive stored events, as JSON text. While open, the texts
 * are kept one by one; once full it is sealed: joined into one string with
 * commas, plus each event's start offset. Why: V8 pays per retained object
 * (every young-generation collection copies the survivors), and holding each
 * event's string alone doubled the proxy's cost per event under a flood;
 * sealed runs are one string per SEGMENT_EVENTS events. A bonus: consecutive
 * events of a sealed run are one slice of its text, which is what the live
 * feed sends.
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

export const SEGMENT_EVENTS = 512;
const SEGMENT_CHARS = 256 * 1024;

export class Segment {
  private parts: string[] | null = [];
  private text = '';
  private starts: number[] = [];
  private chars = 0;
  readonly seqs: number[] = [];
  readonly conns: number[] = [];
  readonly kinds: Kind[] = [];

  get length(): number {
    return this.seqs.length;
  }

  get sealed(): boolean {
    return this.parts === null;
  }

  get full(): boolean {
    return this.seqs.length >= SEGMENT_EVENTS || this.chars >= SEGMENT_CHARS;
  }

  push(json: string, seq: number, conn: number, kind: Kind): void {
    this.parts!.push(json);
    this.chars += json.length;
    this.seqs.push(seq);
    this.conns.push(conn);
    this.kinds.push(kind);
  }

  /** A new sealed segment of events `indices` (ascending) of this one. */
  subset(indices: number[]): Segment {
    const segment = new Segment();
    for (const i of indices) segment.push(this.json(i), this.seqs[i]!, this.conns[i]!, this.kinds[i]!);
    segment.seal();
    return segment;
  }

  seal(): void {
    if (!this.parts) return;
    let at = 0;
    for (const part of this.parts) {
      this.starts.push(at);
      at += part.length + 1;
    }
    this.text = this.parts.join(',');
    this.parts = null;
  }

  /** The JSON text of event i. */
  json(i: number): string {
    return this.parts ? this.parts[i]! : this.range(i, i + 1);
  }

  /** Length of event i's JSON text. */
  size(i: number): number {
    if (this.parts) return this.parts[i]!.length;
    return (i + 1 < this.length ? this.starts[i + 1]! - 1 : this.text.length) - this.starts[i]!;
  }

  /** Events i..j-1 as JSON texts joined by commas (one slice once sealed). */
  range(i: number, j: number): string {
    if (this.parts) return this.parts.slice(i, j).join(',');
    return this.text.slice(this.starts[i], j < this.length ? this.starts[j]! - 1 : this.text.length);
  }
}
