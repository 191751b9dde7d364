/** `wsinspect ca` through the built CLI, with the CA folder in a temporary WSINSPECT_HOME. */
import { spawnSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { onCleanup } from '../helpers/net.js';

const MAIN = join(import.meta.dirname, '../../dist/cli/main.js');

function home(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wsinspect-ca-cli-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const run = (dir: string, ...args: string[]) =>
  spawnSync(process.execPath, [MAIN, 'ca', ...args], { env: { ...process.env, WSINSPECT_HOME: dir, NO_COLOR: '1' } });

test('ca prints the PEM on stdout, made on first use and the same afterwards; stderr says where and the SPKI hash', () => {
  const dir = home();
  const first = run(dir);
  expect(first.status).toBe(0);
  const pem = first.stdout.toString();
  expect(pem).toMatch(/^-----BEGIN CERTIFICATE-----\n[\s\S]+\n-----END CERTIFICATE-----\n$/);
  expect(pem).not.toMatch(/PRIVATE KEY/);
  const cert = new X509Certificate(pem);
  expect(cert.ca).toBe(true);
  const spki = createHash('sha256').update(cert.publicKey.export({ type: 'spki', format: 'der' })).digest('base64');
  const stderr = first.stderr.toString();
  expect(stderr).toContain(join(dir, 'ca', 'wsinspect-ca.pem'));
  expect(stderr).toContain(spki);
  expect(stderr).not.toMatch(/PRIVATE KEY/);
  expect(statSync(join(dir, 'ca', 'wsinspect-ca.key')).mode & 0o777).toBe(0o600);

  const second = run(dir);
  expect(second.stdout.toString()).toBe(pem);
});

test('ca --der prints the same certificate in DER; ca --path prints where the PEM is', () => {
  const dir = home();
  const pem = run(dir).stdout.toString();
  const der = run(dir, '--der');
  expect(der.status).toBe(0);
  expect(Buffer.compare(der.stdout, new X509Certificate(pem).raw)).toBe(0);
  const path = run(dir, '--path');
  expect(path.status).toBe(0);
  expect(path.stdout.toString()).toBe(`${join(dir, 'ca', 'wsinspect-ca.pem')}\n`);
  expect(readFileSync(path.stdout.toString().trim(), 'utf8')).toBe(pem);
});

test('ca --help tells how to trust it everywhere the issue names', () => {
  const help = run(home(), '--help').stdout.toString();
  for (const where of ['NODE_EXTRA_CA_CERTS', 'Chromium', '--ignore-certificate-errors-spki-list', 'Firefox', 'update-ca-certificates', 'macOS', 'security add-trusted-cert', 'Windows', 'certutil']) {
    expect(help, where).toContain(where);
  }
});

test('ca usage errors exit 2 with one line', () => {
  const both = run(home(), '--path', '--der');
  expect(both.status).toBe(2);
  expect(both.stderr.toString()).toBe('wsinspect: --path and --der cannot be used together\n');
});
