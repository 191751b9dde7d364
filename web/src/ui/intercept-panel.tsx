/**
 * Interception from the page: the filter that holds messages (PUT
 * /api/intercept; the one in force, whoever set it, from GET /api/intercept),
 * and the held messages (GET /api/intercepted) each with Forward, Edit and
 * Drop (POST /api/intercepted/:id); both polled while the panel is open.
 * A held message stalls its direction until someone acts, so the panel opens
 * by itself when one is held (set with `proxy --intercept` or here) and its
 * summary counts them, and names the filter in force, even when closed.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { callApi, errorOf, hexToBase64 } from '../act-api.js';
import { visible } from '../format.js';
import { heldNow, link } from '../state.js';

interface Held {
  id: number;
  conn: number;
  from: 'client' | 'server';
  kind: 'text' | 'binary';
  size: number;
  text?: string;
  base64?: string;
}

const POLL_MS = 1000;

export function InterceptPanel() {
  const holding = heldNow.value;
  const [open, setOpen] = useState(holding > 0);
  const [filter, setFilter] = useState('');
  const [active, setActive] = useState<string | null>(null);
  const [held, setHeld] = useState<Held[]>([]);
  const [note, setNote] = useState('');

  // One more message held: open (again, if the user had closed it) and list it now, not at the next poll.
  const before = useRef(holding);
  useEffect(() => {
    if (holding > before.current) setOpen(true);
    before.current = holding;
  }, [holding]);

  // The filter in force from the start (`proxy --intercept` may have set one) and after each reconnection, kept in sync while open.
  const live = link.value === 'live';
  useEffect(() => {
    if (!live) return;
    let stop = false;
    void inForce().then((expression) => {
      if (stop || expression === undefined) return;
      setActive(expression);
      setFilter((typed) => typed || (expression ?? ''));
    });
    return () => {
      stop = true;
    };
  }, [live]);

  useEffect(() => {
    if (!open) return;
    let stop = false;
    const poll = async () => {
      const [result, expression] = await Promise.all([callApi('GET', 'api/intercepted').catch(() => null), inForce()]);
      if (stop) return;
      if (result?.ok) setHeld(result.json as Held[]);
      if (expression !== undefined) setActive(expression);
    };
    void poll();
    const timer = setInterval(() => void poll(), POLL_MS);
    return () => {
      stop = true;
      clearInterval(timer);
    };
  }, [open, holding]);

  const apply = async (expression: string | null) => {
    const result = await callApi('PUT', 'api/intercept', { filter: expression });
    if (!result.ok) return setNote(errorOf(result));
    setActive((result.json as { filter: string | null }).filter);
    setNote(expression === null ? 'not intercepting' : `holding messages matching ${expression}`);
  };

  const release = async (id: number, body: Record<string, unknown>) => {
    const result = await callApi('POST', `api/intercepted/${id}`, body);
    setNote(result.ok ? `#${id}: ${String(body.action)}` : errorOf(result));
    if (result.ok) setHeld((list) => list.filter((h) => h.id !== id));
  };

  // Open, the server's list is the truth (it also has what the page let go); closed, the events say.
  const count = Math.max(holding, open ? held.length : 0);
  return (
    <details class={`intercept${count > 0 ? ' holding' : ''}`} open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>
        Intercept{' '}
        {active !== null && (
          <span class="count on">
            intercepting: <code>{visible(active)}</code>
          </span>
        )}{' '}
        {count > 0 && (
          <span class="count warn">
            {count} held: forward, edit or drop {count === 1 ? 'it' : 'them'}
          </span>
        )}
      </summary>
      <form
        class="intercept-filter"
        onSubmit={(e) => {
          e.preventDefault();
          void apply(filter.trim() === '' ? null : filter.trim());
        }}
      >
        <input aria-label="Intercept filter" placeholder='hold messages matching, e.g. client text "password"' value={filter} onInput={(e) => setFilter(e.currentTarget.value)} />
        <button type="submit">Hold matching</button>
        {/* Enabled even when the page set no filter: `proxy --intercept EXPR` may have. */}
        <button type="button" onClick={() => void apply(null)}>
          Stop
        </button>
        <span role="status" class="muted">
          {note}
        </span>
      </form>
      <ul class="held-list" aria-label="Held messages">
        {held.map((h) => (
          <HeldItem key={h.id} held={h} release={release} />
        ))}
      </ul>
    </details>
  );
}

/** GET /api/intercept: the expression in force, null when none; undefined when the server did not say. */
async function inForce(): Promise<string | null | undefined> {
  const result = await callApi('GET', 'api/intercept').catch(() => null);
  const filter = (result?.ok ? (result.json as { filter?: unknown }) : null)?.filter;
  return typeof filter === 'string' || filter === null ? filter : undefined;
}

function HeldItem({ held, release }: { held: Held; release: (id: number, body: Record<string, unknown>) => Promise<void> }) {
  const original = held.kind === 'text' ? (held.text ?? '') : base64ToHex(held.base64 ?? '');
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState(original);
  const edit = () => {
    if (held.kind === 'text') return release(held.id, { action: 'edit', text: value });
    const base64 = hexToBase64(value);
    return base64 === null ? Promise.resolve() : release(held.id, { action: 'edit', base64 });
  };
  return (
    <li class="held" data-id={held.id}>
      <span>
        #{held.id} · connection {held.conn} · {held.from === 'client' ? 'client → server' : 'server → client'} · {held.kind} · {held.size} B
      </span>
      {editing ? (
        <textarea aria-label={`Edit message ${held.id}`} value={value} spellcheck={false} onInput={(e) => setValue(e.currentTarget.value)} />
      ) : (
        <code class="held-payload">{original.length > 200 ? `${original.slice(0, 200)}…` : original}</code>
      )}
      <span class="held-actions">
        <button type="button" onClick={() => void release(held.id, { action: 'forward' })}>
          Forward
        </button>
        {editing ? (
          <button type="button" onClick={() => void edit()}>
            Forward edited
          </button>
        ) : (
          <button type="button" onClick={() => setEditing(true)}>
            Edit
          </button>
        )}
        <button type="button" onClick={() => void release(held.id, { action: 'drop' })}>
          Drop
        </button>
      </span>
    </li>
  );
}

function base64ToHex(base64: string): string {
  const binary = atob(base64);
  let hex = '';
  for (let i = 0; i < binary.length; i++) hex += binary.charCodeAt(i).toString(16).padStart(2, '0') + ' ';
  return hex.trim();
}
