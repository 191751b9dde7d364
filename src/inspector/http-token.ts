/**
 * The HTTP token (RFC 9110 5.6.2: `token = 1*tchar`), defined once for every
 * parser and check here: method names, header names, extension and
 * subprotocol names.
 */
export const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

export const TOKEN = new RegExp(`^${TCHAR.source}+$`);
