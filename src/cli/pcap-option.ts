/** `--pcap FILE` (proxy): the file is checked and created at startup, so a bad path is a usage error before anything runs. */
import { PcapngRecorder } from '../capture/pcapng-recorder.js';
import { escapeForTerminal } from '../render/escape.js';
import { checkOutputFile, fileErrorReason } from './command-line-files.js';
import { UsageError } from './errors.js';

export function openPcap(path: string): PcapngRecorder {
  checkOutputFile('--pcap', path);
  try {
    // A failed write later (disk full) stops the recording, said once; the traffic goes on.
    return new PcapngRecorder(path, (message) => process.stderr.write(`wsinspect: ${escapeForTerminal(message)}\n`));
  } catch (err) {
    throw new UsageError(`cannot write --pcap ${path}: ${fileErrorReason(err)}`);
  }
}
