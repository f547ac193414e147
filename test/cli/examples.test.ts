// The example driver the README's first command runs on: its `// expect:` annotations are the
// spec (every registered rule), and the CLI reports exactly those lines.
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { test } from 'node:test';
import { RULES } from '../../server/src/rules/index';
import { checkFixture, expectedFindings } from '../support/fixtures';
import { DIST, EXAMPLES, ROOT } from '../support/paths';

const RINGBUF = path.join(EXAMPLES, 'ringbuf-drv', 'ringbuf.c');
const ruleIds = RULES.map((rule) => rule.id);

test('examples/ringbuf-drv/ringbuf.c produces exactly its annotated findings for every registered rule', async () => {
  await checkFixture(RINGBUF, { rules: ruleIds });
});

test('every annotation in the example names a registered rule, and each rule family is shown', () => {
  const expected = expectedFindings(fs.readFileSync(RINGBUF, 'utf8'));
  for (const entry of expected) assert.ok(ruleIds.includes(entry.split(':')[1]), `${entry}: unknown rule`);
  const shown = new Set(expected.map((entry) => entry.split(':')[1]));
  for (const id of ['gfp-sleep-in-atomic', 'kmalloc-too-large', 'alloc-size-overflow', 'noncontiguous-dma', 'free-mismatch']) {
    if (ruleIds.includes(id)) assert.ok(shown.has(id), `the example shows ${id}`);
  }
});

test('`node dist/cli.js check examples/` reports the annotated lines and exits 1', () => {
  const run = spawnSync(process.execPath, [path.join(DIST, 'cli.js'), 'check', '--format', 'json', 'examples/'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(run.status, 1, run.stderr);
  const report = JSON.parse(run.stdout);
  const actual = report.diagnostics.map((d: { line: number; rule: string }) => `${d.line}:${d.rule}`).sort();
  assert.deepEqual(actual, expectedFindings(fs.readFileSync(RINGBUF, 'utf8')));
});
