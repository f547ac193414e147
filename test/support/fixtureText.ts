// A fixture's text and a finder for its lines, for tests that assert positions by content rather
// than by hard-coded line numbers (so the fixture can grow without renumbering the tests).
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';

export interface FixtureText {
  text: string;
  lines: string[];
  /** The 0-based line holding a piece of text; fails unless exactly one line does. */
  lineOf(fragment: string): number;
}

export function fixtureText(file: string): FixtureText {
  const text = fs.readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const lineOf = (fragment: string): number => {
    const found = lines.flatMap((line, index) => (line.includes(fragment) ? [index] : []));
    assert.equal(found.length, 1, `one line with ${fragment}`);
    return found[0];
  };
  return { text, lines, lineOf };
}

/** The 1-based number of the first line of `root/file` that contains `needle`; fails when none does. */
export function firstLineWith(root: string, file: string, needle: string): number {
  const index = fs
    .readFileSync(path.join(root, file), 'utf8')
    .split('\n')
    .findIndex((line) => line.includes(needle));
  assert.ok(index >= 0, `${needle} in ${file}`);
  return index + 1;
}

/** The .c files below `dir`, in name order, folders walked depth first. */
export function cFilesBelow(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((entry) => (entry.isDirectory() ? cFilesBelow(path.join(dir, entry.name)) : entry.name.endsWith('.c') ? [path.join(dir, entry.name)] : []));
}
