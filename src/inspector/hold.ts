/**
 * Interception of one direction (`--intercept`): the direction's frames are
 * read one by one; each data message is gathered whole before any of it goes
 * on, then either passed on as it came (byte for byte, with any control frames
 * it enclosed, in their places) or held when the filter matches, until the
 * user forwards, edits or drops it (or it times out). Messages behind a held
 * one wait in order (the adapter stops reading the socket past a bound:
 * backpressure); control frames do not wait: they go out at once, which is
 * always between whole messages on the outgoing side (a ping still gets its
 * pong).
 *
 * Edited messages go out as one uncompressed frame (RSV1 clear), masked with
 * the given key toward the server. permessage-deflate with context takeover:
 * dropping or editing a compressed message leaves the receiver's window
 * without it, so every later compressed message of this direction would
 * inflate wrong there. From that point on ("diverged") each one is sent
 * re-framed, uncompressed, from the payload the inspector inflated with the
 * sender's own context. Both peers stay correct; the cost is bandwidth (no
 * compression that way) and that each message is gathered whole first.
 *
 * Sans-IO like the rest of the core: bytes in; what to forward and the
 * events out through the callbacks; the caller's clock runs the timeouts.
 */
import type { HeldEvent, InspectorEvent, MessageEvent, ReleaseAction, Side, ViolationEvent } from './events.js';
import { encodeFrame } from './frame-encoder.js';
import { OP_BINARY, OP_TEXT, isControl, isReservedOpcode } from './opcodes.js';
import type { Session } from './session.js';

/** Decides, for each whole data message, whether it is held. */
export type HoldPredicate = (message: MessageEvent, violations: ViolationEvent[]) => boolean;

/** Larger messages are never held: past this they stream through (and a diverged direction cannot re-encode them). */
export const MAX_HELD_MESSAGE = 16 * 1024 * 1024;

interface WholeMessage {
  kind: 'text' | 'binary';
  compressed: boolean;
  /** The whole payload (inflated), or null when it was too large to keep. */
  payload: Buffer | null;
}

interface Gathered {
  frames: Uint8Array[];
  bytes: number;
}

type Unit =
  /** Goes out as it came (re-encoded when the direction diverged and it is compressed). */
  | { type: 'pass'; frames: Uint8Array[]; bytes: number; message: WholeMessage | null }
  | { type: 'held'; id: number; frames: Uint8Array[]; bytes: number; message: WholeMessage & { payload: Buffer } }
  /** An edited message (its new frame) or a dropped one (null); `diverges`: the receiver's window no longer follows the sender's. */
  | { type: 'replaced'; frame: Uint8Array | null; bytes: number; diverges: boolean };

/** What an edited message becomes. */
export interface Edit {
  kind: 'text' | 'binary';
  payload: Uint8Array;
}

/** A held message as the proxy lists it (GET /api/intercepted). */
export interface HeldEntry {
  id: number;
  conn: number;
  from: Side;
  kind: 'text' | 'binary';
  size: number;
  payload: Buffer;
  heldAt: number;
}

export interface HeldMessage {
  id: number;
  from: Side;
  kind: 'text' | 'binary';
  size: number;
  payload: Buffer;
}

export interface HoldIO {
  forward(bytes: Uint8Array): void;
  emit(event: InspectorEvent): void;
  /** Events for a frame wsinspect puts on the wire itself (marked injected). */
  injected(frame: Uint8Array): InspectorEvent[];
  nextId(): number;
}

export class HoldingDirection {
  /** Bytes of the frame being read (copies: the caller's buffers are not kept). */
  private partial: Uint8Array[] = [];
  private frameEvents: InspectorEvent[] = [];
  private current: Gathered | null = null;
  /** A message too large to hold is going out frame by frame: nothing else may go between its frames. */
  private streaming = false;
  private readonly queue: Unit[] = [];
  private queued = 0;
  private diverged = false;
  /** The framing was lost: the rest of the direction is only passed on, in order. */
  private lost = false;

  constructor(
    private readonly side: Side,
    private readonly session: Session,
    private readonly matches: HoldPredicate,
    private readonly io: HoldIO,
  ) {}

  /** Nothing gathered, waiting or diverged: the direction may go back to plain relaying. */
  get idle(): boolean {
    return this.partial.length === 0 && this.current === null && !this.streaming && this.queue.length === 0 && !this.diverged && !this.lost;
  }

  /** A held message blocks the direction: the adapter should stop reading once `backlog` grows. */
  get holding(): boolean {
    return this.queue.some((unit) => unit.type === 'held');
  }

  /** Bytes read but not yet passed on. */
  get backlog(): number {
    return this.queued + (this.current?.bytes ?? 0);
  }

  held(): HeldMessage[] {
    return this.queue.flatMap((unit) =>
      unit.type === 'held' ? [{ id: unit.id, from: this.side, kind: unit.message.kind, size: unit.message.payload.length, payload: unit.message.payload }] : [],
    );
  }

  push(data: Uint8Array): void {
    let rest = data;
    while (rest.length > 0) {
      if (this.lost) {
        this.enqueue({ type: 'pass', frames: [Buffer.from(rest)], bytes: rest.length, message: null });
        break;
      }
      const { consumed, events } = this.session.dataToBoundary(this.side, rest, 'frame');
      this.partial.push(Buffer.from(rest.subarray(0, consumed)));
      rest = rest.subarray(consumed);
      for (const event of events) {
        this.io.emit(event);
        this.frameEvents.push(event);
      }
      if (this.session.lost(this.side)) this.loseFraming();
      else if (this.session.atFrameBoundary(this.side)) this.frameRead();
      this.drain(); // so that whatever still waits is behind a held message
    }
  }

  /**
   * A frame of the user's. A data frame goes out after whatever already
   * waits (never inside a message); a control frame goes at once, like the
   * peer's own: what goes out is always whole frames.
   */
  inject(frame: Uint8Array): void {
    for (const event of this.io.injected(frame)) this.io.emit(event);
    if (isControl(frame[0]! & 0x0f)) return this.io.forward(frame);
    this.enqueue({ type: 'pass', frames: [frame], bytes: frame.length, message: null });
    this.drain();
  }

  /**
   * Lets held message `id` go: as it was, or `edit` in its place (one frame,
   * masked with `maskKey` toward the server), or nothing. False when no such
   * message is held here.
   */
  release(id: number, action: ReleaseAction, edit: Edit | null, maskKey: Uint8Array): boolean {
    const at = this.queue.findIndex((unit) => unit.type === 'held' && unit.id === id);
    if (at < 0) return false;
    const unit = this.queue[at] as Extract<Unit, { type: 'held' }>;
    this.io.emit({ type: 'released', id, action });
    const diverges = unit.message.compressed && this.session.sharesContext(this.side);
    let next: Unit;
    if (action === 'drop') next = { type: 'replaced', frame: null, bytes: 0, diverges };
    else if (action === 'edit' && edit) {
      const frame = encodeFrame({
        opcode: edit.kind === 'text' ? OP_TEXT : OP_BINARY,
        payload: edit.payload,
        maskKey: this.side === 'client' ? maskKey : null,
      });
      for (const event of this.io.injected(frame)) this.io.emit(event);
      next = { type: 'replaced', frame, bytes: frame.length, diverges };
    } else next = { type: 'pass', frames: unit.frames, bytes: unit.bytes, message: unit.message };
    this.queued += next.bytes - unit.bytes;
    this.queue[at] = next;
    this.drain();
    return true;
  }

  // ---- reading -------------------------------------------------------------

  private frameRead(): void {
    const bytes = this.partial.length === 1 ? this.partial[0]! : Buffer.concat(this.partial);
    this.partial = [];
    const events = this.frameEvents;
    this.frameEvents = [];
    const frame = events.find((event) => event.type === 'frame');
    if (!frame || frame.type !== 'frame') return this.passInOrder(bytes);
    if (isControl(frame.opcode) && !isReservedOpcode(frame.opcode)) return this.control(bytes);
    if (this.streaming) {
      // The rest of a message too large to hold: its frames follow each other out.
      this.io.forward(bytes);
      if (frame.fin && !isReservedOpcode(frame.opcode)) this.streaming = false;
      return;
    }
    const inMessage = !isReservedOpcode(frame.opcode) && (this.current !== null || frame.opcodeName !== 'continuation');
    if (!inMessage) return this.passInOrder(bytes);
    const current = (this.current ??= { frames: [], bytes: 0 });
    current.frames.push(bytes);
    current.bytes += bytes.length;
    const at = events.findIndex((event) => event.type === 'message');
    if (at < 0) return this.tooLargeToHold();
    this.current = null;
    const message = events[at] as MessageEvent;
    const violations = events.slice(at + 1).filter((event): event is ViolationEvent => event.type === 'violation');
    const whole: WholeMessage = { kind: message.kind, compressed: message.compressed === true, payload: this.session.takePayload(this.side) };
    if (whole.payload !== null && this.matches(message, violations)) this.hold(current, { ...whole, payload: whole.payload });
    else this.enqueue({ type: 'pass', frames: current.frames, bytes: current.bytes, message: whole });
  }

  /** Control frames never wait behind messages; inside a message still being gathered they keep their place. */
  private control(bytes: Uint8Array): void {
    if (this.current && this.queue.length === 0 && !this.streaming) {
      this.current.frames.push(bytes);
      this.current.bytes += bytes.length;
    } else this.io.forward(bytes);
  }

  /** Frames of no message (reserved opcodes, a stray continuation): in order with everything else. */
  private passInOrder(bytes: Uint8Array): void {
    if (this.current) {
      this.current.frames.push(bytes);
      this.current.bytes += bytes.length;
    } else this.enqueue({ type: 'pass', frames: [bytes], bytes: bytes.length, message: null });
  }

  /** A message past MAX_HELD_MESSAGE cannot be held: with nothing waiting before it, it streams on. */
  private tooLargeToHold(): void {
    const current = this.current!;
    if (current.bytes <= MAX_HELD_MESSAGE || this.queue.length > 0) return;
    if (this.diverged) this.io.emit({ type: 'error', message: `a ${this.side} message over ${MAX_HELD_MESSAGE} bytes cannot be re-encoded for the receiver's inflate context; sent as it came` });
    for (const frame of current.frames) this.io.forward(frame);
    this.current = null;
    this.streaming = true;
  }

  private hold(gathered: Gathered, message: WholeMessage & { payload: Buffer }): void {
    const id = this.io.nextId();
    // Control frames it enclosed go now: the outgoing side is between messages.
    const frames: Uint8Array[] = [];
    let bytes = 0;
    for (const frame of gathered.frames) {
      if (isControl(frame[0]! & 0x0f)) this.io.forward(frame);
      else {
        frames.push(frame);
        bytes += frame.length;
      }
    }
    this.enqueue({ type: 'held', id, frames, bytes, message });
    const held: HeldEvent = { type: 'held', id, from: this.side, kind: message.kind, size: message.payload.length };
    this.io.emit(held);
  }

  private loseFraming(): void {
    this.lost = true;
    const bytes = Buffer.concat([...(this.current?.frames ?? []), ...this.partial]);
    this.current = null;
    this.partial = [];
    this.frameEvents = [];
    if (this.streaming) this.io.forward(bytes);
    else this.enqueue({ type: 'pass', frames: [bytes], bytes: bytes.length, message: null });
  }

  // ---- writing -------------------------------------------------------------

  private enqueue(unit: Unit): void {
    this.queue.push(unit);
    this.queued += unit.bytes;
  }

  private drain(): void {
    while (this.queue.length > 0 && !this.streaming && this.queue[0]!.type !== 'held') {
      const unit = this.queue.shift()!;
      this.queued -= unit.bytes;
      if (unit.type === 'replaced') {
        if (unit.frame) this.io.forward(unit.frame);
        if (unit.diverges) this.diverged = true;
      } else if (this.diverged && unit.message?.compressed) this.reencode(unit.frames, unit.message);
      else for (const frame of unit.frames) this.io.forward(frame);
    }
  }

  /** After a divergence: the message as one uncompressed frame, so the receiver's stale window is never used. */
  private reencode(frames: Uint8Array[], message: WholeMessage): void {
    if (!message.payload) {
      this.io.emit({ type: 'error', message: `a ${this.side} message too large to re-encode was sent as it came; the receiver's inflate context may not follow it` });
      for (const frame of frames) this.io.forward(frame);
      return;
    }
    const mask = this.side === 'client' ? maskOf(frames[0]!) : null;
    this.io.forward(encodeFrame({ opcode: message.kind === 'text' ? OP_TEXT : OP_BINARY, payload: message.payload, maskKey: mask }));
    // Control frames the message enclosed keep going, after it.
    for (const frame of frames) if (isControl(frame[0]! & 0x0f)) this.io.forward(frame);
  }
}

/** The masking key of a masked frame (the sender's own, fresh per frame, so reusing it once gives nothing away). */
function maskOf(frame: Uint8Array): Uint8Array {
  const len7 = frame[1]! & 0x7f;
  const at = 2 + (len7 === 126 ? 2 : len7 === 127 ? 8 : 0);
  return frame.subarray(at, at + 4);
}
