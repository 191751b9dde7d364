/** The command line as a newcomer meets it: typos, and a stdout closed early (`| head`). */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { WebSocket } from 'ws';
import { MAIN, proxyUrl, run, tempDir, until } from '../helpers/cli.js';

const runSync = (...args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });

describe('a mistyped command', () => {
  test.each([
    [['decod', '81', '00'], "wsinspect: unknown command 'decod' (did you mean decode?)\n"],
    [['decod', '--from', 'client', '81'], "wsinspect: unknown command 'decod' (did you mean decode?)\n"],
    [['hanshake', 'ws://127.0.0.1:1/'], "wsinspect: unknown command 'hanshake' (did you mean handshake?)\n"],
    [['zzzzz'], "wsinspect: unknown command 'zzzzz' (see --help)\n"],
  ])('%j: one line naming it, exit 2', (args, stderr) => {
    const result = runSync(...args);
    expect(result.stderr).toBe(stderr);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
  });

  test('a real command name still runs', () => {
    expect(runSync('key').status).toBe(0);
  });
});

describe('a stdout closed early stops the command quietly', () => {
  test('decode --json | head -1', async () => {
    const file = join(tempDir(), 'many.bin');
    writeFileSync(file, Buffer.from('810548656c6c6f'.repeat(2_000), 'hex'));
    for (const args of [['--json'], []]) {
      const decode = run(['decode', '--file', file, '--from', 'server', ...args]);
      await until(() => decode.stdout().includes('\n'), 'the first line');
      decode.child.stdout!.destroy();
      expect(await decode.exited).toBe(0);
      expect(decode.stderr()).not.toMatch(/EPIPE|Error|at /);
    }
  });

  test('proxy --json | head -1: the proxy shuts down in order and still writes its HAR', async () => {
    const har = join(tempDir(), 'session.har');
    const proxy = run(['proxy', '--listen', '127.0.0.1:0', '--no-ui', '--json', '--har', har]);
    const url = await until(() => proxyUrl(proxy.stderr()), 'the banner');
    proxy.child.stdout!.destroy();
    // The first event written (this connection's) finds stdout closed.
    const ws = new WebSocket(url);
    ws.on('error', () => {});
    expect(await proxy.exited).toBe(0);
    ws.terminate();
    expect(proxy.stderr()).not.toMatch(/EPIPE|Error|at /);
    expect(JSON.parse(readFileSync(har, 'utf8')).log.version).toBe('1.2');
  });
});
