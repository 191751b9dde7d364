/**
 * The one-line reason a handshake failed, in the words a person debugging
 * their server wants ("server answered 403 Forbidden"), derived from the
 * response and the violations the checks found. Pure, so every case is
 * table-tested.
 */
import type { HandshakeResponseEvent, ViolationEvent } from '../inspector/events.js';
import { headerValue, type HttpResponseHead } from '../inspector/http-head.js';
import type { RuleId } from '../inspector/rules.js';

/** Statuses whose Location names where the resource went (RFC 9110 15.4); 300 and 304 do not redirect a GET. */
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

export function isRedirect(status: number): boolean {
  return REDIRECTS.has(status);
}

/** Better words than the violation's for the rules a real server most often breaks. */
const RESPONSE_REASONS: Partial<Record<RuleId, (response: HttpResponseHead, event: HandshakeResponseEvent) => string>> = {
  'handshake-upgrade-header': ({ headers }) => {
    const value = headerValue(headers, 'upgrade');
    return value === null ? 'no Upgrade: websocket header in the response' : `the response has Upgrade: ${value}, not websocket`;
  },
  'handshake-connection-header': ({ headers }) => {
    const value = headerValue(headers, 'connection');
    return value === null
      ? 'no Connection: Upgrade header in the response'
      : `the response has Connection: ${value}, without the Upgrade token`;
  },
  'handshake-accept-mismatch': (_response, { accept }) =>
    accept.actual === null
      ? 'no Sec-WebSocket-Accept header in the response'
      : `Sec-WebSocket-Accept mismatch: expected ${accept.expected}, got ${accept.actual}`,
  'handshake-subprotocol-not-offered': (_response, { subprotocol }) =>
    `server picked subprotocol ${JSON.stringify(subprotocol)} that was not offered`,
};

/**
 * Why the handshake failed, or null when it succeeded. `violations` are those
 * of the request and the response, in the order the checks reported them.
 */
export function handshakeFailure(response: HttpResponseHead, event: HandshakeResponseEvent, violations: ViolationEvent[]): string | null {
  if (response.status !== 101) return refusal(response);
  const errors = violations.filter((v) => v.severity === 'error');
  // The server's faults come first: a request broken on purpose with -H is the user's own doing.
  const first = errors.find((v) => v.from === 'server') ?? errors[0];
  if (!first) return null;
  if (first.from === 'client') return `the request broke ${first.rule}: ${first.message}`;
  return RESPONSE_REASONS[first.rule]?.(response, event) ?? first.message;
}

/** Why a non-101 answer is not a WebSocket connection. */
function refusal(response: HttpResponseHead): string {
  const status = `${response.status}${response.reason ? ` ${response.reason}` : ''}`;
  if (isRedirect(response.status)) {
    const location = headerValue(response.headers, 'location');
    return location === null ? `server answered ${status} without a Location header` : `server redirected to ${location} (${status}); use --follow to follow it`;
  }
  if (response.status >= 200 && response.status < 300) {
    return `server answered HTTP/${response.httpVersion} ${status}: not a WebSocket endpoint`;
  }
  // RFC 6455 4.4: a server that does not speak version 13 lists the versions it does.
  const versions = headerValue(response.headers, 'sec-websocket-version');
  if (versions !== null && versions !== '13') return `server answered ${status}; it speaks Sec-WebSocket-Version ${versions}`;
  return `server answered ${status}`;
}

/** `10 s`, `0.5 s`. */
export function seconds(ms: number): string {
  return `${ms / 1000} s`;
}
