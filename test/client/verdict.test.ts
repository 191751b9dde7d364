import { describe, expect, test } from 'vitest';
import { handshakeFailure, isRedirect, seconds } from '../../src/client/verdict.js';
import { buildRequest } from '../../src/client/request.js';
import { computeAccept } from '../../src/accept-calc/accept.js';
import { checkRequest, checkResponse } from '../../src/inspector/handshake-check.js';
import { HeadParser } from '../../src/inspector/http-head.js';
import { parseEndpoint } from '../../src/net/endpoint.js';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const ACCEPT = computeAccept(KEY);
const GOOD = ['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${ACCEPT}`];

/** The reason for `responseLines` answering a request built with `request` options. */
function reasonFor(responseLines: string[], request: Parameters<typeof buildRequest>[1] = {}): string | null {
  const sent = buildRequest(parseEndpoint('ws://h/'), { key: KEY, ...request });
  const parsed = new HeadParser('response').push(Buffer.from([...responseLines, '', ''].join('\r\n'), 'latin1'));
  if (!parsed?.ok) throw new Error('bad test response');
  const { event, violations } = checkResponse(sent.head, parsed.head);
  return handshakeFailure(parsed.head, event, [...checkRequest(sent.head).violations, ...violations]);
}

const without = (name: string) => GOOD.filter((line) => !line.startsWith(`${name}:`));

describe('handshakeFailure', () => {
  test.each<[string, string[], string | null]>([
    ['a valid 101', GOOD, null],
    ['403', ['HTTP/1.1 403 Forbidden', 'Content-Length: 0'], 'server answered 403 Forbidden'],
    ['500 without a reason phrase', ['HTTP/1.1 500'], 'server answered 500'],
    ['200: plain HTTP', ['HTTP/1.1 200 OK', 'Content-Length: 0'], 'server answered HTTP/1.1 200 OK: not a WebSocket endpoint'],
    ['204 on HTTP/1.0', ['HTTP/1.0 204 No Content'], 'server answered HTTP/1.0 204 No Content: not a WebSocket endpoint'],
    ['301 with Location', ['HTTP/1.1 301 Moved Permanently', 'Location: wss://h/'], 'server redirected to wss://h/ (301 Moved Permanently); use --follow to follow it'],
    ['308 without Location', ['HTTP/1.1 308 Permanent Redirect'], 'server answered 308 Permanent Redirect without a Location header'],
    ['426 naming other versions', ['HTTP/1.1 426 Upgrade Required', 'Sec-WebSocket-Version: 8, 7'], 'server answered 426 Upgrade Required; it speaks Sec-WebSocket-Version 8, 7'],
    ['bad accept', [...without('Sec-WebSocket-Accept'), 'Sec-WebSocket-Accept: AAAA'], `Sec-WebSocket-Accept mismatch: expected ${ACCEPT}, got AAAA`],
    ['no accept', without('Sec-WebSocket-Accept'), 'no Sec-WebSocket-Accept header in the response'],
    ['no Upgrade', without('Upgrade'), 'no Upgrade: websocket header in the response'],
    ['Upgrade: h2c', [...without('Upgrade'), 'Upgrade: h2c'], 'the response has Upgrade: h2c, not websocket'],
    ['no Connection', without('Connection'), 'no Connection: Upgrade header in the response'],
    ['Connection: close', [...without('Connection'), 'Connection: close'], 'the response has Connection: close, without the Upgrade token'],
    ['unoffered subprotocol', [...GOOD, 'Sec-WebSocket-Protocol: x'], 'server picked subprotocol "x" that was not offered'],
    [
      'unoffered extension',
      [...GOOD, 'Sec-WebSocket-Extensions: permessage-deflate'],
      'server accepted extension "permessage-deflate", which the client did not offer',
    ],
  ])('%s', (_name, response, reason) => expect(reasonFor(response)).toBe(reason));

  test('the first server fault wins over later ones', () => {
    expect(reasonFor(['HTTP/1.1 101 Switching Protocols', 'Sec-WebSocket-Protocol: x'])).toBe('no Upgrade: websocket header in the response');
  });

  test('a request broken on purpose with -H is named when the server let it pass', () => {
    expect(reasonFor(GOOD, { headers: [['Sec-WebSocket-Version', '8']] })).toBe(
      'the request broke handshake-version: Sec-WebSocket-Version is "8", must be 13',
    );
  });
});

test('redirect statuses', () => {
  expect([300, 301, 302, 303, 304, 307, 308].filter(isRedirect)).toEqual([301, 302, 303, 307, 308]);
});

test('seconds', () => {
  expect(seconds(10_000)).toBe('10 s');
  expect(seconds(500)).toBe('0.5 s');
});
