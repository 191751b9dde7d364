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
import WebSocket from 'ws';
import { haveChromium, launchChromium, type Chromium } from '../helpers/chromium.js';
import { once } from '../helpers/net.js';
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
});
