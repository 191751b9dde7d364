import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Integration tests open real sockets and child processes; keep CI's two cores honest.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // No test may touch the user's real ~/.wsinspect: a CA made without an explicit folder
    // lands in this temporary one (removed after the run by test/global-home.ts).
    env: { FORCE_COLOR: '0', WSINSPECT_HOME: mkdtempSync(join(tmpdir(), 'wsinspect-test-home-')) },
    globalSetup: ['test/global-home.ts'],
  },
});
