/**
 * wsinspect's own `--json` output read back, line by line as the bytes come:
 * each line one event, kept as recorded (its `conn` and `ts` too). A line
 * that is not an event stops the reading, with its line number.
 */
import { StringDecoder } from 'node:string_decoder';
import type { WireEvent } from '../inspector/events.js';

/** A line longer than this is not one of ours (a --full message of this size would be a 48 MiB payload). */
const MAX_LINE_CHARS = 64 * 1024 * 1024;

export class NdjsonReader {
  private readonly decoder = new StringDecoder('utf8');
  private partial: string[] = [];
  private partialLength = 0;
  private line = 0;
  problem: string | null = null;

  push(chunk: Uint8Array): WireEvent[] {
    if (this.problem) return [];
    const text = this.decoder.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    const events: WireEvent[] = [];
    let from = 0;
    for (let nl = text.indexOf('\n'); nl >= 0 && !this.problem; nl = text.indexOf('\n', from)) {
      this.partial.push(text.slice(from, nl));
      this.take(this.partial.join(''), events);
      this.partial = [];
      this.partialLength = 0;
      from = nl + 1;
    }
    if (this.problem || from >= text.length) return events;
    this.partial.push(text.slice(from));
    this.partialLength += text.length - from;
    if (this.partialLength > MAX_LINE_CHARS) this.fail(`line ${this.line + 1} is longer than ${MAX_LINE_CHARS} characters`);
    return events;
  }

  end(): WireEvent[] {
    if (this.problem) return [];
    const events: WireEvent[] = [];
    const last = this.partial.join('') + this.decoder.end();
    if (last.trim() !== '') this.take(last, events);
    return events;
  }

  private take(line: string, events: WireEvent[]): void {
    this.line++;
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      return this.fail(`line ${this.line} is not JSON`);
    }
    const event = value as Partial<WireEvent> | null;
    if (typeof event !== 'object' || event === null || typeof event.type !== 'string' || typeof event.conn !== 'number' || typeof event.ts !== 'number') {
      return this.fail(`line ${this.line} is not a wsinspect event (an object with type, conn and ts)`);
    }
    events.push(event as WireEvent);
  }

  private fail(message: string): void {
    this.problem = `NDJSON ${message}`;
    this.partial = [];
    this.partialLength = 0;
  }
}
