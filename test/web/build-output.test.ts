/**
 * The built page (npm run build -> dist/ui) is what the inspector server
 * serves under a strict Content-Security-Policy: every script and stylesheet
 * must be a local file, none inline, none remote.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';

const ui = join(import.meta.dirname, '..', '..', 'dist', 'ui');

describe('dist/ui', () => {
  const html = readFileSync(join(ui, 'index.html'), 'utf8');

  test('index.html loads only local script and style files', () => {
    const sources = [...html.matchAll(/<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(sources).toEqual(['assets/inspector.css', 'assets/inspector.js']);
    for (const source of sources) expect(existsSync(join(ui, source)), source).toBe(true);
  });

  test('no inline script, inline style or event-handler attribute', () => {
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i);
  });

  test('the bundle names no remote origin', () => {
    const js = readFileSync(join(ui, 'assets', 'inspector.js'), 'utf8');
    const css = readFileSync(join(ui, 'assets', 'inspector.css'), 'utf8');
    expect(css).not.toMatch(/url\(\s*['"]?(?:https?:)?\/\//);
    expect(js).not.toMatch(/\bimport\s*\(\s*['"]https?:/);
  });
});
