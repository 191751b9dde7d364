/** The negotiated extensions, permessage-deflate's parameters each explained in a sentence (RFC 7692 7.1). */
import type { ExtensionOffer } from '../../../src/inspector/events.js';
import { visible } from '../format.js';

const PARAMS: Record<string, (value: string | true) => string> = {
  server_no_context_takeover: () =>
    'The server resets its compression context after each message: every server message compresses on its own (less memory, worse ratio). RFC7692 7.1.1.1',
  client_no_context_takeover: () =>
    'The client resets its compression context after each message, so the server need not keep the client\'s sliding window between messages. RFC7692 7.1.1.2',
  server_max_window_bits: (v) =>
    `The server compresses with a sliding window of at most 2^${v === true ? '?' : v} bytes, bounding the memory the client needs to inflate. RFC7692 7.1.2.1`,
  client_max_window_bits: (v) =>
    v === true
      ? 'Offered by the client without a value: it can work with any window size the server picks. RFC7692 7.1.2.2'
      : `The client compresses with a sliding window of at most 2^${v} bytes. RFC7692 7.1.2.2`,
};

export function Extensions({ extensions, offered }: { extensions: readonly ExtensionOffer[]; offered: string | null }) {
  return (
    <section class="extensions" aria-label="Negotiated extensions">
      <h3>Extensions</h3>
      {offered !== null && (
        <p>
          Offered by the client: <code>{visible(offered)}</code>
        </p>
      )}
      {extensions.length === 0 ? (
        <p>None accepted by the server: frames carry no extension data and RSV1-3 must stay 0.</p>
      ) : (
        extensions.map((ext) => (
          <div key={ext.name} class="extension">
            <p>
              Accepted: <code>{visible(ext.name)}</code>
              {ext.name === 'permessage-deflate' &&
                ': each data message may be compressed with DEFLATE; RSV1 on its first frame says it is, and the sender strips the trailing 00 00 ff ff. RFC7692 6, 7'}
            </p>
            <ul>
              {Object.entries(ext.params).length === 0 && ext.name === 'permessage-deflate' && (
                <li>No parameters: both sides keep their compression context across messages and use 32 KiB windows (2^15).</li>
              )}
              {Object.entries(ext.params).map(([name, value]) => (
                <li key={name}>
                  <code>
                    {visible(name)}
                    {value === true ? '' : `=${visible(value)}`}
                  </code>{' '}
                  — {PARAMS[name]?.(value) ?? 'A parameter this inspector does not know.'}
                </li>
              ))}
            </ul>
          </div>
        ))
      )}
    </section>
  );
}
