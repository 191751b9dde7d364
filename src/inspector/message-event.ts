/**
 * A decoded message event that keeps its preview as bytes and makes `text`
 * (or `base64`) from them only when a sink reads it. Decoding a 64 KiB text
 * into a JS string cost more than reading the whole frame (profiled: half of
 * the decoder's time at 64 KiB), and the NDJSON sink does not need the string
 * at all: it writes JSON straight from the UTF-8 bytes (render/ndjson.ts).
 * JSON.stringify sees the same object as before (toJSON); stamp() copies it
 * with its bytes (Object.assign would not call the getters).
 */
import type { MessageEvent, Side } from './events.js';
import { incompleteTailLength } from './utf8-stream.js';

export class DecodedMessage implements MessageEvent {
  readonly type = 'message';
  // Absent until set (`'injected' in event` means something): conn and ts by stamp() on its copy,
  // since the core has no connections or clock; injected by the connection that put the frame on the wire.
  declare conn?: number;
  declare ts?: number;
  declare injected?: true;
  /** The text or base64 once made (private: two events with the same bytes stay equal). */
  #materialised: string | undefined = undefined;

  constructor(
    readonly from: Side,
    readonly kind: 'text' | 'binary',
    readonly frames: number,
    readonly compressed: boolean,
    readonly wireBytes: number,
    readonly size: number,
    readonly truncated: boolean,
    /** The message's first bytes (all of them unless truncated), unmasked and inflated. */
    readonly preview: Buffer,
  ) {}

  /** The preview as text; when it holds only a prefix, a code point cut at its end is dropped. */
  get text(): string | undefined {
    if (this.kind !== 'text') return undefined;
    return (this.#materialised ??= this.preview.toString('utf8', 0, this.textEnd));
  }

  get base64(): string | undefined {
    if (this.kind !== 'binary') return undefined;
    return (this.#materialised ??= this.preview.toString('base64'));
  }

  /** Where the text's bytes end in the preview (see text). */
  get textEnd(): number {
    const preview = this.preview;
    return this.truncated ? preview.length - incompleteTailLength(preview) : preview.length;
  }

  /** This event stamped with its connection and time (a copy: the core's event stays as it was). */
  stamped(conn: number, ts: number): DecodedMessage {
    const copy = new DecodedMessage(this.from, this.kind, this.frames, this.compressed, this.wireBytes, this.size, this.truncated, this.preview);
    copy.conn = conn;
    copy.ts = ts;
    if (this.injected) copy.injected = true;
    copy.#materialised = this.#materialised;
    return copy;
  }

  /** The contract's object, in the order the fields always had. */
  toJSON(): MessageEvent & { conn?: number; ts?: number } {
    const json: MessageEvent & { conn?: number; ts?: number } = { type: 'message' } as MessageEvent;
    if (this.conn !== undefined) json.conn = this.conn;
    if (this.ts !== undefined) json.ts = this.ts;
    Object.assign(json, {
      from: this.from,
      kind: this.kind,
      frames: this.frames,
      compressed: this.compressed,
      wireBytes: this.wireBytes,
      size: this.size,
      truncated: this.truncated,
    });
    if (this.kind === 'text') json.text = this.text;
    else json.base64 = this.base64;
    if (this.injected) json.injected = true;
    return json;
  }
}
