/**
 * The server's control frames with their whole payloads, which the client
 * must act on: a ping is answered with a pong carrying the same payload
 * (RFC 6455 5.5.2), a close with a close (5.5.1). The inspector's events keep
 * only a payload preview, so the client runs this small second decoder.
 */
import { FrameDecoder, type FrameHeader, type FrameSink } from '../inspector/frame-decoder.js';
import { isControl } from '../inspector/opcodes.js';
import { unmaskInto } from '../inspector/unmask.js';

export interface ControlFrame {
  opcode: number;
  payload: Buffer;
}

/** Longer control payloads are a violation the inspector reports; only this much is kept. */
const KEEP = 125;

export class ControlFrames implements FrameSink {
  private readonly decoder = new FrameDecoder(this);
  private header: FrameHeader | null = null;
  private readonly payload = Buffer.alloc(KEEP);
  private length = 0;
  private frames: ControlFrame[] = [];

  /** Server bytes in, the control frames they completed out. */
  push(chunk: Uint8Array): ControlFrame[] {
    this.frames = [];
    this.decoder.push(chunk);
    return this.frames;
  }

  onHeader(header: FrameHeader): void {
    this.header = isControl(header.opcode) ? header : null;
    this.length = 0;
  }

  onPayload(data: Uint8Array, payloadOffset: number): void {
    if (!this.header) return;
    const piece = data.subarray(0, Math.max(0, KEEP - this.length));
    // A server must not mask (the inspector says so), but the payload is still the unmasked one.
    if (this.header.maskKey) unmaskInto(this.payload.subarray(this.length), piece, this.header.maskKey, payloadOffset & 3);
    else this.payload.set(piece, this.length);
    this.length += piece.length;
  }

  onFrameEnd(): void {
    if (this.header) this.frames.push({ opcode: this.header.opcode, payload: Buffer.from(this.payload.subarray(0, this.length)) });
    this.header = null;
  }

  onLost(): void {
    this.header = null;
  }
}
