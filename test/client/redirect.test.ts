import { expect, test } from 'vitest';
import { redirectTarget } from '../../src/client/redirect.js';

test.each([
  ['https Location becomes wss', 'ws://a/x', 'https://b/y', 'wss://b/y'],
  ['http Location becomes ws', 'wss://a/x', 'http://b:8080/y', 'ws://b:8080/y'],
  ['relative path keeps the scheme and host', 'wss://a:9443/x', '/z?q=1', 'wss://a:9443/z?q=1'],
  ['relative without a slash', 'ws://a/dir/x', 'y', 'ws://a/dir/y'],
  ['ws Location stays', 'wss://a/', 'ws://b/', 'ws://b/'],
  ['the default port is dropped', 'ws://a/', 'https://b:443/p', 'wss://b/p'],
  ['IPv6', 'ws://a/', 'http://[::1]:9001/', 'ws://[::1]:9001/'],
])('%s', (_name, current, location, expected) => expect(redirectTarget(current, location)).toBe(expected));

test('other schemes cannot be followed', () => {
  expect(() => redirectTarget('ws://a/', 'ftp://b/')).toThrow('the redirect\'s Location "ftp://b/" has scheme ftp:, not http(s) or ws(s)');
});

test('a Location that is not a URL', () => {
  expect(() => redirectTarget('ws://a/', 'http://[bad')).toThrow(/is not a URL/);
});
