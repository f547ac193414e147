// `kalloc check --stats`: the body census per folder, on fixtures with known constructs (test/
// fixtures/frontend/macros.c: six bodies the rewrite makes readable, two it cannot), in text and
// JSON; without --stats neither output changes.
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { describe, test } from 'node:test';
import { FIXTURES } from '../support/paths';
import { kalloc, tempTree } from './run';

const MACROS = fs.readFileSync(path.join(FIXTURES, 'frontend', 'macros.c'), 'utf8');
const GUARDED = [
  '#include <linux/cleanup.h>',
  'struct desc { struct mutex lock; int count; };',
  'static void guarded(struct desc *desc)',
  '{',
  '\tscoped_guard(mutex, &desc->lock)',
  '\t\tdesc->count = 0;',
  '}',
  '',
  'static void plain(void)',
  '{',
  '\tstatic int count;',
  '\tcount = 0;',
  '}',
  '',
].join('\n');

function withTree<T>(run: (dir: string) => T): T {
  const tree = tempTree({ 'drv/macros.c': MACROS, 'other/guarded.c': GUARDED });
  try {
    return run(tree.dir);
  } finally {
    tree.remove();
  }
}

describe('kalloc check --stats', () => {
  test('JSON: per folder and in total, functions, bodies understood and the reasons of the others', () => {
    withTree((dir) => {
      const run = kalloc(['check', '--stats', '--format', 'json', 'drv', 'other'], dir);
      assert.equal(run.status, 1, run.stderr);
      const report = JSON.parse(run.stdout) as { stats: unknown; files: number };
      assert.equal(report.files, 2);
      assert.deepEqual(report.stats, {
        total: { functions: 10, understood: 7, skipped: { preprocessor: 1, 'scoped-guard': 1, 'statement-as-macro-argument': 1 } },
        folders: [
          { folder: 'drv', functions: 8, understood: 6, skipped: { preprocessor: 1, 'statement-as-macro-argument': 1 } },
          { folder: 'other', functions: 2, understood: 1, skipped: { 'scoped-guard': 1 } },
        ],
      });
    });
  });

  test('text: one line per folder and a total before the summary line', () => {
    withTree((dir) => {
      const run = kalloc(['check', '--stats', 'drv', 'other'], dir);
      const lines = run.stdout.trimEnd().split('\n');
      assert.deepEqual(lines.slice(-4, -1), [
        'kalloc: stats drv: 8 functions, 6 bodies understood (75.0%); skipped: preprocessor 1, statement-as-macro-argument 1',
        'kalloc: stats other: 2 functions, 1 bodies understood (50.0%); skipped: scoped-guard 1',
        'kalloc: stats total: 10 functions, 7 bodies understood (70.0%); skipped: preprocessor 1, scoped-guard 1, statement-as-macro-argument 1',
      ]);
      assert.match(lines.at(-1)!, /^kalloc: 2 files analysed, 0 skipped; findings: /);
    });
  });

  test('without --stats the JSON has no "stats" key and the text no stats line; findings are the same', () => {
    withTree((dir) => {
      const plain = kalloc(['check', '--format', 'json', 'drv', 'other'], dir);
      const withStats = kalloc(['check', '--stats', '--format', 'json', 'drv', 'other'], dir);
      const report = JSON.parse(plain.stdout) as Record<string, unknown>;
      assert.equal('stats' in report, false);
      const { stats: _stats, ...rest } = JSON.parse(withStats.stdout) as Record<string, unknown>;
      assert.deepEqual(rest, report);
      assert.doesNotMatch(kalloc(['check', 'drv', 'other'], dir).stdout, /kalloc: stats/);
    });
  });

  test('--stats takes no value', () => {
    const run = kalloc(['check', '--stats=yes', FIXTURES]);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /--stats takes no value/);
  });
});
