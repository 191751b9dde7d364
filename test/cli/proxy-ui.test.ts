/** `proxy --ui/--no-ui/--keep` as a user runs them: the banner's inspector URL serves the API; a taken port is exit 2 naming --ui. */
import net from 'node:net';
import { describe, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { join } from 'node:path';
import { proxyUrl, run, tempDir, until } from '../helpers/cli.js';

describe('wsinspect proxy --ui', () => {
  test('the banner prints the inspector URL; its API lists the connection; --keep is accepted', async () => {
    const proxy = run(['proxy', '--listen', '127.0.0.1:0', '--ui', '127.0.0.1:0', '--keep', '1MiB', '--json']);
    const url = await until(() => proxyUrl(proxy.stderr()), 'the banner');
    const inspector = /inspector: (http:\/\/127\.0\.0\.1:\d+\/)\n/.exec(proxy.stderr())![1]!;
    const ws = new WebSocket(url);
    await new Promise((r) => ws.once('open', r));
    ws.close(1000);
    await until(() => proxy.stdout().includes('"connection-end"'), 'connection-end');
    const rows = (await (await fetch(`${inspector}api/connections`)).json()) as Array<{ conn: number; state: string }>;
    expect(rows).toMatchObject([{ conn: 1, state: 'closed' }]);
    const stats = (await (await fetch(`${inspector}api/stats`)).json()) as { keepBytes: number };
    expect(stats.keepBytes).toBe(1024 * 1024);
  });

  // stdout a pipe (process.stdout) or a file (written at once from the store's bytes, cli/stdout-file.ts).
  test.each(['a pipe', 'a file'])('--json with the inspector on prints exactly the events the inspector keeps, in order (stdout %s)', async (to) => {
    const stdoutFile = to === 'a file' ? join(tempDir(), 'events.ndjson') : undefined;
    const proxy = run(['proxy', '--listen', '127.0.0.1:0', '--ui', '127.0.0.1:0', '--json'], { stdoutFile });
    const url = await until(() => proxyUrl(proxy.stderr()), 'the banner');
    const inspector = /inspector: (http:\/\/127\.0\.0\.1:\d+\/)\n/.exec(proxy.stderr())![1]!;
    const ws = new WebSocket(url);
    await new Promise((r) => ws.once('open', r));
    const texts = ['plain', 'héllo ✓ 🙂', 'x'.repeat(300_000), ...Array.from({ length: 500 }, (_, i) => `message ${i}`)];
    let echoes = 0;
    ws.on('message', () => echoes++);
    for (const text of texts) ws.send(text);
    ws.send(Buffer.from([0, 1, 2, 255]));
    await until(() => echoes === texts.length + 1, 'the echoes');
    ws.close(1000);
    await until(() => proxy.stdout().includes('"connection-end"'), 'connection-end');
    const kept = await (await fetch(`${inspector}api/connections/1/events`)).text();
    expect(proxy.stdout()).toBe(kept);
    const events = kept.trim().split('\n').map((line) => JSON.parse(line));
    // The 300 KB text is kept as a preview: its size stands for it.
    const echoed = events.filter((e) => e.type === 'message' && e.from === 'server').map((e) => (e.truncated ? e.size : (e.text ?? e.base64)));
    expect(echoed).toEqual([...texts.map((text) => (text.length > 100_000 ? text.length : text)), 'AAEC/w==']);
  });

  test('--no-ui: no inspector line in the banner', async () => {
    const proxy = run(['proxy', '--listen', '127.0.0.1:0', '--no-ui', '--no-color']);
    await until(() => proxyUrl(proxy.stdout()), 'the banner');
    expect(proxy.stdout()).not.toContain('inspector');
  });

  test('a taken inspector port: exit 2, one line naming --ui', async () => {
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const proxy = run(['proxy', '--listen', '127.0.0.1:0', '--ui', `127.0.0.1:${port}`]);
      expect(await proxy.exited).toBe(2);
      expect(proxy.stderr().trim().split('\n')).toHaveLength(1);
      expect(proxy.stderr()).toMatch(/already in use.*--ui HOST:PORT/);
    } finally {
      taken.close();
    }
  });

  test.each([
    [['--ui', 'nonsense'], /invalid --ui "nonsense"/],
    [['--keep', 'lots'], /invalid --keep "lots"/],
  ])('%j is a usage error', async (args, message) => {
    const proxy = run(['proxy', '--listen', '127.0.0.1:0', ...args]);
    expect(await proxy.exited).toBe(2);
    expect(proxy.stderr()).toMatch(message);
  });
});
