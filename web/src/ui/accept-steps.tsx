/**
 * The Sec-WebSocket-Accept computation of RFC 6455 4.2.2, done again here in
 * the page with WebCrypto, step by step: the key as sent + the GUID, SHA-1 of
 * that in hex, its base64; then expected against what the server sent, with
 * the differing characters marked.
 */
import { useEffect, useState } from 'preact/hooks';
import { WEBSOCKET_GUID } from '../../../src/accept-calc/guid.js';
import { toBase64, toHex } from '../model/bytes.js';
import { visible } from '../format.js';

interface Steps {
  concatenated: string;
  sha1Hex: string;
  accept: string;
}

/** SHA-1 over the string's bytes as latin1, as the core does (a key is ASCII when valid). */
export async function computeSteps(key: string): Promise<Steps> {
  const concatenated = key + WEBSOCKET_GUID;
  const bytes = Uint8Array.from(concatenated, (ch) => ch.charCodeAt(0) & 0xff);
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-1', bytes));
  return { concatenated, sha1Hex: toHex(digest), accept: toBase64(digest) };
}

/** `status`: the response's status, null while there is no response yet. */
export function AcceptSteps({ keyValue, actual, status }: { keyValue: string | null; actual: string | null; status: number | null }) {
  const [steps, setSteps] = useState<Steps | null>(null);
  useEffect(() => {
    setSteps(null);
    if (keyValue !== null) void computeSteps(keyValue).then(setSteps);
  }, [keyValue]);
  if (keyValue === null) return <p class="bad">The request has no Sec-WebSocket-Key, so there is nothing to compute an accept value from.</p>;
  if (!steps) return <p class="muted">computing…</p>;
  const match = actual !== null && actual.trim() === steps.accept;
  return (
    <ol class="accept-steps" aria-label="Sec-WebSocket-Accept computation">
      <li>
        <span class="step-name">Sec-WebSocket-Key, as sent (not decoded)</span>
        <code data-step="key">{visible(keyValue)}</code>
      </li>
      <li>
        <span class="step-name">+ the GUID fixed by the RFC</span>
        <code data-step="concat">
          {visible(keyValue)}
          <span class="guid">{WEBSOCKET_GUID}</span>
        </code>
      </li>
      <li>
        <span class="step-name">SHA-1 of those {steps.concatenated.length} bytes, hex</span>
        <code data-step="sha1">{steps.sha1Hex}</code>
      </li>
      <li>
        <span class="step-name">base64 of the 20 digest bytes = expected accept</span>
        <code data-step="expected" class="ok">{steps.accept}</code>
      </li>
      <li>
        <span class="step-name">Sec-WebSocket-Accept the server sent</span>
        {actual === null ? (
          status === null ? (
            <span class="muted">no response yet</span>
          ) : status !== 101 ? (
            <span class="muted">none: the server answered {status}, refusing the upgrade (an accept only comes with 101)</span>
          ) : (
            <span class="bad">missing ✖</span>
          )
        ) : (
          <span>
            <Diff actual={actual} expected={steps.accept} />
            <span class={match ? 'ok' : 'bad'}>{match ? ' ✔ matches' : ' ✖ differs'}</span>
          </span>
        )}
      </li>
    </ol>
  );
}

/** The actual value with each character that differs from the expected one marked. */
function Diff({ actual, expected }: { actual: string; expected: string }) {
  const chars = Array.from(actual);
  return (
    <code data-step="actual">
      {chars.map((ch, i) => (
        <span key={i} class={ch === expected[i] ? '' : 'diff'}>
          {visible(ch)}
        </span>
      ))}
      {expected.length > chars.length && <span class="diff missing">{'·'.repeat(expected.length - chars.length)}</span>}
    </code>
  );
}
