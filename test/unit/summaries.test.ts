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
import { collectFileFacts } from '../../server/src/analysis/fileFacts';
import type { FileSummary } from '../../server/src/analysis/summaries/fileSummary';
import { analyzeFile } from '../../server/src/analyzeFile';
import { FolderPathFacts, compiledBranch, filePathNames } from '../../server/src/analysis/paths/pathConditions';
import { DEFAULT_CONFIG } from '../../server/src/model/config';
import { parseText, sharedParser } from '../support/fixtures';
import { EXAMPLES, FIXTURES } from '../support/paths';
import { fn, summaryOf } from '../support/summaries';

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

test('the lock walk follows a statement expression that holds no call: its return is an exit', async () => {
  const file = await summaryOf(`
static void maybe_lock(struct foo *f)
{
	int ready = ({ if (!f->ready) return; 1; });
	spin_lock(&f->lock);
}
static void always_lock(struct foo *f)
{
	int ready = ({ f->ready; });
	spin_lock(&f->lock);
}
`);
  // One exit of maybe_lock() is before the lock: it is not a lock wrapper.
  assert.deepEqual(fn(file, 'maybe_lock').acquiredAtExit, []);
  assert.deepEqual(
    fn(file, 'always_lock').acquiredAtExit.map((held) => held.key),
    ['spin:&f->lock'],
  );
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

test('parameter guards: which parameter, which sense, whether complete; what a call site knows of its arguments', async () => {
  const file = await summaryOf(`
static void guarded(struct p *p, bool wait, int flags, void *buf)
{
	if (wait)
		msleep(1);
	if (!buf)
		buf = kmalloc(8, GFP_KERNEL);
	if (flags & FOO_SLEEP)
		usleep_range(1, 2);
	if (wait && p->n)
		mdelay(1);
	else
		schedule();
	if (!flags)
		return;
	cond_resched();
}
static void caller(struct p *p, bool wait)
{
	int local;
	void *fresh = kmalloc(8, GFP_ATOMIC);

	guarded(p, false, 0, NULL);
	guarded(p, true, 3, &local);
	guarded(p, wait, p->n, fresh);
}
`);
  const calls = fn(file, 'guarded').calls;
  const guard = (name: string) => calls.find((call) => call.name === name)!.parameterGuard;
  assert.deepEqual(guard('msleep'), { requires: [{ parameter: 1, nonZero: true }], complete: true });
  assert.deepEqual(guard('kmalloc'), { requires: [{ parameter: 3, nonZero: false }], complete: true });
  // `flags & FOO_SLEEP` needs a non-zero flags, but a non-zero flags does not decide it.
  assert.deepEqual(guard('usleep_range'), { requires: [{ parameter: 2, nonZero: true }], complete: false });
  // The then-branch of `wait && p->n` needs wait; its else-branch is not a test on wait alone.
  assert.deepEqual(guard('mdelay'), { requires: [{ parameter: 1, nonZero: true }], complete: true });
  assert.deepEqual(guard('schedule'), { requires: [], complete: false });
  // After `if (!flags) return;`: flags is non-zero.
  assert.deepEqual(guard('cond_resched'), { requires: [{ parameter: 2, nonZero: true }], complete: true });
  const sites = fn(file, 'caller').calls.filter((call) => call.name === 'guarded');
  assert.deepEqual(
    sites.map((call) => call.argumentTruth),
    [
      [undefined, false, false, false],
      [undefined, true, true, true],
      [undefined, undefined, undefined, true],
    ],
  );
  // A summary crosses a structured clone unchanged: plain data.
  assert.deepEqual(structuredClone(fn(file, 'guarded')), fn(file, 'guarded'));
});

test('calls that never return: the kernel table and __noreturn of the folder end the path, recorded as a dependency', async () => {
  const parser = await sharedParser();
  const source = `#include "drv.h"
static void f(struct p *p)
{
	spin_lock(&p->lock);
	if (p->bad) {
		drv_die(p);
		msleep(1);
	}
	if (p->worse) {
		panic("worse");
		msleep(2);
	}
	spin_unlock(&p->lock);
}
`;
  const header = (marked: boolean) => `void ${marked ? '__noreturn ' : ''}drv_die(struct p *p);\n`;
  const db = new AnalysisDatabase();
  const facts = collectFileFacts('/drv/a.c', source, parseText(parser, source), DEFAULT_CONFIG);
  const before = db.fileSummary(facts, [collectFileFacts('/drv/drv.h', header(true), parseText(parser, header(true)), DEFAULT_CONFIG)]);
  const sleeps = (file: FileSummary) => fn(file, 'f').calls.filter((call) => call.name === 'msleep');
  assert.deepEqual(
    sleeps(before).map((call) => call.held),
    [undefined, undefined],
  );
  assert.equal(fn(before, 'f').dependencies.noReturn, 'drv_die');
  // The header loses its annotation: the same text of f() is summarised again, and drv_die() returns.
  const unmarked = collectFileFacts('/drv/drv.h', header(false), parseText(parser, header(false)), DEFAULT_CONFIG);
  const after = db.fileSummary(facts, [unmarked]);
  assert.notEqual(fn(after, 'f'), fn(before, 'f'));
  assert.equal(fn(after, 'f').dependencies.noReturn, '');
  assert.deepEqual(
    sleeps(after).map((call) => call.held?.map((section) => section.label)),
    [['spin_lock(&p->lock)'], undefined],
  );
});

test('#ifdef of a macro no file of the folder defines is not compiled; a sibling #define re-summarises the function', async () => {
  const parser = await sharedParser();
  const source = `
static void f(struct p *p)
{
	spin_lock(&p->lock);
#ifdef DRV_TRACE
	msleep(1);
#endif
#if 0
	msleep(2);
#endif
#ifdef CONFIG_DRV_DEBUG
	msleep(3);
#endif
	spin_unlock(&p->lock);
}
static void g(struct p *p)
{
	msleep(4);
}
`;
  const db = new AnalysisDatabase();
  const facts = collectFileFacts('/drv/a.c', source, parseText(parser, source), DEFAULT_CONFIG);
  const sibling = (text: string) => collectFileFacts('/drv/b.c', text, parseText(parser, text), DEFAULT_CONFIG);
  const held = (file: FileSummary) =>
    fn(file, 'f')
      .calls.filter((call) => call.name === 'msleep')
      .map((call) => call.held?.length);
  const before = db.fileSummary(facts, [sibling('#define DRV_OTHER 1\nstatic int other;\n')]);
  // CONFIG_ without a .config stays unknown: both branches, the lock held in the compiled one.
  assert.deepEqual(held(before), [undefined, undefined, 1]);
  assert.deepEqual(fn(before, 'f').dependencies.definedMacros, { DRV_TRACE: false, 'prefix:DRV_': true });
  // An unrelated edit of the sibling keeps the summary.
  const unrelated = db.fileSummary(facts, [sibling('#define DRV_OTHER 1\nstatic int other2;\n')]);
  assert.equal(fn(unrelated, 'f'), fn(before, 'f'));
  // A sibling now defines DRV_TRACE: f() is summarised again (g() is not), and the branch may be compiled.
  const defined = db.fileSummary(facts, [sibling('#define DRV_OTHER 1\n#define DRV_TRACE 1\nstatic int other2;\n')]);
  assert.notEqual(fn(defined, 'f'), fn(before, 'f'));
  assert.equal(fn(defined, 'g'), fn(before, 'g'));
  assert.deepEqual(held(defined), [1, undefined, 1]);
  // No macro of the DRV_ namespace in the folder: DRV_TRACE may come from elsewhere (a kernel header).
  const foreign = db.fileSummary(facts, [sibling('static int other2;\n')]);
  assert.notEqual(fn(foreign, 'f'), fn(before, 'f'));
  assert.deepEqual(held(foreign), [1, undefined, 1]);
});

test('#if conditions with .config options: y, m, unset, IS_ENABLED(), and unknown without them', async () => {
  const parser = await sharedParser();
  const source = `
void f(void)
{
#ifdef CONFIG_A
	a();
#endif
#ifdef CONFIG_M
	m();
#endif
#ifdef CONFIG_M_MODULE
	mm();
#endif
#ifndef CONFIG_UNSET
	u();
#endif
#if IS_ENABLED(CONFIG_M) && !defined(DRV_NOWHERE)
	e();
#endif
#if IS_BUILTIN(CONFIG_M) || 0
	b();
#endif
}
`;
  const tree = parseText(parser, source);
  const groups = tree.rootNode.descendantsOfType(['preproc_ifdef', 'preproc_if']).filter((node): node is NonNullable<typeof node> => !!node);
  const folder = (kconfig?: Record<string, string>): FolderPathFacts => ({
    defined: new Set(),
    prefixes: new Set(['DRV_']),
    noReturn: new Set(),
    switchedOff: new Set(),
    key: '',
    ...(kconfig ? { kconfig: new Map(Object.entries(kconfig)) } : {}),
  });
  const looked: string[] = [];
  const record = (name: string) => looked.push(name);
  assert.deepEqual(
    groups.map((node) => compiledBranch(node!, folder({ CONFIG_A: 'y', CONFIG_M: 'm' }), record)),
    [true, false, true, true, true, false],
  );
  // Without a .config, every CONFIG_ test stays unknown; the macro defined nowhere is still known.
  assert.deepEqual(
    groups.map((node) => compiledBranch(node!, folder(), record)),
    [undefined, undefined, undefined, undefined, undefined, undefined],
  );
  assert.deepEqual([...new Set(looked)], ['DRV_NOWHERE', 'prefix:DRV_']);
});

test('__noreturn declarations found in a file: before or after the declarator, not from #define lines', () => {
  const text = [
    '#define DRV_NORET __attribute__((noreturn))',
    'static int drv_after_define(void);',
    'void __noreturn drv_die(struct p *p);',
    'void drv_fatal(struct p *p, const char *why) __cold __attribute__((noreturn));',
    'extern __noreturn void drv_exit(int);',
    'void drv_returns(int) __cold;',
    'MODULE_LICENSE("GPL")',
    'static void __noreturn drv_last(void);',
  ].join('\n');
  assert.deepEqual(filePathNames(new Map(), text).noReturn, ['drv_die', 'drv_exit', 'drv_fatal', 'drv_last']);
});
