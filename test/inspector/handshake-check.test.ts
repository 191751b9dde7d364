import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { checkRequest, checkResponse } from '../../src/inspector/handshake-check.js';
import { HeadParser, type HeadKind, type HeadOf } from '../../src/inspector/http-head.js';
import type { RuleId } from '../../src/inspector/rules.js';
import { HANDSHAKE_RULES } from '../helpers/contract-rules.js';

/**
 * fixtures/handshakes: chromium.request.txt is written after Chromium 131's
 * header order; uws*.response.txt are uWebSockets.js 20 answering it, and
 * ws-client.request.txt / ws-server.response.txt a `ws` 8 client and server,
 * all captured from the wire. The other responses are hand-broken variants.
 */
const FIXTURES = new URL('../../fixtures/handshakes/', import.meta.url);

function parse<K extends HeadKind>(kind: K, input: Uint8Array): HeadOf<K> {
  const result = new HeadParser(kind).push(input);
  if (!result?.ok) throw new Error(`test head did not parse: ${JSON.stringify(result)}`);
  return result.head;
}
const fixture = <K extends HeadKind>(kind: K, name: string) => parse(kind, readFileSync(new URL(name, FIXTURES)));
const head = <K extends HeadKind>(kind: K, lines: string[]) => parse(kind, Buffer.from([...lines, '', ''].join('\r\n'), 'latin1'));

/** The lines with header `name` replaced by `value`, or removed when value is null, or added when absent. */
function withHeader(lines: string[], name: string, value: string | null): string[] {
  const index = lines.findIndex((line) => line.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  const replacement = value === null ? [] : [`${name}: ${value}`];
  if (index === -1) return [...lines, ...replacement];
  return [...lines.slice(0, index), ...replacement, ...lines.slice(index + 1)];
}

const rules = (violations: Array<{ rule: RuleId }>) => violations.map((v) => v.rule);

// RFC 6455 section 1.3.
const REQUEST = [
  'GET /chat HTTP/1.1',
  'Host: server.example.com',
  'Upgrade: websocket',
  'Connection: Upgrade',
  'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
  'Origin: http://example.com',
  'Sec-WebSocket-Protocol: chat, superchat',
  'Sec-WebSocket-Version: 13',
];
const RESPONSE = [
  'HTTP/1.1 101 Switching Protocols',
  'Upgrade: websocket',
  'Connection: Upgrade',
  'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=',
  'Sec-WebSocket-Protocol: chat',
];

describe('the RFC 6455 1.3 example', () => {
  test('the request event is exactly the contract fields, with no violations', () => {
    expect(checkRequest(fixture('request', 'rfc6455-example.request.txt'))).toEqual({
      event: {
        type: 'handshake-request',
        method: 'GET',
        path: '/chat',
        httpVersion: '1.1',
        headers: REQUEST.slice(1).map((line) => line.split(': ') as [string, string]),
        key: 'dGhlIHNhbXBsZSBub25jZQ==',
      },
      violations: [],
    });
  });

  test('the response event is ok and negotiates the chat subprotocol', () => {
    const request = fixture('request', 'rfc6455-example.request.txt');
    expect(checkResponse(request, fixture('response', 'rfc6455-example.response.txt'))).toEqual({
      event: {
        type: 'handshake-response',
        status: 101,
        reason: 'Switching Protocols',
        headers: RESPONSE.slice(1).map((line) => line.split(': ') as [string, string]),
        accept: { expected: 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=', actual: 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=', valid: true },
        subprotocol: 'chat',
        extensions: [],
        ok: true,
      },
      violations: [],
      negotiated: { subprotocol: 'chat', extensions: [], deflate: null, unknownExtension: false },
    });
  });
});

describe('captured and broken handshakes', () => {
  const cases: Array<[request: string, response: string, violations: RuleId[], ok: boolean]> = [
    ['chromium.request.txt', 'uws.response.txt', [], true],
    ['chromium.request.txt', 'uws-deflate.response.txt', [], true],
    ['ws-client.request.txt', 'ws-server.response.txt', [], true],
    ['chromium.request.txt', 'bad-accept.response.txt', ['handshake-accept-mismatch'], false],
    ['chromium.request.txt', 'keep-alive.response.txt', ['handshake-upgrade-header', 'handshake-connection-header'], false],
    ['chromium.request.txt', 'deflate-window-16.response.txt', ['handshake-extension-not-offered'], false],
    ['chromium.request.txt', 'unsolicited.response.txt', ['handshake-subprotocol-not-offered', 'handshake-extension-not-offered'], false],
    ['chromium.request.txt', 'forbidden.response.txt', [], false],
  ];
  test.each(cases)('%s + %s', (requestFile, responseFile, expected, ok) => {
    const request = fixture('request', requestFile);
    expect(checkRequest(request).violations).toEqual([]);
    const result = checkResponse(request, fixture('response', responseFile));
    expect(rules(result.violations)).toEqual(expected);
    expect(result.violations.every((v) => v.from === 'server')).toBe(true);
    expect(result.event.ok).toBe(ok);
  });

  test('Chromium + uWS with compression negotiates permessage-deflate without context takeover', () => {
    const result = checkResponse(fixture('request', 'chromium.request.txt'), fixture('response', 'uws-deflate.response.txt'));
    expect(result.event.extensions).toEqual([
      { name: 'permessage-deflate', params: { client_no_context_takeover: true, server_no_context_takeover: true } },
    ]);
    expect(result.negotiated).toEqual({
      subprotocol: null,
      extensions: result.event.extensions,
      deflate: { serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 15, clientMaxWindowBits: 15 },
      unknownExtension: false,
    });
  });

  test('an accepted unknown extension is flagged for the RSV checks', () => {
    const result = checkResponse(fixture('request', 'chromium.request.txt'), fixture('response', 'unsolicited.response.txt'));
    expect(result.negotiated).toMatchObject({ subprotocol: 'mqtt', deflate: null, unknownExtension: true });
  });

  test('a non-101 response has no violations, no negotiation, and is not ok', () => {
    const result = checkResponse(fixture('request', 'chromium.request.txt'), fixture('response', 'forbidden.response.txt'));
    expect(result.event).toMatchObject({ status: 403, reason: 'Forbidden', ok: false });
    expect(result.event.accept).toEqual({ expected: 'qNL9jAVGHH7iX7PknCmjauEySYY=', actual: null, valid: false });
    expect(result.negotiated).toBeNull();
  });
});

// [rule, the request's lines, the expected message or null when nothing fires]
const REQUEST_CASES: Array<[RuleId, string[], string | null]> = [
  ['handshake-method', ['POST /chat HTTP/1.1', ...REQUEST.slice(1)], 'request method is "POST", must be GET'],
  ['handshake-method', ['get /chat HTTP/1.1', ...REQUEST.slice(1)], 'request method is "get", must be GET'],
  ['handshake-method', REQUEST, null],
  ['handshake-http-version', ['GET /chat HTTP/1.0', ...REQUEST.slice(1)], 'request is HTTP/1.0, must be HTTP/1.1 or later'],
  ['handshake-http-version', ['GET /chat HTTP/0.9', ...REQUEST.slice(1)], 'request is HTTP/0.9, must be HTTP/1.1 or later'],
  ['handshake-http-version', ['GET /chat HTTP/1.2', ...REQUEST.slice(1)], null],
  ['handshake-missing-host', withHeader(REQUEST, 'Host', null), 'request has no Host header'],
  ['handshake-missing-host', withHeader(withHeader(REQUEST, 'Host', null), 'host', 'a'), null],
  ['handshake-upgrade-header', withHeader(REQUEST, 'Upgrade', null), 'request has no Upgrade header'],
  ['handshake-upgrade-header', withHeader(REQUEST, 'Upgrade', 'h2c'), 'Upgrade is "h2c", must be websocket'],
  ['handshake-upgrade-header', withHeader(REQUEST, 'Upgrade', 'WebSocket'), null],
  ['handshake-connection-header', withHeader(REQUEST, 'Connection', null), 'request has no Connection header'],
  ['handshake-connection-header', withHeader(REQUEST, 'Connection', 'keep-alive'), 'Connection is "keep-alive", lacks the Upgrade token'],
  ['handshake-connection-header', withHeader(REQUEST, 'Connection', 'keep-alive, Upgrade'), null],
  ['handshake-key-invalid', withHeader(REQUEST, 'Sec-WebSocket-Key', null), 'request has no Sec-WebSocket-Key header'],
  ['handshake-key-invalid', withHeader(REQUEST, 'Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ'), 'Sec-WebSocket-Key "dGhlIHNhbXBsZSBub25jZQ" is not the base64 of 16 bytes'],
  ['handshake-key-invalid', withHeader(REQUEST, 'Sec-WebSocket-Key', 'AAAAAAAAAAAAAAAAAAAAAAA='), 'Sec-WebSocket-Key "AAAAAAAAAAAAAAAAAAAAAAA=" is not the base64 of 16 bytes'],
  ['handshake-key-invalid', [...REQUEST, 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ=='], 'Sec-WebSocket-Key appears 2 times'],
  ['handshake-key-invalid', withHeader(REQUEST, 'Sec-WebSocket-Key', 'AAAAAAAAAAAAAAAAAAAAAA=='), null],
  ['handshake-version', withHeader(REQUEST, 'Sec-WebSocket-Version', '8'), 'Sec-WebSocket-Version is "8", must be 13'],
  ['handshake-version', withHeader(REQUEST, 'Sec-WebSocket-Version', null), 'request has no Sec-WebSocket-Version header'],
  ['handshake-version', [...REQUEST, 'Sec-WebSocket-Version: 8'], 'Sec-WebSocket-Version is "13, 8", must be 13'],
  ['handshake-version', REQUEST, null],
];

describe('request rules', () => {
  test.each(REQUEST_CASES)('%s: %j', (rule, lines, message) => {
    const { violations } = checkRequest(head('request', lines));
    const expected = message === null ? [] : [{ type: 'violation', from: 'client', rule, ...HANDSHAKE_RULES[rule], message }];
    expect(violations).toEqual(expected);
  });

  test('a request violation makes an otherwise good response not ok', () => {
    const request = head('request', ['GET /chat HTTP/1.0', ...REQUEST.slice(1)]);
    const result = checkResponse(request, head('response', RESPONSE));
    expect(result.violations).toEqual([]);
    expect(result.event.ok).toBe(false);
  });
});

describe('response rules', () => {
  const CHROMIUM_OFFER = withHeader(REQUEST, 'Sec-WebSocket-Extensions', 'permessage-deflate; client_max_window_bits');
  const NO_PROTOCOL = withHeader(REQUEST, 'Sec-WebSocket-Protocol', null);
  const deflateResponse = (value: string) => withHeader(RESPONSE, 'Sec-WebSocket-Extensions', value);

  // [rule, request lines, response lines, expected message or null]
  const cases: Array<[RuleId, string[], string[], string | null]> = [
    ['handshake-upgrade-header', REQUEST, withHeader(RESPONSE, 'Upgrade', null), 'response has no Upgrade header'],
    ['handshake-upgrade-header', REQUEST, withHeader(RESPONSE, 'Upgrade', 'h2c'), 'Upgrade is "h2c", must be websocket'],
    ['handshake-upgrade-header', REQUEST, withHeader(RESPONSE, 'upgrade', 'WEBSOCKET'), null],
    ['handshake-connection-header', REQUEST, withHeader(RESPONSE, 'Connection', 'close'), 'Connection is "close", lacks the Upgrade token'],
    ['handshake-connection-header', REQUEST, withHeader(RESPONSE, 'Connection', null), 'response has no Connection header'],
    ['handshake-connection-header', REQUEST, withHeader(RESPONSE, 'Connection', 'upgrade'), null],
    ['handshake-accept-mismatch', REQUEST, withHeader(RESPONSE, 'Sec-WebSocket-Accept', null), 'response has no Sec-WebSocket-Accept header'],
    ['handshake-accept-mismatch', REQUEST, withHeader(RESPONSE, 'Sec-WebSocket-Accept', 'qNL9jAVGHH7iX7PknCmjauEySYY='), 'Sec-WebSocket-Accept is "qNL9jAVGHH7iX7PknCmjauEySYY=", expected "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="'],
    ['handshake-accept-mismatch', REQUEST, RESPONSE, null],
    ['handshake-subprotocol-not-offered', REQUEST, withHeader(RESPONSE, 'Sec-WebSocket-Protocol', 'mqtt'), 'server selected subprotocol "mqtt" but the client offered only "chat", "superchat"'],
    ['handshake-subprotocol-not-offered', REQUEST, withHeader(RESPONSE, 'Sec-WebSocket-Protocol', 'chat, superchat'), 'server selected subprotocol "chat, superchat" but the client offered only "chat", "superchat"'],
    ['handshake-subprotocol-not-offered', NO_PROTOCOL, RESPONSE, 'server selected subprotocol "chat" but the client offered none'],
    ['handshake-subprotocol-not-offered', REQUEST, withHeader(RESPONSE, 'Sec-WebSocket-Protocol', 'superchat'), null],
    ['handshake-subprotocol-not-offered', NO_PROTOCOL, withHeader(RESPONSE, 'Sec-WebSocket-Protocol', null), null],
    ['handshake-extension-not-offered', REQUEST, deflateResponse('permessage-deflate'), 'server accepted extension "permessage-deflate", which the client did not offer'],
    ['handshake-extension-not-offered', CHROMIUM_OFFER, deflateResponse('x-webkit-deflate-frame'), 'server accepted extension "x-webkit-deflate-frame", which the client did not offer'],
    ['handshake-extension-not-offered', CHROMIUM_OFFER, deflateResponse('permessage-deflate, permessage-deflate'), 'server accepted permessage-deflate 2 times'],
    ['handshake-extension-not-offered', CHROMIUM_OFFER, deflateResponse('permessage-deflate; server_max_window_bits=7'), 'server_max_window_bits is "7", must be 8 to 15'],
    ['handshake-extension-not-offered', CHROMIUM_OFFER, deflateResponse('permessage-deflate; server_max_window_bits=16'), 'server_max_window_bits is "16", must be 8 to 15'],
    ['handshake-extension-not-offered', CHROMIUM_OFFER, deflateResponse('permessage-deflate; server_max_window_bits'), 'server_max_window_bits in the response must have a value'],
    ['handshake-extension-not-offered', withHeader(REQUEST, 'Sec-WebSocket-Extensions', 'permessage-deflate'), deflateResponse('permessage-deflate; client_max_window_bits=10'), 'client_max_window_bits is in the response but the offer did not include it'],
    ['handshake-extension-not-offered', CHROMIUM_OFFER, deflateResponse('permessage-deflate; mem_level=8'), 'permessage-deflate has unknown parameter mem_level'],
    ['handshake-extension-not-offered', CHROMIUM_OFFER, deflateResponse('permessage-deflate; =8'), 'Sec-WebSocket-Extensions element "permessage-deflate; =8" is malformed: expected a parameter name after ";"'],
    ['handshake-extension-not-offered', CHROMIUM_OFFER, deflateResponse('permessage-deflate; client_max_window_bits=10'), null],
    ['handshake-extension-not-offered', CHROMIUM_OFFER, deflateResponse('permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10'), null],
    ['handshake-extension-not-offered', CHROMIUM_OFFER, RESPONSE, null],
  ];
  test.each(cases)('%s: %j', (rule, requestLines, responseLines, message) => {
    const { violations } = checkResponse(head('request', requestLines), head('response', responseLines));
    const expected = message === null ? [] : [{ type: 'violation', from: 'server', rule, ...HANDSHAKE_RULES[rule], message }];
    expect(violations).toEqual(expected);
  });

  test('every handshake rule of the contract has a triggering and a passing case here or above', () => {
    const handshakeRules = Object.keys(HANDSHAKE_RULES).sort();
    const covered = (wanted: boolean) =>
      new Set([
        ...REQUEST_CASES.filter((c) => (c[2] !== null) === wanted).map((c) => c[0]),
        ...cases.filter((c) => (c[3] !== null) === wanted).map((c) => c[0]),
      ]);
    expect([...covered(true)].sort()).toEqual(handshakeRules);
    expect([...covered(false)].sort()).toEqual(handshakeRules);
  });
});

describe('accept', () => {
  test('is computed from the key as sent, even an invalid one', () => {
    // base64(SHA-1("not a key" + GUID)), computed outside the code under test.
    const request = head('request', withHeader(REQUEST, 'Sec-WebSocket-Key', 'not a key'));
    const response = checkResponse(request, head('response', withHeader(RESPONSE, 'Sec-WebSocket-Accept', 'x')));
    expect(response.event.accept).toEqual({ expected: 'FNAF2a7s4zMv9y5Gqiqz8xpWqeE=', actual: 'x', valid: false });
  });

  test('expected is null without a key, and any accept then mismatches', () => {
    const request = head('request', withHeader(REQUEST, 'Sec-WebSocket-Key', null));
    const result = checkResponse(request, head('response', RESPONSE));
    expect(result.event.accept).toEqual({ expected: null, actual: 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=', valid: false });
    expect(result.violations.map((v) => v.message)).toEqual([
      'Sec-WebSocket-Accept is "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=" but the request had no Sec-WebSocket-Key',
    ]);
  });

  test('without a request, nothing was offered and no key was sent', () => {
    const result = checkResponse(null, head('response', RESPONSE));
    expect(result.event.accept.expected).toBeNull();
    expect(rules(result.violations)).toEqual(['handshake-accept-mismatch', 'handshake-subprotocol-not-offered']);
    expect(result.event.ok).toBe(false);
    expect(result.negotiated).not.toBeNull();
  });
});
