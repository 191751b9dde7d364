/**
 * A violation as the page shows it: severity, rule id, RFC section, what was
 * seen, and the RFC sentence it breaks (src/inspector/rule-quotes.ts).
 */
import { RULE_QUOTES } from '../../../src/inspector/rule-quotes.js';
import type { ViolationWire } from '../model/wire.js';
import { visible } from '../format.js';
import { watchBatches } from '../state.js';

export function ViolationItem({ v }: { v: ViolationWire }) {
  return (
    <>
      <span class={`sev sev-${v.severity}`}>{v.severity}</span> <code class="rule">{v.rule}</code>{' '}
      <span class="section">{v.section}</span>
      {v.from && <span class="muted"> · {v.from}</span>}
      <div class="violation-message">{visible(v.message)}</div>
      <RfcQuote text={RULE_QUOTES[v.rule]} />
    </>
  );
}

/**
 * The RFC's sentence, its plain-text notation made readable: a _Defined Term_ set off without the underscores,
 * a |Header-Name| as code without the bars (the quotes keep the RFC's own text, which the terminal prints as is).
 */
function RfcQuote({ text }: { text: string }) {
  const parts = text.split(/(_[A-Z][^_]*_|\|[A-Za-z-]+\|)/);
  return (
    <blockquote class="rfc-quote">
      {parts.map((part, i) => (i % 2 === 0 ? part : part.startsWith('_') ? <em key={i} class="rfc-term">{part.slice(1, -1)}</em> : <code key={i}>{part.slice(1, -1)}</code>))}
    </blockquote>
  );
}

/** The violations of one frame or message, under its detail's title. */
export function ViolationList({ violations }: { violations: readonly ViolationWire[] }) {
  watchBatches();
  if (violations.length === 0) return null;
  return (
    <ul class="violations-inline" aria-label="Violations">
      {violations.map((v, i) => (
        <li key={i} class={`violation sev-${v.severity}`}>
          <ViolationItem v={v} />
        </li>
      ))}
    </ul>
  );
}
