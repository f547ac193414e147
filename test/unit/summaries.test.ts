// Function summaries on small functions: held sections per call, what a function acquires or
// releases by exit, GFP parameter flow, local sleeps with their masks, registrations; and which
// summaries an edit re-builds (only the edited definition and the functions whose recorded inputs
// it changes).
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { test } from 'node:test';
import { collectMacros } from '../../server/src/analysis/sizes/constants';
import { AnalysisDatabase } from '../../server/src/analysis/database';
import { FileFacts, collectFileFacts } from '../../server/src/analysis/fileFacts';
import type { FileSummary } from '../../server/src/analysis/summaries/fileSummary';
import type { FunctionSummary } from '../../server/src/analysis/summaries/functionSummary';
import { analyzeFile } from '../../server/src/analyzeFile';
import { DEFAULT_CONFIG } from '../../server/src/model/config';
import { parseText, sharedParser } from '../support/fixtures';
import { EXAMPLES, FIXTURES } from '../support/paths';

async function factsOf(text: string, path = '/drv/a.c'): Promise<FileFacts> {
  const parser = await sharedParser();
  return collectFileFacts(path, text, parseText(parser, text), DEFAULT_CONFIG);
}

async function summaryOf(text: string, db = new AnalysisDatabase(), path = '/drv/a.c'): Promise<FileSummary> {
  return db.fileSummary(await factsOf(text, path), []);
}

function fn(file: FileSummary, name: string): FunctionSummary {
  const entry = file.functions.find((candidate) => candidate.name === name);
  assert.ok(entry, `summary of ${name}()`);
  return entry.summary;
}

test('held sections per call, with relative rows, and trylocks held only where they succeeded', async () => {
  const file = await summaryOf(`
static void a(struct p *p)
{
	spin_lock(&p->lock);
	foo(p);
	spin_unlock(&p->lock);
	bar(p);
	if (spin_trylock(&p->lock)) {
		baz(p);
		spin_unlock(&p->lock);
	}
}
`);
  const calls = fn(file, 'a').calls;
  const at = (name: string) => calls.find((call) => call.name === name)!;
  assert.deepEqual(
    at('foo').held?.map((held) => held.label),
    ['spin_lock(&p->lock)'],
  );
  // Row 0 is the definition's first line: `spin_lock` is two rows below it.
  assert.equal(at('foo').held?.[0].opener.startLine, 2);
  assert.equal(at('foo').span.startLine, 3);
  assert.deepEqual(at('bar').held, []);
  assert.deepEqual(
    at('baz').held?.map((held) => held.class),
    ['spin'],
  );
  assert.equal(file.functions[0].startRow, 1);
});

test('lock wrappers and unlock helpers: acquired at exit, caller lock released', async () => {
  const file = await summaryOf(`
static void foo_lock(struct foo *f) { spin_lock(&f->lock); }
static void foo_unlock(struct foo *f) { spin_unlock(&f->lock); }
static void user(struct foo *f)
{
	foo_lock(f);
	inner(f);
	foo_unlock(f);
	after(f);
}
`);
  assert.deepEqual(
    fn(file, 'foo_lock').acquiredAtExit.map((held) => held.key),
    ['spin:&f->lock'],
  );
  assert.equal(fn(file, 'foo_unlock').releasesCallerLock, true);
  assert.deepEqual(fn(file, 'foo_unlock').releasedCallerClasses, ['spin']);
  const calls = fn(file, 'user').calls;
  assert.deepEqual(
    calls.find((call) => call.name === 'inner')!.held?.map((held) => held.label),
    ['foo_lock() (which takes spin_lock(&f->lock))'],
  );
  assert.deepEqual(calls.find((call) => call.name === 'after')!.held, []);
  assert.equal(fn(file, 'user').dependencies.callees.foo_lock.startsWith('def:'), true);
});

test('GFP parameter flow and local sleeps with the mask where it is written', async () => {
  const file = await summaryOf(`
static void *get_buf(struct p *p, size_t n, gfp_t gfp) { return kmalloc(n, gfp); }
static void *wrap(struct p *p, gfp_t flags) { return get_buf(p, 64, flags); }
static void user(struct p *p)
{
	gfp_t mask = GFP_KERNEL | __GFP_NOWARN;
	wrap(p, GFP_KERNEL);
	kzalloc(32, mask);
	msleep(10);
}
`);
  assert.equal(fn(file, 'get_buf').takesMask, true);
  assert.deepEqual(fn(file, 'get_buf').calls[0].maskParameter, { parameter: 2, api: 'kmalloc' });
  assert.deepEqual(fn(file, 'wrap').calls[0].parameterArguments, [0, undefined, 1]);
  const calls = fn(file, 'user').calls;
  const wrap = calls.find((call) => call.name === 'wrap')!;
  assert.equal(wrap.argumentMasks?.[1]?.text, 'GFP_KERNEL');
  const kzalloc = calls.find((call) => call.name === 'kzalloc')!;
  assert.equal(kzalloc.sleep?.kind, 'allocation');
  assert.equal(kzalloc.sleep?.kind === 'allocation' && kzalloc.sleep.mask?.variable, 'mask');
  assert.equal(kzalloc.sleep?.kind === 'allocation' && kzalloc.sleep.mask?.text, 'GFP_KERNEL | __GFP_NOWARN');
  assert.deepEqual(calls.find((call) => call.name === 'msleep')!.sleep, { kind: 'sleeper', name: 'msleep' });
  // Summaries are plain data: they survive a structured clone (worker_threads) unchanged.
  assert.deepEqual(
    structuredClone(file.functions.map((entry) => entry.summary)),
    file.functions.map((entry) => entry.summary),
  );
});

test('registrations: calls, initializers and field assignments, with their context', async () => {
  const file = await summaryOf(`
static irqreturn_t foo_irq(int irq, void *data) { return IRQ_HANDLED; }
static netdev_tx_t foo_xmit(struct sk_buff *skb, struct net_device *dev) { return NETDEV_TX_OK; }
static const struct net_device_ops foo_ops = { .ndo_start_xmit = foo_xmit };
static int foo_probe(struct platform_device *pdev)
{
	return devm_request_irq(&pdev->dev, 1, foo_irq, 0, "foo", NULL);
}
`);
  assert.deepEqual(
    fn(file, 'foo_probe').registrations.map((registration) => [registration.callback, registration.context, registration.via]),
    [['foo_irq', 'hardirq', 'devm_request_irq']],
  );
  assert.deepEqual(
    file.registrations.map((registration) => [registration.callback, registration.kind, registration.site.startLine]),
    [['foo_xmit', 'initializer', 3]],
  );
});

test('an edit inside one body re-builds that summary only; editing a lock wrapper re-builds its callers', async () => {
  const db = new AnalysisDatabase();
  const source = `
static void foo_lock(struct foo *f) { spin_lock(&f->lock); }
static void user(struct foo *f)
{
	foo_lock(f);
	kmalloc(8, GFP_KERNEL);
}
static void other(struct foo *f)
{
	msleep(1);
}
`;
  const first = await summaryOf(source, db);
  const typed = await summaryOf(source.replace('msleep(1);', 'msleep(2);'), db);
  assert.equal(fn(typed, 'foo_lock'), fn(first, 'foo_lock'));
  assert.equal(fn(typed, 'user'), fn(first, 'user'));
  assert.notEqual(fn(typed, 'other'), fn(first, 'other'));
  // A new line above moves every later function but keeps their summaries.
  const moved = await summaryOf(`\n${source.replace('msleep(1);', 'msleep(2);')}`, db);
  assert.equal(fn(moved, 'user'), fn(typed, 'user'));
  assert.equal(moved.functions[1].startRow, typed.functions[1].startRow + 1);
  // The wrapper stops taking the lock: user()'s text is unchanged, its summary is not reused.
  const unwrapped = await summaryOf(`\n${source.replace('msleep(1);', 'msleep(2);').replace('spin_lock(&f->lock);', '')}`, db);
  assert.notEqual(fn(unwrapped, 'user'), fn(moved, 'user'));
  assert.deepEqual(fn(unwrapped, 'user').calls.find((call) => call.name === 'kmalloc')!.held, []);
});

test('a mask #defined in an included local header: the rule and the hover agree', async () => {
  const parser = await sharedParser();
  const header = '#define DRV_GFP (GFP_KERNEL | __GFP_NORETRY)\n';
  const source = `#include "drv.h"
static void f(struct p *p)
{
	spin_lock(&p->lock);
	p->buf = kmalloc(64, DRV_GFP);
	spin_unlock(&p->lock);
}
`;
  const headerFacts = collectFileFacts('/drv/drv.h', header, parseText(parser, header), DEFAULT_CONFIG);
  const facts = collectFileFacts('/drv/a.c', source, parseText(parser, source), DEFAULT_CONFIG);
  const report = analyzeFile(facts, [headerFacts]);
  assert.deepEqual(
    report.findings.map((finding) => [finding.rule, finding.span.startLine]),
    [['gfp-sleep-in-atomic', 4]],
  );
  assert.match(report.findings[0].message, /with DRV_GFP may sleep/);
  // Without the header the mask is unknown: silence.
  const alone = collectFileFacts('/drv/a.c', source, parseText(parser, source), DEFAULT_CONFIG);
  assert.deepEqual(analyzeFile(alone, []).findings, []);
});

test('#defines found from the text are the ones a walk of the tree finds (every fixture)', async () => {
  const parser = await sharedParser();
  const walk = (dir: string): string[] =>
    fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? walk(path.join(dir, entry.name)) : /\.[ch]$/.test(entry.name) ? [path.join(dir, entry.name)] : []));
  const files = [...walk(FIXTURES), ...walk(EXAMPLES)];
  let macros = 0;
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    const tree = parseText(parser, text);
    const walked = collectMacros(tree.rootNode, file);
    assert.deepEqual([...collectMacros(tree.rootNode, file, text)], [...walked], file);
    macros += walked.size;
    tree.delete();
  }
  // Includes a define in a comment and one after `#  define` spacing, from the text below.
  const text = '/* #define NOT_ONE 1 */\n#  define SPACED 2\n#define F(x) ((x) + 1)\nstatic int v = F(SPACED);\n';
  const tree = parseText(parser, text);
  assert.deepEqual([...collectMacros(tree.rootNode, undefined, text).keys()], ['SPACED', 'F']);
  assert.ok(macros >= 10, `${macros} macros compared`);
});
