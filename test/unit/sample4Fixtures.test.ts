// Issue 12, sample 4 (core kernel): the sleep rules' false-positive classes fixed in the lock and
// path engines. Each fixture pins the findings that stay and the silences; the summary test pins
// that a commented-out `#define` is a recorded input of the summaries that read it.
import assert from 'node:assert/strict';
import * as path from 'path';
import { test } from 'node:test';
import { AnalysisDatabase } from '../../server/src/analysis/database';
import { collectFileFacts } from '../../server/src/analysis/fileFacts';
import type { FileSummary } from '../../server/src/analysis/summaries/fileSummary';
import { DEFAULT_CONFIG } from '../../server/src/model/config';
import { checkFixture, parseText, sharedParser } from '../support/fixtures';
import { FIXTURES } from '../support/paths';

const RULES = ['gfp-sleep-in-atomic', 'sleep-in-atomic'];
const dir = path.join(FIXTURES, 'atomic', 'sample4');

test('`*_unlock_irqrestore(l, flags)` ends the `local_irq_save(flags)` section; a plain unlock of an irqsave lock keeps IRQs off', async () => {
  const findings = await checkFixture(path.join(dir, 'irqflags.c'), { rules: RULES });
  const converse = findings.find((finding) => finding.span.startLine + 1 === 122);
  assert.match(converse?.message ?? '', /spin_lock_irqsave\(&c->slock\) \(IRQs stay off after spin_unlock\(\)\)/);
});

test('sched_preempt_enable_no_resched() and the preempt counter end a preempt-off section', async () => {
  await checkFixture(path.join(dir, 'preempt.c'), { rules: RULES });
});

test('`#if defined(X)` and `#elif defined(X)` of a commented-out `#define X` are dead, also around a whole definition', async () => {
  await checkFixture(path.join(dir, 'switches.c'), { rules: RULES });
});

test('pte_offset_map_lock() takes and pte_unmap_unlock() releases the page-table lock, also in a helper', async () => {
  await checkFixture(path.join(dir, 'ptl.c'), { rules: RULES });
});

test("a sibling's commented-out #define is recorded: uncommenting it summarises the reader again", async () => {
  const parser = await sharedParser();
  const source = `
static void f(struct p *p)
{
	spin_lock(&p->lock);
#if defined(XYBENCH_RUN)
	msleep(1);
#endif
	spin_unlock(&p->lock);
}
static void g(struct p *p)
{
	msleep(2);
}
`;
  const db = new AnalysisDatabase();
  const facts = collectFileFacts('/drv/a.c', source, parseText(parser, source), DEFAULT_CONFIG);
  const sibling = (text: string) => collectFileFacts('/drv/b.c', text, parseText(parser, text), DEFAULT_CONFIG);
  const summary = (file: FileSummary, name: string) => file.functions.find((entry) => entry.name === name)!.summary;
  const sleeps = (file: FileSummary) =>
    summary(file, 'f')
      .calls.filter((call) => call.name === 'msleep')
      .map((call) => call.held?.length);
  const off = db.fileSummary(facts, [sibling('/* #define XYBENCH_RUN */\nstatic int other;\n')]);
  assert.deepEqual(sleeps(off), [undefined]);
  assert.equal(summary(off, 'f').dependencies.definedMacros['off:XYBENCH_RUN'], true);
  // Unknown without the comment: the branch may be compiled, with the lock held.
  const unknown = db.fileSummary(facts, [sibling('static int other;\n')]);
  assert.notEqual(summary(unknown, 'f'), summary(off, 'f'));
  assert.equal(summary(unknown, 'g'), summary(off, 'g'));
  assert.deepEqual(sleeps(unknown), [1]);
});
