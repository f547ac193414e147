// Looking up a rule's finding or fix by line, and applying a fix's edits to the text, for tests
// that check what a quick fix does to the code.
import assert from 'node:assert/strict';
import type { Finding, Fix, TextEdit } from '../../server/src/rules/rule';

/** The finding of `rule` that starts on a 1-based line; fails the test if there is none. */
export function findingAt(findings: readonly Finding[], line: number, rule: string): Finding {
  const finding = findings.find((entry) => entry.span.startLine + 1 === line && entry.rule === rule);
  assert.ok(finding, `finding ${rule} on line ${line}; found: ${findings.map((entry) => `${entry.span.startLine + 1}:${entry.rule}`).join(', ')}`);
  return finding;
}

/** The first fix the finding of `rule` on a 1-based line offers; fails the test if it offers none. */
export function fixAt(findings: readonly Finding[], line: number, rule: string): Fix {
  const fix = findingAt(findings, line, rule).fixes[0];
  assert.ok(fix, `${rule} on line ${line} offers a fix`);
  return fix;
}

/** Applies edits with 0-based line/column spans (all of one file) to its text. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const lines = text.split('\n');
  const offset = (line: number, column: number) => lines.slice(0, line).reduce((sum, entry) => sum + entry.length + 1, 0) + column;
  const sorted = [...edits].sort((a, b) => offset(b.span.startLine, b.span.startColumn) - offset(a.span.startLine, a.span.startColumn));
  let result = text;
  for (const edit of sorted) {
    result = result.slice(0, offset(edit.span.startLine, edit.span.startColumn)) + edit.newText + result.slice(offset(edit.span.endLine, edit.span.endColumn));
  }
  return result;
}

interface LspPosition {
  line: number;
  character: number;
}

/** Applies LSP TextEdits of one document as a client does: every range refers to the text before any edit. */
export function applyLspEdits(text: string, edits: readonly { range: { start: LspPosition; end: LspPosition }; newText: string }[]): string {
  const starts = [0];
  for (let index = 0; index < text.length; index++) if (text[index] === '\n') starts.push(index + 1);
  const offset = ({ line, character }: LspPosition) => (line < starts.length ? Math.min(starts[line] + character, text.length) : text.length);
  const sorted = edits.map((edit) => ({ start: offset(edit.range.start), end: offset(edit.range.end), newText: edit.newText })).sort((a, b) => b.start - a.start);
  for (let index = 1; index < sorted.length; index++) assert.ok(sorted[index].end <= sorted[index - 1].start, 'edits do not overlap');
  return sorted.reduce((result, edit) => result.slice(0, edit.start) + edit.newText + result.slice(edit.end), text);
}
