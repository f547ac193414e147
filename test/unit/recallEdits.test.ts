// The recall corpus's token edits (bench/recall/edits.ts): each search string must occur exactly
// once, so an edit can never land on the wrong call or silently do nothing; and the matching of a
// finding to a case's expected line (bench/recall/match.ts). The corpus itself is checked for
// well-formed cases without the kernel tree.
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { test } from 'node:test';
import { MISS_CLASSES, RECALL_CASES } from '../../bench/recall/corpus';
import { EditError, applyEdits, lineOfAnchor, occurrences } from '../../bench/recall/edits';
import { hits } from '../../bench/recall/match';
import type { JsonDiagnostic } from '../../server/src/cliFormats';
import { RULES } from '../../server/src/rules/index';
import { FIXTURES } from '../support/paths';

const tiny = fs.readFileSync(path.join(FIXTURES, 'recall', 'tinyDriver.c'), 'utf8');

test('an edit whose search string occurs once replaces it and nothing else', () => {
  const reverted = applyEdits(tiny, [{ search: 'GFP_ATOMIC', replace: 'GFP_KERNEL' }]);
  assert.equal(occurrences(reverted, 'GFP_KERNEL'), 1);
  assert.equal(occurrences(reverted, 'GFP_ATOMIC'), 0);
  assert.equal(reverted.replace('GFP_KERNEL', 'GFP_ATOMIC'), tiny);
});

test('a search string found 0 times is an error naming the edit', () => {
  assert.throws(
    () => applyEdits(tiny, [{ search: 'GFP_NOWAIT', replace: 'GFP_KERNEL' }], 'tiny'),
    (error: unknown) => error instanceof EditError && /tiny: edit 1 search "GFP_NOWAIT" not found/.test(error.message),
  );
});

test('a search string found 2 times is an error, and no edit is half applied', () => {
  assert.throws(
    () => applyEdits(tiny, [{ search: 'spin_unlock(&t->lock);', replace: '' }]),
    (error: unknown) => error instanceof EditError && /found 2 times/.test(error.message),
  );
  assert.throws(() => applyEdits(tiny, [{ search: '', replace: 'x' }]), EditError);
});

test('edits apply in order, each to the text the previous one left', () => {
  // The first edit makes the second one's search string unique.
  const reverted = applyEdits(tiny, [
    { search: '\t\tspin_unlock(&t->lock);\n\t\treturn -ENOMEM;', replace: '\t\treturn -ENOMEM;' },
    { search: 'spin_unlock(&t->lock);', replace: 'spin_unlock(&t->lock); /* once */' },
  ]);
  assert.equal(occurrences(reverted, 'spin_unlock'), 1);
  assert.match(reverted, /\/\* once \*\//);
  // The second edit's search string is still doubled if the first edit is left out.
  assert.throws(() => applyEdits(tiny, [{ search: 'spin_unlock(&t->lock);', replace: '' }]), EditError);
});

test('an anchor gives the line it ends on, and must be unique', () => {
  assert.equal(lineOfAnchor(tiny, 'kzalloc(64, GFP_ATOMIC);'), 6);
  assert.equal(lineOfAnchor(tiny, 'spin_lock(&t->lock);\n\tt->buf = kzalloc('), 6);
  assert.throws(() => lineOfAnchor(tiny, 'spin_unlock(&t->lock);'), EditError);
  assert.throws(() => lineOfAnchor(tiny, 'vmalloc('), EditError);
});

function finding(rule: string, file: string, line: number, related: { file: string; line: number }[] = []): JsonDiagnostic {
  return { file, line, column: 1, endLine: line, endColumn: 2, rule, severity: 'warning', message: '', related: related.map((where) => ({ ...where, column: 1, message: '' })), fixes: [] };
}

test('a finding counts within the slack of the expected line, in the case file or through its chain', () => {
  const file = '/tmp/x/drivers/foo/foo_main.c';
  const near = finding('gfp-sleep-in-atomic', 'drivers/foo/foo_main.c', 12);
  const far = finding('gfp-sleep-in-atomic', 'drivers/foo/foo_main.c', 13);
  const otherRule = finding('sleep-in-atomic', 'drivers/foo/foo_main.c', 10);
  const inCallee = finding('sleep-in-atomic', 'drivers/foo/foo_hw.c', 300, [{ file: 'drivers/foo/foo_main.c', line: 9 }]);
  const sameLineOtherFile = finding('sleep-in-atomic', 'drivers/foo/foo_hw.c', 10);
  assert.deepEqual(hits([near, far, otherRule], 'gfp-sleep-in-atomic', file, 10, 2), [near]);
  assert.deepEqual(hits([inCallee, sameLineOtherFile], 'sleep-in-atomic', file, 10, 2), [inCallee]);
});

test('the corpus: unique ids, known rules and miss classes, edits that change something', () => {
  const ids = RECALL_CASES.map((c) => c.id);
  assert.equal(new Set(ids).size, ids.length);
  assert.ok(RECALL_CASES.length >= 30, `${RECALL_CASES.length} cases`);
  const rules = new Set(RULES.map((rule) => rule.id));
  for (const c of RECALL_CASES) {
    assert.ok(rules.has(c.expect.rule), `${c.id}: rule ${c.expect.rule}`);
    assert.ok(c.missClass === undefined || (MISS_CLASSES as readonly string[]).includes(c.missClass), `${c.id}: ${c.missClass}`);
    assert.ok(c.edits.length > 0 && c.edits.every((edit) => edit.search.length > 0 && edit.search !== edit.replace), c.id);
    assert.ok(c.expect.line > 0 && c.expect.at.length > 0, c.id);
    assert.ok(!path.isAbsolute(c.file) && !c.file.includes('..'), c.id);
  }
});
