/**
 * `--tls-cert F --tls-key F`: read and checked at startup, so a wrong file is
 * one line naming the flag (and a swapped pair is called swapped), not raw
 * OpenSSL text from deep inside the server.
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { UsageError } from './errors.js';
import { readInputFile } from './command-line-files.js';

export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
}

/** The PEM certificate and key, or undefined when neither flag is given; a UsageError when they are unusable. */
export function loadTlsFiles(certPath: string | undefined, keyPath: string | undefined): TlsFiles | undefined {
  if (certPath === undefined && keyPath === undefined) return undefined;
  if (certPath === undefined || keyPath === undefined) throw new UsageError('--tls-cert and --tls-key go together');
  const cert = readInputFile('--tls-cert', certPath);
  const key = readInputFile('--tls-key', keyPath);
  const certificate = parse(() => new X509Certificate(cert));
  const privateKey = parse(() => createPrivateKey(key));
  if (!certificate || !privateKey) {
    if (parse(() => createPrivateKey(cert)) && parse(() => new X509Certificate(key))) {
      throw new UsageError(`--tls-cert and --tls-key are swapped: ${certPath} holds a private key, ${keyPath} a certificate`);
    }
    if (!certificate) throw new UsageError(`--tls-cert ${certPath} is not a PEM certificate`);
    throw new UsageError(`--tls-key ${keyPath} is not a PEM private key (or it is encrypted)`);
  }
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new UsageError(`--tls-key ${keyPath} is not the key of the certificate in --tls-cert ${certPath}`);
  }
  return { cert, key };
}

function parse<T>(make: () => T): T | null {
  try {
    return make();
  } catch {
    return null;
  }
}
