#!/usr/bin/env node
// wsinspect benchmarks. Usage:
//   node bench/run.js [decoder] [proxy] [memory] [connections] [--quick] [--no-pin]
// No section named: all of them. Every figure is measured side by side with its
// baseline in the same run and reported as a ratio; results go to the console as
// tables and to bench/results.json (merged per section, with the machine's description).
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { BENCH_DIR, SECTIONS, machine, table } from './lib/util.js';
import { writeReadmeTable } from './readme-table.js';

function parseArgs(argv) {
  const opts = { quick: false, pin: true, sections: [] };
  for (const a of argv) {
    if (a === '--quick') opts.quick = true;
    else if (a === '--no-pin') opts.pin = false;
    else if (a === '--help' || a === '-h') {
      process.stdout.write(`usage: node bench/run.js [${SECTIONS.join('|')}]... [--quick] [--no-pin]\n`);
      process.exit(0);
    } else if (SECTIONS.includes(a)) opts.sections.push(a);
    else {
      process.stderr.write(`bench: unknown argument ${a} (sections: ${SECTIONS.join(', ')}; flags: --quick, --no-pin)\n`);
      process.exit(2);
    }
  }
  if (opts.sections.length === 0) opts.sections = [...SECTIONS];
  return opts;
}

async function loadSection(name) {
  const mod = await import(`./${name}.js`);
  return mod[`${name}Section`];
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const info = machine();
  if (opts.pin && !info.taskset) opts.pin = false;
  process.stdout.write(
    `wsinspect bench${opts.quick ? ' (--quick)' : ''}: ${info.cpu}, ${info.cores} cores, ${info.memoryGiB} GiB, Node ${info.node}, ws ${info.ws}, ` +
      `${info.mitmproxy ?? 'mitmproxy not installed'}\n`,
  );
  const file = path.join(BENCH_DIR, 'results.json');
  let results = { sections: {} };
  if (existsSync(file)) {
    try {
      results = JSON.parse(readFileSync(file, 'utf8'));
      results.sections ??= {};
    } catch {
      results = { sections: {} };
    }
  }
  results.machine = info;
  const allTargets = [];
  let failed = false;
  for (const name of opts.sections) {
    const started = Date.now();
    process.stdout.write(`\n== ${name} ==\n`);
    try {
      const section = await loadSection(name);
      const { result, text, targets } = await section({ ...opts, log: (s) => process.stdout.write(`  ${s}\n`) });
      process.stdout.write(`${text}\n`);
      results.sections[name] = {
        measuredAt: new Date(started).toISOString(),
        seconds: +((Date.now() - started) / 1000).toFixed(1),
        quick: opts.quick,
        pinned: opts.pin,
        machine: info,
        ...result,
        targets,
      };
      allTargets.push(...targets);
    } catch (err) {
      failed = true;
      process.stdout.write(`section ${name} FAILED: ${err.stack ?? err}\n`);
      results.sections[name] = { measuredAt: new Date(started).toISOString(), quick: opts.quick, error: String(err.stack ?? err) };
    }
    writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  }
  results.targets = Object.values(results.sections).flatMap((s) => s.targets ?? []);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(
    table(
      ['section', 'target', 'measured', 'met'],
      allTargets.map((t) => [t.section, t.target, t.detail ? `${t.value} (${t.detail})` : t.value, t.met ? 'yes' : 'NO']),
      `Targets (this run)`,
    ) + '\n',
  );
  process.stdout.write(`results written to ${path.relative(process.cwd(), file) || file}\n`);
  if (writeReadmeTable()) process.stdout.write('README.md: performance table rewritten from them (bench/readme-table.js)\n');
  if (failed) process.exitCode = 1;
}

main().catch((err) => {
  process.stderr.write(`${err.stack ?? err}\n`);
  process.exit(1);
});
