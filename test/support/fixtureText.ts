// A fixture's text and a finder for its lines, for tests that assert positions by content rather
// than by hard-coded line numbers (so the fixture can grow without renumbering the tests).
import assert from 'node:assert/strict';
import * as fs from 'fs';

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
