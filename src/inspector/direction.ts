/**
 * Everything one side of a WebSocket connection sends, after the handshake:
 * frames (via FrameDecoder), messages (fragments, interleaved control frames,
 * UTF-8 across fragment boundaries, permessage-deflate), and every frame-level
 * rule of the contract. Bytes in, events out; decoding goes on after a
 * violation wherever the framing is still known.
 */
import type {
  CloseInfo,
  FrameEvent,
  InspectorEvent,
  Side,
  ViolationEvent,
} from './events.js';
import { violation } from './events.js';
import { FrameDecoder, maskKeyWord, type FrameHeader, type FrameSink } from './frame-decoder.js';
import { MessageInflater } from './inflater.js';
import { checkFrame, type FrameState } from './frame-rules.js';
import { OP_BINARY, OP_CLOSE, OP_CONTINUATION, OP_TEXT, isControl, isReservedOpcode } from './opcodes.js';
import { parseClosePayload } from './close-frame.js';
import type { RuleId } from './rules.js';
import { MaskScratch, unmaskTo } from './unmask.js';
import { Utf8Validator, incompleteTailLength } from './utf8-stream.js';
import { DecodedMessage } from './message-event.js';
import { DecodedFrame } from './frame-event.js';
import { isUtf8 } from 'node:buffer';

export interface DirectionOptions {
  side: Side;
  /** Bytes of each message kept for `text`/`base64` (contract: at least 64 KiB unless --preview sets less). */
  previewBytes?: number;
  /** permessage-deflate was negotiated; `noContextTakeover` for this side's messages. */
  deflate?: { noContextTakeover: boolean } | null;
  /** Another extension was negotiated, which may define the RSV bits: do not flag them. */
  rsvDefinedByExtension?: boolean;
  /** The most bytes one compressed message is inflated to (a decompression bomb stops there). */
  maxInflate?: number;
  /**
   * Give data frames a `payloadHead` too (control frames always have one). The
   * pretty view shows it per frame; NDJSON does without, and saves ~15% per small frame.
   */
  payloadHeads?: boolean;
}

export const DEFAULT_PREVIEW_BYTES = 64 * 1024;
export const DEFAULT_MAX_INFLATE = 64 * 1024 * 1024;
/** Payload bytes shown per frame in one-line previews (FrameEvent.payloadHead). */
const FRAME_HEAD_BYTES = 32;
/** Control payloads are at most 125 bytes when valid; a longer one is kept only that far. */
const CONTROL_KEEP = 125;
/**
 * A single-frame message up to this size (and the preview size) is unmasked
 * straight into its own buffer and validated in one native isUtf8 call at its
 * end, as ws does; bigger or fragmented ones stream through the scratch and
 * the incremental validator. The bound keeps what a header can make us
 * allocate before its payload arrives small.
 */
const DIRECT_MAX = 64 * 1024;
/** What a control payload or frame head not yet needed reads as. */
const NO_BYTES = Buffer.alloc(0);

interface OpenMessage {
  kind: 'text' | 'binary';
  compressed: boolean;
  frames: number;
  wireBytes: number;
  size: number;
  preview: Uint8Array[];
  previewLength: number;
  /** A single-frame message's whole payload, unmasked straight into it (see DIRECT_MAX); else null. */
  direct: Buffer | null;
  /**
   * A larger single-frame binary message: its preview's own buffer, unmasked
   * straight into (no scratch, no pieces to join: at 1 MiB messages they were
   * three copies of the preview); else null, and the preview is kept in pieces.
   */
  previewBuffer: Buffer | null;
  /** Text is validated as it streams (by the direction's one validator). */
  text: boolean;
  utf8Reported: boolean;
}

type FrameRole = 'message' | 'control' | 'ignored';

export class DirectionInspector implements FrameSink, FrameState {
  readonly side: Side;
  readonly stats = { frames: 0, messages: 0, wireBytes: 0 };
  /** The close frame this side sent, once it has sent one. */
  closeSent: CloseInfo | null = null;

  private readonly decoder = new FrameDecoder(this);
  private readonly previewBytes: number;
  private readonly payloadHeads: boolean;
  readonly rsvOwner: FrameState['rsvOwner'];
  private readonly inflater: MessageInflater | null;
  private readonly utf8 = new Utf8Validator();
  /** This push's events: made by its first event and let go by takeOut (see there why never sooner). */
  private out: InspectorEvent[] | null = null;

  private header: FrameHeader | null = null;
  private role: FrameRole = 'ignored';
  /** Violations waiting for their frame's event; made by the first (an empty array kept between frames would be promoted, as takeOut says). */
  private pending: ViolationEvent[] | null = null;
  /**
   * A data frame's first bytes (for payloadHead) and a control frame's payload,
   * each made the first time it is needed: most connections never need the
   * first (a small message keeps its whole payload) and idle ones not the second.
   */
  private frameHead: Buffer | null = null;
  private frameHeadLength = 0;
  private control: Buffer | null = null;
  private controlLength = 0;
  private message: OpenMessage | null = null;
  /** The one OpenMessage object, reused message after message (`message` points to it while one is open). */
  private readonly open: OpenMessage = {
    kind: 'text',
    compressed: false,
    frames: 0,
    wireBytes: 0,
    size: 0,
    preview: [],
    previewLength: 0,
    direct: null,
    previewBuffer: null,
    text: false,
    utf8Reported: false,
  };
  /** The previous frame's masking key (maskKeyWord: a number, not an array per side), or -1. */
  previousMaskKey = -1;
  /** Decoding was given up from outside (see abandon): bytes are only counted. */
  private abandoned = false;
  /** During pushToBoundary: where to stop the decoder. */
  private stopAtBoundary: Boundary | null = null;
  /**
   * Keep each message's whole payload (inflated) up to this many bytes, for
   * interception; `lastPayload` then has the last message's, or null when it was larger.
   */
  keepWhole = 0;
  private whole: Buffer[] | null = null;
  private wholeLength = 0;
  private lastWhole: Buffer | null = null;

  constructor(options: DirectionOptions) {
    this.side = options.side;
    this.previewBytes = options.previewBytes ?? DEFAULT_PREVIEW_BYTES;
    this.payloadHeads = options.payloadHeads ?? true;
    this.rsvOwner = options.rsvDefinedByExtension ? 'extension' : options.deflate ? 'deflate' : null;
    this.inflater = options.deflate
      ? new MessageInflater(options.deflate.noContextTakeover, options.maxInflate ?? DEFAULT_MAX_INFLATE)
      : null;
  }

  /** The framing of this direction is lost; the rest is passed through undecoded. */
  get lost(): boolean {
    return this.abandoned || this.decoder.lost;
  }

  /** True when the direction stopped between frames (not mid-header or mid-payload). */
  get atFrameBoundary(): boolean {
    return !this.abandoned && this.decoder.atFrameBoundary;
  }

  get messageOpen(): boolean {
    return this.message !== null;
  }

  /** The whole payload of the last message (see keepWhole), once: null when not kept or too large. */
  takePayload(): Buffer | null {
    const payload = this.lastWhole;
    this.lastWhole = null;
    return payload;
  }

  /** permessage-deflate with context takeover: each compressed message depends on the ones before. */
  get sharesContext(): boolean {
    return this.inflater !== null && !this.inflater.resetsPerMessage;
  }

  /** True between messages: at a frame boundary with no fragmented data message open. */
  get atMessageBoundary(): boolean {
    return this.atFrameBoundary && this.message === null;
  }

  push(chunk: Uint8Array): InspectorEvent[] {
    this.stats.wireBytes += chunk.length;
    if (!this.abandoned) this.decoder.push(chunk);
    return this.takeOut();
  }

  /**
   * Like push, but stops at the first message boundary that `chunk` reaches
   * (where a frame of the relay's own may be inserted); `consumed` says how
   * far that is, and the rest is to be pushed after the insertion.
   */
  pushToBoundary(chunk: Uint8Array, until: Boundary = 'message'): { consumed: number; events: InspectorEvent[] } {
    this.stopAtBoundary = until;
    const consumed = this.abandoned ? chunk.length : this.decoder.push(chunk);
    this.stopAtBoundary = null;
    this.stats.wireBytes += consumed;
    return { consumed, events: this.takeOut() };
  }

  /**
   * The events of this push, let go of. The array is made by the push's first
   * event, never ahead of time: an empty one made here for the next push would
   * wait a second on an idle connection, long enough to be promoted to V8's old
   * generation, and the young events later put in it would then be kept by
   * every scavenge (an old object's references count as live until a full
   * collection), promoted in turn: thousands of connections' worth of garbage
   * piling up between full collections (connections bench: RSS at peak).
   */
  private takeOut(): InspectorEvent[] {
    const out = this.out ?? [];
    this.out = null;
    return out;
  }

  private output(event: InspectorEvent): void {
    (this.out ??= []).push(event);
  }

  /**
   * The input ended (EOF as an event, as in wsproto). A frame cut short never
   * gets its frame event, but the violations its header already showed (a
   * ping claiming 128 bytes) are still reported: they are returned here.
   */
  end(): InspectorEvent[] {
    const message = this.message;
    // A direct text validated only at its frame's end: what arrived is judged as the streaming validator would have.
    if (this.header && message?.direct && message.text && !message.utf8Reported) {
      const validator = new Utf8Validator();
      if (!validator.push(message.direct.subarray(0, message.size))) this.reportUtf8(message);
    }
    const shown = this.pending ?? [];
    this.pending = null;
    return shown;
  }

  /**
   * The stream has a gap here (bytes never seen): what a frame cut short
   * already showed is returned, as at the end, and nothing after is decoded.
   */
  stop(): InspectorEvent[] {
    this.abandoned = true;
    return this.end();
  }

  /**
   * Stops decoding this direction for a reason found outside it (bytes it
   * never saw): an `undecodable` event, then the rest is only counted.
   */
  abandon(reason: string): InspectorEvent[] {
    this.abandoned = true;
    return [{ type: 'undecodable', from: this.side, message: `${this.side} ${reason}; the rest is forwarded unchanged and not decoded` }];
  }

  // ---- FrameSink -------------------------------------------------------

  onHeader(header: FrameHeader): void {
    this.header = header;
    this.frameHeadLength = 0;
    this.controlLength = 0;
    this.checkHeader(header);
    this.role = this.roleOf(header);
    if (this.role === 'message') this.message!.wireBytes += header.headerLength + header.payloadLength;
  }

  onPayload(chunk: Uint8Array, start: number, end: number, payloadOffset: number): void {
    const header = this.header!;
    const message = this.role === 'message' ? this.message! : null;
    if (message?.direct) {
      unmaskTo(message.direct, payloadOffset, chunk, start, end, header.maskKey, payloadOffset & 3);
      message.size += end - start;
      return;
    }
    const data = start === 0 && end === chunk.length ? chunk : chunk.subarray(start, end);
    if (this.role === 'control') {
      this.controlLength = this.copyUnmasked((this.control ??= Buffer.allocUnsafeSlow(CONTROL_KEEP)), this.controlLength, data, payloadOffset);
    } else if (message) {
      if (this.payloadHeads && this.frameHeadLength < FRAME_HEAD_BYTES) {
        this.frameHeadLength = this.copyUnmasked((this.frameHead ??= Buffer.allocUnsafeSlow(FRAME_HEAD_BYTES)), this.frameHeadLength, data, payloadOffset);
      }
      if (message.compressed) this.unmasked(data, payloadOffset, Use.Inflate);
      else if (message.text || this.whole) this.unmasked(data, payloadOffset, Use.Message);
      else {
        // Uncompressed binary: only the preview needs the bytes unmasked; the rest is counted.
        message.size += data.length;
        const room = this.previewBytes - message.previewLength;
        if (room <= 0) return;
        const kept = room < data.length ? data.subarray(0, room) : data;
        if (!message.previewBuffer) return this.unmasked(kept, payloadOffset, Use.Preview);
        unmaskTo(message.previewBuffer, message.previewLength, kept, 0, kept.length, header.maskKey, payloadOffset & 3);
        message.previewLength += kept.length;
      }
    }
  }

  onFrameEnd(): void {
    const header = this.header!;
    const message = this.role === 'message' ? this.message! : null;
    if (message?.compressed) this.inflater!.endFrame(header.fin);
    // A direct text is whole now: one native check. Only when it fails does the streaming validator
    // say whether the bytes broke (reported after the frame) or a sequence is cut at the end (after the message).
    if (message?.direct && message.text && !isUtf8(message.direct) && !this.utf8.push(message.direct)) this.reportUtf8(message);
    const frame = this.frameEvent(header);
    if (header.opcode === OP_CLOSE) {
      // An over-long close payload (already reported) was kept only to 125 bytes: a code point
      // cut there is the cut's doing, not the sender's, so it is left out.
      const kept = (this.control ?? NO_BYTES).subarray(0, this.controlLength);
      const cut = header.payloadLength > this.controlLength && kept.length > 2 ? incompleteTailLength(kept.subarray(2)) : 0;
      const { close, violations } = parseClosePayload(kept.subarray(0, kept.length - cut), this.side);
      frame.close = close;
      for (const v of violations) this.note(v);
      this.closeSent ??= close;
    }
    this.emitFrame(frame);
    if (this.role === 'message' && header.fin) this.finishMessage();
    this.header = null;
    if (this.stopAtBoundary === 'frame' || (this.stopAtBoundary === 'message' && this.message === null)) this.decoder.stopAfterFrame();
  }

  onLost(header: FrameHeader, reason: string): void {
    this.frameHeadLength = 0;
    this.controlLength = 0;
    this.role = 'ignored';
    this.note(violation('length-msb-set', this.side, `${reason}: no valid length is that large`));
    this.emitFrame(this.frameEvent(header));
    this.output({
      type: 'undecodable',
      from: this.side,
      message: `${this.side} framing lost (${reason}); the rest is forwarded unchanged and not decoded`,
    });
  }

  // ---- rules -----------------------------------------------------------

  /** A rule broken by the frame being read: reported right after its frame event. */
  flag(rule: RuleId, message: string): void {
    this.note(violation(rule, this.side, message));
  }

  private checkHeader(h: FrameHeader): void {
    checkFrame(h, this);
    // "The previous frame" for the rules: an unmasked one has no key.
    this.previousMaskKey = h.maskKey ? maskKeyWord(h.maskKey) : -1;
  }

  // ---- messages --------------------------------------------------------

  private roleOf(h: FrameHeader): FrameRole {
    if (isReservedOpcode(h.opcode)) return 'ignored';
    if (isControl(h.opcode)) return 'control';
    if (h.opcode === OP_CONTINUATION) {
      if (!this.message) return 'ignored';
      this.message.frames++;
      return 'message';
    }
    if (this.message) this.abandonMessage();
    const compressed = h.rsv1 && this.inflater !== null;
    const kind = h.opcode === OP_TEXT ? 'text' : 'binary';
    const message = (this.message = this.open);
    message.kind = kind;
    message.compressed = compressed;
    message.frames = 1;
    message.wireBytes = 0;
    message.size = 0;
    if (message.preview.length !== 0) message.preview.length = 0; // (the setter is slow; a direct message never used it)
    message.previewLength = 0;
    message.text = kind === 'text';
    message.utf8Reported = false;
    const single = h.fin && !compressed && this.keepWhole === 0;
    const direct = single && h.payloadLength <= Math.min(this.previewBytes, DIRECT_MAX);
    message.direct = direct ? Buffer.allocUnsafe(h.payloadLength) : null;
    const previewSize = Math.min(this.previewBytes, h.payloadLength);
    message.previewBuffer = single && !direct && kind === 'binary' && previewSize <= DIRECT_MAX ? Buffer.allocUnsafe(previewSize) : null;
    if (kind === 'text') this.utf8.reset();
    this.whole = this.keepWhole > 0 ? [] : null;
    this.wholeLength = 0;
    if (compressed) this.inflater!.begin((bytes) => this.messageData(bytes));
    return 'message';
  }

  /** Unmasked (and inflated) message bytes. */
  private messageData(bytes: Uint8Array): void {
    const message = this.message!;
    message.size += bytes.length;
    if (message.text && !message.utf8Reported && !this.utf8.push(bytes)) this.reportUtf8(message);
    if (message.previewLength < this.previewBytes) this.keepPreview(bytes);
    if (this.whole) this.keepWholly(bytes);
  }

  private keepWholly(bytes: Uint8Array): void {
    this.wholeLength += bytes.length;
    if (this.wholeLength > this.keepWhole) this.whole = null;
    else this.whole!.push(Buffer.from(bytes));
  }

  private keepPreview(bytes: Uint8Array): void {
    const message = this.message!;
    const take = Math.min(this.previewBytes - message.previewLength, bytes.length);
    if (take <= 0) return;
    const kept = take < bytes.length ? bytes.subarray(0, take) : bytes;
    message.preview.push(Buffer.from(kept)); // a copy: the event makes its text from it later
    message.previewLength += take;
  }

  private reportUtf8(message: OpenMessage): void {
    message.utf8Reported = true;
    this.note(violation('invalid-utf8', this.side, 'text message is not valid UTF-8'));
  }

  private finishMessage(): void {
    const message = this.message!;
    let partial = false;
    if (message.compressed) {
      // Before `message` is let go: the appended tail may still flush bytes into it.
      const error = this.inflater!.finish();
      partial = this.inflater!.partial;
      if (error) this.note(violation('deflate-error', this.side, error));
    }
    this.message = null;
    this.lastWhole = this.whole && !partial ? Buffer.concat(this.whole, this.wholeLength) : null;
    this.whole = null;
    const direct = message.direct;
    message.direct = null;
    if (message.text && !message.utf8Reported && !partial && !this.utf8.end()) this.reportUtf8(message);
    const kept = message.previewBuffer;
    message.previewBuffer = null;
    const preview = direct ?? kept?.subarray(0, message.previewLength) ?? asBuffer(message.preview.length === 1 ? message.preview[0]! : Buffer.concat(message.preview));
    if (message.preview.length !== 0) message.preview.length = 0; // (the setter is slow; a direct message never used it)
    const truncated = direct ? false : partial || message.size > message.previewLength;
    const event = new DecodedMessage(this.side, message.kind, message.frames, message.compressed, message.wireBytes, message.size, truncated, preview);
    this.stats.messages++;
    this.output(event);
    this.flushPending();
  }

  /** A new message began before the open one finished (already reported): forget the open one. */
  private abandonMessage(): void {
    if (this.message!.compressed) this.inflater!.finish();
    this.message!.direct = null;
    this.message!.previewBuffer = null;
    this.message = null;
  }

  // ---- helpers ---------------------------------------------------------

  private frameEvent(h: FrameHeader): DecodedFrame {
    const frame = new DecodedFrame(this.side, h, h.maskKey ? hex4(h.maskKey) : null);
    if (isControl(h.opcode)) {
      const control = this.control ?? NO_BYTES;
      frame.payloadHead = control.toString('hex', 0, Math.min(this.controlLength, FRAME_HEAD_BYTES));
      frame.payloadHex = control.toString('hex', 0, this.controlLength);
    } else if (!isReservedOpcode(h.opcode)) {
      // The message this data frame belongs to (a frame whose framing was lost opened none: its opcode says).
      const message = this.role === 'message' ? this.message : null;
      if (this.payloadHeads) {
        const direct = message?.direct;
        frame.payloadHead = direct
          ? direct.toString('hex', 0, Math.min(direct.length, FRAME_HEAD_BYTES))
          : (this.frameHead ?? NO_BYTES).toString('hex', 0, this.frameHeadLength);
      }
      frame.messageKind = message ? message.kind : h.opcode === OP_TEXT ? 'text' : h.opcode === OP_BINARY ? 'binary' : null;
      frame.compressed = message ? message.compressed : h.opcode !== OP_CONTINUATION && h.rsv1 && this.inflater !== null;
    }
    return frame;
  }

  private emitFrame(frame: FrameEvent): void {
    this.stats.frames++;
    this.output(frame);
    this.flushPending();
  }

  private note(v: ViolationEvent): void {
    (this.pending ??= []).push(v);
  }

  private flushPending(): void {
    if (this.pending === null) return;
    for (const v of this.pending) this.output(v);
    this.pending = null;
  }

  /** Copies the unmasked start of `data` into `dst` from `at` while it has room; returns the new fill. */
  private copyUnmasked(dst: Uint8Array, at: number, data: Uint8Array, payloadOffset: number): number {
    const take = Math.min(dst.length - at, data.length);
    const mask = this.header!.maskKey;
    if (mask) for (let i = 0; i < take; i++) dst[at + i] = data[i]! ^ mask[(payloadOffset + i) & 3]!;
    else for (let i = 0; i < take; i++) dst[at + i] = data[i]!;
    return at + take;
  }

  /** Hands the unmasked bytes of `data` on, in scratch-sized pieces (views valid only during the call). */
  private unmasked(data: Uint8Array, payloadOffset: number, use: Use): void {
    const mask = this.header!.maskKey;
    if (!mask) return this.use(use, data);
    const scratch = sharedScratch();
    for (let i = 0; i < data.length; i += MaskScratch.SIZE) {
      const n = scratch.unmask(data, i, Math.min(i + MaskScratch.SIZE, data.length), mask, (payloadOffset + i) & 3);
      this.use(use, scratch.bytes.subarray(0, n));
    }
  }

  private use(use: Use, bytes: Uint8Array): void {
    if (use === Use.Inflate) this.inflater!.push(bytes);
    else if (use === Use.Message) this.messageData(bytes);
    else this.keepPreview(bytes);
  }
}

/** Where pushToBoundary stops: after the first whole message (or a control frame between messages), or after any frame. */
export type Boundary = 'message' | 'frame';

/** Where unmasked payload bytes go. */
const enum Use {
  Inflate,
  Message,
  Preview,
}

/**
 * One unmask scratch for every inspector in the process: a 64 KiB buffer each
 * would cost 128 KiB per proxied connection. Sharing is safe because inspection
 * is synchronous and nothing keeps a view of the scratch past the call it was
 * handed to (previews are copied).
 */
let scratch: MaskScratch | null = null;
function sharedScratch(): MaskScratch {
  return (scratch ??= new MaskScratch());
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** The 4 mask-key bytes as 8 lowercase hex digits. */
function hex4(key: Uint8Array): string {
  return HEX[key[0]!]! + HEX[key[1]!]! + HEX[key[2]!]! + HEX[key[3]!]!;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}
