/**
 * Gathers one HTTP head from one direction's bytes, keeping the
 * bytes as they came: a head that turns out malformed is then relayed exactly
 * as received. One per direction, so a request head and a response head that
 * arrive in pieces at the same time (pipelining) never mix.
 */
import { HeadParser, type HeadKind, type HeadOf, type HeadResult } from './http-head.js';

export interface HeadRead<K extends HeadKind> {
  result: HeadResult<HeadOf<K>>;
  /** Every byte pushed for this head, the bytes after it (`result.rest`) included. */
  received: Buffer;
}

export class HeadReader<K extends HeadKind> {
  /** The parser of the head being read; made with its first bytes. */
  private parser: HeadParser<K> | null = null;
  private chunks: Buffer[] = [];

  constructor(private readonly kind: K) {}

  /** Null until the head is complete (or known malformed); then ready for the next head. */
  push(data: Uint8Array): HeadRead<K> | null {
    this.chunks.push(Buffer.from(data));
    const result = (this.parser ??= new HeadParser(this.kind)).push(data);
    if (result === null) return null;
    const received = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    this.chunks = [];
    this.parser = null;
    return { result, received };
  }
}

