/**
 * Files named on the command line (`--har`, `--tls-cert`, `--tls-key`, and
 * any later output such as `--pcap`) are checked before anything starts, so
 * a typo is a one-line usage error at once, not a failure at shutdown that
 * loses a recording.
 */
import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UsageError } from './errors.js';

/** The whole of an input file; a UsageError naming the flag and the reason when it cannot be read. */
export function readInputFile(flag: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new UsageError(`cannot read ${flag} ${path}: ${fileErrorReason(err)}`);
  }
}

/** Throws a UsageError unless `path` can be created or overwritten (its directory exists and is writable). */
export function checkOutputFile(flag: string, path: string): void {
  const fail = (reason: string) => new UsageError(`cannot write ${flag} ${path}: ${reason}`);
  const dir = dirname(resolve(path));
  try {
    const dirStat = statSync(dir, { throwIfNoEntry: false });
    if (!dirStat) throw fail(`no such directory ${dir}`);
    if (!dirStat.isDirectory()) throw fail(`${dir} is not a directory`);
    const target = statSync(path, { throwIfNoEntry: false });
    if (target?.isDirectory()) throw fail('it is a directory');
    accessSync(target ? path : dir, constants.W_OK);
  } catch (err) {
    throw err instanceof UsageError ? err : fail(fileErrorReason(err));
  }
}

/** A file system error in a few words: "no such file", "permission denied", ... */
export function fileErrorReason(err: unknown): string {
  switch ((err as NodeJS.ErrnoException).code) {
    case 'ENOENT':
      return 'no such file';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    case 'EISDIR':
      return 'it is a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOSPC':
      return 'no space left on the device';
    default:
      return (err as Error).message;
  }
}
