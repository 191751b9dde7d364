/**
 * The local CA and its leaves: made once in the folder given (never the real
 * home), reused, the key private to its owner; leaves that Node's TLS accepts
 * over a real loopback handshake with the CA as the only trusted root, with
 * the right SAN; a bounded cache.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { expect, test } from 'vitest';
import { caPaths, loadOrCreateCa } from '../../src/tls-intercept/ca-store.js';
import { LeafCache } from '../../src/tls-intercept/leaf-cache.js';
import { onCleanup, once } from '../helpers/net.js';

function tempHome(): string {
  const dir = mkdtempSync(join(tmpdir(), 'wsinspect-ca-test-'));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('the CA is made once, with the key readable by its owner only, and reused by a later run', async () => {
  const home = tempHome();
  const paths = caPaths(home);
  const first = await loadOrCreateCa(paths);
  expect(first.created).toBe(true);
  expect(statSync(paths.key).mode & 0o777).toBe(0o600);
  expect(statSync(paths.dir).mode & 0o777).toBe(0o700);
  // Nothing else was left behind (no staging copy of the key).
  expect(readdirSync(home)).toEqual(['ca']);
  expect(readdirSync(paths.dir).sort()).toEqual(['wsinspect-ca.key', 'wsinspect-ca.pem']);

  const again = await loadOrCreateCa(paths);
  expect(again.created).toBe(false);
  expect(again.certificatePem).toBe(first.certificatePem);

  const cert = new X509Certificate(first.certificatePem);
  expect(cert.ca).toBe(true);
  expect(cert.subject).toMatch(/^CN=wsinspect CA \(/);
  expect(cert.verify(cert.publicKey)).toBe(true);
  expect(cert.publicKey.asymmetricKeyDetails).toMatchObject({ namedCurve: 'prime256v1' });
});

test('two processes starting at once end up with one CA', async () => {
  const paths = caPaths(tempHome());
  const [a, b] = await Promise.all([loadOrCreateCa(paths), loadOrCreateCa(paths)]);
  expect(a.certificatePem).toBe(b.certificatePem);
  expect([a.created, b.created].filter(Boolean)).toHaveLength(1);
});

test('a damaged key is reported without its content', async () => {
  const paths = caPaths(tempHome());
  await loadOrCreateCa(paths);
  const { writeFileSync } = await import('node:fs');
  writeFileSync(paths.key, 'SECRET-LOOKING-BYTES');
  await expect(loadOrCreateCa(paths)).rejects.toThrow(/^the CA in .* is damaged; remove that folder to make a new one$/);
});

/**
 * A loopback TLS server that serves the leaves as the forward proxy does: the
 * leaf for `fallbackName` when the client sends no SNI, else the SNI's.
 */
async function leafServer(leaves: LeafCache, fallbackName: string): Promise<number> {
  const fallback = (await leaves.get(fallbackName)).context;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    const secure = new tls.TLSSocket(socket, {
      isServer: true,
      secureContext: fallback,
      SNICallback: (name, done) => leaves.get(name).then((leaf) => done(null, leaf.context), done),
    });
    secure.on('error', () => {});
    secure.end('hello');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  onCleanup(() => new Promise((r) => (server.close(r), sockets.forEach((s) => s.destroy()))));
  return (server.address() as net.AddressInfo).port;
}

/** Connects with `ca` as the only trusted root; resolves to the peer certificate or the verification error. */
async function handshake(port: number, ca: string, servername?: string): Promise<tls.PeerCertificate | Error> {
  const socket = tls.connect({ host: '127.0.0.1', port, ca, servername });
  onCleanup(() => socket.destroy());
  return new Promise((resolve) => {
    socket.once('secureConnect', () => resolve(socket.getPeerCertificate()));
    socket.once('error', resolve);
  });
}

test('leaves verify against the CA in a real TLS handshake, with the SAN of the SNI name or the IP address', async () => {
  const ca = await loadOrCreateCa(caPaths(tempHome()));
  const leaves = new LeafCache(ca);
  const port = await leafServer(leaves, '127.0.0.1');

  const byName = await handshake(port, ca.certificatePem, 'Chat.Example.TEST');
  expect(byName).not.toBeInstanceOf(Error);
  expect((byName as tls.PeerCertificate).subjectaltname).toBe('DNS:chat.example.test');

  const byAddress = await handshake(port, ca.certificatePem);
  expect(byAddress).not.toBeInstanceOf(Error);
  expect((byAddress as tls.PeerCertificate).subjectaltname).toBe('IP Address:127.0.0.1');

  const leaf = new X509Certificate((await leaves.get('chat.example.test')).certificatePem);
  expect(leaf.ca).toBe(false);
  expect(leaf.checkIssued(new X509Certificate(ca.certificatePem))).toBe(true);
  const days = (Date.parse(leaf.validTo) - Date.now()) / 86_400_000;
  expect(days).toBeGreaterThan(1);
  expect(days).toBeLessThanOrEqual(7);
});

test('a client that trusts another CA refuses the leaves', async () => {
  const ours = await loadOrCreateCa(caPaths(tempHome()));
  const other = await loadOrCreateCa(caPaths(tempHome()));
  const port = await leafServer(new LeafCache(ours), '127.0.0.1');
  const result = await handshake(port, other.certificatePem, 'example.test');
  expect(result).toBeInstanceOf(Error);
  expect((result as NodeJS.ErrnoException).code).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT|SELF_SIGNED_CERT_IN_CHAIN/);
});

test('1,000 distinct names: one signature per name while cached, at most `max` leaves held', async () => {
  const ca = await loadOrCreateCa(caPaths(tempHome()));
  const leaves = new LeafCache(ca, 50);
  const first = leaves.get('host-0.example.test');
  expect(leaves.get('HOST-0.example.test.')).toBe(first); // one name, one leaf
  for (let i = 0; i < 1000; i++) await leaves.get(`host-${i}.example.test`);
  expect(leaves.size).toBe(50);
  // The oldest was evicted: asking again signs a new one.
  expect(leaves.get('host-0.example.test')).not.toBe(first);
  expect(leaves.size).toBe(50);
}, 120_000); // 1,000 signatures: a few seconds on a busy machine
