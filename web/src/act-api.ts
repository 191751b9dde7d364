/**
 * The inspector API's acting routes, from the page (same origin: the server's
 * Origin check lets the page's own requests through, and the token cookie, if
 * any, goes along). Each call resolves to a one-line outcome for the user.
 */
export interface Outcome {
  ok: boolean;
  text: string;
}

export async function callApi(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<{ ok: boolean; status: number; json: unknown }> {
  const response = await fetch(path, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let json: unknown = null;
  try {
    json = await response.json();
  } catch {
    // no JSON body
  }
  return { ok: response.ok, status: response.status, json };
}

/** The API's `{error}` sentence, or the status. */
export function errorOf(result: { status: number; json: unknown }): string {
  const error = (result.json as { error?: unknown } | null)?.error;
  return typeof error === 'string' ? error : `HTTP ${result.status}`;
}

/** Hex as typed (spaces, colons, 0x allowed) to base64; null when it is not hex. */
export function hexToBase64(hex: string): string | null {
  const digits = hex.replace(/0x/gi, '').replace(/[\s,:]/g, '');
  if (!/^([0-9a-f]{2})*$/i.test(digits)) return null;
  let binary = '';
  for (let i = 0; i < digits.length; i += 2) binary += String.fromCharCode(parseInt(digits.slice(i, i + 2), 16));
  return btoa(binary);
}

/** GET /api/stats `live`: whether there is a live proxy to act on (null when the server did not say). */
export async function fetchLive(): Promise<boolean | null> {
  const result = await callApi('GET', 'api/stats').catch(() => null);
  const live = (result?.json as { live?: unknown } | null)?.live;
  return typeof live === 'boolean' ? live : null;
}
