/**
 * What a CONNECT tunnel carries, from its first client bytes: a TLS
 * ClientHello (record type 22, version 3.x), HTTP/1.x (a method token and a
 * space), or something else. Pure; null while too few bytes have come.
 */
export type TunnelContent = 'tls' | 'http' | 'opaque';

/** Enough to tell the longest method we accept ("OPTIONS ") from anything else. */
const HTTP_PROBE = 8;
const METHOD = /^[A-Z]{3,7} /;

export function sniffTunnel(bytes: Uint8Array): TunnelContent | null {
  if (bytes.length === 0) return null;
  if (bytes[0] === 0x16) {
    if (bytes.length < 2) return null;
    return bytes[1] === 0x03 ? 'tls' : 'opaque';
  }
  const start = Buffer.from(bytes.subarray(0, HTTP_PROBE)).toString('latin1');
  if (METHOD.test(start)) return 'http';
  // Still a run of capitals that could become a method: wait for more.
  if (/^[A-Z]{1,7}$/.test(start)) return null;
  return 'opaque';
}
