/**
 * Where the local CA lives: made on first use in a per-user folder
 * (~/.wsinspect/ca, or $WSINSPECT_HOME/ca), the key readable by its owner
 * only, and reused by every later run. The key is read here and nowhere
 * else; it leaves this module only as a non-extractable signing key.
 */
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir, userInfo, hostname } from 'node:os';
import { join } from 'node:path';
import { createCaCertificate, generateKeyPair, importCa, privateKeyPem, type CertificateAuthority } from './certificates.js';

export const CERT_FILE = 'wsinspect-ca.pem';
export const KEY_FILE = 'wsinspect-ca.key';

export interface CaPaths {
  dir: string;
  cert: string;
  key: string;
}

export interface LoadedCa extends CertificateAuthority {
  paths: CaPaths;
  /** The certificate as stored (PEM), for `wsinspect ca`. */
  certificatePem: string;
  /** True when this call made the CA. */
  created: boolean;
}

/** The CA folder: $WSINSPECT_HOME/ca when set (tests use a temporary one), else ~/.wsinspect/ca. */
export function caPaths(home: string = process.env.WSINSPECT_HOME || join(homedir(), '.wsinspect')): CaPaths {
  const dir = join(home, 'ca');
  return { dir, cert: join(dir, CERT_FILE), key: join(dir, KEY_FILE) };
}

/**
 * Loads the CA, making it first when there is none. Two processes starting
 * at once cannot both make one: each writes into a private folder and renames
 * it into place, which fails for the loser, who then reads the winner's.
 */
export async function loadOrCreateCa(paths: CaPaths = caPaths()): Promise<LoadedCa> {
  const existing = await readCa(paths);
  if (existing) return existing;
  const parent = join(paths.dir, '..');
  await mkdir(parent, { recursive: true, mode: 0o700 });
  const staging = await mkdtemp(join(parent, '.ca-'));
  try {
    const keys = await generateKeyPair(true);
    const certificate = await createCaCertificate(keys, caName());
    await writeFile(join(staging, KEY_FILE), await privateKeyPem(keys.privateKey), { mode: 0o600 });
    await writeFile(join(staging, CERT_FILE), certificate.toString('pem') + '\n', { mode: 0o644 });
    try {
      await rename(staging, paths.dir);
      const made = await readCa(paths);
      if (made) return { ...made, created: true };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw err;
    }
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  const theirs = await readCa(paths);
  if (!theirs) throw new Error(`cannot create the CA in ${paths.dir}`);
  return theirs;
}

async function readCa(paths: CaPaths): Promise<LoadedCa | null> {
  let certificatePem: string;
  let keyPem: string;
  try {
    [certificatePem, keyPem] = await Promise.all([readFile(paths.cert, 'utf8'), readFile(paths.key, 'utf8')]);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`cannot read the CA in ${paths.dir}: ${(err as Error).message}`);
  }
  try {
    return { ...(await importCa(certificatePem, keyPem)), paths, certificatePem, created: false };
  } catch {
    // Never echo the file's content: it is the key.
    throw new Error(`the CA in ${paths.dir} is damaged; remove that folder to make a new one`);
  }
}

/** "wsinspect CA (alice@laptop)": tells apart the CAs of several users or machines in a trust store. */
function caName(): string {
  let user = 'user';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (some containers): keep the generic name
  }
  return `wsinspect CA (${user}@${hostname()})`;
}
