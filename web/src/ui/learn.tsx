/**
 * Learn: a guided walk through the protocol on the learner's own connection.
 * Every step shows the real bytes of this connection with the same
 * components as the other views (the bit diagram, the hex dump, unmasking,
 * the accept computation), and "show me" opens them there.
 */
import { useMemo, useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import { toHex, utf8, xorMask } from '../model/bytes.js';
import { layoutFrame, type FieldId } from '../model/frame-layout.js';
import type { Connection, FrameRow, MessageRow } from '../model/store.js';
import { isControl } from '../../../src/inspector/opcodes.js';
import { formatBytes, formatCount, visible } from '../format.js';
import { hoveredFields, openRow, selectConnection, selectedConn, store, tab, watchBatches } from '../state.js';
import { AcceptSteps } from './accept-steps.js';
import { BitDiagram } from './bit-diagram.js';
import { HexDump } from './hex-dump.js';
import { MaskTable } from './mask-table.js';

interface Walk {
  c: Connection;
  /** The first frame of each kind worth pointing at, from this connection. */
  clientText: FrameRow | undefined;
  /** clientText is compressed (permessage-deflate): when the client sent no plain one-frame text message. */
  clientTextCompressed: boolean;
  serverText: FrameRow | undefined;
  fragmented: MessageRow | undefined;
  compressed: MessageRow | undefined;
  closes: FrameRow[];
  /** Other connections with what this one lacks, so a step with nothing here can point there. */
  elsewhere: { fragmented?: number; deflate?: number };
}

const STEPS: [string, (walk: Walk) => ComponentChildren][] = [
  ['1 · Opening handshake', Handshake],
  ['2 · Accept computation', Accept],
  ['3 · A frame, bit by bit', Anatomy],
  ['4 · Why clients mask', Masking],
  ['5 · Fragmentation', Fragmentation],
  ['6 · permessage-deflate', Deflate],
  ['7 · Closing', Closing],
  ['8 · Before RFC 6455', Hixie],
];

/** How far into a connection's rows Learn looks for examples (it only needs the first of each). */
const SCAN = 20_000;

export function Learn() {
  const seen = watchBatches();
  const [step, setStep] = useState(0);
  const conn = selectedConn.value;
  const walk = useMemo(() => findExamples(conn), [conn, seen]);
  if (!walk) {
    return (
      <div class="learn">
        <p>
          Learn walks through the WebSocket protocol on a connection of your own. Open the demo page the banner printed (or run{' '}
          <code>wsinspect connect ws://127.0.0.1:8080/</code>), send a message, then select the connection above.
        </p>
      </div>
    );
  }
  const [, Body] = STEPS[step]!;
  return (
    <div class="learn">
      <nav class="learn-steps" aria-label="Steps">
        {STEPS.map(([title], i) => (
          <button key={title} type="button" class={i === step ? 'on' : ''} aria-current={i === step ? 'step' : undefined} onClick={() => setStep(i)}>
            {title}
          </button>
        ))}
      </nav>
      <section aria-live="polite" aria-label={STEPS[step]![0]}>
        <Body {...walk} />
      </section>
      <div class="learn-nav">
        {step > 0 && (
          <button type="button" onClick={() => setStep(step - 1)}>
            ← back
          </button>
        )}{' '}
        {step < STEPS.length - 1 && (
          <button type="button" onClick={() => setStep(step + 1)}>
            next: {STEPS[step + 1]![0].replace(/^\d+ · /, '')} →
          </button>
        )}
      </div>
    </div>
  );
}

function findExamples(conn: number | null): Walk | null {
  const c = conn === null ? [...store.connections.values()].find((x) => x.request) : store.connections.get(conn);
  if (!c || !c.request) return null;
  const walk: Walk = { c, clientText: undefined, clientTextCompressed: false, serverText: undefined, fragmented: undefined, compressed: undefined, closes: [], elsewhere: {} };
  walk.elsewhere.deflate = [...store.connections.values()].find((x) => x.conn !== c.conn && negotiatedDeflate(x))?.conn;
  let anyClientText: FrameRow | undefined;
  let looked = 0;
  for (const row of store.rows) {
    if (row.event.conn !== c.conn) {
      if (row.kind === 'message' && (row.event.frames ?? 0) > 1) walk.elsewhere.fragmented ??= row.event.conn;
      continue;
    }
    if (++looked > SCAN) break;
    if (row.kind === 'frame') {
      const f = row.event;
      if (f.opcode === 0x1 && f.fin && !f.rsv1) {
        if (f.from === 'client') walk.clientText ??= row;
        else walk.serverText ??= row;
      }
      if (f.opcode === 0x1 && f.from === 'client') anyClientText ??= row;
      if (f.opcode === 0x8) walk.closes.push(row);
    } else if (row.kind === 'message') {
      if ((row.event.frames ?? 0) > 1) walk.fragmented ??= row;
      if (row.event.compressed) walk.compressed ??= row;
    }
  }
  // A connection that compresses (browsers offer permessage-deflate) or fragments every message still has a frame to show.
  if (!walk.clientText && anyClientText) {
    walk.clientText = anyClientText;
    walk.clientTextCompressed = anyClientText.event.rsv1;
  }
  return walk;
}

/**
 * A step with no example here points at another connection that has one, and walks there, staying on the step
 * (focus too: this link is gone once there, the step's own button stays).
 */
function Elsewhere({ conn, has }: { conn: number | undefined; has: string }) {
  if (conn === undefined) return null;
  const walk = (e: MouseEvent) => {
    const learn = (e.currentTarget as HTMLElement).closest('.learn');
    selectConnection(conn);
    learn?.querySelector<HTMLElement>('[aria-current="step"]')?.focus();
  };
  return (
    <>
      {' '}
      Connection {conn} {has}:{' '}
      <button type="button" class="link" onClick={walk}>
        learn on connection {conn} →
      </button>
    </>
  );
}

function ShowMe({ row, fields = [], children }: { row: FrameRow | MessageRow; fields?: FieldId[]; children: ComponentChildren }) {
  const show = () => {
    openRow(row.event.conn, row.seq);
    hoveredFields.value = fields;
  };
  return (
    <button type="button" class="link" onClick={show}>
      {children}
    </button>
  );
}

function header(c: Connection, name: string): string | null {
  return c.request?.headers.find(([n]) => n.toLowerCase() === name)?.[1] ?? null;
}

function Handshake({ c }: Walk) {
  const lines = [
    `${c.request!.method} ${c.request!.path} HTTP/${c.request!.httpVersion}`,
    ...c.request!.headers.filter(([n]) => /^(upgrade|connection|sec-websocket-key|sec-websocket-version)$/i.test(n)).map(([n, v]) => `${n}: ${v}`),
  ];
  return (
    <>
      <h3>The opening handshake: an HTTP request that asks to stop being HTTP</h3>
      <p>
        A WebSocket starts as an ordinary HTTP/1.1 GET on the same port as the web site, so it passes the same firewalls and proxies. These lines of your
        client's request ask the server to switch protocols (RFC6455 4.1):
      </p>
      <code class="bytes">{lines.map(visible).join('\n')}</code>
      <p>
        The server answers <code>101 Switching Protocols</code>; from the next byte on, both sides speak WebSocket frames on the same TCP connection.
        {c.response ? ` Yours answered ${c.response.status} ${visible(c.response.reason)}.` : ''}
      </p>
      <p>
        <strong>Why Sec-WebSocket-Key and Accept exist.</strong> Not for security: the key is no secret and anyone can compute the answer. They make sure
        the server really read a WebSocket request. A plain HTTP server, or a cache that replays an earlier response, cannot produce an Accept derived from
        this fresh key, so the client never mistakes such a reply for a WebSocket, and the <code>Sec-</code> prefix means a page's script cannot set these
        headers with an ordinary request (RFC6455 1.3, 10.3).
      </p>
      <p>
        <button type="button" class="link" onClick={() => (tab.value = 'handshake')}>
          Show me every header and check →
        </button>
      </p>
    </>
  );
}

function Accept({ c }: Walk) {
  const key = header(c, 'sec-websocket-key');
  return (
    <>
      <h3>The accept computation, done again in your browser</h3>
      <p>
        The server appends a fixed GUID to the key exactly as sent (it does not decode the base64), hashes that with SHA-1 and sends the 20-byte digest in
        base64 (RFC6455 4.2.2). This page recomputed it with WebCrypto:
      </p>
      <AcceptSteps keyValue={key} actual={c.response?.accept.actual ?? null} status={c.response?.status ?? null} />
    </>
  );
}

function Anatomy({ clientText, clientTextCompressed }: Walk) {
  if (!clientText) return <Missing what="a text frame from the client" />;
  const layout = layoutFrame(clientText);
  return (
    <>
      <h3>
        A frame, bit by bit: your client's first text frame{clientTextCompressed ? ', compressed' : ''}
        {clientText.event.fin ? '' : ', the first fragment of its message'}
      </h3>
      <p>
        Every WebSocket message travels in frames. A frame starts with 2 bytes: FIN (last frame of the message?), three reserved bits, a 4-bit opcode
        (0x1 text), MASK, and a 7-bit length. Longer payloads put 126 or 127 there and the length in the next 2 or 8 bytes. A client then sends a 4-byte
        masking key, and the payload follows (RFC6455 5.2). Hover a field to see its bytes:
      </p>
      {clientTextCompressed && <CompressedNote />}
      <div class="bits-and-bytes">
        <BitDiagram layout={layout} />
        <HexDump layout={layout} />
      </div>
      <p>
        <ShowMe row={clientText} fields={['opcode']}>
          Open this frame with every field explained →
        </ShowMe>
      </p>
    </>
  );
}

function Masking({ clientText, clientTextCompressed, serverText }: Walk) {
  if (!clientText) return <Missing what="a text frame from the client" />;
  const layout = layoutFrame(clientText);
  return (
    <>
      <h3>Why clients mask: protecting proxies that do not speak WebSocket</h3>
      <p>
        In 2010 researchers showed that bytes a script chose could look like an HTTP request to a transparent proxy that did not understand the Upgrade, and
        poison its cache. So a browser XORs every payload it sends with a fresh random 4-byte key (RFC6455 5.3, 10.3): the script no longer controls the bytes
        on the wire. It is not encryption: the key travels in the frame, right before the payload.
      </p>
      {clientTextCompressed && <CompressedNote />}
      <MaskTable layout={layout} />
      <p>
        Servers never mask{serverText ? `: your server's echo went out as plain ${formatBytes(serverText.event.payloadLength)}` : ''}. A masked server frame or
        an unmasked client frame is a violation (<code>server-frame-masked</code>, <code>client-frame-unmasked</code>, RFC6455 5.1).{' '}
        <ShowMe row={clientText} fields={['maskkey', 'mask']}>
          Show the key in the frame →
        </ShowMe>
      </p>
    </>
  );
}

function Fragmentation({ fragmented, elsewhere }: Walk) {
  const controls = fragmented ? interleaved(fragmented) : [];
  return (
    <>
      <h3>Fragmentation, and control frames in between</h3>
      <p>
        A message may be split into frames: the first has the message's opcode and FIN=0, the following ones opcode 0x0 (continuation), and the last has
        FIN=1 (RFC6455 5.4). A sender need not know a message's length when it starts. Control frames (ping, pong, close) may arrive between the fragments,
        so a long message never delays a heartbeat, but they are never fragmented themselves and carry at most 125 bytes (RFC6455 5.5).
      </p>
      {fragmented ? (
        <>
          <p>
            This connection has one: a {fragmented.event.kind} message in {fragmented.event.frames} frames
            {controls.length === 0 ? '' : `, and ${controls.length === 1 ? 'a control frame' : `${controls.length} control frames`} between them (not part of the message)`}.
          </p>
          <ol>
            {[...fragmented.frames, ...controls]
              .sort((a, b) => a.seq - b.seq)
              .map((frame) => (
                <li key={frame.seq} class={isControl(frame.event.opcode) ? 'interleaved' : ''}>
                  <ShowMe row={frame} fields={['fin', 'opcode']}>
                    {isControl(frame.event.opcode) ? 'in between: ' : `frame ${fragmented.frames.indexOf(frame) + 1}: `}opcode {frame.event.opcodeName}, FIN=
                    {frame.event.fin ? 1 : 0}, {formatCount(frame.event.payloadLength)} bytes
                  </ShowMe>
                </li>
              ))}
          </ol>
        </>
      ) : (
        <p class="note">
          No fragmented message on this connection yet. Browsers rarely fragment; <code>ws</code> does with <code>send(data, {'{'} fin: false {'}'})</code>.
          <Elsewhere conn={elsewhere.fragmented} has="has one" />
        </p>
      )}
    </>
  );
}

/** The control frames the same side sent between a fragmented message's first and last frames (the first 20 of them). */
function interleaved(message: MessageRow): FrameRow[] {
  if (message.frames.length === 0) return []; // let go to bound memory
  const first = message.frames[0]!.seq;
  const last = message.frames.at(-1)!.seq;
  const found: FrameRow[] = [];
  for (let seq = first + 1; seq < last && found.length < 20; seq++) {
    const row = store.row(seq);
    if (row?.kind === 'frame' && row.event.conn === message.event.conn && row.event.from === message.event.from && isControl(row.event.opcode)) found.push(row);
  }
  return found;
}

function negotiatedDeflate(c: Connection): boolean {
  return c.response?.extensions.some((e) => e.name === 'permessage-deflate') ?? false;
}

function Deflate({ c, compressed, elsewhere }: Walk) {
  const ext = negotiatedDeflate(c);
  return (
    <>
      <h3>permessage-deflate: compressed messages (RFC 7692)</h3>
      <p>
        Offered in <code>Sec-WebSocket-Extensions</code> and accepted by the server, it compresses each data message with DEFLATE. RSV1 on the message's
        first frame says "this one is compressed"; the sender strips the final <code>00 00 ff ff</code> of the deflate output and the receiver adds it back
        before inflating (RFC7692 7.2). With context takeover, later messages refer back to earlier ones, so repeated JSON keys cost almost nothing.
      </p>
      {!ext && (
        <p class="note">
          This connection did not negotiate it{header(c, 'sec-websocket-extensions') ? ' (the client offered it, the server declined)' : ''}.
          <Elsewhere conn={elsewhere.deflate} has="did" />
        </p>
      )}
      {compressed && (
        <p>
          Here: a {compressed.event.kind} message of {formatBytes(compressed.event.size)} travelled as {compressed.event.wireBytes === null ? 'fewer bytes' : formatBytes(compressed.event.wireBytes)}.{' '}
          <ShowMe row={compressed.frames[0] ?? compressed} fields={['rsv1']}>
            Show its RSV1 bit →
          </ShowMe>
        </p>
      )}
    </>
  );
}

function Closing({ closes }: Walk) {
  return (
    <>
      <h3>The closing handshake and close codes</h3>
      <p>
        Either side sends a close frame (opcode 0x8) with an optional 2-byte status code and a UTF-8 reason; the other answers with its own close frame, and
        then the TCP connection ends, the server closing first (RFC6455 5.5.1, 7). 1000 is a normal closure, 1001 going away, 1002 a protocol error, 1009 a
        message too big; 1005 and 1006 are only for reporting (no code, connection lost) and never appear on the wire (RFC6455 7.4).
      </p>
      {closes.length === 0 ? (
        <p class="note">No close frame on this connection yet.</p>
      ) : (
        <ul>
          {closes.map((frame) => (
            <li key={frame.seq}>
              <ShowMe row={frame} fields={['payload']}>
                {frame.event.from} sent {frame.event.close?.code ?? 'no code'} {frame.event.close?.codeName ?? ''}
                {frame.event.close?.reason ? ` "${visible(frame.event.close.reason)}"` : ''}
              </ShowMe>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

function Hixie({ clientText, clientTextCompressed }: Walk) {
  const text = clientText?.message?.event.text ?? 'Hello';
  const payload = utf8.encode(text).subarray(0, 24);
  const hixie = `00 ${toHex(payload, ' ')} ff`;
  const layout = clientText ? layoutFrame(clientText) : null;
  const rfc = layout ? `${toHex(layout.header, ' ')} ${toHex(layout.wire.subarray(0, 24), ' ')}` : toHex(xorMask(payload, new Uint8Array(4)), ' ');
  return (
    <>
      <h3>Before RFC 6455: the hixie-76 draft's 0x00 … 0xFF framing</h3>
      <p>
        Many tutorials still say a WebSocket message is <code>0x00</code>, the text, then <code>0xFF</code>. That is draft-hixie-thewebsocketprotocol-76
        (2010), which browsers dropped in 2011 for RFC 6455. It had no length field (the receiver scanned for 0xFF), no binary messages, no masking, no
        ping/pong, and a different handshake (Sec-WebSocket-Key1/Key2 and 8 bytes of body). The same text both ways:
      </p>
      <div class="compare">
        <div>
          <h4>hixie-76 (obsolete)</h4>
          <code class="bytes">{hixie}</code>
        </div>
        <div>
          <h4>RFC 6455 (your client's frame)</h4>
          <code class="bytes">{rfc}</code>
        </div>
      </div>
      <p class="note">
        The message: “{visible(shortened(text))}”. In RFC 6455 the first byte holds FIN, RSV1-3 and the opcode (0x
        {toHex(layout?.header.subarray(0, 1) ?? new Uint8Array([0x81]))}: {describeFirstByte(clientText)}), the second MASK and the length; the payload is{clientTextCompressed ? ' compressed, then' : ''} masked.
      </p>
    </>
  );
}

/** The first 40 characters (the bytes beside it show its first 24). */
function shortened(text: string): string {
  const chars = Array.from(text);
  return chars.length > 40 ? `${chars.slice(0, 40).join('')}…` : text;
}

/** What the frame's first byte says, in words ("FIN + text"). */
function describeFirstByte(frame: FrameRow | undefined): string {
  if (!frame) return 'FIN + text';
  const f = frame.event;
  return [f.fin && 'FIN', f.rsv1 && 'RSV1 (compressed)', f.opcodeName].filter(Boolean).join(' + ');
}

function CompressedNote() {
  return (
    <p class="note">
      This connection compresses its messages (permessage-deflate, step 6): RSV1 is set, and the payload, once unmasked, is DEFLATE output rather than
      the text itself.
    </p>
  );
}

function Missing({ what }: { what: string }) {
  return <p class="note">This connection has no {what} yet: send one (the demo page's Send button does) and this step shows its bytes.</p>;
}
