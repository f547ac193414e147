// `npm run bench:quickfixes -- FINDINGS.json`: applies every quick fix of a `kalloc check --format
// json` run (e.g. the one `npm run bench` leaves in the temp folder) to a copy of its file under
// /tmp, and checks that the result parses with no new ERROR or MISSING node and that it differs
// from the original only in the edited tokens. Prints the counts; exits 1 on any bad fix.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Node, Tree, TreeCursor } from 'web-tree-sitter';
import type { JsonDiagnostic } from '../server/src/cliFormats';
import { createParser } from '../server/src/parsing/parser';
import { DIST } from '../test/support/paths';

type Edit = JsonDiagnostic['fixes'][number]['edits'][number];

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let index = 0; index < text.length; index++) if (text.charCodeAt(index) === 10) starts.push(index + 1);
  return starts;
}

/** 1-based line and UTF-16 column → offset. */
function offsetOf(starts: number[], line: number, column: number): number {
  return starts[line - 1] + column - 1;
}

/** Visits every node below `root` in document order, with a cursor (no recursion, any depth). */
function visitNodes(root: Node, visit: (cursor: TreeCursor) => void): void {
  const cursor = root.walk();
  let descending = true;
  for (;;) {
    if (descending) visit(cursor);
    if (descending && cursor.gotoFirstChild()) continue;
    if (cursor.gotoNextSibling()) {
      descending = true;
      continue;
    }
    if (!cursor.gotoParent()) break;
    descending = false;
  }
  cursor.delete();
}

function problemCount(tree: Tree): number {
  let count = 0;
  visitNodes(tree.rootNode, (cursor) => {
    if (cursor.nodeType === 'ERROR' || cursor.nodeIsMissing) count++;
  });
  return count;
}

interface Token {
  type: string;
  text: string;
  start: number;
  end: number;
}

function tokens(root: Node): Token[] {
  const leaves: Token[] = [];
  visitNodes(root, (cursor) => {
    if (cursor.currentNode.childCount === 0) leaves.push({ type: cursor.nodeType, text: cursor.nodeText, start: cursor.startIndex, end: cursor.endIndex });
  });
  return leaves;
}

async function main(): Promise<void> {
  const input = process.argv[2];
  if (!input) throw new Error('usage: quickFixes FINDINGS.json (the output of kalloc check --format json)');
  const report = JSON.parse(fs.readFileSync(input, 'utf8')) as { diagnostics: JsonDiagnostic[] };
  const parser = await createParser(DIST);
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kalloc-fixes-'));
  let applied = 0;
  const failures: string[] = [];
  const perRule = new Map<string, number>();
  const originals = new Map<string, { text: string; tree: Tree; problems: number; tokens: Token[] }>();
  const original = (file: string) => {
    let entry = originals.get(file);
    if (!entry) {
      for (const old of originals.values()) old.tree.delete();
      originals.clear();
      const text = fs.readFileSync(file, 'utf8');
      const tree = parser.parse(text)!;
      entry = { text, tree, problems: problemCount(tree), tokens: tokens(tree.rootNode) };
      originals.set(file, entry);
    }
    return entry;
  };
  for (const diagnostic of report.diagnostics) {
    for (const fix of diagnostic.fixes) {
      const byFile = new Map<string, Edit[]>();
      for (const edit of fix.edits) byFile.set(edit.file, [...(byFile.get(edit.file) ?? []), edit]);
      for (const [file, edits] of byFile) {
        const label = `${diagnostic.file}:${diagnostic.line} [${diagnostic.rule}] "${fix.title}" on ${file}`;
        const before = original(file);
        const starts = lineStarts(before.text);
        const ranges = edits
          .map((edit) => ({ start: offsetOf(starts, edit.line, edit.column), end: offsetOf(starts, edit.endLine, edit.endColumn), text: edit.newText }))
          .sort((a, b) => a.start - b.start);
        if (ranges.some((range, index) => index > 0 && range.start < ranges[index - 1].end)) {
          failures.push(`${label}: overlapping edits`);
          continue;
        }
        let fixed = before.text;
        for (const range of [...ranges].reverse()) fixed = fixed.slice(0, range.start) + range.text + fixed.slice(range.end);
        const copy = path.join(workDir, `${applied}-${path.basename(file)}`);
        fs.writeFileSync(copy, fixed);
        const tree = parser.parse(fs.readFileSync(copy, 'utf8'))!;
        const problems = problemCount(tree);
        if (problems > before.problems) failures.push(`${label}: ${problems - before.problems} new ERROR/MISSING node(s)`);
        // Tokens outside the edited span must be the same, in the same order.
        const oldTokens = before.tokens;
        const newTokens = tokens(tree.rootNode);
        const same = (a: Token, b: Token) => a.type === b.type && a.text === b.text;
        let prefix = 0;
        while (prefix < oldTokens.length && prefix < newTokens.length && same(oldTokens[prefix], newTokens[prefix])) prefix++;
        let suffix = 0;
        while (suffix < oldTokens.length - prefix && suffix < newTokens.length - prefix && same(oldTokens[oldTokens.length - 1 - suffix], newTokens[newTokens.length - 1 - suffix])) suffix++;
        const changed = oldTokens.slice(prefix, oldTokens.length - suffix);
        const first = ranges[0].start;
        const last = ranges[ranges.length - 1].end;
        if (changed.some((token) => token.end <= first || token.start >= last)) {
          failures.push(
            `${label}: tokens outside the edited range changed (${changed
              .map((token) => token.text)
              .join(' ')
              .slice(0, 120)})`,
          );
        }
        const cuts = ranges.flatMap((range) => [range.start, range.end]);
        const split = oldTokens.find((token) => token.type !== 'comment' && cuts.some((cut) => cut > token.start && cut < token.end));
        if (split) failures.push(`${label}: an edit boundary cuts the token "${split.text}"`);
        tree.delete();
        fs.unlinkSync(copy);
        applied++;
        perRule.set(diagnostic.rule, (perRule.get(diagnostic.rule) ?? 0) + 1);
      }
    }
  }
  fs.rmSync(workDir, { recursive: true, force: true });
  process.stdout.write(`quick fixes applied: ${applied} (${[...perRule].map(([rule, count]) => `${rule} ${count}`).join(', ') || 'none offered'}); failures: ${failures.length}\n`);
  for (const failure of failures) process.stdout.write(`  ${failure}\n`);
  if (failures.length > 0) process.exitCode = 1;
}

main().catch((error) => {
  process.stderr.write(`quickFixes: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
