/**
 * Close status codes (RFC 6455 7.4) with their names from the IANA
 * "WebSocket Close Code Number Registry", and which may appear on the wire.
 */
const NAMES: Record<number, string> = {
  1000: 'Normal Closure',
  1001: 'Going Away',
  1002: 'Protocol Error',
  1003: 'Unsupported Data',
  1004: 'Reserved',
  1005: 'No Status Rcvd',
  1006: 'Abnormal Closure',
  1007: 'Invalid Frame Payload Data',
  1008: 'Policy Violation',
  1009: 'Message Too Big',
  1010: 'Mandatory Extension',
  1011: 'Internal Error',
  1012: 'Service Restart',
  1013: 'Try Again Later',
  1014: 'Bad Gateway',
  1015: 'TLS Handshake',
  3000: 'Unauthorized',
  3003: 'Forbidden',
  3008: 'Timeout',
};

export function closeCodeName(code: number): string {
  const name = NAMES[code];
  if (name) return name;
  if (code >= 3000 && code <= 3999) return 'Registered';
  if (code >= 4000 && code <= 4999) return 'Private Use';
  if (code >= 1016 && code <= 2999) return 'Unassigned';
  return 'Invalid';
}

/**
 * Codes an endpoint may send: 1004-1006 and 1015 are reserved for reporting
 * and "MUST NOT be set as a status code in a Close control frame" (7.4.1);
 * 1016-2999 are unassigned protocol codes; below 1000 and from 5000 are unused.
 */
export function isSendableCloseCode(code: number): boolean {
  if (code >= 1000 && code <= 1014) return code < 1004 || code > 1006;
  return code >= 3000 && code <= 4999;
}
