/** The pure parts of forward mode, from tables: request targets, the origin-form rewrite, sniffing, host patterns, proxy credentials. */
import { describe, expect, test } from 'vitest';
import { HostPolicy, compileHostPattern } from '../../src/proxy/forward/host-policy.js';
import { ProxyAuth } from '../../src/proxy/forward/proxy-auth.js';
import { originFormHead, parseAbsoluteTarget, parseConnectTarget } from '../../src/proxy/forward/request-target.js';
import { sniffTunnel } from '../../src/proxy/forward/sniff.js';

describe('CONNECT targets', () => {
  test.each([
    ['example.com:443', { host: 'example.com', port: 443, authority: 'example.com:443' }],
    ['Example.COM:8443', { host: 'example.com', port: 8443, authority: 'example.com:8443' }],
    ['127.0.0.1:9001', { host: '127.0.0.1', port: 9001, authority: '127.0.0.1:9001' }],
    ['[::1]:443', { host: '::1', port: 443, authority: '[::1]:443' }],
    ['example.com', null],
    ['example.com:0', null],
    ['example.com:70000', null],
    ['[nothost]:443', null],
    ['user@example.com:443', null],
    ['ev\x1bil.com:443', null],
    ['/path:443', null],
  ])('%j', (target, expected) => {
    expect(parseConnectTarget(target)).toEqual(expected);
  });
});

describe('absolute-form targets', () => {
  test.each([
    ['http://example.com/chat?room=1', { host: 'example.com', port: 80, authority: 'example.com', path: '/chat?room=1' }],
    ['http://127.0.0.1:8080', { host: '127.0.0.1', port: 8080, authority: '127.0.0.1:8080', path: '/' }],
    ['ws://[::1]:9001/x', { host: '::1', port: 9001, authority: '[::1]:9001', path: '/x' }],
    ['/chat', null],
    ['https://example.com/', null],
    ['http://user:pw@example.com/', null],
  ])('%j', (target, expected) => {
    expect(parseAbsoluteTarget(target)).toEqual(expected);
  });
});

test('origin-form rewrite: the target and the proxy headers change, nothing else', () => {
  const raw = Buffer.from(
    'GET http://example.com/a?b HTTP/1.1\r\nHost: example.com\r\nProxy-Authorization: Basic eA==\r\n  folded\r\nX-Keep:  as is \r\nproxy-connection: keep-alive\r\n\r\n',
    'latin1',
  );
  expect(originFormHead(raw, '/a?b').toString('latin1')).toBe('GET /a?b HTTP/1.1\r\nHost: example.com\r\nX-Keep:  as is \r\n\r\n');
});

describe('sniffing a tunnel', () => {
  test.each([
    [[0x16, 0x03, 0x01, 0x02, 0x00], 'tls'],
    [[0x16], null],
    [[0x16, 0x00], 'opaque'],
    [Buffer.from('GET / HTTP/1.1\r\n'), 'http'],
    [Buffer.from('OPTIONS * HTTP/1.1'), 'http'],
    [Buffer.from('GE'), null],
    [Buffer.from('SSH-2.0-OpenSSH'), 'opaque'],
    [Buffer.from('get / HTTP/1.1'), 'opaque'],
    [[0x00, 0x01], 'opaque'],
    [[], null],
  ])('%j → %s', (bytes, expected) => {
    expect(sniffTunnel(Uint8Array.from(bytes))).toBe(expected);
  });
});

describe('host patterns (regular expressions over host:port, as mitmproxy)', () => {
  const policy = (allow: string[], ignore: string[] = [], tlsPassthrough: string[] = []) =>
    new HostPolicy({ allow: allow.map(compileHostPattern), ignore: ignore.map(compileHostPattern), tlsPassthrough: tlsPassthrough.map(compileHostPattern) });

  test('no patterns: everything inspected', () => {
    expect(policy([]).handling('example.com', 443)).toBe('inspect');
  });
  test('allow: others refused; matched case-blind, searched anywhere unless anchored', () => {
    const p = policy(['\\.example\\.com:443$']);
    expect(p.handling('api.EXAMPLE.com', 443)).toBe('inspect');
    expect(p.handling('api.example.com', 80)).toBe('refuse');
    expect(p.handling('example.org', 443)).toBe('refuse');
  });
  test('ignore and passthrough', () => {
    const p = policy([], ['^bank\\.'], ['pinned']);
    expect(p.handling('bank.test', 443)).toBe('ignore');
    expect(p.passesTls('pinned.app', 443)).toBe(true);
    expect(p.passesTls('other.app', 443)).toBe(false);
  });
  test('IPv6 hosts are matched bracketed', () => {
    expect(policy(['^\\[::1\\]:']).handling('::1', 443)).toBe('inspect');
  });
  test('an invalid pattern names itself', () => {
    expect(() => compileHostPattern('(')).toThrow(/^invalid host pattern "\("/);
  });
});

test('proxy credentials: Basic, exact', () => {
  const auth = new ProxyAuth('me:s3cret:with-colon');
  const basic = (text: string) => [['Proxy-Authorization', `Basic ${Buffer.from(text).toString('base64')}`]] as [string, string][];
  expect(auth.accepts(basic('me:s3cret:with-colon'))).toBe(true);
  expect(auth.accepts(basic('me:s3cret'))).toBe(false);
  expect(auth.accepts([['Proxy-Authorization', 'Bearer x']])).toBe(false);
  expect(auth.accepts([])).toBe(false);
});
