/**
 * How the rooms of src/ depend on each other: no import cycle anywhere (type
 * imports count: they tie modules together for a reader just the same), and
 * the arrows between folders point one way only.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g;

/** Each module (path relative to src/, without extension) and the src/ modules it imports. */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(SRC)) {
    const text = readFileSync(file, 'utf8');
    const targets = [...text.matchAll(IMPORT)].map((m) => {
      const spec = (m[1] ?? m[2])!.replace(/\.js$/, '');
      return path.relative(SRC, path.resolve(path.dirname(file), spec));
    });
    graph.set(path.relative(SRC, file).replace(/\.ts$/, ''), targets);
  }
  return graph;
}

/** Every cycle found by a depth-first walk, each as the modules along it. */
function cycles(graph: Map<string, string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'active' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, 'active');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'active') found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return found;
}

const folderOf = (module: string) => module.split(path.sep)[0]!;

test('the graph is read: known imports are found', () => {
  const graph = importGraph();
  expect(graph.get(path.join('proxy', 'proxy-connection'))).toContain(path.join('inspector', 'connection'));
  expect(cycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']]]))).toEqual([['a', 'b', 'c', 'a']]);
});

test('no import cycle in src/', () => {
  expect(cycles(importGraph()).map((cycle) => cycle.join(' → '))).toEqual([]);
});

/** Which folders each folder may import from (besides itself). */
const ALLOWED: Record<string, string[]> = {
  'accept-calc': [],
  inspector: ['accept-calc'],
  net: [],
  filter: ['inspector'],
  render: ['inspector', 'accept-calc', 'filter'],
  client: ['inspector', 'accept-calc', 'net'],
  // The interceptor (--intercept) matches messages with the filter language, a pure module.
  proxy: ['inspector', 'net', 'capture', 'tls-intercept', 'filter'],
  capture: ['inspector', 'net'],
  'tls-intercept': [],
  echo: ['net'],
  // A replay: a new client connection with a recorded handshake; the differences shown escaped.
  replay: ['inspector', 'client', 'net', 'render'],
  // PUT /api/intercept parses the filter language; the page's Replay button runs a replay.
  act: ['inspector', 'filter', 'net', 'replay'],
  ui: ['inspector', 'net', 'render', 'act'],
};

test.each(Object.entries(ALLOWED))('%s imports only from %j', (folder, allowed) => {
  const wrong = [...importGraph()]
    .filter(([module]) => folderOf(module) === folder)
    .flatMap(([module, targets]) => targets.filter((t) => folderOf(t) !== folder && !allowed.includes(folderOf(t))).map((t) => `${module} → ${t}`));
  expect(wrong).toEqual([]);
});
