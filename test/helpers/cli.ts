/** The built CLI in a child process, as a user runs it (killed after each test), and waiting on its output. */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';

export const MAIN = join(import.meta.dirname, '../../dist/cli/main.js');
const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export interface Running {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
}

/** Runs the CLI; its stdout is a pipe, or the file `stdoutFile` (stdout() then reads the file). */
export function run(args: string[], options: { cwd?: string; stdoutFile?: string } = {}): Running {
  const { stdoutFile } = options;
  const fd = stdoutFile === undefined ? null : openSync(stdoutFile, 'w');
  const child = spawn(process.execPath, [MAIN, ...args], { env: { ...process.env, NO_COLOR: '1' }, cwd: options.cwd, stdio: ['pipe', fd ?? 'pipe', 'pipe'] });
  if (fd !== null) closeSync(fd);
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => (stdoutFile === undefined ? stdout : readFileSync(stdoutFile, 'utf8')), stderr: () => stderr, exited };
}

export async function until<T>(probe: () => T | undefined | null | false, what: string, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A fresh temporary directory, removed after the test. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wsinspect-test-'));
  dirs.push(dir);
  return dir;
}

export function proxyUrl(banner: string): string | undefined {
  return /listening on (ws:\/\/\S+)/.exec(banner)?.[1];
}
