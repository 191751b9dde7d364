/**
 * Acting from the inspector page in headless Chromium, against the real
 * inspector server and a real proxy in front of the echo server: the
 * composer sends a message and a hand-built raw frame into a live
 * connection; the intercept panel holds a message, which is edited and
 * forwarded from the page; `proxy --intercept EXPR` is named in the page
 * from the start; a saved capture (`read --ui`) offers none of it and says
 * why. Screenshots go to $SCREENSHOT_DIR (default: a temp folder) for a
 * person to look at.
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { AddressInfo } from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { haveChromium, launchChromium, type Chromium } from '../helpers/chromium.js';
import { proxyUrl, run, until } from '../helpers/cli.js';
import { onCleanup, once } from '../helpers/net.js';
import { sendToConnection } from '../../src/act/api.js';
import { parseFilter } from '../../src/filter/index.js';
import { Interceptor } from '../../src/proxy/interceptor.js';
import { targetOf } from '../act/peers.js';
import { startInspected } from '../ui/support.js';

const SHOTS = process.env.SCREENSHOT_DIR ?? join(tmpdir(), 'wsinspect-screens');
mkdirSync(SHOTS, { recursive: true });
const CAPTURE = join(import.meta.dirname, '../../fixtures/captures/loopback-ws.pcapng');

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
    // Closed: the composer is one line saying so, with no controls; replay still works from the recording.
    const composer = page.locator('.composer');
    await composer.getByText('connection 1 is closed: nothing more can go into it').waitFor();
    expect(await composer.locator('button, select, textarea, input').count()).toBe(0);
    expect((await composer.boundingBox())!.height).toBeLessThan(40);
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

  test('the timeline marks injected messages and what became of each held one', async () => {
    // Held messages time out after 6 s: time enough to see one still held.
    const interceptor = new Interceptor(parseFilter('client "hold"'), 6000);
    const { proxy, inspector, log } = await startInspected({ interceptor });
    const page = await chromium.context.newPage();
    await page.goto(inspector.url);
    await page.getByRole('status').getByText('live').waitFor();
    const ws = new WebSocket(proxy.url, { perMessageDeflate: false });
    onCleanup(() => ws.terminate());
    await once(ws, 'open');
    const echoes: string[] = [];
    ws.on('message', (data) => echoes.push(String(data)));
    for (const text of ['hold: forward me', 'hold: edit me', 'hold: drop me', 'hold: let me time out']) ws.send(text);
    await log.until(() => log.of('held').length === 4, 'four held messages');
    // Held by the proxy's own filter (as `proxy --intercept`), with nobody touching the page: the panel opens by
    // itself and lists them, its summary counts them, and so does the Frames tab, seen from any tab.
    const panel = page.locator('details.intercept');
    await panel.locator('li.held').nth(3).waitFor();
    expect(await panel.getAttribute('open')).not.toBeNull();
    expect(await panel.locator('li.held').allInnerTexts()).toEqual(['hold: forward me', 'hold: edit me', 'hold: drop me', 'hold: let me time out'].map((text) => expect.stringContaining(text)));
    expect(await panel.locator('summary').innerText()).toContain('4 held: forward, edit or drop them');
    await page.getByRole('tab', { name: 'Handshake' }).click();
    expect(await page.getByRole('tab', { name: /Frames/ }).innerText()).toMatch(/Frames\s*4 held/);
    await page.getByRole('tab', { name: /Frames/ }).click();
    await page.locator('.connections tbody tr').first().click();
    await page.getByRole('radio', { name: 'messages' }).click();
    const row = (text: string) => page.locator('.trow', { hasText: text });
    await row('hold: let me time out').getByText('held #4', { exact: true }).waitFor();
    await page.screenshot({ path: join(SHOTS, 'held.png') });

    proxy.interceptor.release(1, 'forward', null);
    proxy.interceptor.release(2, 'edit', { kind: 'text', payload: Buffer.from('edited: hold no more') });
    proxy.interceptor.release(3, 'drop', null);
    expect(sendToConnection(targetOf(proxy), '1', { to: 'client', type: 'text', text: 'from wsinspect' }).status).toBe(202);
    await row('hold: forward me').getByText('held · forwarded #1').waitFor();
    await row('hold: edit me').getByText('held · edited #2').waitFor();
    await row('edited: hold no more').getByText('injected · edit of #2').waitFor();
    await row('hold: drop me').getByText('held · dropped #3').waitFor();
    expect(await row('hold: drop me').getAttribute('class')).toContain('hold-drop');
    await row('from wsinspect').getByText('injected', { exact: true }).waitFor();
    // The timeout forwards the last one unchanged, and the page says so.
    await row('hold: let me time out').getByText('held · timed out, forwarded #4').waitFor({ timeout: 20_000 });
    // Nothing held any more: no count left anywhere.
    await expect.poll(() => page.getByRole('tab', { name: /Frames/ }).innerText()).toBe('Frames');
    await expect.poll(() => panel.locator('li.held').count()).toBe(0);
    expect(await panel.locator('summary').innerText()).not.toContain('held');
    // What the client got (the injection and the echoes cross on the way: no order between them); never the dropped one.
    await expect.poll(() => [...echoes].sort()).toEqual(['edited: hold no more', 'from wsinspect', 'hold: forward me', 'hold: let me time out']);
    // The peer's own messages carry no injected mark.
    expect(await page.locator('.trow.injected').count()).toBe(2);
    await page.screenshot({ path: join(SHOTS, 'released.png') });
    // The details say it in words.
    await row('hold: drop me').click();
    await page.locator('.message-detail').getByText('#3 held by --intercept, then dropped: the receiver never got it').waitFor();
    await page.locator('.trow.injected', { hasText: 'edited: hold no more' }).click();
    await page.locator('.message-detail').getByText('injected by wsinspect in place of held message #2').waitFor();

    // The frames view marks the frames of held messages too.
    await page.getByRole('radio', { name: 'frames' }).click();
    await page.locator('.trow.k-frame', { hasText: 'hold: drop me' }).getByText('held · dropped #3').waitFor();
    await page.close();
  });

  test('proxy --intercept EXPR: the page names the filter in force from the start and keeps it in sync', async () => {
    const proxy = run(['proxy', '--listen', '127.0.0.1:0', '--ui', '127.0.0.1:0', '--intercept', 'client "hold"']);
    const url = await until(() => proxyUrl(proxy.stdout()), 'the banner');
    const inspector = /inspector: (http:\/\/\S+)/.exec(proxy.stdout())![1]!;
    const page = await chromium.context.newPage();
    await page.goto(inspector);
    await page.getByRole('status').getByText('live').waitFor();
    // Nothing held yet, the panel closed: its summary says what is in force, and the box holds it, ready to change.
    const panel = page.locator('details.intercept');
    const summary = panel.locator('summary');
    await expect.poll(() => summary.innerText()).toBe('Intercept intercepting: client "hold"');
    expect(await panel.getAttribute('open')).toBeNull();
    expect(await page.getByLabel('Intercept filter').inputValue()).toBe('client "hold"');

    const ws = new WebSocket(url, { perMessageDeflate: false });
    onCleanup(() => ws.terminate());
    await once(ws, 'open');
    ws.send('hold me');
    const held = panel.locator('li.held');
    await held.waitFor();
    expect(await held.innerText()).toContain('hold me');
    expect(await summary.innerText()).toBe('Intercept intercepting: client "hold" 1 held: forward, edit or drop it');
    await page.screenshot({ path: join(SHOTS, 'intercept-cli.png') });

    // Set from the page: the summary follows the server's answer; set by a script meanwhile: the open panel catches up.
    await page.getByLabel('Intercept filter').fill('server');
    await page.getByRole('button', { name: 'Hold matching' }).click();
    await expect.poll(() => summary.innerText()).toMatch(/^Intercept intercepting: server 1 held/);
    const put = await fetch(new URL('api/intercept', inspector), { method: 'PUT', body: JSON.stringify({ filter: 'binary' }) });
    expect(put.status).toBe(200);
    await expect.poll(() => summary.innerText()).toMatch(/^Intercept intercepting: binary 1 held/);
    await page.getByRole('button', { name: 'Stop' }).click();
    await expect.poll(() => summary.innerText()).toBe('Intercept 1 held: forward, edit or drop it');
    await held.getByRole('button', { name: 'Forward' }).click();
    await expect.poll(() => summary.innerText()).toBe('Intercept');
    await page.close();
  });

  test('a saved capture (read --ui): no composer, Replay or Intercept, one line says why; the server refuses to act', async () => {
    const read = run(['read', CAPTURE, '--json', '--ui', '127.0.0.1:0']);
    const url = await until(() => /inspector: (http:\/\/\S+)/.exec(read.stderr())?.[1], 'the inspector URL');
    const page = await chromium.context.newPage();
    await page.goto(url);
    await page.getByRole('status').getByText('● saved capture').waitFor();
    await page.locator('.connections tbody tr[data-conn]').first().click();
    await page.locator('.timeline-body .trow').first().waitFor();
    const note = page.getByRole('note');
    await note.waitFor();
    expect(await note.innerText()).toBe('A saved capture: nothing to send to, hold or replay here (wsinspect replay FILE --conn N re-sends a recorded connection to a server).');
    expect(await page.locator('.composer').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Replay' }).count()).toBe(0);
    expect(await page.locator('details.intercept').count()).toBe(0);
    await page.screenshot({ path: join(SHOTS, 'capture.png') });

    // The page's own request, as a script from its origin would send it.
    const refused = await page.evaluate(async () => {
      const response = await fetch('api/connections/1/send', { method: 'POST', body: JSON.stringify({ to: 'server', type: 'text', text: 'x' }) });
      return { status: response.status, body: (await response.json()) as { error: string } };
    });
    expect(refused).toEqual({ status: 409, body: { error: expect.stringMatching(/^this inspector shows a saved capture/) } });
    await page.close();
  });
});
