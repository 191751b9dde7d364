/**
 * Where a redirect of the opening handshake leads (`--follow`). Servers and
 * load balancers answer with http:// and https:// Locations (often relative),
 * so the scheme is mapped back: http → ws, https → wss.
 */
export const MAX_REDIRECTS = 5;

const TO_WEBSOCKET: Record<string, string> = { 'http:': 'ws:', 'https:': 'wss:', 'ws:': 'ws:', 'wss:': 'wss:' };

/** The ws:// or wss:// URL `location` points to from `current`; throws an Error with a one-line message when there is none. */
export function redirectTarget(current: string, location: string): string {
  let url: URL;
  try {
    url = new URL(location, current);
  } catch {
    throw new Error(`the redirect's Location ${JSON.stringify(location)} is not a URL`);
  }
  const scheme = TO_WEBSOCKET[url.protocol];
  if (!scheme) throw new Error(`the redirect's Location ${JSON.stringify(location)} has scheme ${url.protocol}, not http(s) or ws(s)`);
  // Setting `protocol` between special schemes keeps the rest; an explicit default port (":443") is dropped, as it should be.
  url.protocol = scheme;
  return url.href;
}
