/** Removes the run's temporary WSINSPECT_HOME (made in vitest.config.ts) when the run ends. */
import { rmSync } from 'node:fs';
import type { TestProject } from 'vitest/node';

export default function setup(project: TestProject): () => void {
  const home = project.config.env.WSINSPECT_HOME;
  return () => {
    if (home) rmSync(home, { recursive: true, force: true });
  };
}
