/**
 * Output that shares the terminal with a readline prompt: before anything is
 * written the prompt line is wiped, and afterwards the prompt and what the
 * user had typed so far are drawn again, so the renderer's lines stay whole
 * while frames arrive mid-typing.
 */
import readline from 'node:readline';
import type { TextOut } from '../render/sink.js';

export class PromptScreen {
  private rl: readline.Interface | null = null;

  constructor(private readonly promptOut: NodeJS.WritableStream & { isTTY?: boolean }) {}

  /** From now on, writes keep `rl`'s prompt at the bottom. */
  attach(rl: readline.Interface): void {
    this.rl = rl;
  }

  /** The prompt is done with: wipe it, so nothing is left behind it on the terminal. */
  release(): void {
    if (this.rl && this.promptOut.isTTY) this.wipe();
    this.rl = null;
  }

  /** `out` made prompt-safe (it may be the prompt's own stream or the other one on the same terminal). */
  wrap(out: TextOut): TextOut {
    return {
      write: (text) => {
        const rl = this.rl;
        if (!rl || !this.promptOut.isTTY) return out.write(text);
        this.wipe();
        const written = out.write(text);
        rl.prompt(true);
        return written;
      },
    };
  }

  private wipe(): void {
    readline.clearLine(this.promptOut, 0);
    readline.cursorTo(this.promptOut, 0);
  }
}
