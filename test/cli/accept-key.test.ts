/** `wsinspect accept` and `wsinspect key` through the built CLI, as a user runs them. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, test } from 'vitest';

const MAIN = join(import.meta.dirname, '../../dist/cli/main.js');
const run = (...args: string[]) => spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });

test('accept prints the accept value and nothing else', () => {
  const result = run('accept', 'f7cb4ezEAl6C3wRaU6JORA==');
  expect(result.status).toBe(0);
  expect(result.stdout).toBe('rE91AJhfC+6JdVcVXOGJEADEJdQ=\n');
  expect(result.stderr).toBe('');
});

test('accept --explain shows the concatenation, the SHA-1 in hex and the base64', () => {
  const result = run('accept', 'dGhlIHNhbXBsZSBub25jZQ==', '--explain');
  expect(result.status).toBe(0);
  expect(result.stdout).toContain('dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11');
  expect(result.stdout).toContain('b3 7a 4f 2c c0 62 4f 16 90 f6 46 06 cf 38 59 45 b2 be c4 ea');
  expect(result.stdout).toContain('Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  expect(result.stdout).not.toMatch(/\x1b\[/);
});

test('accept --verify: exit 0 on a match, 1 with both values on a mismatch', () => {
  expect(run('accept', 'dGhlIHNhbXBsZSBub25jZQ==', '--verify', 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=').status).toBe(0);
  const bad = run('accept', 'dGhlIHNhbXBsZSBub25jZQ==', '--verify', 'wrong=');
  expect(bad.status).toBe(1);
  expect(bad.stderr).toBe('wsinspect: accept mismatch: expected s3pPLMBiTxaQ9kYGzzhZRbK+xOo=, got wrong=\n');
});

test('an invalid key still computes, with a warning on stderr', () => {
  const result = run('accept', 'hello');
  expect(result.status).toBe(0);
  expect(result.stdout).toMatch(/^[A-Za-z0-9+/]{27}=\n$/);
  expect(result.stderr).toMatch(/not base64 of 16 bytes.*RFC 6455 4\.2\.1/);
});

test('a control character in the key cannot reach the terminal', () => {
  const result = run('accept', 'a\x1b[31mb', '--explain');
  expect(result.stdout + result.stderr).not.toContain('\x1b[31m');
  expect(result.stderr).toContain('\\x1b[31m');
});

test('key prints a fresh valid key each time', () => {
  const a = run('key').stdout.trim();
  const b = run('key').stdout.trim();
  expect(a).toMatch(/^[A-Za-z0-9+/]{21}[AQgw]==$/);
  expect(a).not.toBe(b);
});

test('usage errors exit 2 with one line', () => {
  for (const args of [['accept'], ['accept', 'k', '--nope'], ['frobnicate']]) {
    const result = run(...args);
    expect(result.status, args.join(' ')).toBe(2);
    expect(result.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
  }
});
