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
      <blockquote class="rfc-quote">{RULE_QUOTES[v.rule]}</blockquote>
    </>
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
