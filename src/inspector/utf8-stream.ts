/**
 * Streaming UTF-8 validation: text may be split anywhere, even inside a code
 * point that straddles two frames (which RFC 6455 allows). Complete runs are
 * checked by Node's native `isUtf8`; an unfinished sequence at a chunk's end is
 * carried into the next chunk.
 */
import { isUtf8 } from 'node:buffer';

/** Length of the sequence a lead byte starts, or 0 when it cannot start one. */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1;
  if (lead >= 0xc2 && lead <= 0xdf) return 2;
  if (lead >= 0xe0 && lead <= 0xef) return 3;
  if (lead >= 0xf0 && lead <= 0xf4) return 4;
  return 0;
}

/** How many bytes at the end of `bytes` begin a sequence that has not finished yet (0-3). */
export function incompleteTailLength(bytes: Uint8Array): number {
  const n = bytes.length;
  for (let back = 1; back <= 3 && back <= n; back++) {
    const b = bytes[n - back]!;
    if ((b & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    const len = sequenceLength(b);
    return len > back ? back : 0;
  }
  return 0;
}

/**
 * Whether an unfinished sequence (a valid lead byte and some of its continuation
 * bytes) can still be completed. Only the second byte's range depends on the lead
 * (E0, ED, F0, F4 narrow it); later ones are always 80-BF, so padding with 0x80 is
 * a completion exactly when one exists.
 */
function completable(partial: Uint8Array): boolean {
  if (partial.length < 2) return true;
  const padded = new Uint8Array(sequenceLength(partial[0]!)).fill(0x80);
  padded.set(partial);
  return isUtf8(padded);
}

/**
 * Where a carried sequence is completed and checked: one for every validator
 * (checking is synchronous), so each keeps its carry in a number, not in an
 * array of its own (a proxy has two validators per connection, and connections are many).
 */
const sequence = new Uint8Array(4);

/**
 * Reports invalid text as soon as the bytes so far cannot begin valid UTF-8,
 * whatever the chunking: the verdict after any push depends only on the bytes,
 * not on where they were split.
 */
export class Utf8Validator {
  /** The unfinished sequence carried from the last chunk (at most 3 bytes, the first in the low byte). */
  private carry = 0;
  private carryLength = 0;
  private ok = true;

  get valid(): boolean {
    return this.ok;
  }

  /** Starts a new text (the validator is reused across messages). */
  reset(): void {
    this.carryLength = 0;
    this.ok = true;
  }

  /** Feeds the next bytes; returns false once the text is known to be invalid. */
  push(chunk: Uint8Array): boolean {
    if (!this.ok) return false;
    // The common case, whole code points and nothing carried: one native check, no views.
    if (this.carryLength === 0 && incompleteTailLength(chunk) === 0) return (this.ok = isUtf8(chunk));
    let start = 0;
    if (this.carryLength > 0) {
      const carried = this.carryLength;
      for (let i = 0; i < carried; i++) sequence[i] = (this.carry >>> (8 * i)) & 0xff;
      const need = Math.max(sequenceLength(sequence[0]!), 1) - carried;
      const take = Math.min(need, chunk.length);
      sequence.set(chunk.subarray(0, take), carried);
      const sofar = sequence.subarray(0, carried + take);
      start = take;
      if (take < need) {
        this.keep(sofar);
        return (this.ok = completable(sofar));
      }
      this.ok = isUtf8(sofar);
      this.carryLength = 0;
      if (!this.ok) return false;
    }
    const rest = chunk.subarray(start);
    const tail = incompleteTailLength(rest);
    this.ok = isUtf8(rest.subarray(0, rest.length - tail)) && completable(rest.subarray(rest.length - tail));
    if (this.ok && tail > 0) this.keep(rest.subarray(rest.length - tail));
    return this.ok;
  }

  /** The text has ended: valid only when no sequence is left unfinished. */
  end(): boolean {
    if (this.carryLength > 0) this.ok = false;
    this.carryLength = 0;
    return this.ok;
  }

  /** Carries an unfinished sequence (1-3 bytes) into the next chunk. */
  private keep(bytes: Uint8Array): void {
    let carry = 0;
    for (let i = 0; i < bytes.length; i++) carry |= bytes[i]! << (8 * i);
    this.carry = carry;
    this.carryLength = bytes.length;
  }
}
