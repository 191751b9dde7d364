/**
 * A HAR 1.2 file (http://www.softwareishard.com/blog/har-12-spec/) as events:
 * each WebSocket entry (Chrome's `_webSocketMessages`, or a 101 / Upgrade
 * entry as Firefox exports it, messages or not) becomes a connection with its
 * handshake checked from the headers as recorded, and its messages; every
 * other entry an `http` event. A HAR keeps messages, not frames: what it does
 * not record (frame count, compression, wire bytes) is null, never made up.
 */
import type { Header, InspectorEvent, MessageEvent, WireEvent } from '../inspector/events.js';
import { stamp } from '../inspector/events.js';
import { checkRequest, checkResponse } from '../inspector/handshake-check.js';
import { hasToken, type HttpRequestHead, type HttpResponseHead } from '../inspector/http-head.js';

/** The file is not a HAR we can read: one line, for exit code 2. */
export class HarError extends Error {
  override name = 'HarError';
}

interface HarNameValue {
  name?: unknown;
  value?: unknown;
}

interface HarEntry {
  startedDateTime?: unknown;
  time?: unknown;
  _resourceType?: unknown;
  request?: { method?: unknown; url?: unknown; httpVersion?: unknown; headers?: unknown };
  response?: { status?: unknown; statusText?: unknown; httpVersion?: unknown; headers?: unknown };
  _webSocketMessages?: unknown;
}

interface HarMessage {
  type?: unknown;
  time?: unknown;
  opcode?: unknown;
  data?: unknown;
}

/** Events of every entry, in file order; each entry is its own connection, numbered from 1. */
export function harEvents(text: string): WireEvent[] {
  let har: unknown;
  try {
    har = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (err) {
    // V8's message may quote the text around the error over several lines: the first says it.
    throw new HarError(`not a HAR file: the JSON does not parse (${(err as Error).message.split('\n')[0]})`);
  }
  const entries = (har as { log?: { entries?: unknown } } | null)?.log?.entries;
  if (!Array.isArray(entries)) throw new HarError('not a HAR file: no log.entries array');
  const events: WireEvent[] = [];
  entries.forEach((entry: HarEntry, i) => {
    const conn = i + 1;
    const start = Date.parse(String(entry?.startedDateTime ?? ''));
    const ts = Number.isFinite(start) ? start : 0;
    for (const [event, at] of entryEvents(entry ?? {}, ts)) events.push(stamp(event, conn, at));
  });
  return events;
}

function entryEvents(entry: HarEntry, ts: number): [InspectorEvent, number][] {
  const request = entry.request ?? {};
  const response = entry.response ?? {};
  const url = String(request.url ?? '');
  const method = String(request.method ?? 'GET');
  const status = Number(response.status ?? 0);
  const requestHeaders = headersOf(request.headers);
  const isWebSocket =
    Array.isArray(entry._webSocketMessages) || entry._resourceType === 'websocket' || status === 101 || hasToken(requestHeaders, 'upgrade', 'websocket');
  if (!isWebSocket) return [[{ type: 'http', method, path: pathOf(url), status }, ts]];

  const out: [InspectorEvent, number][] = [[{ type: 'connection', client: 'unknown', upstream: originOf(url) }, ts]];
  const requestHead: HttpRequestHead = {
    method,
    target: pathOf(url),
    httpVersion: versionOf(request.httpVersion),
    headers: requestHeaders,
    raw: new Uint8Array(0),
  };
  // Headers not recorded at all (a browser's provisional request) are not headers missing on the wire: nothing to check.
  const checked = requestHeaders.length > 0;
  const req = checkRequest(requestHead);
  out.push([req.event, ts], ...(checked ? req.violations : []).map((v): [InspectorEvent, number] => [v, ts]));
  let end = ts + Math.max(0, Number(entry.time) || 0);
  if (status > 0) {
    const responseHead: HttpResponseHead = {
      httpVersion: versionOf(response.httpVersion),
      status,
      reason: String(response.statusText ?? ''),
      headers: headersOf(response.headers),
      raw: new Uint8Array(0),
    };
    const res = checkResponse(checked ? requestHead : null, responseHead);
    out.push([res.event, end], ...(checked && responseHead.headers.length > 0 ? res.violations : []).map((v): [InspectorEvent, number] => [v, end]));
  }
  const counts = { client: 0, server: 0 };
  for (const raw of Array.isArray(entry._webSocketMessages) ? (entry._webSocketMessages as HarMessage[]) : []) {
    const message = messageOf(raw);
    if (!message) continue;
    const at = Number(raw.time) * 1000;
    const when = Number.isFinite(at) && at > 0 ? at : end;
    end = Math.max(end, when);
    counts[message.from]++;
    out.push([message, when]);
  }
  out.push([
    {
      type: 'connection-end',
      clean: null,
      closeCode: null,
      by: null,
      durationMs: end - ts,
      stats: { client: { frames: null, messages: counts.client, wireBytes: null }, server: { frames: null, messages: counts.server, wireBytes: null } },
    },
    end,
  ]);
  return out;
}

/** Chrome's message: "send"/"receive", opcode 1 (text) or 2 (binary, data in base64). Other opcodes are not messages. */
function messageOf(raw: HarMessage): MessageEvent | null {
  const from = raw.type === 'send' ? 'client' : raw.type === 'receive' ? 'server' : null;
  if (!from || (raw.opcode !== 1 && raw.opcode !== 2)) return null;
  const data = typeof raw.data === 'string' ? raw.data : '';
  const common = { type: 'message', from, frames: null, compressed: null, wireBytes: null, truncated: false } as const;
  if (raw.opcode === 1) return { ...common, kind: 'text', size: Buffer.byteLength(data), text: data };
  return { ...common, kind: 'binary', size: Buffer.from(data, 'base64').length, base64: data };
}

function headersOf(value: unknown): Header[] {
  if (!Array.isArray(value)) return [];
  return (value as HarNameValue[])
    .filter((h) => typeof h?.name === 'string')
    .map((h): Header => [h.name as string, String(h.value ?? '')]);
}

/** "HTTP/1.1" → "1.1" (the handshake event's form). */
function versionOf(value: unknown): string {
  const text = String(value ?? '');
  return /^HTTP\/(\d(?:\.\d)?)$/i.exec(text)?.[1] ?? (text || '1.1');
}

function pathOf(url: string): string {
  return URL.canParse(url) ? `${new URL(url).pathname}${new URL(url).search}` : url;
}

function originOf(url: string): string {
  return URL.canParse(url) ? `${new URL(url).protocol}//${new URL(url).host}/` : url;
}

/** A HAR is one JSON document: its bytes are gathered (up to a bound) and read at the end. */
export const MAX_HAR_BYTES = 512 * 1024 * 1024;

export class HarReader {
  private chunks: Buffer[] = [];
  private length = 0;
  problem: string | null = null;

  push(chunk: Uint8Array): WireEvent[] {
    if (this.problem) return [];
    this.length += chunk.length;
    if (this.length > MAX_HAR_BYTES) {
      this.chunks = [];
      this.problem = `HAR file larger than ${MAX_HAR_BYTES / 1024 / 1024} MiB: too large to read`;
    } else this.chunks.push(Buffer.from(chunk));
    return [];
  }

  end(): WireEvent[] {
    if (this.problem) return [];
    const text = Buffer.concat(this.chunks).toString('utf8');
    this.chunks = [];
    try {
      return harEvents(text);
    } catch (err) {
      if (!(err instanceof HarError)) throw err;
      this.problem = err.message;
      return [];
    }
  }
}
