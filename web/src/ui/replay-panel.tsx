/**
 * Replay from the page: the selected connection's client messages sent again
 * (POST /api/connections/:conn/replay; the replay goes through the proxy, so
 * it shows up as a connection of its own) and the server's answers now beside
 * the recorded ones, the first difference marked.
 */
import { useState } from 'preact/hooks';
import { callApi, errorOf } from '../act-api.js';

interface Shown {
  kind: 'text' | 'binary';
  text?: string;
  base64?: string;
}

interface Replayed {
  conn: number;
  compare: string;
  match: boolean;
  expected: Shown[];
  actual: Shown[];
  difference: { index: number; diff: string } | null;
}

export function ReplayPanel({ conn }: { conn: number | null }) {
  const [compare, setCompare] = useState('exact');
  const [result, setResult] = useState<Replayed | null>(null);
  const [note, setNote] = useState('');
  const [busy, setBusy] = useState(false);

  const replay = async () => {
    if (conn === null) return;
    setBusy(true);
    setNote(`replaying connection ${conn}…`);
    const answer = await callApi('POST', `api/connections/${conn}/replay`, { compare }).catch(() => null);
    setBusy(false);
    if (!answer?.ok) {
      setResult(null);
      return setNote(answer ? errorOf(answer) : 'the inspector did not answer');
    }
    const replayed = answer.json as Replayed;
    setResult(replayed);
    setNote(replayed.match ? `✔ the server's ${replayed.actual.length} messages match the recording (${replayed.compare})` : `✘ server message ${(replayed.difference?.index ?? 0) + 1} differs: ${replayed.difference?.diff ?? ''}`);
  };

  const rows = result ? Math.max(result.expected.length, result.actual.length) : 0;
  return (
    <div class="replay">
      <span class="replay-bar">
        <button type="button" disabled={conn === null || busy} onClick={() => void replay()}>
          Replay
        </button>
        <select aria-label="Compare" value={compare} onChange={(e) => setCompare(e.currentTarget.value)}>
          <option value="exact">compare exact</option>
          <option value="count">compare count</option>
          <option value="none">compare nothing</option>
        </select>
        <span role="status" class={result ? (result.match ? 'ok' : 'bad') : 'muted'}>
          {note || (conn === null ? 'select a connection' : `re-send connection ${conn}'s client messages and compare the answers`)}
        </span>
      </span>
      {result && rows > 0 && (
        <table class="replay-compare" aria-label="Server messages: recorded and now">
          <thead>
            <tr>
              <th>#</th>
              <th>recorded</th>
              <th>now</th>
            </tr>
          </thead>
          <tbody>
            {Array.from({ length: rows }, (_, i) => (
              <tr key={i} class={result.difference?.index === i ? 'differs' : ''}>
                <td>{i + 1}</td>
                <td>{shown(result.expected[i])}</td>
                <td>{shown(result.actual[i])}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function shown(message: Shown | undefined): string {
  if (!message) return '—';
  const body = message.kind === 'text' ? (message.text ?? '') : `${message.base64 ?? ''} (base64)`;
  return body.length > 300 ? `${body.slice(0, 300)}…` : body;
}
