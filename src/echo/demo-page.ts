/**
 * The demo page the echo server serves at `/`: the classic "WebSocket Echo
 * Test", plus what a learner wants to poke at (binary messages, close codes,
 * reconnecting, the live readyState). It connects back to whatever host served
 * it, so opened through the proxy it talks through the proxy.
 *
 * Self-contained (no external resources). Wire data reaches the page only via
 * textContent, never innerHTML. The ids are stable: browser tests rely on them.
 */
export const DEMO_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>WebSocket Echo Test</title>
<link rel="icon" href="data:,">
<style>
  body { font: 15px/1.4 system-ui, sans-serif; max-width: 50rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
  fieldset { border: 1px solid #ccc; border-radius: 4px; margin: 0 0 1rem; }
  input, button { font: inherit; }
  #message { width: 20rem; }
  #close-code { width: 5rem; }
  #state { font-weight: bold; }
  #log { font: 13px/1.4 ui-monospace, monospace; background: #f6f6f6; border: 1px solid #ddd;
         padding: .5rem; height: 22rem; overflow-y: auto; white-space: pre-wrap; word-break: break-all; }
  .sent { color: #0645ad; } .received { color: #067d17; } .error { color: #b00020; } .info { color: #666; }
</style>
</head>
<body>
<h1>WebSocket Echo Test</h1>
<p><code id="url"></code> readyState: <span id="state"></span></p>
<fieldset>
  <legend>Message</legend>
  <input id="message" value="Hello, world!" aria-label="message">
  <button id="send">Send</button>
  <button id="send-binary" title="send the UTF-8 bytes of the text as a binary message">Send as binary</button>
</fieldset>
<fieldset>
  <legend>Connection</legend>
  <label>code <input id="close-code" type="number" value="1000" title="empty: a close frame without a status code"></label>
  <label>reason <input id="close-reason" value=""></label>
  <button id="close">Close</button>
  <button id="reconnect">Reconnect</button>
</fieldset>
<div id="log" aria-live="polite"></div>
<script>
'use strict';
const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/';
const STATES = ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED'];
const HEX_SHOWN = 256; // bytes; a multi-megabyte message would freeze the page as hex
const $ = (id) => document.getElementById(id);
let socket;

function showState() {
  $('state').textContent = STATES[socket.readyState] + ' (' + socket.readyState + ')';
}

function log(text, kind) {
  const line = document.createElement('div');
  line.className = kind;
  line.textContent = text;
  $('log').append(line);
  $('log').scrollTop = $('log').scrollHeight;
  showState();
}

function describeBinary(buffer) {
  const bytes = new Uint8Array(buffer, 0, Math.min(buffer.byteLength, HEX_SHOWN));
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
  return '(binary, ' + buffer.byteLength + ' bytes) ' + hex + (buffer.byteLength > HEX_SHOWN ? ' …' : '');
}

function connect() {
  socket = new WebSocket(url);
  socket.binaryType = 'arraybuffer';
  log('CONNECTING to ' + url, 'info');
  socket.onopen = () => log('OPEN', 'info');
  socket.onmessage = (event) => log('RECEIVED: ' +
    (typeof event.data === 'string' ? event.data : describeBinary(event.data)), 'received');
  socket.onerror = () => log('ERROR', 'error');
  socket.onclose = (event) => log('CLOSED: code=' + event.code + ' reason="' + event.reason +
    '" wasClean=' + event.wasClean, 'info');
}

function send(data, shown) {
  // send() throws while CONNECTING and silently discards once CLOSING/CLOSED: say so instead.
  if (socket.readyState !== WebSocket.OPEN) return log('NOT SENT: the socket is ' + STATES[socket.readyState], 'error');
  socket.send(data);
  log('SENT: ' + shown, 'sent');
}

$('send').onclick = () => send($('message').value, $('message').value);
$('send-binary').onclick = () => {
  const bytes = new TextEncoder().encode($('message').value);
  send(bytes.buffer, describeBinary(bytes.buffer));
};
$('message').onkeydown = (event) => { if (event.key === 'Enter') $('send').click(); };
$('close').onclick = () => {
  const code = $('close-code').value.trim();
  try {
    // No code: close() with no arguments (a close frame without a status code). Chromium reads
    // close(undefined, reason) as code 0 and refuses it; a reason needs a code anyway.
    if (code === '') socket.close();
    else socket.close(Number(code), $('close-reason').value);
  } catch (err) {
    // The browser refuses codes other than 1000 and 3000-4999, and reasons over 123 bytes.
    log('NOT CLOSED: ' + err.message, 'error');
  }
  showState();
};
$('reconnect').onclick = () => {
  if (socket.readyState !== WebSocket.CLOSED) socket.close(1000, 'reconnecting');
  connect();
};

$('url').textContent = url;
connect();
</script>
</body>
</html>
`;
