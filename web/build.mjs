/**
 * Builds the web inspector (web/src, TypeScript + Preact) into dist/ui/:
 * index.html plus assets/inspector.{js,css}. One bundle, no inline script or
 * style (the server's Content-Security-Policy forbids them), nothing remote.
 * Run by `npm run build` (and so by `npm install` and `npm start`).
 */
import { build } from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, '..', 'dist', 'ui');

mkdirSync(join(out, 'assets'), { recursive: true });
await build({
  entryPoints: { inspector: join(here, 'src', 'main.tsx') },
  outdir: join(out, 'assets'),
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome110', 'firefox115', 'safari16'],
  minify: true,
  sourcemap: 'linked',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  logLevel: 'warning',
  legalComments: 'linked',
});
copyFileSync(join(here, 'index.html'), join(out, 'index.html'));
