/**
 * `wsinspect ca`: the local certificate authority that forward mode signs
 * its interception certificates with (made on first use). PEM on stdout by
 * default, DER with --der, its path with --path; how to trust it in --help.
 * The private key is never printed.
 */
import { createHash, X509Certificate } from 'node:crypto';
import type { Command } from 'commander';
import { caPaths, loadOrCreateCa } from '../tls-intercept/ca-store.js';
import { UsageError } from './errors.js';

export interface CaCliOptions {
  path?: boolean;
  der?: boolean;
}

interface Output {
  write(data: string | Uint8Array): unknown;
  isTTY?: boolean;
}

const HELP_AFTER = `
The CA is made on first use in ~/.wsinspect/ca ($WSINSPECT_HOME/ca when set);
its key (wsinspect-ca.key, readable by you only) never leaves that folder.
Trust it only on machines you control: whoever has the key can impersonate
any site to a client that trusts it. Remove it from the stores below (and
delete the folder) to undo.

How to trust it:
  Node.js        NODE_EXTRA_CA_CERTS="$(wsinspect ca --path)" node app.js
  Chromium       for one session: --ignore-certificate-errors-spki-list=HASH
                 (HASH is printed on stderr by \`wsinspect ca\`); for good, on
                 Linux: certutil -d sql:$HOME/.pki/nssdb -A -t C,, -n wsinspect \\
                          -i "$(wsinspect ca --path)"
                 elsewhere Chromium uses the system store (below)
  Firefox        Settings > Privacy & Security > Certificates > View
                 Certificates > Authorities > Import, then tick "Trust this CA
                 to identify websites"
  Debian/Ubuntu  sudo cp "$(wsinspect ca --path)" /usr/local/share/ca-certificates/wsinspect-ca.crt
                 sudo update-ca-certificates
  Fedora/RHEL    sudo cp "$(wsinspect ca --path)" /etc/pki/ca-trust/source/anchors/
                 sudo update-ca-trust
  macOS          sudo security add-trusted-cert -d -r trustRoot \\
                   -k /Library/Keychains/System.keychain "$(wsinspect ca --path)"
  Windows        wsinspect ca --der > wsinspect-ca.cer
                 certutil -user -addstore Root wsinspect-ca.cer
`;

export function register(program: Command): void {
  program
    .command('ca')
    .description('print the local CA that forward mode uses for TLS interception (PEM), or where it is stored, and how to trust it')
    .option('--path', 'print the path of the CA certificate (PEM) instead')
    .option('--der', 'print the certificate in DER (binary) instead of PEM')
    .addHelpText('after', HELP_AFTER)
    .action((options: CaCliOptions) => runCa(options, { stdout: process.stdout, stderr: process.stderr }));
}

export async function runCa(options: CaCliOptions, io: { stdout: Output; stderr: Output }): Promise<void> {
  if (options.path && options.der) throw new UsageError('--path and --der cannot be used together');
  if (options.der && io.stdout.isTTY) throw new UsageError('--der writes binary: redirect it to a file (wsinspect ca --der > wsinspect-ca.cer)');
  let ca;
  try {
    ca = await loadOrCreateCa(caPaths());
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (options.path) {
    io.stdout.write(`${ca.paths.cert}\n`);
    return;
  }
  const certificate = new X509Certificate(ca.certificatePem);
  io.stdout.write(options.der ? certificate.raw : ca.certificatePem);
  io.stderr.write(
    `wsinspect: ${ca.created ? 'created' : 'the'} CA certificate ${ca.paths.cert}\n` +
      `  SPKI hash (Chromium --ignore-certificate-errors-spki-list): ${spkiHash(certificate)}\n` +
      `  how to trust it: wsinspect ca --help\n`,
  );
}

/** Base64 SHA-256 of the certificate's SubjectPublicKeyInfo, the form Chromium's SPKI allow-list takes. */
export function spkiHash(certificate: X509Certificate): string {
  return createHash('sha256').update(certificate.publicKey.export({ type: 'spki', format: 'der' })).digest('base64');
}
