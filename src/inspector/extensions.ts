/**
 * Sec-WebSocket-Extensions and Sec-WebSocket-Protocol lists, and the
 * permessage-deflate negotiation rules of RFC 7692 section 7.
 */
import type { ExtensionOffer } from './events.js';
import { TCHAR, TOKEN } from './http-token.js';

/** One extension as on the wire: parameters in order, duplicates kept (RFC 7692 7 forbids them). */
export interface ParsedExtension {
  name: string;
  params: Array<[name: string, value: string | true]>;
}

/** What parsed, and one sentence per malformed list element (which is dropped). */
export interface ExtensionList {
  extensions: ParsedExtension[];
  errors: string[];
}


/**
 * Parses the values of every Sec-WebSocket-Extensions header line (they
 * combine into one list) per the RFC 6455 9.1 grammar:
 * `extension *( ";" param [ "=" ( token / quoted-string ) ] )`, comma-separated.
 */
export function parseExtensions(values: readonly string[]): ExtensionList {
  const list: ExtensionList = { extensions: [], errors: [] };
  for (const value of values) {
    const scanner = new Scanner(value);
    for (;;) {
      scanner.skipOWS();
      // RFC 9110 5.6.1: empty list elements are allowed and ignored.
      if (scanner.eat(',')) continue;
      if (scanner.atEnd()) break;
      const start = scanner.pos;
      const parsed = parseElement(scanner);
      if (typeof parsed === 'string') {
        scanner.skipElement();
        const element = value.slice(start, scanner.pos).trim();
        list.errors.push(`Sec-WebSocket-Extensions element ${JSON.stringify(element)} is malformed: ${parsed}`);
      } else {
        list.extensions.push(parsed);
      }
    }
  }
  return list;
}

/** One extension with its parameters, or what was wrong with it. Stops at "," or the end. */
function parseElement(scanner: Scanner): ParsedExtension | string {
  const name = scanner.token();
  if (name === '') return 'expected an extension name';
  const extension: ParsedExtension = { name, params: [] };
  scanner.skipOWS();
  while (scanner.eat(';')) {
    scanner.skipOWS();
    const param = scanner.token();
    if (param === '') return 'expected a parameter name after ";"';
    scanner.skipOWS();
    let value: string | true = true;
    if (scanner.eat('=')) {
      scanner.skipOWS();
      const quoted = scanner.peek() === '"';
      const parsed = quoted ? scanner.quotedString() : scanner.token();
      if (parsed === null || parsed === '') return `expected a value for ${param}`;
      // RFC 6455 9.1: a quoted value must still be a token once unquoted.
      if (quoted && !TOKEN.test(parsed)) return `the value of ${param} is not a token`;
      value = parsed;
      scanner.skipOWS();
    }
    extension.params.push([param, value]);
  }
  if (!scanner.atEnd() && scanner.peek() !== ',') return `unexpected ${JSON.stringify(scanner.peek())}`;
  return extension;
}

/** A cursor over one header value. */
class Scanner {
  pos = 0;

  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  peek(): string {
    return this.text[this.pos] ?? '';
  }

  eat(char: string): boolean {
    if (this.peek() !== char) return false;
    this.pos++;
    return true;
  }

  skipOWS(): void {
    while (this.peek() === ' ' || this.peek() === '\t') this.pos++;
  }

  token(): string {
    const start = this.pos;
    while (!this.atEnd() && TCHAR.test(this.peek())) this.pos++;
    return this.text.slice(start, this.pos);
  }

  /** A quoted-string, unescaped, or null when it is not closed. */
  quotedString(): string | null {
    let result = '';
    for (this.pos++; !this.atEnd(); this.pos++) {
      const char = this.peek();
      if (char === '"') {
        this.pos++;
        return result;
      }
      if (char === '\\') this.pos++;
      result += this.peek();
    }
    return null;
  }

  /** Moves to the next "," outside a quoted-string, to recover after an error. */
  skipElement(): void {
    let quoted = false;
    for (; !this.atEnd(); this.pos++) {
      const char = this.peek();
      if (char === '\\' && quoted) this.pos++;
      else if (char === '"') quoted = !quoted;
      else if (char === ',' && !quoted) return;
    }
  }
}

/** The event's view of an extension: a parameter's first value wins if it is repeated. */
export function toOffer(extension: ParsedExtension): ExtensionOffer {
  const firsts = new Map<string, string | true>();
  for (const [name, value] of extension.params) if (!firsts.has(name)) firsts.set(name, value);
  // fromEntries defines own properties, so a parameter named "__proto__" stays data.
  return { name: extension.name, params: Object.fromEntries(firsts) };
}

/** The values of every Sec-WebSocket-Protocol header line, as one list of names. */
export function parseProtocols(values: readonly string[]): string[] {
  return values
    .flatMap((value) => value.split(','))
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

export const PERMESSAGE_DEFLATE = 'permessage-deflate';

/** What the server's permessage-deflate response settles (RFC 7692 7.1). */
export interface DeflateParams {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  serverMaxWindowBits: number;
  clientMaxWindowBits: number;
}

export interface DeflateNegotiation {
  /** Best effort even when there are problems: invalid values fall back to the defaults. */
  params: DeflateParams;
  /** One sentence per rule the response breaks. */
  problems: string[];
}

/** "a decimal integer value without leading zeroes between 8 to 15, inclusive" (RFC 7692 7.1.2). */
const WINDOW_BITS = /^(?:[89]|1[0-5])$/;

/**
 * Checks the server's permessage-deflate response against the client's
 * offers (all of the client's extensions; the deflate ones are picked out).
 * The server may add server_no_context_takeover, client_no_context_takeover
 * and server_max_window_bits unasked; client_max_window_bits only when an
 * offer had it; window bits never above what the chosen offer allowed.
 */
export function negotiateDeflate(offers: readonly ParsedExtension[], response: ParsedExtension): DeflateNegotiation {
  const params: DeflateParams = {
    serverNoContextTakeover: false,
    clientNoContextTakeover: false,
    serverMaxWindowBits: 15,
    clientMaxWindowBits: 15,
  };
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const [name, value] of response.params) {
    if (seen.has(name)) {
      problems.push(`permessage-deflate response has ${name} more than once`);
      continue;
    }
    seen.add(name);
    const problem = applyParam(params, name, value);
    if (problem) problems.push(problem);
  }

  // The response answers one of the offers; judge it against the one it fits best.
  const candidates = offers
    .filter((offer) => offer.name === PERMESSAGE_DEFLATE)
    .map((offer) => offerMismatches(toOffer(offer).params, toOffer(response).params));
  if (candidates.length > 0) {
    problems.push(...candidates.reduce((best, next) => (next.length < best.length ? next : best)));
  }
  return { params, problems };
}

/** Records one response parameter in `params`, or says what is wrong with it. */
function applyParam(params: DeflateParams, name: string, value: string | true): string | null {
  switch (name) {
    case 'server_no_context_takeover':
    case 'client_no_context_takeover':
      if (value !== true) return `${name} must have no value, got ${JSON.stringify(value)}`;
      if (name === 'server_no_context_takeover') params.serverNoContextTakeover = true;
      else params.clientNoContextTakeover = true;
      return null;
    case 'server_max_window_bits':
    case 'client_max_window_bits':
      if (value === true) return `${name} in the response must have a value`;
      if (!WINDOW_BITS.test(value)) return `${name} is ${JSON.stringify(value)}, must be 8 to 15`;
      if (name === 'server_max_window_bits') params.serverMaxWindowBits = Number(value);
      else params.clientMaxWindowBits = Number(value);
      return null;
    default:
      return `permessage-deflate has unknown parameter ${name}`;
  }
}

/** What the response does that this offer did not allow. */
function offerMismatches(offer: ExtensionOffer['params'], response: ExtensionOffer['params']): string[] {
  const problems: string[] = [];
  if (response['client_max_window_bits'] !== undefined && offer['client_max_window_bits'] === undefined) {
    problems.push('client_max_window_bits is in the response but the offer did not include it');
  }
  for (const name of ['client_max_window_bits', 'server_max_window_bits']) {
    const offered = offer[name];
    const answered = response[name];
    // Invalid values are reported by applyParam; only compare two valid ones.
    if (isWindowBits(offered) && isWindowBits(answered) && Number(answered) > Number(offered)) {
      problems.push(`${name} is ${answered}, above the ${offered} offered`);
    }
  }
  return problems;
}

function isWindowBits(value: string | true | undefined): value is string {
  return typeof value === 'string' && WINDOW_BITS.test(value);
}
