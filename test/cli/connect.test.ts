import { Readable } from 'node:stream';
import { afterEach, describe, expect, test } from 'vitest';
import { runConnect, type ConnectOptions } from '../../src/cli/connect.js';
import { UsageError } from '../../src/cli/errors.js';
import { startEchoServer } from '../../src/echo/echo-server.js';
import { captureIO, eventually, events, fakeServer, onStop, stopAll, ttyInput, wsServer, type Captured } from '../client/support.js';

afterEach(stopAll);

async function echo(deflate = false): Promise<string> {
  const server = await startEchoServer({ port: 0, deflate });
  onStop(() => server.close());
  return server.url;
}

/** Runs connect in-process; stdin is the given lines, piped (not a terminal). */
async function connect(url: string, options: ConnectOptions, stdin: string[] = []) {
  const captured = captureIO(Readable.from(stdin.map((line) => Buffer.from(line))));
  const code = await runConnect(url, { color: false, wait: '0.2', ...options }, captured.io);
  return { code, stdout: captured.stdout(), stderr: captured.stderr() };
}

const frames = (all: Array<Record<string, any>>) => all.filter((e) => e.type === 'frame').map((e) => `${e.from} ${e.opcodeName}${e.fin ? '' : ' ...'}`);

describe('piped stdin', () => {
  test("printf 'hi\\n' | connect --json: a masked text frame out, the echo back, a clean close", async () => {
    const { code, stdout, stderr } = await connect(await echo(), { json: true }, ['hi\n']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const all = events(stdout);
    expect(all.map((e) => e.type)).toEqual([
      'connection',
      'handshake-request',
      'handshake-response',
      'frame',
      'message',
      'frame',
      'message',
      'frame',
      'frame',
      'connection-end',
    ]);
    const [out, back] = all.filter((e) => e.type === 'message');
    expect(all[3]).toMatchObject({ from: 'client', opcodeName: 'text', masked: true, maskKey: expect.stringMatching(/^[0-9a-f]{8}$/) });
    expect(out).toMatchObject({ from: 'client', text: 'hi' });
    expect(back).toMatchObject({ from: 'server', text: 'hi' });
    expect(all.at(-1)).toMatchObject({ clean: true, closeCode: 1000, by: 'client' });
  });

  test('slash commands, each frame with a fresh mask key', async () => {
    const lines = ['one\n', '/binary 01 02 ff\n', '/ping are you there\n', '/fragment 3 hello world\n', '//slash\n', '/bogus\n', '/close 4000 done\n'];
    const { code, stdout, stderr } = await connect(await echo(), { json: true }, lines);
    expect(code).toBe(0);
    expect(stderr).toBe('wsinspect: unknown command /bogus (try /help; //text sends "/text")\n');
    const all = events(stdout);
    const ours = all.filter((e) => e.type === 'frame' && e.from === 'client');
    expect(ours.map((e) => `${e.opcodeName}${e.fin ? '' : ' ...'}`)).toEqual(['text', 'binary', 'ping', 'text ...', 'continuation ...', 'continuation', 'text', 'close']);
    expect(new Set(ours.map((e) => e.maskKey)).size).toBe(ours.length);
    const messages = all.filter((e) => e.type === 'message' && e.from === 'server');
    expect(messages.map((e) => e.text ?? e.base64)).toEqual(['one', 'AQL/', 'hello world', '/slash']);
    expect(all).toContainEqual(expect.objectContaining({ type: 'frame', from: 'server', opcodeName: 'pong', payloadHead: Buffer.from('are you there').toString('hex') }));
    expect(all.at(-1)).toMatchObject({ clean: true, closeCode: 4000, by: 'client' });
  });

  test('pretty: the same frame lines as the proxy', async () => {
    const { code, stdout } = await connect(await echo(), {}, ['hello\n']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/C→S text +FIN +mask [0-9a-f]{8} +5 B \(7-bit\) +"hello"/);
    expect(stdout).toMatch(/S→C text +FIN +unmasked +5 B \(7-bit\) +"hello"/);
    expect(stdout).toMatch(/closed cleanly by client: 1000 Normal Closure/);
  });

  test('with --deflate negotiated, compressed replies are inflated in the view', async () => {
    const { code, stdout } = await connect(await echo(true), { json: true, deflate: true }, ['squeeze me squeeze me squeeze me\n']);
    expect(code).toBe(0);
    const reply = events(stdout).find((e) => e.type === 'message' && e.from === 'server');
    expect(reply).toMatchObject({ compressed: true, text: 'squeeze me squeeze me squeeze me' });
  });
});

test('--send: each sent, replies awaited, then a clean close; stdin is not read', async () => {
  const captured = captureIO(ttyInput()); // a terminal that never types: --send must not wait for it
  const code = await runConnect(await echo(), { json: true, send: ['a', '/not-a-command'], wait: '0.2' }, captured.io);
  expect(code).toBe(0);
  const all = events(captured.stdout());
  expect(all.filter((e) => e.type === 'message').map((e) => `${e.from} ${e.text}`)).toEqual([
    'client a',
    'client /not-a-command',
    'server a',
    'server /not-a-command',
  ]);
  expect(all.at(-1)).toMatchObject({ clean: true, by: 'client' });
});

describe('server behaviour', () => {
  test('a ping from the server is answered with a pong carrying its payload', async () => {
    const url = await wsServer({}, (wss) => wss.on('connection', (ws) => ws.ping('ping-payload')));
    const { code, stdout } = await connect(url, { json: true, wait: '0.3' }, []);
    expect(code).toBe(0);
    const all = events(stdout);
    expect(frames(all)).toEqual(['server ping', 'client pong', 'client close', 'server close']);
    const pong = all.find((e) => e.type === 'frame' && e.opcodeName === 'pong');
    expect(pong).toMatchObject({ masked: true, payloadHead: Buffer.from('ping-payload').toString('hex') });
  });

  test('a close from the server is answered with its code and ends the session cleanly', async () => {
    const url = await wsServer({}, (wss) => wss.on('connection', (ws) => ws.close(4001, 'go away')));
    const captured = captureIO(ttyInput()); // waiting on a terminal: the server's close must end it
    const code = await runConnect(url, { json: true }, captured.io);
    expect(code).toBe(0);
    const all = events(captured.stdout());
    expect(frames(all)).toEqual(['server close', 'client close']);
    expect(all.filter((e) => e.type === 'frame').map((e) => e.close.code)).toEqual([4001, 4001]);
    expect(all.at(-1)).toMatchObject({ clean: true, closeCode: 4001, by: 'server' });
  });

  test('a server that drops the connection: exit 1, abnormal closure', async () => {
    const url = await fakeServer((socket, { accept }) => {
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
      socket.once('data', () => socket.resetAndDestroy());
    });
    const { code, stdout } = await connect(url, { json: true }, ['hi\n']);
    expect(code).toBe(1);
    const all = events(stdout);
    expect(all).toContainEqual(expect.objectContaining({ type: 'error', message: 'the connection was reset before the closing handshake completed' }));
    expect(all).toContainEqual(expect.objectContaining({ type: 'violation', rule: 'abnormal-closure', severity: 'error' }));
    expect(all.at(-1)).toMatchObject({ type: 'connection-end', clean: false });
  });

  test('an error-severity violation from the server: exit 1', async () => {
    // A masked server frame (RFC 6455 5.1), then a proper close.
    const url = await fakeServer((socket, { accept }) => {
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`);
      socket.write(Buffer.from('818137fa213d5f', 'hex'));
      socket.on('data', (bytes) => {
        if ((bytes[0]! & 0x0f) === 0x8) socket.end(Buffer.from('880203e8', 'hex'));
      });
    });
    const { code, stdout } = await connect(url, { json: true }, []);
    expect(code).toBe(1);
    expect(events(stdout)).toContainEqual(expect.objectContaining({ type: 'violation', rule: 'server-frame-masked', from: 'server' }));
  });

  test('a failed handshake: exit 1 with the reason', async () => {
    const url = await fakeServer((socket) => socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n'));
    const { code, stderr } = await connect(url, {}, ['hi\n']);
    expect(code).toBe(1);
    expect(stderr).toBe('wsinspect: server answered 404 Not Found\n');
  });
});

describe('interactive (stdin is a terminal)', () => {
  async function interactive(url: string, options: ConnectOptions = {}): Promise<{ type(line: string): void; end(): void; done: Promise<number> } & Captured> {
    const stdin = ttyInput();
    const captured = captureIO(stdin);
    const done = runConnect(url, { color: false, ...options }, captured.io);
    return { ...captured, type: (line) => stdin.write(`${line}\n`), end: () => stdin.end(), done };
  }

  test('typed lines go out as they are typed; the prompt and help go to stderr when stdout is not a terminal', async () => {
    const session = await interactive(await echo());
    await eventually(() => session.stderr().includes('> '));
    expect(session.stderr()).toContain('connected: type a message, /help for commands, Ctrl-D to close');
    session.type('first');
    await eventually(() => /S→C text .*"first"/.test(session.stdout()));
    session.type('/help');
    await eventually(() => session.stderr().includes('/fragment N TEXT'));
    session.type('/ping');
    await eventually(() => /S→C pong/.test(session.stdout()));
    session.end(); // Ctrl-D: close at once
    expect(await session.done).toBe(0);
    expect(session.stdout()).toMatch(/closed cleanly by client: 1000 Normal Closure/);
  });

  test('/close with a code and reason, then nothing more is read', async () => {
    const session = await interactive(await echo(), { json: true });
    session.type('/close 1001 bye');
    expect(await session.done).toBe(0);
    const all = events(session.stdout());
    expect(all.find((e) => e.type === 'frame' && e.from === 'client')).toMatchObject({ close: { code: 1001, reason: 'bye' } });
    expect(all.at(-1)).toMatchObject({ clean: true, closeCode: 1001 });
  });
});

describe('usage errors (exit 2)', () => {
  test.each<[string, ConnectOptions, RegExp]>([
    ['a bad --wait', { wait: 'later' }, /^invalid --wait "later"/],
    ['a bad -H', { header: ['X'] }, /^invalid header "X"/],
  ])('%s', async (_name, options, message) => {
    const error = await connect('ws://127.0.0.1:1/', options).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(message);
  });

  test('--wait 0 is allowed', async () => {
    const { code } = await connect(await echo(), { wait: '0' }, ['x\n']);
    expect(code).toBe(0);
  });
});
