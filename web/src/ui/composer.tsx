/**
 * The composer under the timeline: sends a frame of the user's into the
 * selected live connection (POST /api/connections/:conn/send), toward the
 * server or the client: text, binary (hex), ping, pong, close (code and
 * reason), or a raw frame typed in hex, any bits, sent byte for byte.
 */
import { useState } from 'preact/hooks';
import { callApi, errorOf, hexToBase64, type Outcome } from '../act-api.js';
import { store, watchBatches } from '../state.js';

const TYPES = [
  ['text', 'text'],
  ['binary', 'binary (hex)'],
  ['ping', 'ping'],
  ['pong', 'pong'],
  ['close', 'close'],
  ['raw', 'raw frame (hex)'],
] as const;
type SendType = (typeof TYPES)[number][0];

export function Composer({ conn }: { conn: number | null }) {
  const [to, setTo] = useState<'server' | 'client'>('server');
  const [type, setType] = useState<SendType>('text');
  const [payload, setPayload] = useState('');
  const [code, setCode] = useState('1000');
  const [reason, setReason] = useState('');
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  watchBatches();
  // A closed connection takes nothing more: one line says so, instead of controls that cannot be used
  // (they took room from the frame detail in a small window). A saved capture has no composer: act-panels.tsx.
  const closed = conn !== null && store.connections.get(conn)?.state === 'closed';

  const send = async (e: Event) => {
    e.preventDefault();
    if (conn === null) return;
    const made = bodyFor(to, type, payload, code, reason);
    if ('error' in made) return setOutcome({ ok: false, text: made.error });
    const result = await callApi('POST', `api/connections/${conn}/send`, made.body);
    setOutcome(result.ok ? { ok: true, text: `sent ${type} toward the ${to}` } : { ok: false, text: errorOf(result) });
  };

  if (closed) {
    return (
      <p class="composer" aria-label="Send a frame into the selected connection">
        <strong>Send</strong>
        <span role="status" class="muted">
          connection {conn} is closed: nothing more can go into it
        </span>
      </p>
    );
  }
  return (
    <form class="composer" onSubmit={send} aria-label="Send a frame into the selected connection">
      <strong>Send</strong>
      <select aria-label="Frame type" value={type} onChange={(e) => setType(e.currentTarget.value as SendType)}>
        {TYPES.map(([value, label]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </select>
      <label>
        toward{' '}
        <select aria-label="Toward" value={to} onChange={(e) => setTo(e.currentTarget.value as 'server' | 'client')}>
          <option value="server">the server</option>
          <option value="client">the client</option>
        </select>
      </label>
      {type === 'close' ? (
        <>
          <input aria-label="Close code" class="code" inputMode="numeric" value={code} onInput={(e) => setCode(e.currentTarget.value)} />
          <input aria-label="Close reason" placeholder="reason" value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
        </>
      ) : (
        <textarea
          aria-label="Payload"
          rows={1}
          spellcheck={false}
          placeholder={type === 'binary' || type === 'raw' ? 'hex bytes, e.g. 81 05 48 65 6c 6c 6f' : 'payload'}
          value={payload}
          onInput={(e) => setPayload(e.currentTarget.value)}
        />
      )}
      <button type="submit" disabled={conn === null}>
        Send
      </button>
      <span role="status" class={outcome ? (outcome.ok ? 'ok' : 'bad') : 'muted'}>
        {conn === null ? 'select a connection' : (outcome?.text ?? `into connection ${conn}`)}
      </span>
    </form>
  );
}

/** The API body (contract: POST /api/connections/:conn/send), or what is wrong with the input. */
function bodyFor(to: string, type: SendType, payload: string, code: string, reason: string): { body: Record<string, unknown> } | { error: string } {
  if (type === 'close') {
    if (code.trim() === '') return reason ? { error: 'a close reason needs a code' } : { body: { to, type } };
    if (!/^\d+$/.test(code.trim())) return { error: 'the close code is a number' };
    return { body: { to, type, code: Number(code), reason } };
  }
  if (type === 'binary' || type === 'raw') {
    const base64 = hexToBase64(payload);
    return base64 === null ? { error: 'not hex: give bytes like 81 05 48 65' } : { body: { to, type, base64 } };
  }
  return { body: { to, type, text: payload } };
}
