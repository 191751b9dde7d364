/**
 * The opening handshake of a connection: both heads as on the wire and as
 * header tables (order and casing kept), every check with ✔/✖, its rule id
 * and RFC section, the accept computation step by step, and the negotiated
 * extensions explained.
 */
import { RULES, type RuleId } from '../../../src/inspector/rules.js';
import type { Header } from '../../../src/inspector/events.js';
import type { ComponentChildren } from 'preact';
import type { Connection } from '../model/store.js';
import type { Side, ViolationWire } from '../model/wire.js';
import { visible } from '../format.js';
import { AcceptSteps } from './accept-steps.js';
import { Extensions } from './deflate-params.js';
import { ViolationItem } from './violation-item.js';
import { watchBatches } from '../state.js';

const CHECKS: Record<Side, [RuleId, string][]> = {
  client: [
    ['handshake-method', 'method is GET'],
    ['handshake-http-version', 'HTTP/1.1 or later'],
    ['handshake-missing-host', 'Host header present'],
    ['handshake-upgrade-header', 'Upgrade: websocket'],
    ['handshake-connection-header', 'Connection includes the Upgrade token'],
    ['handshake-key-invalid', 'Sec-WebSocket-Key is the base64 of 16 bytes'],
    ['handshake-version', 'Sec-WebSocket-Version: 13'],
  ],
  server: [
    ['handshake-upgrade-header', 'Upgrade: websocket'],
    ['handshake-connection-header', 'Connection includes the Upgrade token'],
    ['handshake-accept-mismatch', 'Sec-WebSocket-Accept = base64(SHA-1(key + GUID))'],
    ['handshake-subprotocol-not-offered', 'the subprotocol chosen (if any) was offered'],
    ['handshake-extension-not-offered', 'the extensions accepted (if any) were offered, with allowed parameters'],
  ],
};

export function Handshake({ c }: { c: Connection }) {
  watchBatches();
  const { request, response } = c;
  if (!request) {
    return <p class="empty">{c.state === 'http' ? 'A plain HTTP connection: no WebSocket handshake.' : 'No handshake request seen yet.'}</p>;
  }
  const offeredExtensions = request.headers.filter(([n]) => n.toLowerCase() === 'sec-websocket-extensions').map(([, v]) => v);
  return (
    <div class="handshake">
      <section class="checks" aria-label="Handshake checks">
        <h3>
          Checks{' '}
          {response && (response.ok ? <span class="ok">✔ the handshake is valid</span> : <span class="bad">✖ the handshake failed</span>)}
        </h3>
        <CheckList side="client" title="Request (client)" violations={c.handshakeViolations} />
        {response ? (
          // The status first, under the response's heading; the other checks only once it is 101.
          <CheckList side="server" title="Response (server)" violations={c.handshakeViolations} checks={response.status === 101}>
            <li class={response.status === 101 ? 'pass' : 'fail'}>
              <span class="mark" aria-label={response.status === 101 ? 'passed' : 'failed'}>
                {response.status === 101 ? '✔' : '✖'}
              </span>{' '}
              status 101 Switching Protocols{' '}
              <span class="section">RFC6455 4.2.2</span>
              {response.status !== 101 && <span class="muted"> (got {response.status}: the server refused the upgrade)</span>}
            </li>
          </CheckList>
        ) : (
          <p class="muted">Waiting for the server's response…</p>
        )}
      </section>
      <section class="accept" aria-label="Sec-WebSocket-Accept computation">
        <h3>Sec-WebSocket-Accept, step by step</h3>
        <p class="note">
          The server proves it read this request as a WebSocket handshake (a cache or a plain HTTP server would not compute this), not that it is who it says: it is no security. <span class="section">RFC6455 1.3, 4.2.2</span>
        </p>
        <AcceptSteps keyValue={request.key} actual={response ? response.accept.actual : null} status={response?.status ?? null} />
      </section>
      {/* Refused (not 101): no frames follow, so there are no extensions to explain. */}
      {response?.status === 101 && <Extensions extensions={response.extensions} offered={offeredExtensions.length > 0 ? offeredExtensions.join(', ') : null} />}
      {response?.subprotocol != null && (
        <p>
          Subprotocol chosen by the server: <code>{visible(response.subprotocol)}</code>
        </p>
      )}
      <div class="heads">
        <Head title="Request" start={`${request.method} ${request.path} HTTP/${request.httpVersion}`} headers={request.headers} />
        {response && <Head title="Response" start={`HTTP/1.1 ${response.status} ${response.reason}`} headers={response.headers} />}
      </div>
    </div>
  );
}

interface CheckListProps {
  side: Side;
  title: string;
  violations: readonly ViolationWire[];
  /** False: only `children` (the checks cannot apply). */
  checks?: boolean;
  /** Checks listed before the side's rules. */
  children?: ComponentChildren;
}

function CheckList({ side, title, violations, checks = true, children }: CheckListProps) {
  watchBatches();
  return (
    <>
      <h4>{title}</h4>
      <ul class="check-list">
        {children}
        {checks && CHECKS[side].map(([rule, text]) => {
          const failed = violations.filter((v) => v.rule === rule && (v.from === side || v.from === null));
          return (
            <li key={rule} class={failed.length > 0 ? 'fail' : 'pass'} data-rule={rule}>
              <span class="mark" aria-label={failed.length > 0 ? 'failed' : 'passed'}>
                {failed.length > 0 ? '✖' : '✔'}
              </span>{' '}
              {text} <code class="rule">{rule}</code> <span class="section">{RULES[rule].section}</span>
              {failed.map((v, i) => (
                <div key={i} class="violation">
                  <ViolationItem v={v} />
                </div>
              ))}
            </li>
          );
        })}
      </ul>
    </>
  );
}

function Head({ title, start, headers }: { title: string; start: string; headers: readonly Header[] }) {
  const raw = [start, ...headers.map(([n, v]) => `${n}: ${v}`)].map(visible).join('\n');
  return (
    <section class="head" aria-label={`${title} head`}>
      <h3>{title}</h3>
      <pre class="raw-head">{raw}</pre>
      <table class="grid headers">
        <caption class="sr-only">{title} headers in wire order</caption>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">name</th>
            <th scope="col">value</th>
          </tr>
        </thead>
        <tbody>
          {headers.map(([name, value], i) => (
            <tr key={i}>
              <td class="num">{i + 1}</td>
              <td class="mono">{visible(name)}</td>
              <td class="mono">{visible(value)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
