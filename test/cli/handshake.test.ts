import { afterEach, describe, expect, test } from 'vitest';
import { runHandshake } from '../../src/cli/handshake.js';
import { UsageError } from '../../src/cli/errors.js';
import type { ClientCliOptions } from '../../src/cli/client-options.js';
import { startEchoServer } from '../../src/echo/echo-server.js';
import { captureIO, closedPort, events, fakeServer, onStop, stopAll, tlsEcho, wsServer } from '../client/support.js';

afterEach(stopAll);

async function handshake(url: string, options: ClientCliOptions = {}) {
  const captured = captureIO();
  const code = await runHandshake(url, { color: false, ...options }, captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

async function echo(options: { deflate?: boolean; host?: string } = {}): Promise<string> {
  const server = await startEchoServer({ port: 0, ...options });
  onStop(() => server.close());
  return server.url;
}

const UPGRADE = (accept: string) => `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n`;

describe('against the echo server', () => {
  test('pretty: the request and response as sent, every check, the accept computation, a clean close', async () => {
    const url = await echo();
    const { code, stdout, stderr } = await handshake(url);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(/^#1 ▶ 127\.0\.0\.1:\d+ → ws:\/\/127\.0\.0\.1:\d+\/$/);
    expect(lines[1]).toBe('   > GET / HTTP/1.1');
    expect(stdout).toMatch(/ {3}> Sec-WebSocket-Key: [A-Za-z0-9+/]{22}==\n/);
    expect(stdout).toContain('   < HTTP/1.1 101 Switching Protocols\n');
    for (const verdict of ['Sec-WebSocket-Key is base64 of 16 bytes', 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Accept matches', 'subprotocol: none', 'extensions: none']) {
      expect(stdout).toContain(`✔ ${verdict}`);
    }
    expect(stdout).toMatch(/base64\(SHA-1\(key \+ 258EAFA5-E914-47DA-95CA-C5AB0DC85B11\)\)\s+= \S+=/);
    expect(stdout).toMatch(/C→S close +FIN +mask [0-9a-f]{8} +2 B .* 1000 Normal Closure/);
    expect(stdout).toMatch(/S→C close +FIN +unmasked +2 B .* 1000 Normal Closure/);
    expect(stdout).toMatch(/closed cleanly by client: 1000 Normal Closure/);
    expect(stdout).not.toMatch(/✘/);
  });

  test('--json: the contract events, stamped conn 1, in wire order', async () => {
    const url = await echo();
    const { code, stdout } = await handshake(url, { json: true, protocol: ['chat'], origin: 'http://example.test', header: ['X-Trace: 1'] });
    expect(code).toBe(0);
    const all = events(stdout);
    expect(all.map((e) => e.type)).toEqual(['connection', 'handshake-request', 'handshake-response', 'frame', 'frame', 'connection-end']);
    for (const event of all) expect(event).toMatchObject({ conn: 1, ts: expect.any(Number) });
    const [connection, request, response, ours, theirs, end] = all;
    expect(connection).toMatchObject({ upstream: url, tls: null, client: expect.stringMatching(/^127\.0\.0\.1:\d+$/) });
    expect(request!.headers).toEqual([
      ['Host', new URL(url).host],
      ['Upgrade', 'websocket'],
      ['Connection', 'Upgrade'],
      ['Sec-WebSocket-Key', request!.key],
      ['Sec-WebSocket-Version', '13'],
      ['Sec-WebSocket-Protocol', 'chat'],
      ['Origin', 'http://example.test'],
      ['User-Agent', 'wsinspect'],
      ['X-Trace', '1'],
    ]);
    // uWS answers an offered subprotocol with the first one when the app does not choose.
    expect(response).toMatchObject({ status: 101, ok: true, accept: { valid: true }, extensions: [] });
    expect(response!.accept.expected).toBe(response!.accept.actual);
    expect(ours).toMatchObject({ from: 'client', opcodeName: 'close', masked: true, maskKey: expect.stringMatching(/^[0-9a-f]{8}$/), close: { code: 1000 } });
    expect(theirs).toMatchObject({ from: 'server', opcodeName: 'close', masked: false, close: { code: 1000 } });
    expect(end).toMatchObject({ clean: true, closeCode: 1000, by: 'client' });
  });

  test('--deflate: permessage-deflate offered and negotiated', async () => {
    const url = await echo({ deflate: true });
    const { code, stdout } = await handshake(url, { json: true, deflate: true });
    expect(code).toBe(0);
    const [, request, response] = events(stdout);
    expect(request!.headers).toContainEqual(['Sec-WebSocket-Extensions', 'permessage-deflate; client_max_window_bits']);
    expect(response!.extensions[0]).toMatchObject({ name: 'permessage-deflate' });
    expect(response!.ok).toBe(true);
  });

  test('IPv6 loopback', async () => {
    const url = await echo({ host: '::1' });
    const { code, stdout } = await handshake(url, { json: true });
    expect(code).toBe(0);
    expect(events(stdout)[0]).toMatchObject({ client: expect.stringMatching(/^\[::1\]:\d+$/), server: expect.stringMatching(/^\[::1\]:\d+$/) });
  });
});

test('the ws package with subprotocols: the chosen one is reported', async () => {
  const url = await wsServer({ handleProtocols: (offered) => (offered.has('v2.chat') ? 'v2.chat' : false) });
  const { code, stdout } = await handshake(url, { protocol: ['v1.chat', 'v2.chat'] });
  expect(code).toBe(0);
  expect(stdout).toContain('> Sec-WebSocket-Protocol: v1.chat, v2.chat');
  expect(stdout).toContain('✔ subprotocol: v2.chat');
});

describe('TLS', () => {
  test('an untrusted certificate fails verification', async () => {
    const port = await tlsEcho('localhost');
    const { code, stderr, stdout } = await handshake(`wss://localhost:${port}/`);
    expect(code).toBe(1);
    // Node 24 appends its own advice ("; if the root CA is installed locally, try running Node.js with --use-system-ca").
    expect(stderr).toMatch(/^wsinspect: TLS: self-signed certificate(; [^\n]*--use-system-ca)?\n$/);
    expect(stdout).toContain('✘ error: TLS: self-signed certificate');
  });

  test('--insecure connects and shows the TLS details', async () => {
    const port = await tlsEcho('localhost');
    const { code, stdout } = await handshake(`wss://localhost:${port}/`, { insecure: true });
    expect(code).toBe(0);
    expect(stdout).toMatch(/connected to 127\.0\.0\.1:\d+\n/);
    expect(stdout).toMatch(/ {3}TLSv1\.3 · TLS_\w+ · ALPN http\/1\.1\n/);
    const unwrapped = stdout.replace(/\n {3}(?![<>])/g, ' ');
    expect(unwrapped).toMatch(/certificate CN=localhost · issuer CN=localhost · valid until \w+ +\d+ [\d:]+ 2126 GMT · NOT verified \(--insecure\): self-signed certificate/);
    expect(stdout).toMatch(/closed cleanly by client: 1000/);
  });

  test('--json carries the TLS details in the connection event', async () => {
    const port = await tlsEcho('localhost');
    const { stdout } = await handshake(`wss://127.0.0.1:${port}/`, { insecure: true, json: true });
    expect(events(stdout)[0]!.tls).toMatchObject({
      version: 'TLSv1.3',
      alpn: 'http/1.1',
      certificate: { subject: 'CN=localhost', issuer: 'CN=localhost' },
      verified: false,
      verifyError: 'self-signed certificate',
    });
  });

  test('an expired certificate', async () => {
    const port = await tlsEcho('expired');
    const { code, stderr } = await handshake(`wss://localhost:${port}/`);
    expect(code).toBe(1);
    expect(stderr).toBe('wsinspect: TLS: certificate has expired\n');
  });

  test('ws:// to a server that answers with a TLS alert', async () => {
    // An OpenSSL server answering plain text: alert record, protocol_version.
    const url = await fakeServer((s) => s.end(Buffer.from('15030100020246', 'hex')));
    const { code, stderr } = await handshake(url);
    expect(code).toBe(1);
    expect(stderr).toBe('wsinspect: server answered with TLS: use wss://\n');
  });
});

describe('servers that answer wrong: exit 1 and the reason in one line', () => {
  const cases: Array<[string, (socket: import('node:net').Socket, request: { accept: string }) => void, string]> = [
    ['bad accept', (s) => s.write(`${UPGRADE('dGhpcyBpcyB3cm9uZw==')}\r\n`), 'Sec-WebSocket-Accept mismatch: expected EXPECTED, got dGhpcyBpcyB3cm9uZw=='],
    ['403', (s) => s.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n'), 'server answered 403 Forbidden'],
    ['200', (s) => s.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi'), 'server answered HTTP/1.1 200 OK: not a WebSocket endpoint'],
    [
      'missing Upgrade',
      (s, { accept }) => s.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`),
      'no Upgrade: websocket header in the response',
    ],
    ['unoffered subprotocol', (s, { accept }) => s.write(`${UPGRADE(accept)}Sec-WebSocket-Protocol: x\r\n\r\n`), 'server picked subprotocol "x" that was not offered'],
    [
      'unoffered extension',
      (s, { accept }) => s.write(`${UPGRADE(accept)}Sec-WebSocket-Extensions: permessage-deflate\r\n\r\n`),
      'server accepted extension "permessage-deflate", which the client did not offer',
    ],
    ['silence', () => {}, 'no response within 0.5 s'],
    ['reset', (s) => s.resetAndDestroy(), 'connection reset by the server'],
    ['close without answering', (s) => s.end(), 'server closed the connection without answering'],
    ['garbage', (s) => s.end('SSH-2.0-OpenSSH_9.6\r\n\r\n'), 'server sent a malformed response: malformed status line "SSH-2.0-OpenSSH_9.6"'],
    [
      '301 with Location',
      (s) => s.end('HTTP/1.1 301 Moved Permanently\r\nLocation: https://example.test/ws\r\nContent-Length: 0\r\n\r\n'),
      'server redirected to https://example.test/ws (301 Moved Permanently); use --follow to follow it',
    ],
  ];

  test.each(cases)('%s', async (_name, answer, reason) => {
    let expected = '';
    const url = await fakeServer((socket, request) => {
      expected = request.accept;
      answer(socket, request);
    });
    const { code, stderr } = await handshake(url, { timeout: '0.5' });
    expect(code).toBe(1);
    expect(stderr).toBe(`wsinspect: ${reason.replace('EXPECTED', expected)}\n`);
  });

  test('the failed check is shown with its rule id and RFC section', async () => {
    const url = await fakeServer((s) => s.write(`${UPGRADE('dGhpcyBpcyB3cm9uZw==')}\r\n`));
    const { stdout } = await handshake(url);
    expect(stdout).toMatch(/✘ handshake-accept-mismatch \(RFC6455 4\.1\) Sec-WebSocket-Accept expected\s+\S+, got dGhpcyBpcyB3cm9uZw==/);
    // A client must fail the connection rather than close it: no close frame goes out.
    expect(stdout).not.toMatch(/C→S close/);
  });

  test('a header from the wire cannot drive the terminal', async () => {
    const url = await fakeServer((s) => s.end('HTTP/1.1 403 Forbidden\x1b[2J\r\nX-Evil: \x1b]0;pwned\x07\r\n\r\n'));
    const { stdout, stderr } = await handshake(url);
    expect(stdout).not.toContain('\x1b');
    expect(stdout).toContain('< X-Evil: \\x1b]0;pwned\\x07');
    expect(stderr).toBe('wsinspect: server answered 403 Forbidden\\x1b[2J\n');
  });

  test('a refusal shows the first lines of its body, escaped (that is where servers say why)', async () => {
    const lines = Array.from({ length: 14 }, (_, i) => `line ${i + 1}`);
    const body = `{"error":"token expired\x1b[31m"}\r\n\r\n${lines.join('\n')}\n`;
    const url = await fakeServer((s) => s.end(`HTTP/1.1 401 Unauthorized\r\nTransfer-Encoding: chunked\r\n\r\n${Buffer.byteLength(body).toString(16)}\r\n${body}\r\n0\r\n\r\n`));
    const { code, stdout, stderr } = await handshake(url);
    expect(code).toBe(1);
    expect(stderr).toBe('wsinspect: server answered 401 Unauthorized\n');
    expect(stdout).not.toContain('\x1b');
    expect(stdout).toContain('   < HTTP/1.1 401 Unauthorized\n');
    expect(stdout).toContain('   < Transfer-Encoding: chunked\n   < \n   < {"error":"token expired\\x1b[31m"}\n   < line 1\n');
    expect(stdout).toContain('   < line 9\n   < … (');
    expect(stdout).not.toContain('line 10');
  });

  test('a refusal whose server keeps the connection open: the body is read as far as it came, then the answer', async () => {
    const url = await fakeServer((s) => s.write('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 100\r\n\r\nmaintenance until 10:00\n'));
    const { code, stdout } = await handshake(url, { json: true });
    expect(code).toBe(1);
    const response = events(stdout).find((e) => e.type === 'handshake-response');
    expect(response).toMatchObject({ status: 503, body: 'maintenance until 10:00\n', bodySize: 24 });
  });

  test('--json: a transport failure is an error event', async () => {
    const { code, stdout, stderr } = await handshake(`ws://127.0.0.1:${await closedPort()}/`, { json: true });
    expect(code).toBe(1);
    expect(events(stdout)).toEqual([{ type: 'error', conn: 1, ts: expect.any(Number), message: 'connection refused' }]);
    expect(stderr).toBe('wsinspect: connection refused\n');
  });

  test('--json: a refused handshake is a response with ok false and its violations', async () => {
    const url = await fakeServer((s) => s.write(`${UPGRADE('dGhpcyBpcyB3cm9uZw==')}\r\n`));
    const { stdout } = await handshake(url, { json: true });
    const all = events(stdout);
    expect(all.map((e) => e.type)).toEqual(['connection', 'handshake-request', 'handshake-response', 'violation']);
    expect(all[2]).toMatchObject({ ok: false, accept: { valid: false, actual: 'dGhpcyBpcyB3cm9uZw==' } });
    expect(all[3]).toMatchObject({ rule: 'handshake-accept-mismatch', from: 'server', severity: 'error', section: 'RFC6455 4.1' });
  });
});

describe('closing', () => {
  test('a server that never answers the close: reported, and the handshake still counts as valid', async () => {
    const url = await fakeServer((s, { accept }) => s.write(`${UPGRADE(accept)}\r\n`));
    const { code, stdout } = await handshake(url, { timeout: '0.5' });
    expect(code).toBe(0);
    expect(stdout).toContain('✘ error: no close frame from the server within 0.5 s');
    expect(stdout).toMatch(/✘ abnormal-closure \(RFC6455 7\.1\.5\)/);
  });

  test('a server that drops the connection instead of closing', async () => {
    const url = await fakeServer((s, { accept }) => {
      s.write(`${UPGRADE(accept)}\r\n`);
      s.on('data', () => s.end());
    });
    const { code, stdout } = await handshake(url, { json: true });
    expect(code).toBe(0);
    const all = events(stdout);
    expect(all).toContainEqual(expect.objectContaining({ type: 'error', message: 'the server ended the TCP connection without a close frame' }));
    expect(all.at(-1)).toMatchObject({ type: 'connection-end', clean: false, by: 'client' });
  });
});

describe('redirects', () => {
  test('--follow follows to the WebSocket endpoint, mapping http to ws, each hop a new connection', async () => {
    const target = await echo();
    const hop = await fakeServer((s) => s.end(`HTTP/1.1 302 Found\r\nLocation: ${target.replace('ws:', 'http:')}\r\n\r\n`));
    const first = await fakeServer((s) => s.end(`HTTP/1.1 301 Moved Permanently\r\nLocation: ${hop}\r\n\r\n`));
    const { code, stdout } = await handshake(first, { follow: true, json: true });
    expect(code).toBe(0);
    const responses = events(stdout).filter((e) => e.type === 'handshake-response');
    expect(responses.map((e) => [e.conn, e.status])).toEqual([[1, 301], [2, 302], [3, 101]]);
  });

  test('--follow gives up after 5', async () => {
    let url = '';
    url = await fakeServer((s) => s.end(`HTTP/1.1 307 Temporary Redirect\r\nLocation: ${url}\r\n\r\n`));
    const { code, stderr } = await handshake(url, { follow: true });
    expect(code).toBe(1);
    expect(stderr).toBe('wsinspect: too many redirects: gave up after following 5\n');
  });
});

describe('usage errors (exit 2)', () => {
  test.each<[string, string, ClientCliOptions, RegExp]>([
    ['a bad URL', 'not a url', {}, /^not a URL/],
    ['an unsupported scheme', 'ftp://h/', {}, /^unsupported scheme "ftp:"/],
    ['a malformed -H', 'ws://h/', { header: ['NoColon'] }, /^invalid header "NoColon"/],
    ['header injection', 'ws://h/', { header: ['X: a\r\nY: b'] }, /CR, LF or NUL/],
    ['a bad --timeout', 'ws://h/', { timeout: 'soon' }, /^invalid --timeout "soon"/],
    ['a bad --protocol', 'ws://h/', { protocol: ['a b'] }, /^invalid subprotocol/],
  ])('%s', async (_name, url, options, message) => {
    const error = await handshake(url, options).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(message);
  });
});
