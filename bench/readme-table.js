#!/usr/bin/env node
// Writes the README's performance table from bench/results.json, so the figures in the
// README are always those of a recorded run, never typed by hand. `npm run bench` runs it
// at the end; alone:
//   node bench/readme-table.js            rewrite the marked section of README.md
//   node bench/readme-table.js --check    exit 1 (saying so) when README.md differs from it
//   ... [--readme FILE] [--results FILE]  other files than README.md and bench/results.json
// The section lies between the two markers below; everything else in README.md is left alone.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_DIR, ROOT, SECTIONS } from './lib/util.js';

export const START = '<!-- bench-table: written by bench/readme-table.js from bench/results.json; do not edit by hand -->';
export const END = '<!-- /bench-table -->';

/** The machine a results file was measured on, in one line. */
export function describeMachine(m) {
  if (!m) return 'an unrecorded machine';
  const parts = [`${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB`, m.os, `Node ${m.node}`, `ws ${m.ws}`, m.mitmproxy ?? 'mitmproxy not installed'];
  if (m.nodeOptions) parts.push(`NODE_OPTIONS=${m.nodeOptions}`);
  return parts.join(', ');
}

/** Markdown for one cell: pipes escaped, nothing else changed. */
const cell = (text) => String(text).replaceAll('|', '\\|');

/** The marked section's body (between the markers) for `results`. */
export function renderTable(results) {
  const sections = results.sections ?? {};
  const names = [...SECTIONS.filter((name) => name in sections), ...Object.keys(sections).filter((name) => !SECTIONS.includes(name))];
  const lines = [`Measured on ${describeMachine(results.machine)}.`, ''];
  const runs = names.map((name) => {
    const s = sections[name];
    const when = s.measuredAt ? s.measuredAt.slice(0, 16).replace('T', ' ') + ' UTC' : 'at an unrecorded time';
    return `${name} ${when}${s.quick ? ' (--quick)' : ''}${s.error ? ' (FAILED)' : ''}`;
  });
  const missing = SECTIONS.filter((name) => !(name in sections));
  lines.push(`Sections: ${runs.join('; ') || 'none'}${missing.length ? `; not measured: ${missing.join(', ')}` : ''}.`, '');
  lines.push('| section | target | measured | met |', '| --- | --- | --- | --- |');
  for (const name of names) {
    for (const t of sections[name].targets ?? []) {
      const measured = t.detail ? `${t.value} (${t.detail})` : t.value;
      lines.push(`| ${cell(name)} | ${cell(t.target)} | ${cell(measured)} | ${t.met ? 'yes' : '**no**'} |`);
    }
  }
  return lines.join('\n');
}

/** `readme` with its marked section replaced by the table for `results`. */
export function withTable(readme, results) {
  const start = readme.indexOf(START);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README.md lacks the markers ${START} … ${END}`);
  return `${readme.slice(0, start + START.length)}\n${renderTable(results)}\n${readme.slice(end)}`;
}

const FILES = { readmeFile: path.join(ROOT, 'README.md'), resultsFile: path.join(BENCH_DIR, 'results.json') };

/** README.md as it is, and as results.json would have it. */
function readmes({ readmeFile, resultsFile } = FILES) {
  const readme = readFileSync(readmeFile, 'utf8');
  return { readme, updated: withTable(readme, JSON.parse(readFileSync(resultsFile, 'utf8'))) };
}

/** Rewrites README.md's table from results.json; true when it changed. */
export function writeReadmeTable(files = FILES) {
  const { readme, updated } = readmes(files);
  if (updated !== readme) writeFileSync(files.readmeFile, updated);
  return updated !== readme;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const option = (name, fallback) => (args.includes(name) ? path.resolve(args[args.indexOf(name) + 1]) : fallback);
  const files = { readmeFile: option('--readme', FILES.readmeFile), resultsFile: option('--results', FILES.resultsFile) };
  if (args.includes('--check')) {
    const { readme, updated } = readmes(files);
    if (updated !== readme) {
      process.stderr.write(`${files.readmeFile}: the performance table is not what ${files.resultsFile} gives (run node bench/readme-table.js)\n`);
      process.exit(1);
    }
  } else {
    const changed = writeReadmeTable(files);
    process.stdout.write(`${files.readmeFile}: performance table ${changed ? `rewritten from ${files.resultsFile}` : 'already up to date'}\n`);
  }
}
