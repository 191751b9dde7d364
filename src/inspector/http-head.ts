/**
 * An incremental HTTP/1.x head parser: the request line or status line, the
 * header fields, up to and including the blank line. Sans-IO like h11: bytes
 * go in with `push`, and a short head is a `null` return, not an exception.
 * Nothing here throws, whatever the bytes.
 *
 * Lenient where real peers are (bare LF line endings, obsolete line folding,
 * empty lines before the start line as RFC 9112 2.2 suggests), strict where
 * leniency would let two parsers disagree about the message (bare CR, NUL,
 * whitespace before a header's colon).
 */
import type { Header } from './events.js';
import { TCHAR, TOKEN } from './http-token.js';

export type HeadKind = 'request' | 'response';

export interface HttpRequestHead {
  method: string;
  target: string;
  /** "1.1" for HTTP/1.1. */
  httpVersion: string;
  /** Wire order, name casing as sent, values trimmed of surrounding whitespace. */
  headers: Header[];
  /** The exact head bytes, including the final blank line. */
  raw: Uint8Array;
}

export interface HttpResponseHead {
  httpVersion: string;
  status: number;
  reason: string;
  headers: Header[];
  raw: Uint8Array;
}

export type HeadOf<K extends HeadKind> = K extends 'request' ? HttpRequestHead : HttpResponseHead;

/** `rest` holds the bytes after the blank line (the body or the frame stream): a view of the last pushed chunk. */
export type HeadResult<H> = { ok: true; head: H; rest: Uint8Array } | { ok: false; error: string };

export const DEFAULT_MAX_HEAD_BYTES = 16384;

const REQUEST_LINE = new RegExp(`^(${TCHAR.source}+) ([^\\x00-\\x20\\x7f]+) HTTP\\/(\\d)\\.(\\d)$`);
const STATUS_LINE = /^HTTP\/(\d)\.(\d) (\d{3})(?: (.*))?$/;
const HEADER_LINE = /^([^:]*):(.*)$/;

/**
 * Where the search for the end of the head stands, so each byte is looked at
 * once however the input is chunked. The head ends at an empty line: an LF,
 * an optional CR, an LF. Empty lines before the start line are skipped.
 */
type Scan =
  /** Before the start line: CR and LF here are leading empty lines. */
  | 'leading'
  | 'leading-cr'
  /** Inside a line. */
  | 'in-line'
  /** Just after an LF: an empty line here ends the head. */
  | 'line-start'
  | 'line-start-cr';

export class HeadParser<K extends HeadKind> {
  private readonly chunks: Uint8Array[] = [];
  private buffered = 0;
  /** Bytes already examined by the end-of-head search. */
  private scanned = 0;
  private state: Scan = 'leading';
  /** Length of the empty lines before the start line. */
  private leading = 0;
  private finished = false;

  constructor(
    readonly kind: K,
    readonly maxBytes = DEFAULT_MAX_HEAD_BYTES,
  ) {}

  /** Returns null until the head is complete (or known to be bad), then the result, once. */
  push(chunk: Uint8Array): HeadResult<HeadOf<K>> | null {
    if (this.finished) return { ok: false, error: `the ${this.kind} head parser already returned its result` };
    this.chunks.push(chunk);
    this.buffered += chunk.length;

    const end = this.scan(chunk);
    if (end === -1) {
      if (this.scanned < this.maxBytes) return null;
      return this.finish({ ok: false, error: `${this.kind} head exceeds ${this.maxBytes} bytes` });
    }
    // The head ended inside this chunk: copy only the head; `rest` is a view of the chunk.
    const raw = Buffer.concat(this.chunks, end);
    const rest = chunk.subarray(chunk.length - (this.buffered - end));
    const result = parseHead(this.kind, raw, this.leading);
    if (!result.ok) return this.finish(result);
    return this.finish({ ok: true, head: result.head, rest });
  }

  private finish(result: HeadResult<HeadOf<K>>): HeadResult<HeadOf<K>> {
    this.finished = true;
    this.chunks.length = 0;
    return result;
  }

  /**
   * Advances the end-of-head search over the new chunk, never past maxBytes.
   * Returns the head length (up to the end of the blank line) or -1.
   */
  private scan(chunk: Uint8Array): number {
    const chunkStart = this.buffered - chunk.length;
    const stop = Math.min(this.buffered, this.maxBytes);
    while (this.scanned < stop) {
      const byte = chunk[this.scanned - chunkStart]!;
      this.scanned++;
      if (this.step(byte)) return this.scanned;
    }
    return -1;
  }

  /** One byte of the end-of-head state machine; true when the head just ended. */
  private step(byte: number): boolean {
    const CR = 0x0d;
    const LF = 0x0a;
    switch (this.state) {
      case 'leading':
      case 'leading-cr':
        if (byte === LF) {
          this.leading = this.scanned;
          this.state = 'leading';
        } else {
          this.state = byte === CR && this.state === 'leading' ? 'leading-cr' : 'in-line';
        }
        return false;
      case 'in-line':
        if (byte === LF) this.state = 'line-start';
        return false;
      case 'line-start':
      case 'line-start-cr':
        if (byte === LF) return true;
        this.state = byte === CR && this.state === 'line-start' ? 'line-start-cr' : 'in-line';
        return false;
    }
  }
}

/** Parses a complete head; `leading` is the length of the skipped empty lines. */
function parseHead<K extends HeadKind>(
  kind: K,
  raw: Uint8Array,
  leading: number,
): { ok: true; head: HeadOf<K> } | { ok: false; error: string } {
  const text = Buffer.from(raw.buffer, raw.byteOffset + leading, raw.length - leading).toString('latin1');
  // The head ends with "<EOL><EOL>", so the split ends with two empty strings.
  const lines = text.split('\n').map((line) => (line.endsWith('\r') ? line.slice(0, -1) : line));
  lines.length -= 2;

  if (text.includes('\0')) return { ok: false, error: `${kind} head contains a NUL byte` };
  if (lines.some((line) => line.includes('\r'))) return { ok: false, error: `${kind} head contains a bare CR` };

  const headers = parseHeaderLines(lines.slice(1));
  if (typeof headers === 'string') return { ok: false, error: headers };

  const start = lines[0]!;
  if (kind === 'request') {
    const m = REQUEST_LINE.exec(start);
    if (!m) return { ok: false, error: `malformed request line ${show(start)}` };
    const head: HttpRequestHead = { method: m[1]!, target: m[2]!, httpVersion: `${m[3]}.${m[4]}`, headers, raw };
    return { ok: true, head: head as HeadOf<K> };
  }
  const m = STATUS_LINE.exec(start);
  if (!m) return { ok: false, error: `malformed status line ${show(start)}` };
  const head: HttpResponseHead = {
    httpVersion: `${m[1]}.${m[2]}`,
    status: Number(m[3]),
    reason: m[4] ?? '',
    headers,
    raw,
  };
  return { ok: true, head: head as HeadOf<K> };
}

/** Header field lines to headers, or an error sentence. */
function parseHeaderLines(lines: string[]): Header[] | string {
  const headers: Header[] = [];
  for (const line of lines) {
    if (line.startsWith(' ') || line.startsWith('\t')) {
      // Obsolete line folding (RFC 9112 5.2): the line continues the previous value.
      const previous = headers[headers.length - 1];
      if (!previous) return `continuation line ${show(line)} before the first header`;
      previous[1] = [previous[1], trimOWS(line)].filter((part) => part !== '').join(' ');
      continue;
    }
    const m = HEADER_LINE.exec(line);
    // No whitespace is allowed before the colon (RFC 9112 5.1): reject, don't guess.
    if (!m || !TOKEN.test(m[1]!)) return `malformed header line ${show(line)}`;
    headers.push([m[1]!, trimOWS(m[2]!)]);
  }
  return headers;
}

function trimOWS(value: string): string {
  return value.replace(/^[ \t]+|[ \t]+$/g, '');
}

/** A wire string quoted for an error message, cut to a readable length. */
function show(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}...` : text);
}

/** Every value of the header `name` (case-insensitive), in wire order. */
export function headerValues(headers: readonly Header[], name: string): string[] {
  const wanted = name.toLowerCase();
  return headers.filter(([n]) => n.toLowerCase() === wanted).map(([, value]) => value);
}

/** The values of `name` combined with ", " as RFC 9110 5.3 allows, or null when absent. */
export function headerValue(headers: readonly Header[], name: string): string | null {
  const values = headerValues(headers, name);
  return values.length === 0 ? null : values.join(', ');
}

/** Whether the comma-separated list header `name` holds `token` (case-insensitive). */
export function hasToken(headers: readonly Header[], name: string, token: string): boolean {
  const wanted = token.toLowerCase();
  return headerValues(headers, name).some((value) =>
    value.split(',').some((item) => item.trim().toLowerCase() === wanted),
  );
}

/**
 * The head bytes with only the Host header's value replaced by `host`: the
 * header's name casing, surrounding whitespace, position and every other byte
 * are kept. Without a Host header, one is inserted after the request line.
 * Every Host line is rewritten if there are several, so the upstream never
 * sees the client's choice. `raw` is normally `head.raw`.
 */
export function replaceHostHeader(raw: Uint8Array, head: HttpRequestHead, host: string): Buffer {
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.length);
  const text = bytes.toString('latin1');
  const lines = lineSpans(text);
  const startLine = lines.findIndex((line) => line.end > line.start);
  if (startLine === -1) return Buffer.from(bytes);

  if (headerValues(head.headers, 'host').length === 0) {
    const at = lines[startLine]!.next;
    const eol = text.slice(lines[startLine]!.end, at);
    return Buffer.concat([bytes.subarray(0, at), Buffer.from(`Host: ${host}${eol}`, 'latin1'), bytes.subarray(at)]);
  }

  const pieces: Buffer[] = [];
  let copied = 0;
  for (let i = startLine + 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = text.indexOf(':', line.start);
    if (colon === -1 || colon >= line.end || text.slice(line.start, colon).toLowerCase() !== 'host') continue;
    // The value runs to the end of the last folded continuation line, if any.
    let last = line;
    while (isContinuation(text, lines[i + 1])) last = lines[++i]!;
    const valueStart = skipOWS(text, colon + 1, last.end);
    const valueEnd = Math.max(valueStart, trimEndOWS(text, last.end));
    pieces.push(bytes.subarray(copied, valueStart), Buffer.from(host, 'latin1'));
    copied = valueEnd;
  }
  pieces.push(bytes.subarray(copied));
  return Buffer.concat(pieces);
}

/** A line of the head: [start, end) is its text without the line ending; `next` starts the next line. */
interface LineSpan {
  start: number;
  end: number;
  next: number;
}

function lineSpans(text: string): LineSpan[] {
  const spans: LineSpan[] = [];
  for (let start = 0; start < text.length; ) {
    const lf = text.indexOf('\n', start);
    const next = lf === -1 ? text.length : lf + 1;
    const end = lf === -1 ? text.length : lf > start && text[lf - 1] === '\r' ? lf - 1 : lf;
    spans.push({ start, end, next });
    start = next;
  }
  return spans;
}

function isContinuation(text: string, line: LineSpan | undefined): boolean {
  return line !== undefined && line.end > line.start && (text[line.start] === ' ' || text[line.start] === '\t');
}

function skipOWS(text: string, from: number, limit: number): number {
  while (from < limit && (text[from] === ' ' || text[from] === '\t')) from++;
  return from;
}

function trimEndOWS(text: string, end: number): number {
  while (end > 0 && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--;
  return end;
}
