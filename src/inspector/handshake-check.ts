/**
 * The opening handshake checks of RFC 6455 4.1 / 4.2.2 and RFC 7692 7: a
 * parsed request or response head in, the contract's handshake event, its
 * violations and (for a 101) what the connection negotiated out.
 */
import { computeAccept, isValidKey } from '../accept-calc/accept.js';
import type { ExtensionOffer, Header, HandshakeRequestEvent, HandshakeResponseEvent, ViolationEvent } from './events.js';
import type { DeflateParams, ParsedExtension } from './extensions.js';
import { PERMESSAGE_DEFLATE, negotiateDeflate, parseExtensions, parseProtocols, toOffer } from './extensions.js';
import type { HttpRequestHead, HttpResponseHead } from './http-head.js';
import { hasToken, headerValue, headerValues } from './http-head.js';
import type { RuleId } from './rules.js';
import { violation } from './events.js';

/** What a 101 response settled; frames are decoded with it even when checks failed. */
export interface Negotiated {
  subprotocol: string | null;
  extensions: ExtensionOffer[];
  /** permessage-deflate was accepted (first one, if the server repeated it). */
  deflate: DeflateParams | null;
  /** An extension other than permessage-deflate was accepted: it may define the RSV bits. */
  unknownExtension: boolean;
}

/** A check: null when the head passes, else one sentence saying what was seen. */
type Check<T> = (subject: T) => string | null;

const REQUEST_CHECKS: Array<[RuleId, Check<HttpRequestHead>]> = [
  ['handshake-method', ({ method }) => (method === 'GET' ? null : `request method is ${quote(method)}, must be GET`)],
  ['handshake-http-version', checkHttpVersion],
  ['handshake-missing-host', ({ headers }) => (headerValue(headers, 'host') === null ? 'request has no Host header' : null)],
  ['handshake-upgrade-header', ({ headers }) => upgradeProblem(headers, 'request')],
  ['handshake-connection-header', ({ headers }) => connectionProblem(headers, 'request')],
  ['handshake-key-invalid', checkKey],
  ['handshake-version', checkVersion],
];

export function checkRequest(head: HttpRequestHead): { event: HandshakeRequestEvent; violations: ViolationEvent[] } {
  const event: HandshakeRequestEvent = {
    type: 'handshake-request',
    method: head.method,
    path: head.target,
    httpVersion: head.httpVersion,
    headers: copyHeaders(head.headers),
    key: headerValue(head.headers, 'sec-websocket-key'),
  };
  return { event, violations: runChecks(REQUEST_CHECKS, head, 'client') };
}

/** A response with the request it answers; `request` null means none was seen: no key, nothing offered. */
interface Exchange {
  request: HttpRequestHead | null;
  response: HttpResponseHead;
  offers: ParsedExtension[];
  accepted: ParsedExtension[];
  accept: HandshakeResponseEvent['accept'];
}

/** The checks of a 101 response (other statuses are not an upgrade, so nothing to check). */
const RESPONSE_CHECKS: Array<[RuleId, Check<Exchange>]> = [
  ['handshake-upgrade-header', ({ response }) => upgradeProblem(response.headers, 'response')],
  ['handshake-connection-header', ({ response }) => connectionProblem(response.headers, 'response')],
  ['handshake-accept-mismatch', checkAccept],
  ['handshake-subprotocol-not-offered', checkSubprotocol],
];

export function checkResponse(
  request: HttpRequestHead | null,
  response: HttpResponseHead,
): { event: HandshakeResponseEvent; violations: ViolationEvent[]; negotiated: Negotiated | null } {
  const requestExtensions = parseExtensions(headerValues(request?.headers ?? [], 'sec-websocket-extensions'));
  const responseExtensions = parseExtensions(headerValues(response.headers, 'sec-websocket-extensions'));
  const exchange: Exchange = {
    request,
    response,
    offers: requestExtensions.extensions,
    accepted: responseExtensions.extensions,
    accept: acceptOf(request, response),
  };
  const subprotocol = headerValue(response.headers, 'sec-websocket-protocol');
  const extensions = exchange.accepted.map(toOffer);
  const upgraded = response.status === 101;

  const violations: ViolationEvent[] = [];
  let negotiated: Negotiated | null = null;
  if (upgraded) {
    violations.push(...runChecks(RESPONSE_CHECKS, exchange, 'server'));
    const deflate = negotiateFirstDeflate(exchange);
    const extensionProblems = [...responseExtensions.errors, ...notOffered(exchange), ...deflate.problems];
    violations.push(...extensionProblems.map((m) => violation('handshake-extension-not-offered', 'server', m)));
    negotiated = {
      subprotocol,
      extensions,
      deflate: deflate.params,
      unknownExtension: exchange.accepted.some((e) => e.name !== PERMESSAGE_DEFLATE),
    };
  }

  const requestOk = request !== null && checkRequest(request).violations.length === 0;
  const event: HandshakeResponseEvent = {
    type: 'handshake-response',
    status: response.status,
    reason: response.reason,
    headers: copyHeaders(response.headers),
    accept: exchange.accept,
    subprotocol,
    extensions,
    ok: upgraded && violations.length === 0 && requestOk,
  };
  return { event, violations, negotiated };
}

function runChecks<T>(checks: Array<[RuleId, Check<T>]>, subject: T, from: 'client' | 'server'): ViolationEvent[] {
  const violations: ViolationEvent[] = [];
  for (const [rule, check] of checks) {
    const message = check(subject);
    if (message !== null) violations.push(violation(rule, from, message));
  }
  return violations;
}

function checkHttpVersion({ httpVersion }: HttpRequestHead): string | null {
  const [major = 0, minor = 0] = httpVersion.split('.').map(Number);
  const atLeast11 = major > 1 || (major === 1 && minor >= 1);
  return atLeast11 ? null : `request is HTTP/${httpVersion}, must be HTTP/1.1 or later`;
}

function upgradeProblem(headers: readonly Header[], who: 'request' | 'response'): string | null {
  const value = headerValue(headers, 'upgrade');
  if (value === null) return `${who} has no Upgrade header`;
  return hasToken(headers, 'upgrade', 'websocket') ? null : `Upgrade is ${quote(value)}, must be websocket`;
}

function connectionProblem(headers: readonly Header[], who: 'request' | 'response'): string | null {
  const value = headerValue(headers, 'connection');
  if (value === null) return `${who} has no Connection header`;
  return hasToken(headers, 'connection', 'upgrade') ? null : `Connection is ${quote(value)}, lacks the Upgrade token`;
}

function checkKey({ headers }: HttpRequestHead): string | null {
  const keys = headerValues(headers, 'sec-websocket-key');
  if (keys.length === 0) return 'request has no Sec-WebSocket-Key header';
  if (keys.length > 1) return `Sec-WebSocket-Key appears ${keys.length} times`;
  return isValidKey(keys[0]!) ? null : `Sec-WebSocket-Key ${quote(keys[0]!)} is not the base64 of 16 bytes`;
}

function checkVersion({ headers }: HttpRequestHead): string | null {
  const version = headerValue(headers, 'sec-websocket-version');
  if (version === null) return 'request has no Sec-WebSocket-Version header';
  return version === '13' ? null : `Sec-WebSocket-Version is ${quote(version)}, must be 13`;
}

/** Computed from the key exactly as sent (even an invalid one), as a client would. */
function acceptOf(request: HttpRequestHead | null, response: HttpResponseHead): HandshakeResponseEvent['accept'] {
  const key = request && headerValue(request.headers, 'sec-websocket-key');
  const expected = key === null ? null : computeAccept(key);
  const actual = headerValue(response.headers, 'sec-websocket-accept');
  return { expected, actual, valid: actual !== null && actual === expected };
}

function checkAccept({ accept }: Exchange): string | null {
  const { expected, actual, valid } = accept;
  if (valid) return null;
  if (actual === null) return 'response has no Sec-WebSocket-Accept header';
  if (expected === null) return `Sec-WebSocket-Accept is ${quote(actual)} but the request had no Sec-WebSocket-Key`;
  return `Sec-WebSocket-Accept is ${quote(actual)}, expected ${quote(expected)}`;
}

function checkSubprotocol({ request, response }: Exchange): string | null {
  const selected = headerValue(response.headers, 'sec-websocket-protocol');
  if (selected === null) return null;
  const offered = parseProtocols(headerValues(request?.headers ?? [], 'sec-websocket-protocol'));
  if (offered.includes(selected)) return null;
  const list = offered.length === 0 ? 'none' : `only ${offered.map(quote).join(', ')}`;
  return `server selected subprotocol ${quote(selected)} but the client offered ${list}`;
}

/** Accepted extensions whose name no offer had. */
function notOffered({ offers, accepted }: Exchange): string[] {
  const offeredNames = new Set(offers.map((offer) => offer.name));
  return accepted
    .filter((extension) => !offeredNames.has(extension.name))
    .map((extension) => `server accepted extension ${quote(extension.name)}, which the client did not offer`);
}

/** The first accepted permessage-deflate's parameters; accepting it twice is itself a problem. */
function negotiateFirstDeflate({ offers, accepted }: Exchange): { params: DeflateParams | null; problems: string[] } {
  const deflates = accepted.filter((extension) => extension.name === PERMESSAGE_DEFLATE);
  if (deflates.length === 0) return { params: null, problems: [] };
  const { params, problems } = negotiateDeflate(offers, deflates[0]!);
  if (deflates.length > 1) problems.push(`server accepted permessage-deflate ${deflates.length} times`);
  return { params, problems };
}

function copyHeaders(headers: readonly Header[]): Header[] {
  return headers.map(([name, value]) => [name, value]);
}

function quote(text: string): string {
  return JSON.stringify(text);
}
