// Path conditions of issue 12 (the same field test deciding the context and the sleep): what the
// summaries record as data, and how the composition reads it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Tree } from 'web-tree-sitter';
import { AnalysisDatabase } from '../../server/src/analysis/database';
import { collectFileFacts } from '../../server/src/analysis/fileFacts';
import { composeAtomic } from '../../server/src/analysis/locks/atomicEntry';
import { contradiction } from '../../server/src/analysis/paths/contradictions';
import type { FileSummary } from '../../server/src/analysis/summaries/fileSummary';
import type { FunctionSummary } from '../../server/src/analysis/summaries/functionSummary';
import { DEFAULT_CONFIG } from '../../server/src/model/config';
import { REFCOUNT_PUTS, refcountPut } from '../../server/src/model/refcounts';
import { cappedSeverity } from '../../server/src/rules/rule';
import * as fs from 'fs';
import * as path from 'path';
import { analyzeFixture, sharedParser } from '../support/fixtures';
import { FIXTURES } from '../support/paths';
import { fn } from '../support/summaries';

async function summaryOf(text: string, db = new AnalysisDatabase()): Promise<FileSummary> {
  const parser = await sharedParser();
  return db.fileSummary(collectFileFacts('/drv/a.c', text, parser.parse(text) as Tree, DEFAULT_CONFIG), []);
}

function conditionsOf(summary: FunctionSummary, callee: string, nth = 0) {
  return summary.calls.filter((call) => call.name === callee)[nth]?.conditions ?? [];
}

test('calls record the field tests that decide them, named by struct type and field path', async () => {
  const file = await summaryOf(`
struct foo { bool fast; unsigned int flags; struct { bool on; } cfg; };
static void f(struct foo *p, struct foo *q)
{
	struct foo *r = q;

	if (p->fast)
		a();
	else
		b();
	if (!q->fast && (r->flags & FOO_BIT))
		c();
	x = r->cfg.on ? d() : e();
	while (p->fast)
		g();
	if (p->fast || q->cfg.on)
		h();
	else
		i();
}
`);
  const f = fn(file, 'f');
  assert.deepEqual(conditionsOf(f, 'a'), [{ key: 'struct foo.fast', holds: true }]);
  assert.deepEqual(conditionsOf(f, 'b'), [{ key: 'struct foo.fast', holds: false }]);
  assert.deepEqual(conditionsOf(f, 'c'), [
    { key: 'struct foo.fast', holds: false },
    { key: 'struct foo.flags&FOO_BIT', holds: true },
  ]);
  assert.deepEqual(conditionsOf(f, 'd'), [{ key: 'struct foo.cfg.on', holds: true }]);
  assert.deepEqual(conditionsOf(f, 'e'), [{ key: 'struct foo.cfg.on', holds: false }]);
  assert.deepEqual(conditionsOf(f, 'g'), [{ key: 'struct foo.fast', holds: true }]);
  // `a || b` true fixes neither; false fixes both.
  assert.deepEqual(conditionsOf(f, 'h'), []);
  assert.deepEqual(conditionsOf(f, 'i'), [
    { key: 'struct foo.cfg.on', holds: false },
    { key: 'struct foo.fast', holds: false },
  ]);
  // Plain data: survives a structured clone unchanged.
  assert.deepEqual(structuredClone(f.calls), f.calls);
});

test('early exits fix a condition up to their goto label; writes, other labels and unknown types drop it', async () => {
  const file = await summaryOf(`
struct foo { bool busy; bool stop; };
static void f(struct foo *p, void *opaque)
{
	if (p->busy)
		goto out;
	a();
	if (p->stop) {
		cleanup();
		return;
	}
	b();
again:
	c();
out:
	d();
	if (opaque->busy)
		e();
}
static void g(struct foo *p)
{
	if (p->busy) {
		p->busy = false;
		a();
	}
	if (p->stop)
		return;
	p->stop = true;
	b();
}
`);
  const f = fn(file, 'f');
  assert.deepEqual(conditionsOf(f, 'a'), [{ key: 'struct foo.busy', holds: false }]);
  assert.deepEqual(conditionsOf(f, 'b'), [
    { key: 'struct foo.busy', holds: false },
    { key: 'struct foo.stop', holds: false },
  ]);
  // `again:` can be reached by a goto from anywhere: nothing after it is fixed by the exits above.
  assert.deepEqual(conditionsOf(f, 'c'), []);
  assert.deepEqual(conditionsOf(f, 'd'), []);
  // `opaque` is no struct pointer the function declares: no structural name, no condition.
  assert.deepEqual(conditionsOf(f, 'e'), []);
  const g = fn(file, 'g');
  assert.deepEqual(conditionsOf(g, 'a'), [], 'the branch writes the field it tested');
  assert.deepEqual(conditionsOf(g, 'b'), [], 'the field is written after the exit');
});

test('registrations record the field test that chose them', async () => {
  const file = await summaryOf(`
struct foo { struct hrtimer t; struct work_struct w; bool fast; };
static int probe(struct foo *priv)
{
	if (priv->fast)
		priv->t.function = cb_timer;
	else
		INIT_WORK(&priv->w, cb_work);
	return 0;
}
`);
  const registrations = fn(file, 'probe').registrations;
  const conditionsOfCallback = (callback: string) => registrations.find((registration) => registration.callback === callback)?.conditions;
  assert.equal(registrations.length, 2);
  assert.deepEqual(conditionsOfCallback('cb_timer'), [{ key: 'struct foo.fast', holds: true }]);
  assert.deepEqual(conditionsOfCallback('cb_work'), [{ key: 'struct foo.fast', holds: false }]);
});

test('contradiction: the same key with the other outcome, nothing else', () => {
  const fast = { key: 'struct foo.fast', holds: true };
  const slow = { key: 'struct foo.fast', holds: false };
  const other = { key: 'struct bar.fast', holds: false };
  assert.deepEqual(contradiction([slow], [fast]), slow);
  assert.equal(contradiction([fast], [fast]), undefined);
  assert.equal(contradiction([other], [fast]), undefined, 'another struct type is another condition');
  assert.equal(contradiction(undefined, [fast]), undefined);
  assert.equal(contradiction([slow], []), undefined);
});

test('composition: a callback registered under a test is entered unconditionally when another registration says so', async () => {
  const text = (guardBoth: boolean) => `
struct foo { struct hrtimer t; struct hrtimer u; bool fast; };
static enum hrtimer_restart cb(struct hrtimer *t)
{
	struct foo *p = container_of(t, struct foo, t);

	if (!p->fast)
		msleep(1);
	return HRTIMER_NORESTART;
}
static int probe(struct foo *priv)
{
	if (priv->fast)
		priv->t.function = cb;
	${guardBoth ? 'if (priv->fast)' : ''}
		priv->u.function = cb;
	return 0;
}
`;
  for (const guardBoth of [true, false]) {
    const file = await summaryOf(text(guardBoth));
    const composition = composeAtomic([file]);
    const cbIndex = file.functions.findIndex((entry) => entry.name === 'cb');
    const reason = composition.entry.get(`0:${cbIndex}`);
    assert.equal(reason?.kind, 'callback');
    const registration = reason?.kind === 'callback' ? fn(file, 'probe').registrations[reason.registration.index] : undefined;
    assert.equal(!!registration?.conditions, guardBoth, guardBoth ? 'both registrations are conditional' : 'the unconditional registration is the reason');
  }
});

test('a call through an ops field whose target is annotated __releases() drops the lock; the annotation is a recorded dependency', async () => {
  const db = new AnalysisDatabase();
  const source = (annotation: string) => `
struct foo_ops { void (*done)(spinlock_t *lock); void (*kick)(struct foo *f); };
static void foo_done(spinlock_t *lock) ${annotation}
{
	spin_unlock(lock);
}
static const struct foo_ops foo_ops = { .done = foo_done };
static void user(struct foo *f)
{
	spin_lock(&f->lock);
	f->ops->kick(f);
	a();
	f->ops->done(&f->lock);
	b();
}
`;
  const plain = await summaryOf(source(''), db);
  const held = (file: FileSummary, callee: string) =>
    fn(file, 'user')
      .calls.find((call) => call.name === callee)!
      .held?.map((section) => section.label);
  assert.deepEqual(held(plain, 'a'), ['spin_lock(&f->lock)']);
  assert.deepEqual(held(plain, 'b'), ['spin_lock(&f->lock)'], 'no annotation: the analysis cannot see the unlock');
  assert.deepEqual(fn(plain, 'user').dependencies.releasing, { 'f:done': '', 'f:kick': '', 'n:a': '', 'n:b': '' });
  // Only foo_done()'s head changes: user()'s text is the same, its summary is not reused.
  const annotated = await summaryOf(source('__releases(lock)'), db);
  assert.notEqual(fn(annotated, 'user'), fn(plain, 'user'));
  assert.deepEqual(held(annotated, 'a'), ['spin_lock(&f->lock)']);
  assert.deepEqual(held(annotated, 'b'), []);
  assert.deepEqual(fn(annotated, 'user').dependencies.releasing, { 'f:done': 'lock', 'f:kick': '', 'n:a': '', 'n:b': '' });
  assert.deepEqual(structuredClone(fn(annotated, 'user')), fn(annotated, 'user'));
});

test('a sleep that depends on state the analysis cannot see is information, and the message says which state', async () => {
  const file = path.join(FIXTURES, 'atomic', 'unseen', 'lazy.c');
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const findings = await analyzeFixture(file, { rules: ['gfp-sleep-in-atomic', 'sleep-in-atomic'] });
  assert.ok(findings.length >= 4);
  for (const finding of findings) {
    const information = lines[finding.span.startLine].includes('(information)');
    assert.equal(finding.severity, information ? 'information' : 'warning', `line ${finding.span.startLine + 1}: ${finding.message}`);
    assert.equal(/Reported as information/.test(finding.message), information);
  }
  const at = (text: string) => findings.find((finding) => lines[finding.span.startLine].includes(text))!;
  assert.match(at('priv->buf = kmalloc').message, /while `buf` of struct lz_priv is NULL, and lz_alloc_buffers\(\) already stores a kmalloc\(\) allocation in it at line \d+/);
  assert.match(at('msleep(1)').message, /only when `ops->read_atomic` of struct lz_priv is NULL/);
  // A fix is still offered: the code is not proven right, only not proven wrong.
  assert.ok(at('priv->buf = kmalloc').fixes.length > 0);
});

test('a finding can only lower the configured severity', () => {
  assert.equal(cappedSeverity('warning', 'information'), 'information');
  assert.equal(cappedSeverity('error', 'information'), 'information');
  assert.equal(cappedSeverity('hint', 'information'), 'hint', 'a rule configured to hint stays at hint');
  assert.equal(cappedSeverity('warning', undefined), 'warning');
  assert.equal(cappedSeverity('information', 'warning'), 'information');
});

test('reference-count puts: the release callback they run, and whether a get of the same object precedes them on every path', async () => {
  const file = await summaryOf(`
static void f(struct foo *x, struct device *d, bool c)
{
	struct device *dev = get_device(d);

	kref_get(&x->ref);
	kref_put(&x->ref, &foo_release);
	kref_put(&x->ref, foo_release);
	put_device(dev);
	if (c)
		kref_get(&x->ref);
	kref_put(&x->ref, foo_release);
	foo_get(x);
again:
	foo_put(x);
	c ? kref_get(&x->ref) : 0;
	kref_put(&x->ref, foo_release);
}
`);
  const puts = fn(file, 'f').calls.filter((call) => /put/.test(call.name ?? ''));
  assert.deepEqual(
    puts.map((call) => [call.name, call.afterGet ?? false]),
    [
      ['kref_put', true],
      // A second put after one get may be the last.
      ['kref_put', false],
      // get_device()'s result is the object put.
      ['put_device', true],
      // The get is under a condition.
      ['kref_put', false],
      // A label between lets a path skip the get.
      ['foo_put', false],
      ['kref_put', false],
    ],
  );
});

test('the refcount table: each put names its gets and cites its source', () => {
  for (const row of REFCOUNT_PUTS) {
    assert.ok(row.gets.length > 0 && !(row.gets as readonly string[]).includes(row.put), row.put);
    assert.match(row.source, /\(6\.1\)/);
  }
  assert.deepEqual(refcountPut('kref_put')?.gets, ['kref_get']);
  assert.equal(refcountPut('kref_put_lock'), undefined, 'its release runs with the lock held: not modelled');
});

test('a put’s sleeping release callback is not followed: whether the put is the last one is unseen state', async () => {
  const file = path.join(FIXTURES, 'atomic', 'refcount', 'ref.c');
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  const findings = await analyzeFixture(file, { rules: ['sleep-in-atomic'] });
  assert.equal(
    findings.some((finding) => lines[finding.span.startLine].includes('mutex_lock(&rc_mutex)')),
    false,
    'rc_release_last() runs only if kref_put() in rc_drop() drops the last reference',
  );
  // A driver's own put helper is an ordinary call: followed, unless a get right before it pairs with it.
  assert.ok(findings.some((finding) => lines[finding.span.startLine].includes('msleep(1)')));
});
