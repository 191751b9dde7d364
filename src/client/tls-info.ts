/**
 * What a TLS connection settled and who the server said it was: the details
 * that answer "which certificate does my load balancer really serve?".
 */
import type { PeerCertificate, TLSSocket } from 'node:tls';

export interface TlsInfo {
  /** "TLSv1.3". */
  version: string | null;
  cipher: string | null;
  /** The ALPN protocol the server chose, or null when it chose none. */
  alpn: string | null;
  certificate: { subject: string; issuer: string; validFrom: string; validTo: string } | null;
  /** The certificate chain verified against the trusted CAs (false only with --insecure). */
  verified: boolean;
  /** Why verification failed, when it did ("self-signed certificate"). */
  verifyError: string | null;
}

export function tlsInfo(socket: TLSSocket): TlsInfo {
  const peer = socket.getPeerCertificate();
  // An empty object when the server sent no certificate.
  const certificate = peer && Object.keys(peer).length > 0 ? describeCertificate(peer) : null;
  const error = socket.authorizationError as Error | string | null;
  return {
    version: socket.getProtocol(),
    cipher: socket.getCipher()?.name ?? null,
    alpn: typeof socket.alpnProtocol === 'string' ? socket.alpnProtocol : null,
    certificate,
    verified: socket.authorized,
    verifyError: error ? verifyErrorWords(error) : null,
  };
}

/**
 * Node hands an unverified (--insecure) connection's reason over as an
 * OpenSSL code; these are OpenSSL's own words for the common ones, the words
 * a failed verification without --insecure reports.
 */
const VERIFY_ERRORS: Record<string, string> = {
  DEPTH_ZERO_SELF_SIGNED_CERT: 'self-signed certificate',
  SELF_SIGNED_CERT_IN_CHAIN: 'self-signed certificate in certificate chain',
  CERT_HAS_EXPIRED: 'certificate has expired',
  CERT_NOT_YET_VALID: 'certificate is not yet valid',
  CERT_REVOKED: 'certificate revoked',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'unable to verify the first certificate',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'unable to get local issuer certificate',
  UNABLE_TO_GET_ISSUER_CERT: 'unable to get issuer certificate',
  ERR_TLS_CERT_ALTNAME_INVALID: "the certificate's names do not include this host",
};

function verifyErrorWords(error: Error | string): string {
  const code = typeof error === 'string' ? error : error.message;
  return VERIFY_ERRORS[code] ?? code;
}

function describeCertificate(peer: PeerCertificate): NonNullable<TlsInfo['certificate']> {
  return {
    subject: distinguishedName(peer.subject),
    issuer: distinguishedName(peer.issuer),
    validFrom: peer.valid_from,
    validTo: peer.valid_to,
  };
}

/** `CN=localhost, O=Example`; a field given several times is listed each time. */
function distinguishedName(fields: Record<string, string | string[] | undefined> | undefined): string {
  if (!fields) return '';
  return Object.entries(fields)
    .flatMap(([key, value]) => (Array.isArray(value) ? value : value === undefined ? [] : [value]).map((v) => `${key}=${v}`))
    .join(', ');
}

/** Two lines for the pretty view (unescaped: the caller escapes, the names come from the wire). */
export function tlsSummary(info: TlsInfo): string[] {
  const settled = [info.version ?? 'TLS', info.cipher, `ALPN ${info.alpn ?? 'none'}`].filter(Boolean).join(' · ');
  const trust = info.verified ? 'verified' : `NOT verified (--insecure)${info.verifyError ? `: ${info.verifyError}` : ''}`;
  const cert = info.certificate;
  const certificate = cert
    ? `certificate ${cert.subject} · issuer ${cert.issuer} · valid until ${cert.validTo} · ${trust}`
    : `no certificate · ${trust}`;
  return [settled, certificate];
}
