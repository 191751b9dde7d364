/**
 * The client's opening handshake request (RFC 6455 4.1): the bytes to send,
 * and the same bytes parsed back into a head, so the checks and the events
 * see exactly what went on the wire (a `-H` override included).
 */
import { generateKey } from '../accept-calc/accept.js';
import type { Header } from '../inspector/events.js';
import { PERMESSAGE_DEFLATE } from '../inspector/extensions.js';
import { HeadParser, type HttpRequestHead } from '../inspector/http-head.js';
import { TOKEN } from '../inspector/http-token.js';
import type { Endpoint } from '../net/endpoint.js';

export interface RequestOptions {
  /** From `-H`: a default header of the same name (any case) is replaced in place, others are added; an empty value removes the default (as curl does). */
  headers?: Header[];
  /** Subprotocols to offer, in order of preference. */
  protocols?: string[];
  origin?: string;
  /** Offer permessage-deflate. */
  deflate?: boolean;
  /** Defaults to a fresh random key (RFC 6455 4.1: new for every connection). */
  key?: string;
}

export interface BuiltRequest {
  bytes: Buffer;
  head: HttpRequestHead;
}

/** What the client offers for compression: client_max_window_bits says it can honour a smaller window (RFC 7692 7.1.2.2). */
export const DEFLATE_OFFER = `${PERMESSAGE_DEFLATE}; client_max_window_bits`;

export const USER_AGENT = 'wsinspect';


export function buildRequest(endpoint: Endpoint, options: RequestOptions = {}): BuiltRequest {
  const defaults: Header[] = [
    ['Host', endpoint.authority],
    ['Upgrade', 'websocket'],
    ['Connection', 'Upgrade'],
    ['Sec-WebSocket-Key', options.key ?? generateKey()],
    ['Sec-WebSocket-Version', '13'],
  ];
  if (options.protocols?.length) defaults.push(['Sec-WebSocket-Protocol', options.protocols.join(', ')]);
  if (options.deflate) defaults.push(['Sec-WebSocket-Extensions', DEFLATE_OFFER]);
  if (options.origin !== undefined) defaults.push(['Origin', options.origin]);
  defaults.push(['User-Agent', USER_AGENT]);

  const headers = applyOverrides(defaults, options.headers ?? []);
  const text = [`GET ${endpoint.path} HTTP/1.1`, ...headers.map(([name, value]) => `${name}: ${value}`), '', ''].join('\r\n');
  const bytes = Buffer.from(text, 'latin1');
  const parsed = new HeadParser('request').push(bytes);
  // parseHeaderArg and parseEndpoint admit only what makes a well-formed head, so this cannot fail.
  if (!parsed?.ok) throw new Error(`built a malformed request: ${parsed ? parsed.error : 'incomplete head'}`);
  return { bytes, head: parsed.head };
}

function applyOverrides(defaults: Header[], overrides: Header[]): Header[] {
  const headers: Array<Header | null> = [...defaults];
  for (const [name, value] of overrides) {
    const at = headers.findIndex((h, i) => i < defaults.length && h !== null && h[0].toLowerCase() === name.toLowerCase());
    if (at !== -1) headers[at] = value === '' ? null : [name, value];
    else if (value !== '') headers.push([name, value]);
  }
  return headers.filter((h): h is Header => h !== null);
}

/**
 * A `-H "Name: value"` argument; throws an Error with a one-line message when
 * it could not go on the wire as one header line (no header injection).
 */
export function parseHeaderArg(text: string): Header {
  const colon = text.indexOf(':');
  const name = colon === -1 ? '' : text.slice(0, colon);
  if (!TOKEN.test(name)) throw new Error(`invalid header ${JSON.stringify(text)}: expected "Name: value"`);
  const value = text.slice(colon + 1).replace(/^[ \t]+|[ \t]+$/g, '');
  if (/[\0\r\n]/.test(value)) throw new Error(`invalid header ${JSON.stringify(text)}: the value contains CR, LF or NUL`);
  return [name, value];
}

/** A `--protocol` value: subprotocol names are tokens (RFC 6455 4.1). */
export function checkProtocolName(name: string): string {
  if (!TOKEN.test(name)) throw new Error(`invalid subprotocol ${JSON.stringify(name)}: must be an HTTP token (no spaces, commas or quotes)`);
  return name;
}
