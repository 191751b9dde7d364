/**
 * The RFC 6455 section 5.2 frame diagram, drawn with this frame's bits: 32
 * bits a row, each field a coloured box holding its actual bit values, the
 * payload after the header. Hovering or focusing a field lights its bytes in
 * the hex dump (and the other way round).
 */
import type { Field, FrameLayout } from '../model/frame-layout.js';
import { isLit, lightProps } from './field-hover.js';

const SHORT: Record<string, string> = { fin: 'F', rsv1: 'R1', rsv2: 'R2', rsv3: 'R3', mask: 'M' };

interface Segment {
  field: Field;
  from: number;
  to: number;
}

export function BitDiagram({ layout }: { layout: FrameLayout }) {
  const headerBits = layout.header.length * 8;
  const rows: Segment[][] = [];
  for (let start = 0; start < headerBits; start += 32) {
    const end = start + 32;
    const row: Segment[] = [];
    for (const field of layout.fields) {
      const from = Math.max(field.bits[0], start);
      const to = Math.min(field.id === 'payload' ? end : field.bits[1], end);
      if (from < to) row.push({ field, from, to });
    }
    rows.push(row);
  }
  const payload = layout.fields.at(-1)!;
  const payloadStartsRow = headerBits % 32 === 0;
  return (
    <figure class="diagram" aria-label="Frame header, bit by bit (RFC 6455 section 5.2)">
      <div class="diagram-ruler" aria-hidden="true">
        {Array.from({ length: 32 }, (_, i) => (
          <span key={i} class={i % 8 === 0 ? 'octet' : ''}>
            {i % 10}
          </span>
        ))}
      </div>
      {rows.map((row, r) => (
        <div class="diagram-row" key={r} role="group" aria-label={`bits ${r * 32} to ${r * 32 + 31}`}>
          {row.map((segment) => (
            <SegmentBox key={`${segment.field.id}-${segment.from}`} layout={layout} segment={segment} />
          ))}
        </div>
      ))}
      {payloadStartsRow && (
        <div class="diagram-row">
          <PayloadBox field={payload} span={32} />
        </div>
      )}
      <div class="diagram-row">
        <PayloadBox field={payload} span={32} continued />
      </div>
    </figure>
  );
}

function SegmentBox({ layout, segment }: { layout: FrameLayout; segment: Segment }) {
  const { field, from, to } = segment;
  if (field.id === 'payload') return <PayloadBox field={field} span={to - from} />;
  const bits: number[] = [];
  for (let i = from; i < to; i++) bits.push((layout.header[i >> 3]! >> (7 - (i & 7))) & 1);
  const label = to - from <= 1 ? SHORT[field.id] ?? field.name : field.name;
  const continued = from > field.bits[0] ? ' (continued)' : '';
  return (
    <div
      class={`seg f-${field.id} ${to - from === 1 ? 'bit1' : ''} ${isLit([field.id]) ? 'lit' : ''}`}
      data-field={field.id}
      tabIndex={0}
      role="img"
      aria-label={`${field.name}${continued}: ${field.value}. Bits ${bits.join('')}.`}
      title={`${field.name}: ${field.value}\n${field.meaning} (${field.section})`}
      style={{ gridColumn: `span ${to - from}` }}
      {...lightProps([field.id])}
    >
      <span class="seg-label">{label}{continued && to - from > 8 ? ' (cont.)' : ''}</span>
      <span class="seg-bits">
        {bits.map((bit, i) => (
          <span key={i} class={bit ? 'one' : 'zero'}>
            {bit}
          </span>
        ))}
      </span>
    </div>
  );
}

function PayloadBox({ field, span, continued = false }: { field: Field; span: number; continued?: boolean }) {
  return (
    <div
      class={`seg f-payload ${isLit(['payload']) ? 'lit' : ''}`}
      data-field="payload"
      tabIndex={continued ? -1 : 0}
      role="img"
      aria-label={`Payload data: ${field.value}`}
      title={`${field.name}: ${field.value}\n${field.meaning} (${field.section})`}
      style={{ gridColumn: `span ${span}` }}
      {...lightProps(['payload'])}
    >
      <span class="seg-label">{continued ? `Payload data continued … (${field.value})` : 'Payload data'}</span>
    </div>
  );
}
