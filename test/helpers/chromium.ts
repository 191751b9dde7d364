/**
 * Headless Debian Chromium for browser tests, through playwright-core (never
 * a downloaded browser): a fresh profile per launch, removed on close.
 * Tests skip, loudly, when /usr/bin/chromium is absent.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type BrowserContextOptions } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  console.warn(`SKIPPING browser tests: ${CHROMIUM} not found. Enable them with: apt-get install -y chromium`);
}

export interface Chromium {
  context: BrowserContext;
  close(): Promise<void>;
}

/** `extraArgs` go after the standard flags (a proxy, a certificate allow-list). */
export async function launchChromium(options: BrowserContextOptions = {}, extraArgs: string[] = []): Promise<Chromium> {
  const profile = mkdtempSync(join(tmpdir(), 'wsinspect-chromium-'));
  // A fresh profile each run; Playwright takes it as the persistent context's directory.
  const context = await chromium.launchPersistentContext(profile, {
    ...options,
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
