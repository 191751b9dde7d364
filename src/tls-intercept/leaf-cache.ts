/**
 * Leaf certificates on demand, one per host name, as ready-to-use TLS
 * contexts. Making one costs a signature and a context (about a
 * millisecond); a least-recently-used cache keeps the recent ones, so a
 * browser's many connections to one host cost one, and a crawl over
 * thousands of hosts costs at most `max` contexts of memory.
 */
import tls from 'node:tls';
import { LRUCache } from 'lru-cache';
import { generateKeyPair, privateKeyPem, signLeaf, LEAF_VALIDITY_DAYS, type CertificateAuthority, type CryptoKey } from './certificates.js';

export const DEFAULT_LEAF_CACHE = 256;
/** Well inside the leaves' validity, so a cached one is never served expired. */
const CACHE_TTL_MS = ((LEAF_VALIDITY_DAYS - 1) * 24 * 60 * 60 * 1000) / 2;

export interface Leaf {
  /** The leaf's certificate (PEM), for tests and diagnostics. */
  certificatePem: string;
  context: tls.SecureContext;
}

export class LeafCache {
  private readonly cache: LRUCache<string, Promise<Leaf>>;
  /** One key pair signs for every name (kept in memory only): a leaf then costs one signature. */
  private leafKeys: Promise<{ publicKey: CryptoKey; pem: string }> | null = null;

  constructor(
    private readonly ca: CertificateAuthority,
    max = DEFAULT_LEAF_CACHE,
  ) {
    this.cache = new LRUCache({ max, ttl: CACHE_TTL_MS });
  }

  /** Leaves held now (at most `max`). */
  get size(): number {
    return this.cache.size;
  }

  /** The leaf for a host name or IP address; concurrent asks for one name share one signature. */
  get(name: string): Promise<Leaf> {
    const key = normaliseName(name);
    let leaf = this.cache.get(key);
    if (!leaf) {
      leaf = this.issue(key);
      this.cache.set(key, leaf);
      leaf.catch(() => this.cache.delete(key)); // a failure is not remembered
    }
    return leaf;
  }

  private async issue(name: string): Promise<Leaf> {
    const keys = await (this.leafKeys ??= this.makeLeafKeys());
    const certificatePem = (await signLeaf(this.ca, keys.publicKey, name)).toString('pem');
    // The chain includes the CA, so a client that knows it only by its key's hash (Chromium's
    // --ignore-certificate-errors-spki-list) still finds it.
    const chain = `${certificatePem}\n${this.ca.certificate.toString('pem')}`;
    const context = tls.createSecureContext({ cert: chain, key: keys.pem, minVersion: 'TLSv1.2' });
    return { certificatePem, context };
  }

  private async makeLeafKeys(): Promise<{ publicKey: CryptoKey; pem: string }> {
    const pair = await generateKeyPair(true);
    return { publicKey: pair.publicKey, pem: await privateKeyPem(pair.privateKey) };
  }
}

/** Host names compare case-blind and without a trailing dot; IPv6 loses its brackets. */
export function normaliseName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '').replace(/^\[(.*)\]$/, '$1');
}
