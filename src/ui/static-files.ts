/**
 * The page itself: dist/ui/index.html and dist/ui/assets/*, built by
 * `npm run build` (web/build.mjs) and shipped in the package, so it works
 * offline. Files are read per request (a rebuild shows on reload) and
 * revalidated by ETag; nothing outside those two places is served.
 */
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/ui of the package, from src/ui (tests) and dist/ui (the installed CLI) alike. */
export const DEFAULT_UI_DIR = fileURLToPath(new URL('../../dist/ui/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/** Serves `pathname` if it is the page or one of its assets; false when it is neither. */
export async function serveStatic(uiDir: string, pathname: string, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const relative = pathname === '/' || pathname === '/index.html' ? 'index.html' : assetPath(pathname);
  if (relative === null) return false;
  const file = join(uiDir, relative);
  const info = await stat(file).catch(() => null);
  if (!info?.isFile()) {
    if (relative !== 'index.html') return false;
    res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.end('The inspector page is not built yet: run `npm run build` (it builds web/ into dist/ui/). The API under /api/ works meanwhile.\n');
    return true;
  }
  const etag = `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
  const headers = {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    // Names carry no hash: the browser may keep a copy but asks each time (a 304 when unchanged).
    'cache-control': 'no-cache',
    etag,
  };
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers);
    res.end();
    return true;
  }
  const body = await readFile(file);
  res.writeHead(200, { ...headers, 'content-length': body.length });
  res.end(req.method === 'HEAD' ? undefined : body);
  return true;
}

/** `/assets/...` as a path inside dist/ui, or null when it is not one (or tries to climb out). */
function assetPath(pathname: string): string | null {
  if (!pathname.startsWith('/assets/')) return null;
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname.slice(1));
  } catch {
    return null;
  }
  const relative = normalize(decoded);
  if (!relative.startsWith(`assets${sep}`) || relative.includes(`..${sep}`) || relative.includes('\0')) return null;
  return relative;
}
