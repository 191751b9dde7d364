/**
 * The web inspector in headless Chromium, served by the real inspector server
 * beside a real proxy, with real traffic from a `ws` client: the connection
 * row, the handshake checks and accept computation, frames in order with
 * their fields, the bit diagram and byte highlighting of a frame sent with a
 * known masking key, the filter, the exports, 100,000 frames, and wire text
 * shown as text. Screenshots of the main views go to
 * $SCREENSHOT_DIR (default: a temp folder) for a person to look at.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import WebSocket from 'ws';
import { har as validateHar } from 'har-validator';
import { haveChromium, launchChromium, type Chromium } from '../helpers/chromium.js';
import { startInspected, type Inspected } from '../ui/support.js';
import { connectPeer, headEnd, startRawServer, upgradeRequest } from '../helpers/net.js';
import { encodeFrame } from '../../src/inspector/frame-encoder.js';
import { harEvents } from '../../src/capture/har-reader.js';

const SHOTS = process.env.SCREENSHOT_DIR ?? join(tmpdir(), 'wsinspect-screens');
mkdirSync(SHOTS, { recursive: true });

/** The masking key of RFC 6455's own example (5.7): "Hello" masks to 7f 9f 4d 51 58. */
const KEY = [0x37, 0xfa, 0x21, 0x3d];

/** A ws client through the proxy; with `knownKey` (the default) every frame is masked with KEY. */
async function openClient(url: string, options: WebSocket.ClientOptions = {}, knownKey = true): Promise<WebSocket> {
  const ws = new WebSocket(url, knownKey ? { generateMask: (mask: Buffer) => mask.set(KEY), ...options } : options);
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  return ws;
}

function nextMessage(ws: WebSocket): Promise<string> {
  return new Promise((resolve) => ws.once('message', (data) => resolve(String(data))));
}

/** Scrolls the element's end into view, then whether its last line is on screen and on top (not clipped or covered). */
function endInView(locator: Locator): Promise<boolean> {
  return locator.evaluate((el) => {
    el.scrollIntoView({ block: 'end' });
    const box = el.getBoundingClientRect();
    const hit = el.ownerDocument.elementFromPoint(box.left + 8, box.bottom - 6);
    return box.bottom <= el.ownerDocument.documentElement.clientHeight + 1 && hit !== null && el.contains(hit); // +1: sub-pixel layout
  });
}

/** How many lines the element's text takes. */
function linesOf(locator: Locator): Promise<number> {
  return locator.evaluate((el) => {
    const range = el.ownerDocument.createRange();
    range.selectNodeContents(el);
    return new Set([...range.getClientRects()].map((r) => Math.round(r.top))).size;
  });
}

async function closeClient(ws: WebSocket): Promise<void> {
  const closed = new Promise((resolve) => ws.once('close', resolve));
  ws.close(1000, 'bye');
  await closed;
}

describe.runIf(haveChromium)('web inspector in headless Chromium', () => {
  let chromium: Chromium;
  let fixture: { url: string; proxyUrl: string; inspected: Inspected };
  let page: Page;
  const blocked: string[] = [];

  beforeAll(async () => {
    chromium = await launchChromium({ viewport: { width: 1440, height: 900 }, permissions: ['clipboard-read', 'clipboard-write'] });
  });
  afterAll(async () => {
    await chromium?.close();
  });
  beforeEach(async () => {
    const inspected = await startInspected(); // closed after each test by test/helpers/net.ts
    fixture = { url: inspected.inspector.url, proxyUrl: inspected.proxy.url, inspected };
    page = await chromium.context.newPage();
    page.setDefaultTimeout(8000);
    page.on('pageerror', (error) => {
      throw error;
    });
    // The server's Content-Security-Policy must never have to block anything the page does.
    page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) blocked.push(message.text());
    });
  });
  afterEach(async (context) => {
    if (context.task.result?.state === 'fail') await page.screenshot({ path: join(SHOTS, 'failed.png') });
    await page.close();
    expect(blocked).toEqual([]);
    blocked.length = 0;
  });

  test('connection row, frames in order, and one frame bit by bit with bytes lit both ways', async () => {
    await page.goto(fixture.url);
    await page.getByRole('status').getByText('live').waitFor();
    const ws = await openClient(fixture.proxyUrl);
    ws.send('Hello');
    expect(await nextMessage(ws)).toBe('Hello');

    const row = page.locator('.connections tbody tr').first();
    await row.getByText('open').waitFor();
    await expect.poll(() => row.innerText()).toMatch(/✔ valid/);
    expect(await row.innerText()).toContain('/');

    const rows = page.locator('.timeline-body .trow');
    await rows.nth(1).waitFor();
    const texts = await rows.allInnerTexts();
    expect(texts[0]).toMatch(/→[\s\S]*text[\s\S]*F ··· M[\s\S]*5[\s\S]*\/7[\s\S]*Hello/);
    expect(texts[1]).toMatch(/←[\s\S]*text[\s\S]*F ··· ·[\s\S]*Hello/);

    await rows.first().click();
    const detail = page.locator('.frame-detail');
    await detail.waitFor();
    // The header rebuilt bit for bit, then the masked payload of RFC 6455's example.
    const bytes = await detail.locator('.hex-byte').allInnerTexts();
    expect(bytes.join(' ')).toBe('81 85 37 fa 21 3d 7f 9f 4d 51 58');
    const bitsOf = async (field: string) => (await detail.locator(`.seg[data-field="${field}"] .seg-bits`).allInnerTexts()).join('');
    expect((await bitsOf('fin')).trim()).toBe('1');
    expect((await bitsOf('opcode')).replace(/\s/g, '')).toBe('0001');
    expect((await bitsOf('mask')).trim()).toBe('1');
    expect((await bitsOf('len')).replace(/\s/g, '')).toBe('0000101');
    expect((await bitsOf('maskkey')).replace(/\s/g, '')).toBe('00110111111110100010000100111101');
    // Unmasking row by row ends in "Hello".
    expect((await detail.locator('.xor-plain td').allInnerTexts()).join(' ')).toBe('48 65 6c 6c 6f');

    // Field -> bytes: the masking key lights bytes 2-5.
    await detail.locator('.seg[data-field="maskkey"]').first().hover();
    const lit = () => detail.locator('.hex-byte.lit').evaluateAll((els) => els.map((el) => Number(el.getAttribute('data-byte'))));
    expect(await lit()).toEqual([2, 3, 4, 5]);
    await page.screenshot({ path: join(SHOTS, 'frame-bits.png') });
    await detail.getByRole('button', { name: 'Copy frame as hex' }).click();
    await expect.poll(() => page.evaluate('navigator.clipboard.readText()')).toBe('81 85 37 fa 21 3d 7f 9f 4d 51 58');
    await detail.getByRole('button', { name: 'Copy as base64' }).click();
    await expect.poll(() => page.evaluate('navigator.clipboard.readText()')).toBe(Buffer.from('Hello').toString('base64'));
    // Byte -> fields: byte 0 lights FIN, RSV1-3 and the opcode in the diagram.
    await detail.locator('.hex-byte[data-byte="0"]').hover();
    const litFields = await detail.locator('.seg.lit').evaluateAll((els) => els.map((el) => el.getAttribute('data-field')));
    expect(litFields).toEqual(['fin', 'rsv1', 'rsv2', 'rsv3', 'opcode']);
    // Keyboard: focus lights too.
    await detail.locator('.seg[data-field="len"]').focus();
    expect(await lit()).toEqual([1]);

    // The up/down keys walk the timeline; Enter moves to the detail.
    await page.locator('.timeline-body').focus();
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => detail.locator('h3').innerText()).toMatch(/server → client/);
    // A screen reader follows the selection (focus stays on the grid).
    const selectedId = await page.locator('.trow.selected').getAttribute('id');
    expect(selectedId).toMatch(/^trow-\d+$/);
    expect(await page.locator('.timeline-body').getAttribute('aria-activedescendant')).toBe(selectedId);
    // Enter moves focus into the detail; Escape, from anywhere in it, back to the timeline (not through every field and byte).
    await page.keyboard.press('Enter');
    expect(await page.evaluate("document.activeElement?.getAttribute('aria-label')")).toBe('Selected frame or message');
    await detail.locator('.seg[data-field="opcode"]').first().focus();
    await page.keyboard.press('Escape');
    expect(await page.evaluate("document.activeElement?.classList.contains('timeline-body')")).toBe(true);
    await page.keyboard.press('ArrowUp');
    await expect.poll(() => detail.locator('h3').innerText()).toMatch(/client → server/);
    await closeClient(ws);
    await row.getByText(/closed/).waitFor();
    await expect.poll(() => row.innerText()).toMatch(/1000 by client/);
    await page.screenshot({ path: join(SHOTS, 'timeline.png') });
  });

  test('handshake: every check passed, the accept computed again in the page, every line of long heads reachable', async () => {
    const long = Object.fromEntries(Array.from({ length: 24 }, (_, i) => [`X-Long-Header-${i}`, `value-${i}-${'abcdefgh'.repeat(6)}`]));
    const ws = await openClient(fixture.proxyUrl, { headers: { 'X-Trace': 'abc', ...long } });
    await page.goto(fixture.url);
    // No frame yet, and no filter: the timeline says so, not that nothing matches.
    await expect.poll(() => page.locator('.timeline-body .empty').innerText()).toBe('No frame on connection 1 yet: they appear here as they cross the proxy.');
    await page.getByRole('tab', { name: 'Handshake' }).click();
    const checks = page.locator('.check-list li');
    await checks.first().waitFor();
    await expect.poll(() => checks.count()).toBe(13);
    expect(await page.locator('.check-list li.fail').count()).toBe(0);
    expect(await page.locator('.check-list li[data-rule="handshake-accept-mismatch"]').innerText()).toContain('RFC6455 4.1');

    const request = fixture.inspected.log.events.find((e) => e.type === 'handshake-request');
    const response = fixture.inspected.log.events.find((e) => e.type === 'handshake-response');
    if (request?.type !== 'handshake-request' || response?.type !== 'handshake-response') throw new Error('no handshake');
    const steps = page.locator('.accept-steps');
    await steps.locator('[data-step="expected"]').waitFor();
    expect(await steps.locator('[data-step="key"]').innerText()).toBe(request.key);
    expect(await steps.locator('[data-step="expected"]').innerText()).toBe(response.accept.expected);
    expect(await steps.locator('[data-step="actual"]').innerText()).toBe(response.accept.actual);
    expect(await steps.locator('[data-step="sha1"]').innerText()).toBe(Buffer.from(response.accept.expected!, 'base64').toString('hex'));
    expect(await steps.innerText()).toContain('✔ matches');
    // Header table: wire order and casing.
    const names = await page.locator('.head').first().locator('tbody td:nth-child(2)').allInnerTexts();
    expect(names).toEqual(request.headers.map(([name]) => name));
    expect(names).toContain('X-Trace');
    await page.screenshot({ path: join(SHOTS, 'handshake.png') });
    // Number and name each on one line (no "1/7", no "Sec-WebSocket-/Version"); the long values wrap instead.
    await page.setViewportSize({ width: 1280, height: 800 });
    const requestHead = page.locator('section[aria-label="Request head"]');
    const version = requestHead.locator('tbody tr', { hasText: 'Sec-WebSocket-Version' });
    expect(await linesOf(version.locator('td').nth(0))).toBe(1);
    expect(await linesOf(version.locator('td').nth(1))).toBe(1);
    expect(await linesOf(requestHead.locator('tbody tr').nth(20).locator('td').nth(0))).toBe(1);

    // Everything scrolls into view within the panel, in the usual window and in a small one: both heads to their last line.
    for (const size of [{ width: 1280, height: 800 }, { width: 800, height: 600 }]) {
      await page.setViewportSize(size);
      for (const head of ['Request', 'Response']) {
        const section = page.locator(`section[aria-label="${head} head"]`);
        expect(await endInView(section.locator('pre.raw-head')), `${head} raw head at ${size.width}x${size.height}`).toBe(true);
        expect(await endInView(section.locator('tbody tr').last()), `${head} header table at ${size.width}x${size.height}`).toBe(true);
      }
    }
    expect(await requestHead.locator('tbody tr').last().locator('td').nth(1).innerText()).toBe(request.headers.at(-1)![0]);
    await page.screenshot({ path: join(SHOTS, 'handshake-heads-small.png') });
    await page.setViewportSize({ width: 1440, height: 900 });
    await closeClient(ws);
  });

  test('handshakes that fail: a wrong accept marked character by character; a refused upgrade explained, not "missing"', async () => {
    // An upstream that answers the first upgrade with a wrong accept, the second with a 404.
    const upstream = await startRawServer((peer) => {
      void peer.until(() => headEnd(peer.bytes()) !== -1, 'the request').then(() => {
        peer.socket.write(
          upstream.peers.indexOf(peer) === 0
            ? 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOX=\r\n\r\n'
            : 'HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n',
        );
      });
    });
    const inspected = await startInspected({ upstream: upstream.url });
    await page.goto(inspected.inspector.url);
    const port = Number(new URL(inspected.proxy.url).port);
    for (const path of ['/wrong-accept', '/refused']) {
      const client = await connectPeer(port);
      client.socket.write(upgradeRequest(`127.0.0.1:${upstream.port}`, path));
      await client.until(() => headEnd(client.bytes()) !== -1, 'the response');
    }
    const connections = page.locator('.connections tbody tr[data-conn]');
    await expect.poll(() => connections.allInnerTexts()).toEqual([expect.stringContaining('✖ handshake-accept-mismatch'), expect.stringContaining('✖ status 404')]);

    // From the violation to the handshake that broke the rule.
    await page.getByRole('tab', { name: /Violations/ }).click();
    await page.locator('.violation-list li', { hasText: 'handshake-accept-mismatch' }).getByRole('button', { name: 'show the handshake' }).click();
    expect(await page.getByRole('tab', { name: 'Handshake' }).getAttribute('aria-selected')).toBe('true');
    expect(await connections.first().getAttribute('aria-selected')).toBe('true');
    const steps = page.locator('.accept-steps');
    await steps.getByText('✖ differs').waitFor();
    expect(await steps.locator('[data-step="actual"] .diff').allInnerTexts()).toEqual(['X']); // the one character that differs
    expect(await page.locator('.check-list li.fail').getAttribute('data-rule')).toBe('handshake-accept-mismatch');
    await page.screenshot({ path: join(SHOTS, 'handshake-failed.png') });
    // The RFC's sentence reads as prose: its |Header-Name| notation shown as code and its _Defined Term_ set off, without the marks.
    const quote = page.locator('.check-list li.fail .rfc-quote');
    expect(await quote.locator('code').allInnerTexts()).toEqual(['Sec-WebSocket-Accept', 'Sec-WebSocket-Accept', 'Sec-WebSocket-Key']);
    expect(await quote.locator('.rfc-term').allInnerTexts()).toEqual(['Fail the WebSocket Connection']);
    expect(await quote.innerText()).not.toMatch(/[|_]/);

    await connections.nth(1).click();
    await page.locator('.check-list li.fail', { hasText: 'got 404: the server refused the upgrade' }).waitFor();
    // The status is the response's check: listed under its heading, the only one there when it is not 101.
    expect(await page.locator('.checks h4').allInnerTexts()).toEqual(['Request (client)', 'Response (server)']);
    expect(await page.locator('.checks .check-list').nth(1).locator('li').allInnerTexts()).toEqual([expect.stringMatching(/^✖\s*status 101 Switching Protocols/)]);
    expect(await steps.locator('li').last().innerText()).toContain('none: the server answered 404, refusing the upgrade (an accept only comes with 101)');
    expect(await page.locator('.handshake .extensions').count()).toBe(0); // no frames follow a refusal: nothing to negotiate
    await page.getByRole('tab', { name: 'Frames' }).click();
    // The empty frames view says why there are none, and leads back to the handshake.
    const empty = page.locator('.timeline-body .empty');
    expect(await empty.innerText()).toBe('The server answered 404 Not Found, refusing the upgrade: no WebSocket, so no frames. show the handshake');
    await empty.getByRole('button', { name: 'show the handshake' }).click();
    expect(await page.getByRole('tab', { name: 'Handshake' }).getAttribute('aria-selected')).toBe('true');
  });

  test('the filter box narrows the timeline with the shared language, and says where an expression is wrong', async () => {
    await page.goto(fixture.url);
    const ws = await openClient(fixture.proxyUrl);
    for (const text of ['alpha', 'beta', 'gamma']) {
      ws.send(text);
      await nextMessage(ws);
    }
    ws.ping('are you there');
    await new Promise((resolve) => ws.once('pong', resolve));
    const rows = page.locator('.timeline-body .trow');
    await expect.poll(() => rows.count()).toBe(8);

    const filter = page.getByLabel('Filter expression');
    await page.locator('body').press('/');
    await expect.poll(() => page.evaluate('document.activeElement.getAttribute("aria-label")')).toBe('Filter expression');
    await filter.fill('server "beta"');
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().innerText()).toMatch(/←[\s\S]*beta/);
    await filter.fill('control');
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.allInnerTexts()).toEqual([expect.stringMatching(/ping[\s\S]*are you there/), expect.stringMatching(/pong[\s\S]*are you there/)]);
    await filter.fill('binary');
    await expect.poll(() => page.locator('.timeline-body .empty').innerText()).toBe('No frame matches the filter on connection 1.');
    await filter.fill('client size>4 !"gamma"');
    await expect.poll(() => rows.count()).toBe(2); // alpha, and the ping

    // An invalid expression: the box says why and where, and the timeline keeps the last valid filter (saying so).
    await filter.fill('client size>');
    const error = page.locator('#filter-error');
    await expect.poll(() => error.innerText()).toMatch(/position 13: size needs a whole number/);
    expect(await error.innerText()).toContain('still showing client size>4 !"gamma"');
    expect(await filter.getAttribute('aria-invalid')).toBe('true');
    expect(await rows.count()).toBe(2);
    await page.screenshot({ path: join(SHOTS, 'filter-error.png') });
    await filter.fill('server');
    await expect.poll(() => rows.count()).toBe(4);
    expect(await error.innerText()).toBe('');
    expect(await filter.getAttribute('aria-invalid')).toBe('false');
    await filter.fill('');
    await expect.poll(() => rows.count()).toBe(8);
    await filter.fill('/unclosed');
    await expect.poll(() => error.innerText()).toMatch(/position 1: .*still showing everything/);
    expect(await rows.count()).toBe(8);
    await filter.fill('');

    // Messages view: the three echoed pairs plus the control frames in place.
    await page.getByRole('radio', { name: 'messages' }).click();
    await expect.poll(() => rows.count()).toBe(8);
    expect(await rows.first().innerText()).toMatch(/text msg/);
    // Its head says what the cells hold: a message's type and payload size (5 B for "alpha", not the frame's 11 B on the wire).
    const head = page.locator('.timeline-head');
    expect(await head.locator('.c-op').innerText()).toBe('type');
    expect(await head.locator('.c-size').getAttribute('title')).toMatch(/^the message's payload bytes/);
    expect(await rows.first().locator('.c-size').innerText()).toBe('5 B');
    await closeClient(ws);
  });

  test('a small window: the timeline above the detail, nothing overlapping, a 64-bit length shown whole', async () => {
    await page.setViewportSize({ width: 800, height: 600 });
    await page.goto(fixture.url);
    const ws = await openClient(fixture.proxyUrl);
    ws.send('x'.repeat(70_000)); // past 65,535: the length goes in the 64-bit extended length
    await nextMessage(ws);
    const rows = page.locator('.timeline-body .trow');
    await rows.nth(1).waitFor();
    await rows.first().click();
    await page.locator('.frame-detail').waitFor();
    const box = async (selector: string) => (await page.locator(selector).first().boundingBox())!;
    const timeline = await box('.timeline');
    const detail = await box('.detail-pane');
    expect(detail.y).toBeGreaterThanOrEqual(timeline.y + timeline.height - 1); // stacked: the rows never run under the detail
    expect(timeline.width).toBeGreaterThan(700);
    const length = rows.first().locator('.c-len');
    expect(await length.innerText()).toBe('70,000 /64');
    expect(await length.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true); // not cut to "70,000 …"
    // The detail writes the same count the same way (70,000, not 70000): the length fields, the payload's bytes, the diagram.
    const fields = page.locator('.frame-detail .fields');
    expect(await fields.locator('.f-extlen strong').innerText()).toBe('70,000 bytes');
    expect(await fields.locator('.f-payload').innerText()).toMatch(/^Payload data bytes 14–70,013\s+70,000 bytes, masked —/);
    expect(await page.locator('.frame-detail .diagram').innerText()).toContain('(70,000 bytes, masked)');
    const preview = await rows.first().locator('.c-preview').boundingBox();
    expect(preview!.x + preview!.width).toBeLessThanOrEqual(timeline.x + timeline.width + 1);
    await page.screenshot({ path: join(SHOTS, 'small-window.png') });
    await closeClient(ws);
  });

  test('a small window: the connections table fits its box, client, path, state, verdict and frames readable', async () => {
    const path = '/chat/rooms/general-discussion?user=alice&session=0123456789abcdef';
    const closed = await openClient(fixture.proxyUrl.replace(/\/$/, path), {}, false); // random masks: no mask-key-weak warning
    closed.send('hello');
    await nextMessage(closed);
    await closeClient(closed);
    const open = await openClient(fixture.proxyUrl, {}, false);
    await page.goto(fixture.url);
    const section = page.locator('section.connections');
    const rows = section.locator('tbody tr[data-conn]');
    await expect.poll(() => rows.count()).toBe(2);
    await expect.poll(() => rows.first().locator('td.only-narrow').innerText()).toBe('→ 2 ← 2');
    const fits = () =>
      section.evaluate((el) => ({
        table: el.querySelector('table')!.getBoundingClientRect().width,
        box: el.clientWidth,
        scroll: el.scrollWidth,
        window: el.ownerDocument.documentElement.clientWidth,
        page: el.ownerDocument.documentElement.scrollWidth,
      }));
    const shownHeads = () => section.locator('thead th').evaluateAll((ths) => ths.filter((th) => th.getClientRects().length > 0).map((th) => th.textContent));
    for (const width of [800, 1000, 1200]) {
      await page.setViewportSize({ width, height: 700 });
      const size = await fits();
      expect(size.table, `${width} px`).toBeLessThanOrEqual(size.box);
      expect(size.scroll, `${width} px`).toBeLessThanOrEqual(size.box); // nothing to scroll sideways
      expect(size.box, `${width} px`).toBeLessThanOrEqual(size.window); // and the box within the window
      expect(size.page, `${width} px`).toBe(size.window);
      expect(await shownHeads()).toEqual(['#', 'client', 'path', 'state', 'handshake', 'frames', 'violations']);
      // Each shown cell whole (only the path may be cut, and it keeps a readable width and its title).
      const cells = rows.first().locator('td');
      expect(await rows.first().innerText()).toMatch(/^1\t127\.0\.0\.1:\d+\t\/chat\/rooms\/\S*\tclosed 1000 by client\t✔ valid\t→ 2 ← 2\t0$/);
      const cut = await cells.evaluateAll((tds) => tds.filter((td) => td.getClientRects().length > 0 && td.scrollWidth > td.clientWidth).map((td) => td.className));
      expect(cut.filter((name) => !name.includes('path'))).toEqual([]);
      const pathCell = cells.nth(2);
      expect((await pathCell.boundingBox())!.width, `${width} px`).toBeGreaterThan(150);
      expect(await pathCell.getAttribute('title')).toBe(path);
      expect(await rows.nth(1).innerText()).toMatch(/\topen\t✔ valid\t→ 0 ← 0\t0$/);
      // Beside the tabs the selected connection's long path is cut too, on one line with its button.
      const scope = page.locator('.tabs-scope');
      expect((await scope.boundingBox())!.height, `${width} px`).toBeLessThan(30);
      expect(await scope.locator('.tabs-scope-name').getAttribute('title')).toBe(`connection 1 · ${path}`);
      await page.screenshot({ path: join(SHOTS, `small-window-${width}.png`) });
    }
    // A wider window keeps every column, bytes each way included, and fits too.
    for (const width of [1280, 1440]) {
      await page.setViewportSize({ width, height: 900 });
      expect(await shownHeads()).toEqual(['#', 'client', 'path', 'upstream', 'state', 'handshake', 'protocol · extensions', 'client → server', 'server → client', 'duration', 'violations']);
      const size = await fits();
      expect(size.scroll, `${width} px`).toBeLessThanOrEqual(size.box);
      expect((await rows.first().locator('td.path').boundingBox())!.width, `${width} px`).toBeGreaterThan(150);
    }
    await closeClient(open);
  });

  test('wire text is shown as text: markup stays inert, bidi and control characters are made visible', async () => {
    await page.goto(fixture.url);
    const ws = await openClient(fixture.proxyUrl, { headers: { 'X-Evil': '<img src=x onerror=window.pwned=1>' } });
    ws.send('<img src=x onerror="window.pwned=1">');
    await nextMessage(ws);
    ws.send('abc\u202Egnp.exe\u0007\u001b[31m');
    await nextMessage(ws);
    const rows = page.locator('.timeline-body .trow');
    await expect.poll(() => rows.count()).toBe(4);
    await rows.first().click();
    expect(await page.locator('.trow img, .detail-pane img, .handshake img').count()).toBe(0);
    expect(await page.locator('.detail-pane .payload').innerText()).toBe('<img src=x onerror="window.pwned=1">');
    await rows.nth(2).click();
    expect(await page.locator('.detail-pane .payload').innerText()).toBe('abc\\u{202e}gnp.exe\\x07\\x1b[31m');
    expect(await rows.nth(2).innerText()).toContain('abc\\u{202e}gnp.exe');
    await page.getByRole('tab', { name: 'Handshake' }).click();
    await page.locator('.head').first().waitFor();
    expect(await page.locator('.head').first().innerText()).toContain('<img src=x onerror=window.pwned=1>');
    expect(await page.locator('img').count()).toBe(0);
    expect(await page.evaluate('window.pwned')).toBeUndefined();
    await closeClient(ws);
  });

  test('Learn walks through the protocol on the real bytes of this connection', async () => {
    await page.goto(fixture.url);
    const ws = await openClient(fixture.proxyUrl);
    ws.send('Hello');
    await nextMessage(ws);
    await page.locator('.timeline-body .trow').nth(1).waitFor();
    // The tab list by keyboard: ← from the first tab wraps round to Learn, focus going along.
    await page.getByRole('tab', { name: 'Frames' }).focus();
    await page.keyboard.press('ArrowLeft');
    expect(await page.getByRole('tab', { name: 'Learn' }).getAttribute('aria-selected')).toBe('true');
    expect(await page.evaluate('document.activeElement.id')).toBe('tab-learn');
    const learn = page.locator('.learn');
    expect(await learn.innerText()).toMatch(/GET \/ HTTP\/1\.1[\s\S]*Sec-WebSocket-Key: /);
    await learn.getByRole('navigation').getByRole('button', { name: /A frame, bit by bit/ }).click();
    expect((await learn.locator('.hex-byte').allInnerTexts()).join(' ')).toBe('81 85 37 fa 21 3d 7f 9f 4d 51 58');
    await page.screenshot({ path: join(SHOTS, 'learn-frame.png') });
    await learn.getByRole('navigation').getByRole('button', { name: /Why clients mask/ }).click();
    expect((await learn.locator('.xor-plain td').allInnerTexts()).join(' ')).toBe('48 65 6c 6c 6f');
    await learn.getByRole('navigation').getByRole('button', { name: /Before RFC 6455/ }).click();
    const codes = await learn.locator('code.bytes').allInnerTexts();
    expect(codes).toEqual(['00 48 65 6c 6c 6f ff', '81 85 37 fa 21 3d 7f 9f 4d 51 58']);
    expect(await learn.locator('p.note').innerText()).toBe(
      'The message: “Hello”. In RFC 6455 the first byte holds FIN, RSV1-3 and the opcode (0x81: FIN + text), the second MASK and the length; the payload is masked.',
    );
    // "Show me" opens the real frame in the frames view with its field lit.
    await learn.getByRole('navigation').getByRole('button', { name: /Why clients mask/ }).click();
    await learn.getByRole('button', { name: /Show the key in the frame/ }).click();
    const detail = page.locator('.frame-detail');
    await detail.waitFor();
    expect(await page.evaluate("document.activeElement?.getAttribute('aria-label')")).toBe('Selected frame or message');
    expect(await detail.locator('.hex-byte.lit').count()).toBe(5); // MASK's byte and the 4 key bytes
    await closeClient(ws);
  });

  test('downloads: HAR (valid HAR 1.2) and NDJSON of the selected connection, from the server\'s export routes', async () => {
    await page.goto(fixture.url);
    const ws = await openClient(fixture.proxyUrl);
    ws.send('exported');
    await nextMessage(ws);
    await closeClient(ws);
    await page.locator('.connections tbody tr').first().getByText(/closed/).waitFor();

    const download = async (name: string) => {
      const [file] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name, exact: true }).click()]);
      return readFileSync((await file.path())!, 'utf8');
    };
    const har = JSON.parse(await download('HAR'));
    await validateHar(har); // rejects with the schema errors when invalid
    const entry = har.log.entries.find((e: { _webSocketMessages?: unknown[] }) => e._webSocketMessages);
    expect(entry._webSocketMessages.map((m: { data: string }) => m.data)).toEqual(['exported', 'exported']);
    const lines = (await download('NDJSON')).trim().split('\n').map((line) => JSON.parse(line));
    expect(new Set(lines.map((e) => e.conn))).toEqual(new Set([1]));
    expect(lines.filter((e) => e.type === 'message').map((e) => e.text)).toEqual(['exported', 'exported']);
  });

  test('100,000 frames in one connection: the page keeps up, scrolls end to end, renders only the rows in view, memory bounded', async () => {
    await page.goto(fixture.url);
    const ws = await openClient(fixture.proxyUrl, {}, false);
    const total = 50_000; // messages each way: 100,000 frames
    let echoed = 0;
    const allEchoed = new Promise<void>((resolve) => ws.on('message', () => ++echoed === total && resolve()));
    for (let i = 0; i < total; i++) ws.send(`message ${i} ${'x'.repeat(40)}`);
    await allEchoed;
    const row = page.locator('.connections tbody tr').first();
    await expect.poll(() => row.innerText(), { timeout: 60_000 }).toMatch(new RegExp(`${total} fr[\\s\\S]*${total} fr`));
    // Following: the newest frame is in view.
    const rows = page.locator('.timeline-body .trow');
    await expect.poll(() => rows.last().innerText()).toMatch(new RegExp(`^←[\\s\\S]*message ${total - 1} `));
    expect(await page.locator('.timeline-body').getAttribute('aria-rowcount')).toBe(String(2 * total));
    // Back to the first frame with the keyboard: 100,000 rows away; then scrolled back down to the end.
    const body = page.locator('.timeline-body');
    await body.focus();
    await page.keyboard.press('Home');
    await expect.poll(() => rows.first().innerText()).toMatch(/^→[\s\S]*message 0 /);
    await body.evaluate((element) => element.scrollTo({ top: element.scrollHeight }));
    await expect.poll(() => rows.last().innerText()).toMatch(new RegExp(`^←[\\s\\S]*message ${total - 1} `));
    await rows.last().click();
    await expect.poll(() => page.locator('.frame-detail').innerText()).toMatch(new RegExp(`message ${total - 1} `));
    await page.screenshot({ path: join(SHOTS, 'flood.png') });
    // What the page holds: a few hundred DOM nodes whatever the frame count (one per frame would be 100,000+),
    // and a JS heap of the kept events, well under what a node per frame would cost.
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('HeapProfiler.collectGarbage');
    await cdp.send('Performance.enable');
    const { metrics } = await cdp.send('Performance.getMetrics');
    const metric = (name: string) => metrics.find((m) => m.name === name)!.value;
    console.log(`page after ${2 * total} frames: ${metric('Nodes')} DOM nodes, JS heap ${(metric('JSHeapUsedSize') / 2 ** 20).toFixed(1)} MiB`);
    expect(await rows.count()).toBeLessThan(120);
    expect(metric('Nodes')).toBeLessThan(5_000);
    expect(metric('JSHeapUsedSize')).toBeLessThan(128 * 2 ** 20);
    await closeClient(ws);
  }, 180_000);

  test('a violation: marked on its frame, listed with rule, severity, section and the RFC sentence, linked back to the frame', async () => {
    await page.goto(fixture.url);
    const port = Number(new URL(fixture.proxyUrl).port);
    const socket = net.connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    socket.on('data', (chunk) => (received = Buffer.concat([received, chunk])));
    socket.write(upgradeRequest(`127.0.0.1:${port}`));
    await expect.poll(() => headEnd(received)).toBeGreaterThan(0);
    socket.write(encodeFrame({ opcode: 0x1, payload: 'not masked' })); // a client must mask
    const rows = page.locator('.timeline-body .trow');
    await rows.first().waitFor();
    expect(await rows.first().getAttribute('class')).toContain('has-error');
    expect(await rows.first().innerText()).toContain('client-frame-unmasked');

    // A clean connection beside it: its Violations tab says where the violation is, not that all is well.
    const clean = await openClient(fixture.proxyUrl);
    await page.locator('.connections tbody tr[data-conn="2"]').click();
    await page.getByRole('tab', { name: /Violations/ }).click();
    const all = page.getByLabel('all connections');
    expect(await all.isChecked()).toBe(false);
    // Connection 1 has the unmasked frame's violation, and an abnormal-closure too once the echo server has
    // dropped it for that frame (the ws engine, where no uWS binary loads, may do so before the page looks).
    expect(await page.locator('.violations .empty').innerText()).toMatch(
      /^No violation on connection 2; (1 violation|2 violations) on other connections \(tick "all connections" to see them\)\.$/,
    );
    await page.getByRole('button', { name: 'show all connections' }).click();
    expect(await all.isChecked()).toBe(true); // what it shows: every connection's
    expect(await all.isDisabled()).toBe(true);
    const item = page.locator('.violation-list li').first();
    await item.waitFor();
    const text = await item.innerText();
    expect(text).toMatch(/error[\s\S]*client-frame-unmasked[\s\S]*RFC6455 5\.1/i);
    expect(text).toContain('A client MUST mask all frames that it sends to the server.');
    await page.screenshot({ path: join(SHOTS, 'violations.png') });
    // By keyboard: the link goes with its tab, so focus moves to the frame it opened (not back to the top of the page).
    await item.getByRole('button', { name: /show the frame/ }).focus();
    await page.keyboard.press('Enter');
    const detail = page.locator('.frame-detail');
    await detail.waitFor();
    await expect.poll(() => page.evaluate("document.activeElement?.getAttribute('aria-label')")).toBe('Selected frame or message');
    expect(await detail.locator('.violations-inline').innerText()).toContain('client-frame-unmasked');
    expect((await detail.locator('.seg[data-field="mask"] .seg-bits').innerText()).trim()).toBe('0');
    socket.destroy();
    // The connection ended without close frames: its row's badge names the rule, its preview says what happened
    // (the rule id once: repeated in the preview, it pushed the sentence out of the cell).
    await page.locator('.connections tbody tr[data-conn="1"]').click();
    const ended = rows.filter({ hasText: 'abnormal-closure' });
    await ended.waitFor();
    expect(await ended.locator('.badge').innerText()).toContain('abnormal-closure');
    expect(await ended.locator('.ptext').innerText()).toMatch(/^the TCP connection ended before both close frames were seen/);
    await closeClient(clean);
  });

  test('pause holds the view while events keep arriving; resume shows them; clear empties the page', async () => {
    await page.goto(fixture.url);
    const ws = await openClient(fixture.proxyUrl);
    ws.send('one');
    await nextMessage(ws);
    const rows = page.locator('.timeline-body .trow');
    await expect.poll(() => rows.count()).toBe(2);
    await page.getByRole('button', { name: /pause/ }).click();
    ws.send('two');
    await nextMessage(ws);
    const resume = page.getByRole('button', { name: /resume/ });
    await expect.poll(() => resume.innerText()).toMatch(/resume \(\d+ new events?\)/);
    expect(await rows.count()).toBe(2);
    await resume.click();
    await expect.poll(() => rows.count()).toBe(4);
    await page.getByRole('button', { name: 'clear' }).click();
    await expect.poll(() => rows.count()).toBe(0);
    expect(await page.locator('.connections tbody tr[data-conn]').count()).toBe(0);
    await closeClient(ws);
  });

  test('permessage-deflate, a fragmented JSON message with a ping between its frames, and a close with a reason', async () => {
    await page.close();
    fixture = await (async () => {
      const inspected = await startInspected({ deflate: true });
      return { url: inspected.inspector.url, proxyUrl: inspected.proxy.url, inspected };
    })();
    page = await chromium.context.newPage();
    page.setDefaultTimeout(8000);
    await page.goto(fixture.url);
    const ws = await openClient(fixture.proxyUrl, { perMessageDeflate: true }, false);
    const value = {
      user: { id: 7, name: 'Ada', roles: ['admin', 'dev'], note: 'said "hi" \\o/', tags: {} },
      items: Array.from({ length: 8 }, (_, i) => ({ i, ok: i % 2 === 0, none: null })),
    };
    const json = JSON.stringify(value);
    const echoed = nextMessage(ws);
    ws.send(json.slice(0, 60), { fin: false, compress: true });
    ws.ping('mid-message');
    ws.send(json.slice(60), { fin: true, compress: true });
    expect(await echoed).toBe(json);
    await closeClient(ws);
    const rows = page.locator('.timeline-body .trow');
    await page.locator('.connections tbody tr').first().getByText(/closed/).waitFor();

    // Frames: the two fragments bracketed as one message, the ping in between.
    const texts = (await rows.allInnerTexts()).filter((text) => text.startsWith('→'));
    expect(texts.slice(0, 3)).toEqual([
      expect.stringMatching(/→[\s\S]*text[\s\S]*· 1·· M[\s\S]*1\/2/),
      expect.stringMatching(/→[\s\S]*ping[\s\S]*mid-message/),
      expect.stringMatching(/→[\s\S]*continuation[\s\S]*2\/2/),
    ]);
    // The compressed server frame, the whole message in one frame: its bytes on the wire and the message
    // inflated, in a cell they fit; its preview the message's text (not "part of" it).
    const serverFrame = rows.filter({ hasText: /←/ }).filter({ hasText: 'text' }).first();
    const frameSizes = serverFrame.locator('.c-size');
    expect(await frameSizes.innerText()).toMatch(new RegExp(`^\\d+ B → ${json.length} B$`));
    expect(await frameSizes.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
    expect(await serverFrame.locator('.ptext').innerText()).toMatch(/^\{"user":\{"id":7/);
    // Its detail: RSV1 set, its sizes before and after inflation.
    await serverFrame.click();
    const detail = page.locator('.frame-detail');
    expect((await detail.locator('.seg[data-field="rsv1"] .seg-bits').innerText()).trim()).toBe('1');
    expect(await detail.innerText()).toMatch(new RegExp(`Compressed with permessage-deflate[\\s\\S]*inflate to ${json.length} B`));
    // The JSON, pretty-printed and foldable, and reading as JSON: what the tree shows parses back to the message.
    const tree = detail.locator('.payload.json');
    expect(await tree.locator('details').count()).toBeGreaterThan(8);
    expect(await tree.innerText()).toContain('"name": "Ada",');
    expect(await tree.innerText()).toContain('"note": "said \\"hi\\" \\\\o/",');
    expect(JSON.parse(await tree.innerText())).toEqual(value);
    await tree.locator('details > summary').nth(1).click(); // fold "user"
    expect(await tree.innerText()).not.toContain('"name": "Ada"');
    expect(await tree.innerText()).toMatch(/"user": \{…\},\s*5 keys\s*"items": \[/);
    await page.screenshot({ path: join(SHOTS, 'deflate-json.png') });

    await page.getByRole('radio', { name: 'messages' }).click();
    // Messages: the ping first (the message completed after it), then the message, its frames counted.
    expect(await rows.first().innerText()).toMatch(/ping/);
    expect(await rows.filter({ hasText: '→' }).nth(1).innerText()).toMatch(/text msg[\s\S]*2 frames[\s\S]*deflate/);
    const frameCount = rows.filter({ hasText: '→' }).nth(1).locator('.c-flags');
    expect(await frameCount.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true); // "2 frames", not "2 fram…"
    const sizes = rows.filter({ hasText: '→' }).nth(1).locator('.c-size');
    expect(await sizes.innerText()).toMatch(/^\d+ B → 344 B$/);
    expect(await sizes.evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
    const close = rows.filter({ hasText: 'close' }).first();
    expect(await close.innerText()).toContain('1000 Normal Closure "bye"');
    await page.getByRole('tab', { name: 'Handshake' }).click();
    expect(await page.locator('.extensions').innerText()).toMatch(/Accepted: permessage-deflate[\s\S]*No parameters: both sides keep their compression context/);
    await page.screenshot({ path: join(SHOTS, 'handshake-deflate.png') });
    // Learn's fragmentation step shows this very message, the ping in its place between the fragments (outside their numbering).
    await page.getByRole('tab', { name: 'Learn' }).click();
    const learn = page.locator('.learn');
    await learn.getByRole('navigation').getByRole('button', { name: /Fragmentation/ }).click();
    expect(await learn.innerText()).toContain('a text message in 2 frames, and a control frame between them (not part of the message).');
    expect(await learn.locator('ol li').allInnerTexts()).toEqual([
      expect.stringMatching(/^frame 1: opcode text, FIN=0, \d+ bytes$/),
      'in between: opcode ping, FIN=1, 11 bytes',
      expect.stringMatching(/^frame 2: opcode continuation, FIN=1, \d+ bytes$/),
    ]);
    // Every client message here is compressed and the first is fragmented: the frame steps still show the first text frame, saying so.
    await learn.getByRole('navigation').getByRole('button', { name: /A frame, bit by bit/ }).click();
    expect(await learn.locator('h3').innerText()).toBe("A frame, bit by bit: your client's first text frame, compressed, the first fragment of its message");
    expect((await learn.locator('.hex-byte').first().innerText())).toBe('41'); // FIN 0, RSV1 1, opcode 1
    expect(await learn.innerText()).toContain('RSV1 is set, and the payload, once unmasked, is DEFLATE output');
    await learn.getByRole('navigation').getByRole('button', { name: /Before RFC 6455/ }).click();
    expect(await learn.locator('p.note').innerText()).toContain('the first byte holds FIN, RSV1-3 and the opcode (0x41: RSV1 (compressed) + text)');
    await learn.getByRole('navigation').getByRole('button', { name: /Fragmentation/ }).click();
    await learn.getByRole('button', { name: /in between/ }).click();
    await expect.poll(() => page.locator('.frame-detail h3').innerText()).toMatch(/ping frame/);

    // A plain connection beside it: its steps with nothing to show point at connection 1, which has it, and go there.
    const plain = await openClient(fixture.proxyUrl, { perMessageDeflate: false });
    await page.locator('.connections tbody tr[data-conn="2"]').click();
    await page.getByRole('tab', { name: 'Learn' }).click();
    await learn.getByRole('navigation').getByRole('button', { name: /Fragmentation/ }).click();
    expect(await learn.locator('p.note').innerText()).toMatch(/^No fragmented message on this connection yet\..* Connection 1 has one: learn on connection 1 →$/);
    await learn.getByRole('navigation').getByRole('button', { name: /permessage-deflate/ }).click();
    expect(await learn.locator('p.note').innerText()).toBe('This connection did not negotiate it. Connection 1 did: learn on connection 1 →');
    await learn.getByRole('button', { name: 'learn on connection 1 →' }).focus();
    await page.keyboard.press('Enter');
    expect(await page.locator('.tabs-scope-name').innerText()).toMatch(/^connection 1/);
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('6 · permessage-deflate'); // focus stays on the step, not lost with the link
    expect(await learn.locator('[aria-current="step"]').innerText()).toContain('permessage-deflate'); // the same step, now on connection 1
    expect(await learn.innerText()).toMatch(new RegExp(`Here: a text message of ${json.length} B travelled as \\d+ B\\.`));
    await closeClient(plain);
  });

  test('a HAR (messages, no frames): the frames view says so and switches to messages', async () => {
    // What `read capture.har --ui` serves: the events read from the HAR, in the inspector's store.
    const har = readFileSync(join(import.meta.dirname, '../../fixtures/captures/chrome-websocket.har'), 'utf8');
    for (const event of harEvents(har)) fixture.inspected.store.add(event);
    await page.goto(fixture.url);
    const empty = page.locator('.timeline-body .empty');
    await expect.poll(() => empty.innerText()).toBe("Connection 2's capture recorded messages, not frames (a HAR keeps only messages). show messages");
    await empty.getByRole('button', { name: 'show messages' }).click();
    const rows = page.locator('.timeline-body .trow');
    await expect.poll(() => rows.count()).toBe(4);
    expect(await page.getByRole('radio', { name: 'messages' }).getAttribute('aria-checked')).toBe('true');
  });

  test('opened from a token URL it follows the live feed; HTTP requests grouped; one connection or all', async () => {
    const inspected = await startInspected({ token: 'test-token-1234' });
    expect(inspected.inspector.url).toMatch(/\?token=test-token-1234$/);
    await page.goto(inspected.inspector.url);
    await page.getByRole('status').getByText('live').waitFor();
    const reply = await fetch(inspected.proxy.url.replace(/^ws/, 'http'));
    expect(reply.status).toBe(200);
    await reply.text();
    for (const text of ['first', 'second']) {
      const ws = await openClient(inspected.proxy.url);
      ws.send(text);
      await nextMessage(ws);
      await closeClient(ws);
    }
    await expect.poll(() => page.locator('.http-group summary').innerText()).toBe('HTTP requests relayed (1)');
    const sockets = page.locator('.connections tbody tr[data-conn]');
    await expect.poll(() => sockets.count()).toBe(2);
    // By keyboard: Tab reaches each row, Space (or Enter) selects it.
    await sockets.nth(1).focus();
    await page.keyboard.press(' ');
    expect(await sockets.nth(1).getAttribute('aria-selected')).toBe('true');
    const rows = page.locator('.timeline-body .trow');
    await expect.poll(() => rows.first().innerText()).toContain('second');
    await page.getByRole('button', { name: 'show all connections' }).click();
    await expect.poll(() => rows.count()).toBe(8); // two text frames and two close frames each
    const tags = await page.locator('.timeline-body .conn-tag').allInnerTexts();
    expect(new Set(tags.map((t) => t.trim()))).toEqual(new Set(['#2', '#3']));
  });
});
