/** `--pcap FILE` (proxy, read): the file is created at startup, so a bad path is a usage error before anything runs. */
import { PcapngRecorder } from '../capture/pcapng-recorder.js';
import { escapeForTerminal } from '../render/escape.js';
import { UsageError } from './errors.js';

export function openPcap(path: string): PcapngRecorder {
  try {
    // A failed write later (disk full) stops the recording, said once; the traffic goes on.
    return new PcapngRecorder(path, (message) => process.stderr.write(`wsinspect: ${escapeForTerminal(message)}\n`));
  } catch (err) {
    throw new UsageError(`cannot write --pcap ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : (err as Error).message}`);
  }
}
