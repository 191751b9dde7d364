/**
 * The X.509 side of TLS interception, with @peculiar/x509 on Node's WebCrypto:
 * the local certificate authority (made once, kept by ca-store.ts) and the
 * leaf certificates it signs for each host name on the fly. ECDSA P-256
 * throughout: its signatures and key generation cost a fraction of RSA's.
 */
import { webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import type * as X509 from '@peculiar/x509';

let library: Promise<typeof X509> | null = null;

/**
 * @peculiar/x509, loaded on first use: it takes a quarter of a second to
 * load, which every command would pay at startup (read, decode, ...) though
 * only TLS interception and `ca` make or read certificates.
 */
function loadX509(): Promise<typeof X509> {
  library ??= (async () => {
    await import('reflect-metadata'); // its dependency injection (tsyringe) needs this loaded first
    const x509 = await import('@peculiar/x509');
    x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
    return x509;
  })();
  return library;
}

export type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

export const EC_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

const DAY_MS = 24 * 60 * 60 * 1000;
/** The CA lives long (the user trusts it once); leaves are short-lived and made again on demand. */
const CA_VALIDITY_DAYS = 3650;
export const LEAF_VALIDITY_DAYS = 7;
/** Certificates start a day early, so a client whose clock is behind still accepts them. */
const BACKDATE_MS = DAY_MS;

export interface CertificateAuthority {
  certificate: X509.X509Certificate;
  privateKey: CryptoKey;
}

export function generateKeyPair(extractable: boolean): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(EC_ALGORITHM, extractable, ['sign', 'verify']);
}

/** A fresh self-signed CA: may sign leaves (path length 0), nothing else. */
export async function createCaCertificate(keys: CryptoKeyPair, commonName: string, now = new Date()): Promise<X509.X509Certificate> {
  const x509 = await loadX509();
  return x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: [{ CN: [commonName] }, { O: ['wsinspect'] }],
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + CA_VALIDITY_DAYS * DAY_MS),
    signingAlgorithm: EC_ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
}

/**
 * A server certificate for `name` (a DNS name or an IP address), signed by
 * the CA, for the public key given (one key serves every leaf of a process).
 */
export async function signLeaf(ca: CertificateAuthority, publicKey: CryptoKey, name: string, now = new Date()): Promise<X509.X509Certificate> {
  const x509 = await loadX509();
  const notAfter = Math.min(now.getTime() + LEAF_VALIDITY_DAYS * DAY_MS, ca.certificate.notAfter.getTime());
  return x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    // A common name is at most 64 characters; browsers read only the SAN anyway.
    subject: name.length <= 64 ? [{ CN: [name] }] : [],
    issuer: ca.certificate.subjectName,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(notAfter),
    signingAlgorithm: EC_ALGORITHM,
    publicKey,
    signingKey: ca.privateKey,
    extensions: [
      new x509.SubjectAlternativeNameExtension([{ type: isIP(name) ? 'ip' : 'dns', value: name }]),
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      await x509.AuthorityKeyIdentifierExtension.create(ca.certificate),
    ],
  });
}

/** A PKCS#8 PEM of a private key (for the CA file, and for Node's TLS with the in-memory leaf key). */
export async function privateKeyPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  const x509 = await loadX509();
  return x509.PemConverter.encode(der, 'PRIVATE KEY');
}

/** Reads a CA's PEM files back; the key comes back non-extractable (it only signs). */
export async function importCa(certificatePem: string, keyPem: string): Promise<CertificateAuthority> {
  const x509 = await loadX509();
  const certificate = new x509.X509Certificate(certificatePem);
  const der = x509.PemConverter.decodeFirst(keyPem);
  const privateKey = await webcrypto.subtle.importKey('pkcs8', der, EC_ALGORITHM, false, ['sign']);
  return { certificate, privateKey };
}

/** 16 random bytes, top bit clear so the serial is positive (RFC 5280 4.1.2.2). */
function randomSerial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0]! &= 0x7f;
  return Buffer.from(bytes).toString('hex');
}
