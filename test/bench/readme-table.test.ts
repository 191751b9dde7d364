/**
 * The README's performance table is written from bench/results.json by
 * bench/readme-table.js, never by hand: the committed README must hold
 * exactly what the script makes of the committed results.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { tempDir } from '../helpers/cli.js';

const ROOT = join(import.meta.dirname, '../..');
const SCRIPT = join(ROOT, 'bench/readme-table.js');

function script(...args: string[]) {
  return spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8' });
}

test("README.md's performance table is what bench/readme-table.js makes of the committed bench/results.json", () => {
  const check = script('--check');
  expect(check.stderr).toBe('');
  expect(check.status).toBe(0);
  const results = JSON.parse(readFileSync(join(ROOT, 'bench/results.json'), 'utf8'));
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  // Every recorded target is in it, with its value.
  for (const section of Object.values(results.sections) as { targets?: { target: string; value: string }[] }[]) {
    for (const t of section.targets ?? []) expect(readme).toContain(`| ${t.target.replaceAll('|', '\\|')} | ${t.value}`);
  }
  expect(readme).toContain(`Node ${results.machine.node}`);
});

test('a figure typed into the table by hand is caught, and the script puts back what the results say', () => {
  const dir = tempDir();
  const readme = join(dir, 'README.md');
  const results = join(dir, 'results.json');
  copyFileSync(join(ROOT, 'bench/results.json'), results);
  const recorded = JSON.parse(readFileSync(results, 'utf8'));
  const decoder = recorded.sections.decoder ?? Object.values(recorded.sections)[0];
  const value: string = decoder.targets[0].value;
  const original = readFileSync(join(ROOT, 'README.md'), 'utf8');
  writeFileSync(readme, original.replace(`| ${value} |`, '| 9.99x |'));

  const check = script('--check', '--readme', readme, '--results', results);
  expect(check.status).toBe(1);
  expect(check.stderr).toContain('the performance table is not what');

  expect(script('--readme', readme, '--results', results).status).toBe(0);
  expect(readFileSync(readme, 'utf8')).toBe(original);
});
