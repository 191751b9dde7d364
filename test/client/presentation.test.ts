import { expect, test } from 'vitest';
import { BARE_LF_NOTE, rawHeadLines } from '../../src/render/raw-head.js';
import { tlsSummary, type TlsInfo } from '../../src/client/tls-info.js';

test('rawHeadLines: each line escaped, bare LF marked, the blank line left out', () => {
  const raw = Buffer.from('HTTP/1.1 101 OK\r\nX-Evil: \x1b[2Jgone\r\nX-Lf: 1\n\r\n', 'latin1');
  expect(rawHeadLines(raw)).toEqual([
    { text: 'HTTP/1.1 101 OK', bareLf: false },
    { text: 'X-Evil: \\x1b[2Jgone', bareLf: false },
    { text: 'X-Lf: 1', bareLf: true },
  ]);
  expect(BARE_LF_NOTE).toMatch(/bare LF/);
});

test('rawHeadLines shows non-ASCII bytes one by one (C1 controls escaped)', () => {
  expect(rawHeadLines(Buffer.from('X: \xc3\xa9\x85\r\n\r\n', 'latin1'))[0]!.text).toBe('X: Ã©\\x85');
});

const INFO: TlsInfo = {
  version: 'TLSv1.3',
  cipher: 'TLS_AES_256_GCM_SHA384',
  alpn: 'http/1.1',
  certificate: { subject: 'CN=localhost', issuer: 'CN=Test CA, O=Example', validFrom: 'Jan  1 00:00:00 2025 GMT', validTo: 'Jan  1 00:00:00 2125 GMT' },
  verified: true,
  verifyError: null,
};

test('tlsSummary', () => {
  expect(tlsSummary(INFO)).toEqual([
    'TLSv1.3 · TLS_AES_256_GCM_SHA384 · ALPN http/1.1',
    'certificate CN=localhost · issuer CN=Test CA, O=Example · valid until Jan  1 00:00:00 2125 GMT · verified',
  ]);
  expect(tlsSummary({ ...INFO, alpn: null, verified: false, verifyError: 'self-signed certificate' })).toEqual([
    'TLSv1.3 · TLS_AES_256_GCM_SHA384 · ALPN none',
    'certificate CN=localhost · issuer CN=Test CA, O=Example · valid until Jan  1 00:00:00 2125 GMT · NOT verified (--insecure): self-signed certificate',
  ]);
});
