/** `--pcap FILE` (proxy, read): the file is checked and created at startup, so a bad path is a usage error before anything runs. */
import { PcapngRecorder } from '../capture/pcapng-recorder.js';
import { escapeForTerminal } from '../render/escape.js';
import { checkOutputFile, fileErrorReason } from './command-line-files.js';
import { UsageError } from './errors.js';

/** `onError`: a failed write later (disk full), which stops the recording; by default said once on stderr, the traffic going on. */
export function openPcap(path: string, onError: (message: string) => void = (message) => process.stderr.write(`wsinspect: ${escapeForTerminal(message)}\n`)): PcapngRecorder {
  checkOutputFile('--pcap', path);
  try {
    return new PcapngRecorder(path, onError);
  } catch (err) {
    throw new UsageError(`cannot write --pcap ${path}: ${fileErrorReason(err)}`);
  }
}
