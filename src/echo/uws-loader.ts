/**
 * Finds a uWebSockets.js native binary that loads on this Node and this libc,
 * or says why none does. Only the echo server calls this, and only when it
 * starts: every other command runs whatever happens to uWS.
 *
 * Each build is an optional dependency under an alias (see package.json and
 * the README): the trufflesuite build (Node 16-20, loads on glibc 2.36) and a
 * republished one with Node 20/22/24/25 binaries that need glibc >= 2.38. The
 * binary is required directly, never through the package's entry point: that
 * prints a five-line complaint and falls back to a partial JavaScript
 * implementation lacking what the echo server uses.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type uWS from 'uWebSockets.js';

export type UwsModule = typeof uWS;

export type UwsLoad = { ok: true; uws: UwsModule; version: string } | { ok: false; reason: string };

interface Build {
  /** The dependency's name in package.json. */
  alias: string;
  /** Where its binaries and package.json are, relative to its entry point's folder. */
  binaries: string;
  manifest: string;
}

/** Tried in this order; the first whose binary loads wins. */
const BUILDS: readonly Build[] = [
  { alias: 'uWebSockets.js', binaries: '../binaries', manifest: '../package.json' },
  { alias: 'uws-btc-vision', binaries: '.', manifest: 'package.json' },
];

const require = createRequire(import.meta.url);
let cached: UwsLoad | null = null;

export function loadUws(): UwsLoad {
  cached ??= tryBuilds();
  return cached;
}

function tryBuilds(): UwsLoad {
  const file = `uws_${process.platform}_${process.arch}_${process.versions.modules}.node`;
  const failures: string[] = [];
  let installed = 0;
  for (const build of BUILDS) {
    let folder: string;
    try {
      folder = dirname(require.resolve(build.alias));
    } catch {
      continue; // an optional dependency npm did not install
    }
    installed++;
    try {
      const uws = require(join(folder, build.binaries, file)) as UwsModule;
      // A build that lacks the exclusive-port listen option cannot keep the port to itself.
      if (typeof (uws as { LIBUS_LISTEN_EXCLUSIVE_PORT?: unknown }).LIBUS_LISTEN_EXCLUSIVE_PORT !== 'number') continue;
      const { version } = JSON.parse(readFileSync(join(folder, build.manifest), 'utf8')) as { version: string };
      return { ok: true, uws, version };
    } catch (err) {
      failures.push((err as Error).message);
    }
  }
  return { ok: false, reason: installed ? whyNoBinary(failures) : 'uWebSockets.js is not installed' };
}

/** "uWebSockets.js has no binary for Node 24 on this system", with the glibc it needs when that is why. */
function whyNoBinary(failures: string[]): string {
  const node = `Node ${process.versions.node.split('.')[0]}`;
  const glibc = failures.map((message) => /GLIBC_([\d.]+)' not found/.exec(message)?.[1]).find(Boolean);
  if (glibc) return `uWebSockets.js has no binary for ${node} on this system (its builds need glibc >= ${glibc})`;
  return `uWebSockets.js has no binary for ${node} on this system`;
}
