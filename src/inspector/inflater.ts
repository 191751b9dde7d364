/**
 * permessage-deflate decompression for one direction (RFC 7692 7.2.2).
 *
 * Why fflate and not node:zlib: the core is synchronous (bytes in, events out),
 * and node:zlib offers context takeover only on its asynchronous streams. fflate's
 * streaming `Inflate` is synchronous, keeps the 32 KiB window across messages,
 * and accepts input split at any byte. It inflates about 4x slower than native
 * zlib (measured in bench/), which only matters for compressed traffic.
 *
 * Input is fed in 16 KiB slices: deflate expands at most ~1032:1, so no single
 * output chunk exceeds ~16 MiB however the peer built its stream (1 KiB slices
 * bounded it tighter but inflated 5x slower: fflate copies per call). The slices are
 * cut at fixed offsets of the message (and at frame ends), never where the
 * network happened to split it: fflate drops the output of a slice that fails,
 * so a corrupt message would otherwise inflate to a different prefix for each
 * chunking of the same bytes. Output past a
 * per-message budget is not produced at all, so a decompression bomb costs
 * bounded time and memory; the message is then reported as inflated in part.
 */
import { Inflate } from 'fflate';

/** The bytes RFC 7692 7.2.2 has the receiver append to every message before inflating. */
const TAIL = new Uint8Array([0x00, 0x00, 0xff, 0xff]);
const SLICE = 16 * 1024;

export type InflateSink = (data: Uint8Array) => void;

export class MessageInflater {
  private inflate: Inflate | null = null;
  private sink: InflateSink = () => {};
  private produced = 0;
  private failed: string | null = null;
  private stopped = false;
  /** Set once a message went over budget under context takeover: later messages cannot be inflated. */
  private contextLost = false;
  /** Compressed bytes waiting for a whole slice (or the frame's end). */
  private readonly staging = new Uint8Array(SLICE);
  private staged = 0;

  /**
   * @param noContextTakeover the sender resets its compressor per message (`*_no_context_takeover`)
   * @param budget the most bytes one message may inflate to before inflation stops
   */
  constructor(
    private readonly noContextTakeover: boolean,
    private readonly budget: number,
  ) {}

  /** The sender resets its compressor per message (no context takeover). */
  get resetsPerMessage(): boolean {
    return this.noContextTakeover;
  }

  /** True when the message in progress stopped inflating at the budget (its size is a lower bound). */
  get partial(): boolean {
    return this.stopped;
  }

  /** Starts a message whose inflated bytes go to `sink`. */
  begin(sink: InflateSink): void {
    this.sink = sink;
    this.produced = 0;
    this.failed = null;
    this.stopped = this.contextLost;
    this.staged = 0;
    if (!this.inflate || this.noContextTakeover) this.inflate = this.newInflate();
    else if (finalBlockSeen(this.inflate)) this.inflate = this.newInflate(windowOf(this.inflate));
  }

  /** Feeds compressed payload bytes (already unmasked). */
  push(data: Uint8Array): void {
    for (let i = 0; i < data.length && !this.stopped && !this.failed; ) {
      const take = Math.min(SLICE - this.staged, data.length - i);
      this.staging.set(data.subarray(i, i + take), this.staged);
      this.staged += take;
      i += take;
      if (this.staged === SLICE) this.endFrame();
    }
  }

  /** A frame of the message ended: inflate what it brought (so its bytes are reported with it). */
  endFrame(): void {
    if (this.staged > 0 && !this.stopped && !this.failed) this.feed(this.staging.subarray(0, this.staged));
    this.staged = 0;
  }

  /** Ends the message; returns an error sentence when the data did not inflate. */
  finish(): string | null {
    this.endFrame();
    if (!this.stopped && !this.failed) {
      this.feed(TAIL);
      // With the tail appended, a well-formed message ends on a block boundary (7.2.1) or
      // after a BFINAL block. Otherwise it was cut short, and its leftover state would
      // swallow the next message under context takeover.
      if (!this.failed && !this.stopped && !endsCleanly(this.inflate!)) {
        this.failed = 'the compressed message does not inflate: its data ends inside a DEFLATE block';
      }
    }
    if (this.stopped && !this.noContextTakeover) this.contextLost = true;
    if (this.failed) this.inflate = null; // the window is unusable; start afresh
    return this.failed;
  }

  private feed(data: Uint8Array): void {
    try {
      this.inflate!.push(data);
    } catch (err) {
      this.failed = `the compressed message does not inflate: ${(err as Error).message}`;
    }
  }

  private newInflate(dictionary?: Uint8Array): Inflate {
    return new Inflate(dictionary ? { dictionary } : {}, (chunk) => {
      if (this.stopped) return;
      const room = this.budget - this.produced;
      if (chunk.length > room) {
        this.stopped = true;
        if (room > 0) this.sink(chunk.subarray(0, room));
        this.produced = this.budget;
        return;
      }
      this.produced += chunk.length;
      if (chunk.length > 0) this.sink(chunk);
    });
  }
}

/*
 * A sender may end a message with a BFINAL block (RFC 7692 7.2.3.4). The deflate
 * stream is then over, and fflate silently ignores whatever follows, so the next
 * message needs a new inflater primed with the old window. fflate exposes neither
 * fact publicly; its state `s.f` is the final-block flag and `o` the last 32 KiB
 * of output. The BFINAL fixtures in test/inspector fail if that ever changes.
 */
interface InflateInternals {
  /** f: BFINAL of the current/last block; l: the literal table while inside a Huffman block. */
  s: { f?: number; l?: unknown };
  o: Uint8Array;
  /** Input not consumed yet (an unfinished block header or stored block). */
  p: Uint8Array;
}

function finalBlockSeen(inflate: Inflate): boolean {
  return (inflate as unknown as InflateInternals).s.f !== 0;
}

/** No block is half-read: the stream stopped between blocks, or after the final one. */
function endsCleanly(inflate: Inflate): boolean {
  const { s, p } = inflate as unknown as InflateInternals;
  return !s.l && (s.f === 1 || p.length === 0);
}

function windowOf(inflate: Inflate): Uint8Array {
  return (inflate as unknown as InflateInternals).o;
}
