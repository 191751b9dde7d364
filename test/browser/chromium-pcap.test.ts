/**
 * Chromium as a real peer of a capture round trip: headless Chromium opens a
 * WebSocket through `wsinspect proxy --pcap OUT --json` (the built CLI) and
 * sends text, binary and messages large enough for Chromium to cut into
 * several frames, to an echo server that accepts its permessage-deflate
 * offer, then to one that declines it. `read OUT --json` must give the live
 * `--json` events (up to ts and conn), and tshark must agree with `read` on
 * every frame (FIN, opcode, mask, length, unmasked payload).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startEchoServer } from '../../src/echo/echo-server.js';
import type { WireEvent } from '../../src/inspector/events.js';
import { haveChromium, launchChromium, type Chromium } from '../helpers/chromium.js';
import { MAIN, proxyUrl, run, tempDir, until } from '../helpers/cli.js';
import { comparable } from '../capture/comparable.js';
import { expectTsharkAgrees, TSHARK } from '../capture/tshark.js';

const jsonLines = (text: string) => text.trim().split('\n').map((line) => JSON.parse(line) as WireEvent);

const GREETING = 'Hello from Chromium, été 😀';

/** In the page (so self-contained): one WebSocket to `url`, each message sent and its echo awaited, then a clean close. */
async function chromiumSession([url, greeting]: [string, string]): Promise<{ echoed: number; extensions: string; closeCode: number }> {
  const ws = new WebSocket(url);
  ws.binaryType = 'arraybuffer';
  await new Promise((resolve, reject) => {
    ws.onopen = resolve;
    ws.onerror = () => reject(new Error('the WebSocket failed to open'));
  });
  // Random, so that compressed it is still large enough for Chromium to send in several frames.
  const big = new Uint8Array(300_000);
  for (let at = 0; at < big.length; at += 65_536) crypto.getRandomValues(big.subarray(at, at + 65_536));
  const messages: (string | Uint8Array)[] = [greeting, new Uint8Array([0, 1, 2, 254, 255]), 'x'.repeat(200_000), big];
  let echoed = 0;
  for (const message of messages) {
    const reply = new Promise((resolve) => (ws.onmessage = resolve));
    ws.send(message);
    await reply;
    echoed++;
  }
  const closed = new Promise<{ code: number }>((resolve) => (ws.onclose = resolve));
  ws.close(1000, 'done');
  return { echoed, extensions: ws.extensions, closeCode: (await closed).code };
}

describe.runIf(haveChromium)('Chromium through proxy --pcap: read gives the live events; tshark agrees', () => {
  let chromium: Chromium;

  beforeAll(async () => {
    chromium = await launchChromium();
  });

  afterAll(async () => {
    await chromium?.close();
  });

  for (const deflate of [true, false]) {
    test(`echo server ${deflate ? 'accepting' : 'declining'} Chromium's permessage-deflate offer`, async () => {
      const echo = await startEchoServer({ port: 0, deflate });
      const out = join(tempDir(), 'chromium.pcapng');
      try {
        const proxy = run(['proxy', '--listen', '127.0.0.1:0', '--upstream', echo.url, '--no-ui', '--json', '--pcap', out]);
        const url = await until(() => proxyUrl(proxy.stderr()), 'the banner');
        const page = await chromium.context.newPage();
        try {
          const session = await page.evaluate(chromiumSession, [url, GREETING] as [string, string]);
          expect(session).toEqual({ echoed: 4, extensions: deflate ? expect.stringMatching(/^permessage-deflate/) : '', closeCode: 1000 });
        } finally {
          await page.close();
        }
        await until(() => proxy.stdout().includes('"connection-end"'), 'connection-end');
        proxy.child.kill('SIGTERM');
        expect(await proxy.exited).toBe(0);
        const live = jsonLines(proxy.stdout());

        const read = spawnSync(process.execPath, [MAIN, 'read', out, '--json'], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
        expect(read.stderr).toBe('');
        expect(read.status).toBe(0);
        const events = jsonLines(read.stdout);
        expect(comparable(events)).toEqual(comparable(live));

        // It was the traffic asked for: compressed or not, and Chromium cut the large messages into frames.
        const messages = events.filter((e) => e.type === 'message');
        const sent: [string, number][] = [['text', Buffer.byteLength(GREETING)], ['binary', 5], ['text', 200_000], ['binary', 300_000]];
        expect(messages.map((m) => [m.from, m.kind, m.size])).toEqual(sent.flatMap(([kind, size]) => [['client', kind, size], ['server', kind, size]]));
        expect(messages.every((m) => m.compressed === deflate)).toBe(true);
        expect(messages.some((m) => m.from === 'client' && m.frames! > 1)).toBe(true);
        expect(events.filter((e) => e.type === 'violation')).toEqual([]);
        if (TSHARK) expectTsharkAgrees(out, events);
      } finally {
        await echo.close();
      }
    });
  }
});
