/**
 * The start of the body of a response that refused the upgrade (403, 404,
 * 426...): where a server usually says why, so the client commands show it.
 * Only the first bytes are kept, de-chunked; the rest is counted.
 */

/** Bytes kept: enough for the first lines of an error page or a JSON error. */
export const REFUSAL_BODY_BYTES = 4096;

export class RefusalBody {
  private readonly parts: Uint8Array[] = [];
  private kept = 0;
  /** Body bytes seen, kept or not. */
  size = 0;
  /** The body ended (or the connection did): no more bytes will come. */
  complete = false;

  /** More of the body's content (after de-chunking). */
  add = (content: Uint8Array): void => {
    this.size += content.length;
    const take = Math.min(content.length, REFUSAL_BODY_BYTES - this.kept);
    if (take <= 0) return;
    this.parts.push(content.slice(0, take));
    this.kept += take;
  };

  /** The kept bytes; `full` when nothing more is worth waiting for. */
  get bytes(): Uint8Array {
    return Buffer.concat(this.parts, this.kept);
  }

  get full(): boolean {
    return this.complete || this.kept === REFUSAL_BODY_BYTES;
  }
}
