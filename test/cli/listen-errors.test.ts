/** A port in use reads the same from every server wsinspect runs: one line, exit 2. */
import { spawnSync } from 'node:child_process';
import net from 'node:net';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { ListenError, listenError } from '../../src/net/listen-error.js';

const MAIN = join(import.meta.dirname, '../../dist/cli/main.js');

test('proxy, inspector UI and echo (either engine) word a port in use the same way', async () => {
  const taken = net.createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as net.AddressInfo).port;
  try {
    for (const args of [
      ['proxy', '--no-ui', '--listen'],
      ['proxy', '--listen', '127.0.0.1:0', '--ui'],
      ['echo', '--echo-engine', 'ws', '--listen'],
      ['echo', '--listen'],
    ]) {
      const result = spawnSync(process.execPath, [MAIN, ...args, `127.0.0.1:${port}`], { encoding: 'utf8', timeout: 20_000 });
      expect(result.status, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(new RegExp(`^wsinspect: cannot listen on 127\\.0\\.0\\.1:${port}: port already in use( \\([^)]+\\))?\n$`));
    }
  } finally {
    taken.close();
  }
});

test('the wording comes from the error code, whatever the message says', () => {
  const inUse = Object.assign(new Error('listen EADDRINUSE: something localized'), { code: 'EADDRINUSE' });
  expect(listenError(inUse, '::1', 80)).toEqual(new ListenError('EADDRINUSE', '::1', 80, ''));
  expect(listenError(inUse, '::1', 80).message).toBe('cannot listen on [::1]:80: port already in use');
  const other = Object.assign(new Error('in use, says the text'), { code: 'EWHATEVER' });
  expect(listenError(other, '127.0.0.1', 1).message).toBe('cannot listen on 127.0.0.1:1: in use, says the text');
  expect(listenError(other, '127.0.0.1', 1).code).toBe('EWHATEVER');
});
