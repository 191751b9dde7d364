/**
 * A reader that goes away (`wsinspect decode ... | head -1`) makes the next
 * write to stdout fail with EPIPE. Like `cat`, wsinspect then stops quietly:
 * a long-running command that asked to hear of it shuts down in order (the
 * proxy still writes its HAR); anything else exits at once.
 */

let stopCommand: (() => void) | null = null;

/** Main calls this once (and the proxy for its own writer of a stdout file): stdout's errors become a quiet stop instead of a stack trace. */
export function watchStdout(stdout: NodeJS.EventEmitter = process.stdout): void {
  stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') {
      process.stderr.write(`wsinspect: cannot write to stdout: ${err.message}\n`);
      process.exitCode = 1;
    }
    if (stopCommand) stopCommand();
    else process.exit();
  });
}

/** From now on a closed stdout calls `stop` instead of exiting the process. */
export function onStdoutClosed(stop: () => void): void {
  stopCommand = stop;
}
