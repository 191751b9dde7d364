/**
 * permessage-deflate decompression for one direction (RFC 7692 7.2.2).
 *
 * Two ways, one result. A message that comes in one frame with at most 16 KiB
 * of compressed payload (nearly all of them) is inflated at its end in one
 * call to node:zlib's native inflater, primed with the direction's last 32 KiB
 * of output as its dictionary: that is context takeover, synchronously (zlib
 * streams offer takeover only asynchronously). For 1 KiB JSON-like messages
 * this costs about a third of the CPU of fflate (bench/README.md, "deflate").
 * Anything else streams through fflate's synchronous `Inflate`, as every
 * message did before: larger or fragmented messages (bytes reported frame by
 * frame, memory bounded however large), and any message the native call
 * refuses (corrupt, cut inside a block, over budget), so that errors and
 * partial output are fflate's alike whichever way a message went.
 *
 * fflate is fed 16 KiB slices: deflate expands at most ~1032:1, so no single
 * output chunk exceeds ~16 MiB however the peer built its stream (1 KiB slices
 * bounded it tighter but inflated 5x slower: fflate copies per call). The slices are
 * cut at fixed offsets of the message (and at frame ends), never where the
 * network happened to split it: fflate drops the output of a slice that fails,
 * so a corrupt message would otherwise inflate to a different prefix for each
 * chunking of the same bytes. For the same reason the choice of way depends
 * only on the message (its frames, its size), never on the chunking. Output
 * past a per-message budget is not produced at all, so a decompression bomb
 * costs bounded time and memory; the message is then reported as inflated in part.
 */
import { inflateRawSync } from 'node:zlib';
import { Inflate } from 'fflate';

/** The bytes RFC 7692 7.2.2 has the receiver append to every message before inflating. */
const TAIL = new Uint8Array([0x00, 0x00, 0xff, 0xff]);
/**
 * The tail, then an empty final stored block: a message that ends between
 * blocks becomes a whole DEFLATE stream, which zlib inflates or refuses outright.
 */
const TAIL_AND_END = new Uint8Array([0x00, 0x00, 0xff, 0xff, 0x01, 0x00, 0x00, 0xff, 0xff]);
const SLICE = 16 * 1024;
/** The LZ77 window: how far back a compressed message may refer (RFC 1951). */
const WINDOW = 32 * 1024;

export type InflateSink = (data: Uint8Array) => void;

export class MessageInflater {
  /** fflate's inflater while the last message streamed through it (it holds the window then). */
  private inflate: Inflate | null = null;
  /** The window after a message inflated natively: the direction's last output, up to 32 KiB at its end. */
  private history: Uint8Array | null = null;
  private historyLength = 0;
  private sink: InflateSink = () => {};
  private produced = 0;
  private failed: string | null = null;
  private stopped = false;
  /** Set once a message went over budget under context takeover: later messages cannot be inflated. */
  private contextLost = false;
  /** Compressed bytes waiting for a whole slice (or the frame's end, or the message's). */
  private readonly staging = new Uint8Array(SLICE);
  private staged = 0;
  /** The message in progress has gone (at least in part) to fflate. */
  private streaming = false;

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
    this.streaming = false;
  }

  /** Feeds compressed payload bytes (already unmasked). */
  push(data: Uint8Array): void {
    for (let i = 0; i < data.length && !this.stopped && !this.failed; ) {
      const take = Math.min(SLICE - this.staged, data.length - i);
      this.staging.set(data.subarray(i, i + take), this.staged);
      this.staged += take;
      i += take;
      if (this.staged === SLICE) this.stream();
    }
  }

  /**
   * A frame of the message ended: inflate what it brought (so its bytes are
   * reported with it). The last frame's (`fin`) wait for finish(), which may
   * inflate the whole message at once.
   */
  endFrame(fin = false): void {
    if (!fin || this.streaming) this.stream();
  }

  /** Ends the message; returns an error sentence when the data did not inflate. */
  finish(): string | null {
    if (!this.streaming && !this.stopped && this.inflateAtOnce()) return null;
    this.stream();
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
    if (this.failed) this.restart(); // the window is unusable; start afresh
    return this.failed;
  }

  /** The staged bytes (the whole message) through native zlib in one call; false when it refuses them. */
  private inflateAtOnce(): boolean {
    const input = new Uint8Array(this.staged + TAIL_AND_END.length);
    input.set(this.staging.subarray(0, this.staged));
    input.set(TAIL_AND_END, this.staged);
    const dictionary = this.noContextTakeover ? null : this.window();
    let output: Buffer;
    try {
      output = inflateRawSync(input, { maxOutputLength: this.budget, ...(dictionary?.length ? { dictionary } : {}) });
    } catch {
      return false; // fflate takes the message and words the error (or the partial output)
    }
    this.staged = 0;
    this.produced = output.length;
    if (!this.noContextTakeover) this.remember(dictionary!, output);
    if (output.length > 0) this.sink(output);
    return true;
  }

  /** The window the next message may refer to. */
  private window(): Uint8Array {
    if (this.inflate) return windowOf(this.inflate);
    return this.history ? this.history.subarray(this.historyLength - Math.min(this.historyLength, WINDOW), this.historyLength) : new Uint8Array(0);
  }

  /** Keeps the last 32 KiB of `window` + `output` (in a buffer with room for 16 KiB more, so it slides rarely). */
  private remember(window: Uint8Array, output: Uint8Array): void {
    const buffer = (this.history ??= new Uint8Array(WINDOW + SLICE));
    if (output.length >= WINDOW) {
      buffer.set(output.subarray(output.length - WINDOW));
      this.historyLength = WINDOW;
    } else {
      if (this.inflate || this.historyLength + output.length > buffer.length) {
        buffer.set(window); // a copyWithin when `window` is a view of `buffer`
        this.historyLength = window.length;
      }
      buffer.set(output, this.historyLength);
      this.historyLength += output.length;
    }
    this.inflate = null;
  }

  /** Streams the staged bytes through fflate (the message goes that way from now on). */
  private stream(): void {
    if (this.staged > 0 && !this.stopped && !this.failed) this.feed(this.staging.subarray(0, this.staged));
    this.staged = 0;
  }

  private feed(data: Uint8Array): void {
    if (!this.streaming) this.startStreaming();
    try {
      this.inflate!.push(data);
    } catch (err) {
      this.failed = `the compressed message does not inflate: ${(err as Error).message}`;
    }
  }

  /** An fflate inflater for this message: the last one goes on, unless it ended its stream or the window is elsewhere. */
  private startStreaming(): void {
    this.streaming = true;
    if (this.noContextTakeover) this.inflate = this.newInflate();
    else if (!this.inflate || finalBlockSeen(this.inflate)) {
      const window = this.window();
      this.inflate = this.newInflate(window.length > 0 ? window : undefined);
    }
  }

  /** After a failure: no window to go on from. */
  private restart(): void {
    this.inflate = null;
    this.historyLength = 0;
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

/** fflate's window: `o` holds the last output, `s.b` bytes of it. */
function windowOf(inflate: Inflate): Uint8Array {
  const { o, s } = inflate as unknown as InflateInternals & { s: { b: number } };
  return o.subarray(0, s.b);
}
