/**
 * Where an HTTP/1.1 message body ends (RFC 9112 6.3), so the proxy can relay
 * keep-alive traffic and find the next head. Sans-IO and streaming: the
 * framer counts bytes and never holds the body; the only buffer is one
 * chunk-size or trailer line, capped.
 */
import type { HttpRequestHead, HttpResponseHead } from './http-head.js';
import { headerValues } from './http-head.js';

/**
 * How the body is delimited: a byte count (0 for no body), chunked transfer
 * coding, or the end of the connection.
 */
export type BodyLength = { kind: 'length'; length: number } | { kind: 'chunked' } | { kind: 'until-close' };

export type BodyError = { error: string };

/** `consumed` bytes of the pushed chunk belong to this body; the rest to what follows. */
export type BodyPush = { consumed: number; done: boolean } | BodyError;

export const DEFAULT_MAX_LINE_BYTES = 4096;

const NO_BODY: BodyLength = { kind: 'length', length: 0 };

/** RFC 9112 6.3 for a request: Transfer-Encoding, then Content-Length, else no body. */
export function requestBodyLength(head: HttpRequestHead): BodyLength | BodyError {
  const codings = transferCodings(head);
  if (codings.length > 0) {
    // Only chunked can tell where a request ends (6.3 rule 4).
    if (codings[codings.length - 1] !== 'chunked') {
      return { error: `request Transfer-Encoding ${JSON.stringify(codings.join(', '))} does not end in chunked` };
    }
    return chunkedOnce(codings);
  }
  return contentLength(head) ?? NO_BODY;
}

/** RFC 9112 6.3 for a response to a request with `requestMethod`. */
export function responseBodyLength(head: HttpResponseHead, requestMethod: string): BodyLength | BodyError {
  const { status } = head;
  if (requestMethod === 'HEAD' || (status >= 100 && status < 200) || status === 204 || status === 304) {
    return NO_BODY;
  }
  // A successful CONNECT turns the connection into a tunnel.
  if (requestMethod === 'CONNECT' && status >= 200 && status < 300) return { kind: 'until-close' };
  const codings = transferCodings(head);
  if (codings.length > 0) {
    return codings[codings.length - 1] === 'chunked' ? chunkedOnce(codings) : { kind: 'until-close' };
  }
  return contentLength(head) ?? { kind: 'until-close' };
}

/** The transfer codings in order, lowercased, without their parameters. */
function transferCodings(head: HttpRequestHead | HttpResponseHead): string[] {
  return headerValues(head.headers, 'transfer-encoding')
    .flatMap((value) => value.split(','))
    .map((coding) => coding.split(';')[0]!.trim().toLowerCase())
    .filter((coding) => coding !== '');
}

function chunkedOnce(codings: string[]): BodyLength | BodyError {
  // RFC 9112 6.1: chunked must not be applied more than once.
  if (codings.filter((c) => c === 'chunked').length > 1) return { error: 'Transfer-Encoding applies chunked twice' };
  return { kind: 'chunked' };
}

/**
 * The Content-Length, or null when absent. Repeated identical values
 * ("42, 42") are accepted as RFC 9112 6.3 rule 5 allows; differing ones are not.
 */
function contentLength(head: HttpRequestHead | HttpResponseHead): BodyLength | BodyError | null {
  const values = headerValues(head.headers, 'content-length');
  if (values.length === 0) return null;
  const items = values.flatMap((value) => value.split(',')).map((item) => item.trim());
  const shown = JSON.stringify(values.join(', '));
  if (!items.every((item) => /^\d+$/.test(item))) return { error: `Content-Length ${shown} is not a number` };
  const length = Number(items[0]);
  if (items.some((item) => Number(item) !== length)) return { error: `Content-Length ${shown} has conflicting values` };
  if (!Number.isSafeInteger(length)) return { error: `Content-Length ${shown} is too large` };
  return { kind: 'length', length };
}

/** Where the chunked decoder is: a size line, chunk data, the CRLF after it, or the trailer section. */
type ChunkState = 'size-line' | 'data' | 'data-cr' | 'data-lf' | 'trailer-line';

const CR = 0x0d;
const LF = 0x0a;

export class BodyFramer {
  private remaining = 0;
  private chunkState: ChunkState = 'size-line';
  private line = '';
  private finished = false;
  private failure: BodyError | null = null;

  constructor(
    readonly length: BodyLength,
    readonly maxLineBytes = DEFAULT_MAX_LINE_BYTES,
  ) {
    if (length.kind === 'length') {
      this.remaining = length.length;
      this.finished = length.length === 0;
    }
  }

  /** True once the whole body has been seen (immediately for an empty body). */
  get done(): boolean {
    return this.finished;
  }

  /** `content`, when given, receives the body's content as it passes (chunked coding removed). */
  push(chunk: Uint8Array, content?: (bytes: Uint8Array) => void): BodyPush {
    if (this.failure) return this.failure;
    if (this.finished) return { consumed: 0, done: true };
    switch (this.length.kind) {
      case 'until-close':
        content?.(chunk);
        return { consumed: chunk.length, done: false };
      case 'length': {
        const consumed = Math.min(this.remaining, chunk.length);
        this.remaining -= consumed;
        this.finished = this.remaining === 0;
        content?.(chunk.subarray(0, consumed));
        return { consumed, done: this.finished };
      }
      case 'chunked':
        return this.pushChunked(chunk, content);
    }
  }

  /** The connection ended: fine only for a body read until close, or one already complete. */
  end(): { done: true } | BodyError {
    if (this.failure) return this.failure;
    if (this.finished || this.length.kind === 'until-close') {
      this.finished = true;
      return { done: true };
    }
    return this.fail(
      this.length.kind === 'length'
        ? `the connection closed ${this.remaining} bytes before the end of the body`
        : 'the connection closed inside a chunked body',
    );
  }

  private pushChunked(chunk: Uint8Array, content?: (bytes: Uint8Array) => void): BodyPush {
    let at = 0;
    while (at < chunk.length && !this.finished) {
      switch (this.chunkState) {
        case 'data': {
          const take = Math.min(this.remaining, chunk.length - at);
          content?.(chunk.subarray(at, at + take));
          at += take;
          this.remaining -= take;
          if (this.remaining === 0) this.chunkState = 'data-cr';
          break;
        }
        case 'data-cr':
        case 'data-lf': {
          // Chunk data ends with CRLF; a bare LF is accepted like the head's line endings.
          const byte = chunk[at++]!;
          if (byte === CR && this.chunkState === 'data-cr') this.chunkState = 'data-lf';
          else if (byte === LF) this.chunkState = 'size-line';
          else return this.fail('chunk data is not followed by CRLF');
          break;
        }
        case 'size-line':
        case 'trailer-line': {
          const next = this.readLine(chunk, at);
          if (typeof next !== 'number') return next;
          at = next;
          break;
        }
      }
    }
    return { consumed: at, done: this.finished };
  }

  /** Buffers line bytes from `at`; handles the line once its LF arrives. Returns the new position. */
  private readLine(chunk: Uint8Array, at: number): number | BodyError {
    const lf = chunk.indexOf(LF, at);
    const end = lf === -1 ? chunk.length : lf;
    if (this.line.length + (end - at) > this.maxLineBytes) {
      const what = this.chunkState === 'size-line' ? 'chunk-size' : 'trailer';
      return this.fail(`${what} line exceeds ${this.maxLineBytes} bytes`);
    }
    this.line += Buffer.from(chunk.buffer, chunk.byteOffset + at, end - at).toString('latin1');
    if (lf === -1) return chunk.length;

    const line = this.line.endsWith('\r') ? this.line.slice(0, -1) : this.line;
    this.line = '';
    if (this.chunkState === 'trailer-line') {
      // Trailer fields are relayed, not interpreted; the empty line ends the body.
      if (line === '') this.finished = true;
      return lf + 1;
    }
    const problem = this.sizeLine(line);
    return problem ? this.fail(problem) : lf + 1;
  }

  /** `chunk-size [; chunk-ext]` (RFC 9112 7.1); the extensions are skipped, not interpreted. */
  private sizeLine(line: string): string | null {
    const m = /^([0-9A-Fa-f]+)[ \t]*(?:;.*)?$/.exec(line);
    if (!m) return `malformed chunk-size line ${JSON.stringify(line)}`;
    const digits = m[1]!.replace(/^0+(?=.)/, '');
    // 13 hex digits is 2^52, safely below Number.MAX_SAFE_INTEGER.
    if (digits.length > 13) return `chunk size 0x${digits} is too large`;
    this.remaining = parseInt(digits, 16);
    this.chunkState = this.remaining === 0 ? 'trailer-line' : 'data';
    return null;
  }

  private fail(error: string): BodyError {
    this.failure = { error };
    return this.failure;
  }
}
