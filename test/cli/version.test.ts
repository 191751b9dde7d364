/** `--version` on the program and on every command, through the built CLI. */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from 'vitest';

const MAIN = join(import.meta.dirname, '../../dist/cli/main.js');
const { version } = JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string };

test('wsinspect --version and -V print the package version', async () => {
  for (const flag of ['--version', '-V']) {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [MAIN, flag]);
    expect(stdout).toBe(`${version}\n`);
    expect(stderr).toBe('');
  }
});

test('every command accepts --version', async () => {
  const help = (await promisify(execFile)(process.execPath, [MAIN, '--help'])).stdout;
  const commands = [...help.matchAll(/^ {2}([a-z]+) /gm)].map((m) => m[1]!).filter((name) => name !== 'help');
  expect(commands).toEqual(expect.arrayContaining(['proxy', 'echo', 'accept', 'key', 'decode', 'handshake', 'connect']));
  const runs = commands.map((command) => promisify(execFile)(process.execPath, [MAIN, command, '--version']));
  for (const { stdout, stderr } of await Promise.all(runs)) {
    expect(stdout).toBe(`${version}\n`);
    expect(stderr).toBe('');
  }
}, 120_000); // a dozen Node processes at once: slow on a loaded two-core machine
