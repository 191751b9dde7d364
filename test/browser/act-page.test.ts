/**
 * Acting from the inspector page in headless Chromium, against the real
 * inspector server and a real proxy in front of the echo server: the
 * composer sends a message and a hand-built raw frame into a live
 * connection; the intercept panel holds a message, which is edited and
 * forwarded from the page. A screenshot goes to $SCREENSHOT_DIR (default: a
 * temp folder) for a person to look at.
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { haveChromium, launchChromium, type Chromium } from '../helpers/chromium.js';
import { onCleanup, once } from '../helpers/net.js';
import { startInspected } from '../ui/support.js';

const SHOTS = process.env.SCREENSHOT_DIR ?? join(tmpdir(), 'wsinspect-screens');
mkdirSync(SHOTS, { recursive: true });

describe.runIf(haveChromium)('acting from the inspector page (Chromium)', () => {
  let chromium: Chromium;
  beforeAll(async () => {
    chromium = await launchChromium({ viewport: { width: 1440, height: 900 } });
  });
  afterAll(async () => {
    await chromium?.close();
  });

  test('composer: a text message and a raw frame reach the server; intercept: hold, edit, forward', async () => {
    const { proxy, inspector } = await startInspected();
    const page = await chromium.context.newPage();
    await page.goto(inspector.url);
    await page.getByRole('status').getByText('live').waitFor();
    const ws = new WebSocket(proxy.url, { perMessageDeflate: false });
    await once(ws, 'open');
    const echoes: string[] = [];
    ws.on('message', (data) => echoes.push(String(data)));
    const composer = page.locator('form.composer');
    await composer.getByText('into connection 1').waitFor();

    await composer.getByLabel('Payload').fill('from the page');
    await composer.getByRole('button', { name: 'Send' }).click();
    await composer.getByText('sent text toward the server').waitFor();
    await expect.poll(() => echoes).toEqual(['from the page']); // the echo server answered the injected message

    // A raw frame, masked with an all-zero key by hand: "hi".
    await composer.getByLabel('Frame type').selectOption('raw');
    await composer.getByLabel('Payload').fill('81 82 00 00 00 00 68 69');
    await composer.getByRole('button', { name: 'Send' }).click();
    await expect.poll(() => echoes).toEqual(['from the page', 'hi']);

    await page.locator('details.intercept summary').click();
    await page.getByLabel('Intercept filter').fill('client "hold"');
    await page.getByRole('button', { name: 'Hold matching' }).click();
    await page.getByText('holding messages matching client "hold"').waitFor();
    ws.send('hold this');
    const held = page.locator('li.held');
    await held.waitFor();
    expect(await held.innerText()).toContain('hold this');
    await page.screenshot({ path: join(SHOTS, 'act.png') });
    expect(echoes).toEqual(['from the page', 'hi']); // not forwarded yet
    await held.getByRole('button', { name: 'Edit' }).click();
    await held.getByLabel('Edit message 1').fill('edited in the page');
    await held.getByRole('button', { name: 'Forward edited' }).click();
    await expect.poll(() => echoes).toEqual(['from the page', 'hi', 'edited in the page']);
    await page.getByRole('button', { name: 'Stop' }).click();
    await page.getByText('not intercepting').waitFor();
    expect(proxy.interceptor.active).toBe(false);

    ws.close();
    await page.close();
  });

  test("replay: the server's answers now beside the recorded ones, the first difference marked", async () => {
    // A server whose answers changed since the recording: from its second connection on, a second message is answered in capitals.
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    onCleanup(() => server.close());
    await once(server, 'listening');
    let connections = 0;
    server.on('connection', (peer) => {
      const version = ++connections;
      let count = 0;
      peer.on('message', (data) => peer.send(++count === 2 && version > 1 ? String(data).toUpperCase() : String(data)));
    });
    const { proxy, inspector, log } = await startInspected({ upstream: `ws://127.0.0.1:${(server.address() as AddressInfo).port}/` });
    const page = await chromium.context.newPage();
    await page.goto(inspector.url);
    await page.getByRole('status').getByText('live').waitFor();
    const ws = new WebSocket(proxy.url, { perMessageDeflate: false });
    await once(ws, 'open');
    for (const text of ['alpha', 'beta', 'gamma']) {
      const answered = once(ws, 'message');
      ws.send(text);
      await answered;
    }
    ws.close(1000);
    await log.end(1);

    await page.locator('.connections tbody tr').first().click();
    const replay = page.locator('.replay');
    await replay.getByText('connection 1').waitFor();
    await replay.getByRole('button', { name: 'Replay' }).click();
    await replay.getByText('✘').waitFor();
    expect(await replay.getByRole('status').textContent()).toBe('✘ server message 2 differs: first difference at byte 0: - "beta"  + "BETA"');
    const rows = page.locator('.replay-compare tbody tr');
    expect(await rows.allInnerTexts()).toEqual(['1\talpha\talpha', '2\tbeta\tBETA', '3\tgamma\tgamma']);
    expect(await rows.nth(1).getAttribute('class')).toBe('differs');
    expect(await page.locator('.replay-compare tr.differs').count()).toBe(1);
    await page.screenshot({ path: join(SHOTS, 'replay.png') });
    // The replay went through the proxy: a connection of its own, in the page too.
    await log.end(2);
    expect(log.of('message', 2).filter((m) => m.from === 'client').map((m) => m.text)).toEqual(['alpha', 'beta', 'gamma']);
    await page.locator('.connections tbody tr').nth(1).waitFor();

    // Comparing only the count, the same replay matches.
    await replay.getByLabel('Compare').selectOption('count');
    await replay.getByRole('button', { name: 'Replay' }).click();
    await replay.getByText("✔ the server's 3 messages match the recording (count)").waitFor();
    await page.close();
  });
});
