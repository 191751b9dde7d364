import { describe, expect, test } from 'vitest';
import { computeAccept } from '../../src/accept-calc/accept.js';
import { buildRequest, checkProtocolName, parseHeaderArg } from '../../src/client/request.js';
import { checkRequest } from '../../src/inspector/handshake-check.js';
import { parseEndpoint } from '../../src/net/endpoint.js';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const text = (bytes: Buffer) => bytes.toString('latin1');

describe('buildRequest', () => {
  test('a correct opening handshake, byte for byte', () => {
    const { bytes, head } = buildRequest(parseEndpoint('ws://example.com:8080/chat?room=1'), { key: KEY });
    expect(text(bytes)).toBe(
      'GET /chat?room=1 HTTP/1.1\r\n' +
        'Host: example.com:8080\r\n' +
        'Upgrade: websocket\r\n' +
        'Connection: Upgrade\r\n' +
        `Sec-WebSocket-Key: ${KEY}\r\n` +
        'Sec-WebSocket-Version: 13\r\n' +
        'User-Agent: wsinspect\r\n' +
        '\r\n',
    );
    expect(checkRequest(head).violations).toEqual([]);
  });

  test('a fresh valid key each time', () => {
    const endpoint = parseEndpoint('ws://h/');
    const keys = [1, 2, 3].map(() => checkRequest(buildRequest(endpoint).head).event.key);
    expect(new Set(keys).size).toBe(3);
    for (const key of keys) expect(key).toMatch(/^[A-Za-z0-9+/]{22}==$/);
  });

  test('subprotocols, deflate and origin', () => {
    const { bytes } = buildRequest(parseEndpoint('wss://h/'), { key: KEY, protocols: ['chat', 'superchat'], deflate: true, origin: 'https://app' });
    expect(text(bytes)).toContain(
      'Sec-WebSocket-Protocol: chat, superchat\r\n' +
        'Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n' +
        'Origin: https://app\r\nUser-Agent: wsinspect\r\n',
    );
  });

  test('IPv6 authority in brackets, default port omitted', () => {
    expect(text(buildRequest(parseEndpoint('ws://[::1]:9001/')).bytes)).toContain('Host: [::1]:9001\r\n');
    expect(text(buildRequest(parseEndpoint('wss://example.com:443/')).bytes)).toContain('Host: example.com\r\n');
  });

  test('-H replaces a default header in place by case-insensitive name, adds others, removes with an empty value', () => {
    const { bytes, head } = buildRequest(parseEndpoint('ws://h/'), {
      key: KEY,
      headers: [
        ['user-agent', 'my-bot/1'],
        ['Authorization', 'Bearer x'],
        ['Sec-WebSocket-Version', ''],
        ['X-Twice', 'a'],
        ['X-Twice', 'b'],
      ],
    });
    expect(text(bytes)).toBe(
      'GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Key: ${KEY}\r\nuser-agent: my-bot/1\r\nAuthorization: Bearer x\r\nX-Twice: a\r\nX-Twice: b\r\n\r\n`,
    );
    expect(checkRequest(head).violations.map((v) => v.rule)).toEqual(['handshake-version']);
  });

  test('the key as sent (even overridden) is what the accept is computed from', () => {
    const { head } = buildRequest(parseEndpoint('ws://h/'), { headers: [['Sec-WebSocket-Key', 'not-a-key']] });
    const { event } = checkRequest(head);
    expect(event.key).toBe('not-a-key');
    expect(computeAccept(event.key!)).toBe(computeAccept('not-a-key'));
  });
});

describe('parseHeaderArg', () => {
  test.each([
    ['Authorization: Bearer x', ['Authorization', 'Bearer x']],
    ['X-A:b', ['X-A', 'b']],
    ['X-A:   spaced  ', ['X-A', 'spaced']],
    ['X-A:', ['X-A', '']],
    ['X-Url: http://a:1/', ['X-Url', 'http://a:1/']],
  ])('%j', (input, expected) => expect(parseHeaderArg(input)).toEqual(expected));

  test.each([
    ['no colon', 'Authorization'],
    ['space before the colon', 'X-A : b'],
    ['empty name', ': b'],
    ['CR LF injection', 'X-A: b\r\nX-Evil: 1'],
  ])('rejects %s', (_name, input) => expect(() => parseHeaderArg(input)).toThrow(/invalid header/));
});

test('subprotocol names must be tokens', () => {
  expect(checkProtocolName('graphql-ws')).toBe('graphql-ws');
  expect(() => checkProtocolName('a, b')).toThrow(/invalid subprotocol "a, b"/);
});
