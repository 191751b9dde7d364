/** `proxy --filter EXPR`: what the views show (never what is forwarded); a bad expression is exit 2 naming its position. */
import { describe, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { proxyUrl, run, until } from '../helpers/cli.js';

async function exchange(url: string, texts: string[]): Promise<string[]> {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  await new Promise((r) => ws.once('open', r));
  const echoed: string[] = [];
  for (const text of texts) {
    ws.send(text);
    echoed.push(String(await new Promise((r) => ws.once('message', r))));
  }
  ws.close(1000);
  await new Promise((r) => ws.once('close', r));
  return echoed;
}

describe('wsinspect proxy --filter', () => {
  test('--json shows only matching subjects, with their connection context; everything is still relayed', async () => {
    const proxy = run(['proxy', '--listen', '127.0.0.1:0', '--no-ui', '--json', '--filter', 'server "two"']);
    const url = await until(() => proxyUrl(proxy.stderr()), 'the banner');
    expect(await exchange(url, ['one', 'two', 'three'])).toEqual(['one', 'two', 'three']);
    await until(() => proxy.stdout().includes('"connection-end"'), 'connection-end');
    proxy.child.kill('SIGTERM');
    expect(await proxy.exited).toBe(0);
    const events = proxy.stdout().trim().split('\n').map((line) => JSON.parse(line));
    expect(events.map((e) => e.type)).toEqual(['connection', 'handshake-request', 'handshake-response', 'message', 'connection-end']);
    expect(events[3]).toMatchObject({ from: 'server', text: 'two' });
  });

  test('the pretty view is filtered too', async () => {
    const proxy = run(['proxy', '--listen', '127.0.0.1:0', '--no-ui', '--no-color', '--filter', 'client text']);
    const url = await until(() => proxyUrl(proxy.stdout()), 'the banner');
    await exchange(url, ['Hello, filter!']);
    await until(() => proxy.stdout().includes('closed cleanly'), 'the summary');
    expect(proxy.stdout()).toMatch(/C→S text .*"Hello, filter!"/);
    expect(proxy.stdout()).not.toMatch(/S→C text/);
  });

  test.each([
    ['client bogus', 8, 'unknown term "bogus"'],
    ['"open', 1, 'unterminated "string"'],
    ['size>x', 6, 'size needs a whole number'],
  ])('invalid %j: exit 2, one line naming position %i', async (expr, position, reason) => {
    const proxy = run(['proxy', '--listen', '127.0.0.1:0', '--no-ui', '--filter', expr]);
    expect(await proxy.exited).toBe(2);
    expect(proxy.stderr()).toBe(`wsinspect: --filter: invalid filter at position ${position}: ${reason}\n`);
  });
});
