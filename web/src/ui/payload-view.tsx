/**
 * A payload the way a person reads it: text as text (control and bidi
 * characters made visible), JSON pretty-printed with foldable objects and
 * arrays, binary as a hex dump. Always text nodes, never HTML.
 */
import { toHex } from '../model/bytes.js';
import { jsonString, visible } from '../format.js';

/** JSON larger than this is shown as text: folding it would cost more than it helps. */
const JSON_LIMIT = 1 << 20;

export function TextPayload({ text, truncated }: { text: string; truncated: boolean }) {
  const json = !truncated && text.length <= JSON_LIMIT ? parseJson(text) : undefined;
  if (json !== undefined && typeof json === 'object' && json !== null) {
    return (
      <div class="payload json" aria-label="JSON payload">
        <JsonNode value={json} name={null} last />
      </div>
    );
  }
  return (
    <pre class="payload text" aria-label="Text payload">
      {visible(text)}
      {truncated && <span class="muted">{'\n'}… (only the first part was captured)</span>}
    </pre>
  );
}

export function BinaryPayload({ bytes, total }: { bytes: Uint8Array; total: number }) {
  const lines: string[] = [];
  for (let at = 0; at < Math.min(bytes.length, 4096); at += 16) {
    const row = bytes.subarray(at, at + 16);
    const ascii = Array.from(row, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${at.toString(16).padStart(6, '0')}  ${toHex(row, ' ').padEnd(47)}  ${ascii}`);
  }
  return (
    <pre class="payload binary" aria-label="Binary payload, hex">
      {lines.join('\n')}
      {total > Math.min(bytes.length, 4096) && `\n… ${total - Math.min(bytes.length, 4096)} more bytes`}
    </pre>
  );
}

function parseJson(text: string): unknown {
  const first = text.trimStart()[0];
  if (first !== '{' && first !== '[') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * One value of the tree, written as JSON is: keys and strings quoted and
 * escaped, a comma after every item but the last. A folded object or array
 * reads `{…}` / `[…]` with its size beside it.
 */
function JsonNode({ value, name, last }: { value: unknown; name: string | null; last: boolean }) {
  const label = name === null ? null : <span class="json-key">{jsonString(name)}: </span>;
  const comma = last ? '' : ',';
  if (value !== null && typeof value === 'object') {
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
    const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
    if (entries.length === 0) return <div class="json-leaf">{label}{`${open}${close}${comma}`}</div>;
    const size = Array.isArray(value) ? `${entries.length} items` : `${entries.length} keys`;
    return (
      <details open class="json-node">
        <summary>
          {label}
          <span class="json-open">{open}</span>
          <span class="json-folded">
            {`${open}…${close}${comma}`}
            <span class="muted json-count"> {size}</span>
          </span>
        </summary>
        <div class="json-children">
          {entries.map(([key, child], i) => (
            <JsonNode key={key} value={child} name={Array.isArray(value) ? null : key} last={i === entries.length - 1} />
          ))}
        </div>
        <span>{`${close}${comma}`}</span>
      </details>
    );
  }
  const kind = value === null ? 'null' : typeof value;
  return (
    <div class="json-leaf">
      {label}
      <span class={`json-${kind}`}>{typeof value === 'string' ? jsonString(value) : String(value)}</span>
      {comma}
    </div>
  );
}
