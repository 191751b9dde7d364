/**
 * Unmasking shown row by row (RFC 6455 5.3): the bytes as sent, the masking
 * key repeated under them, and their XOR, the payload the application sees.
 */
import type { FrameLayout } from '../model/frame-layout.js';
import { lightProps } from './field-hover.js';

const PER_ROW = 8;
const ROWS = 8;

export function MaskTable({ layout }: { layout: FrameLayout }) {
  const key = layout.maskKey;
  if (!key) return null;
  const count = Math.min(layout.plain.length, PER_ROW * ROWS);
  const starts: number[] = [];
  for (let at = 0; at < count; at += PER_ROW) starts.push(at);
  const hex = (b: number) => b.toString(16).padStart(2, '0');
  return (
    <section class="mask-table" aria-label="Unmasking, row by row">
      <h4>Unmasking: payload byte i XOR key byte (i mod 4)</h4>
      {count === 0 ? (
        <p class="note">No payload bytes were captured for this frame.</p>
      ) : (
        <table class="xor">
          <tbody>
            {starts.map((at) => {
              const indexes = Array.from({ length: Math.min(PER_ROW, count - at) }, (_, i) => at + i);
              return [
                <tr key={`w${at}`} class="xor-wire" {...lightProps(['payload'])}>
                  <th scope="row">{at === 0 ? 'masked' : ''}</th>
                  {indexes.map((i) => <td key={i}>{hex(layout.wire[i]!)}</td>)}
                </tr>,
                <tr key={`k${at}`} class="xor-key" {...lightProps(['maskkey'])}>
                  <th scope="row">{at === 0 ? '⊕ key' : ''}</th>
                  {indexes.map((i) => <td key={i} class={`k${i & 3}`}>{hex(key[i & 3]!)}</td>)}
                </tr>,
                <tr key={`p${at}`} class="xor-plain">
                  <th scope="row">{at === 0 ? '= data' : ''}</th>
                  {indexes.map((i) => (
                    <td key={i} title={printable(layout.plain[i]!)}>
                      {hex(layout.plain[i]!)}
                    </td>
                  ))}
                </tr>,
              ];
            })}
          </tbody>
        </table>
      )}
      {layout.plain.length > count && <p class="note">First {count} of {layout.plain.length} captured bytes shown.</p>}
    </section>
  );
}

function printable(b: number): string {
  return b >= 0x20 && b < 0x7f ? `'${String.fromCharCode(b)}'` : `0x${b.toString(16)}`;
}
