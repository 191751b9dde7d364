/**
 * `wsinspect send`: the arguments as API calls (a table), and the built CLI
 * against a live proxy's acting API over loopback: the frame reaches the
 * peer, refusals exit 1 with the inspector's reason, usage errors exit 2.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { buildApiCall } from '../../src/cli/send.js';
import { proxyUrl, run, until } from '../helpers/cli.js';
import { closedPort, onCleanup, once } from '../helpers/net.js';

const MAIN = join(import.meta.dirname, '../../dist/cli/main.js');

function wsinspect(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [MAIN, ...args], (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

const base = { to: 'server' };

describe('send arguments → API call', () => {
  test.each([
    [['3', 'hi'], {}, '/api/connections/3/send', { to: 'server', type: 'text', text: 'hi' }],
    [['3'], { to: 'client', binary: 'de ad' }, '/api/connections/3/send', { to: 'client', type: 'binary', base64: '3q0=' }],
    [['3'], { ping: true }, '/api/connections/3/send', { to: 'server', type: 'ping' }],
    [['3'], { pong: 'p' }, '/api/connections/3/send', { to: 'server', type: 'pong', text: 'p' }],
    [['3'], { close: true }, '/api/connections/3/send', { to: 'server', type: 'close' }],
    [['3', '4000', 'bye now'], { close: true }, '/api/connections/3/send', { to: 'server', type: 'close', code: 4000, reason: 'bye now' }],
    [[], { release: '7' }, '/api/intercepted/7', { action: 'forward' }],
    [[], { release: '7', drop: true }, '/api/intercepted/7', { action: 'drop' }],
    [[], { release: '7', edit: 'new' }, '/api/intercepted/7', { action: 'edit', text: 'new' }],
  ] as const)('%j %j', (args, options, path, body) => {
    const [conn, ...rest] = args;
    expect(buildApiCall(conn, [...rest], { ...base, ...options })).toMatchObject({ path, body });
  });

  test.each([
    [[], {}, /connection number/],
    [['x', 'hi'], {}, /invalid connection/],
    [['3'], {}, /nothing to send/],
    [['3', 'a', 'b'], {}, /one argument/],
    [['3', 'hi'], { ping: true }, /unexpected argument/],
    [['3'], { ping: true, close: true }, /choose one/],
    [['3'], { binary: 'xyz' }, /not hex/],
    [['3', '70000'], { close: true }, /close code/],
    [['3', 'hi'], { to: 'both' }, /--to/],
    [['3'], { release: '7' }, /only the message id/],
    [[], { release: '7', drop: true, edit: 'x' }, /exclude/],
    [[], { drop: true }, /with --release/],
  ] as const)('%j %j is a usage error', (args, options, message) => {
    const [conn, ...rest] = args;
    expect(() => buildApiCall(conn, [...rest], { ...base, ...options })).toThrow(message);
  });
});

describe('wsinspect send (CLI) against a running wsinspect proxy', () => {
  test('the frame reaches the client; refusals exit 1 with the reason; usage errors exit 2', async () => {
    const proxy = run(['proxy', '--listen', '127.0.0.1:0', '--ui', '127.0.0.1:0', '--json']);
    const url = await until(() => proxyUrl(proxy.stderr()), 'the banner');
    const ui = await until(() => /inspector: http:\/\/(\S+?)\//.exec(proxy.stderr())?.[1], 'the inspector URL');
    const client = new WebSocket(url);
    onCleanup(() => client.terminate());
    await once(client, 'open');
    const received = once<Buffer>(client, 'message');

    const sent = await wsinspect(['send', '--ui', ui, '1', '--to', 'client', 'from the command line']);
    expect(sent).toMatchObject({ code: 0, stdout: 'sent: text message (21 bytes) toward the client of connection 1\n' });
    expect(String(await received)).toBe('from the command line');
    const event = await until(() => proxy.stdout().split('\n').find((line) => line.includes('"injected":true') && line.includes('"message"')), 'the injected message event');
    expect(JSON.parse(event)).toMatchObject({ type: 'message', conn: 1, from: 'server', text: 'from the command line', injected: true });

    const refused = await wsinspect(['send', '--ui', ui, '9', 'nobody']);
    expect(refused).toMatchObject({ code: 1, stderr: 'wsinspect: the inspector refused (404): no connection 9\n' });
    const usage = await wsinspect(['send', '--ui', ui, '1']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/^wsinspect: nothing to send/);
    const unreachable = await wsinspect(['send', '--ui', `127.0.0.1:${await closedPort()}`, '1', 'x']);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/cannot reach the inspector .*ECONNREFUSED/);
  }, 90_000);
});
