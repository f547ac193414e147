// The data issue 11's contexts add to function summaries (FPU sections per arch, mask choices,
// constant arguments, macro sleeps) and the pure readers of macro bodies (analysis/locks/macroCalls.ts).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AnalysisDatabase } from '../../server/src/analysis/database';
import { collectFileFacts } from '../../server/src/analysis/fileFacts';
import { chosenMask } from '../../server/src/analysis/locks/flagMasks';
import { macroFieldCall, macroSection, macroSleep } from '../../server/src/analysis/locks/macroCalls';
import type { MacroDefinition } from '../../server/src/analysis/sizes/constants';
import type { FileSummary } from '../../server/src/analysis/summaries/fileSummary';
import type { CallFact } from '../../server/src/analysis/summaries/functionSummary';
import { DEFAULT_CONFIG, ModelConfig } from '../../server/src/model/config';
import { parseText, sharedParser } from '../support/fixtures';

async function summaryOf(text: string, config: ModelConfig = DEFAULT_CONFIG): Promise<FileSummary> {
  const parser = await sharedParser();
  return new AnalysisDatabase().fileSummary(collectFileFacts('/drv/a.c', text, parseText(parser, text), config), []);
}

function callOf(file: FileSummary, fn: string, name: string): CallFact {
  const call = file.functions.find((entry) => entry.name === fn)?.summary.calls.find((candidate) => candidate.name === name);
  assert.ok(call, `${name}() in ${fn}()`);
  return call;
}

const FPU = `
static void f(struct p *p)
{
	kernel_fpu_begin();
	foo(p);
	kernel_fpu_end();
	bar(p);
}
`;

test('an FPU section is held on its arch only', async () => {
  const x86 = await summaryOf(FPU);
  assert.deepEqual(
    callOf(x86, 'f', 'foo').held?.map((held) => [held.class, held.label]),
    [['fpu', 'kernel_fpu_begin()']],
  );
  assert.deepEqual(callOf(x86, 'f', 'bar').held, []);
  const arm64 = await summaryOf(FPU, { ...DEFAULT_CONFIG, arch: 'arm64' });
  assert.deepEqual(callOf(arm64, 'f', 'foo').held, []);
});

test('a mask chosen by a flags test is data with both masks, and callers keep their constant flags', async () => {
  const file = await summaryOf(`
#define X_NOWAIT 4
static void *x_alloc(size_t n, unsigned int flags)
{
	gfp_t gfp = !(flags & X_NOWAIT) ? GFP_KERNEL : GFP_ATOMIC;

	return kmalloc(n, gfp);
}
static void *x_plain(size_t n, unsigned int flags, gfp_t mask)
{
	return kmalloc(n, flags ? mask : GFP_KERNEL);
}
static void x_use(struct p *p)
{
	p->a = x_alloc(8, X_NOWAIT | 1);
	p->b = x_alloc(8, p->flags);
}
`);
  const choice = callOf(file, 'x_alloc', 'kmalloc').maskChoice;
  assert.ok(choice);
  assert.equal(choice.parameter, 1);
  assert.equal(choice.bits, 4);
  assert.equal(choice.test, 'flags & X_NOWAIT');
  // The `!` swapped the branches: with the bit set, the mask is GFP_ATOMIC.
  assert.equal(choice.whenSet.text, 'GFP_ATOMIC');
  assert.equal(choice.whenClear.text, 'GFP_KERNEL');
  assert.equal(choice.whenClear.variable, 'gfp');
  assert.equal(chosenMask(choice, 5).text, 'GFP_ATOMIC');
  assert.equal(chosenMask(choice, 1).text, 'GFP_KERNEL');
  // A branch that is not a constant mask gives no choice.
  assert.equal(callOf(file, 'x_plain', 'kmalloc').maskChoice, undefined);
  const uses = file.functions.find((entry) => entry.name === 'x_use')!.summary.calls.filter((call) => call.name === 'x_alloc');
  assert.deepEqual(uses[0].argumentConstants, [
    { value: 8, text: '8' },
    { value: 5, text: 'X_NOWAIT | 1' },
  ]);
  assert.deepEqual(uses[1].argumentConstants, [{ value: 8, text: '8' }, undefined]);
});

test('a macro use that expands to a sleep records the sleeper and the macros', async () => {
  const file = await summaryOf(`
#define W_NAP(ms) msleep(ms)
#define W_READY(p) ({ while (!w_done(p)) W_NAP(1); 0; })
static void w(struct p *p)
{
	W_READY(p);
	readl_poll_timeout(p->base, p->v, p->v & 1, 0, 100);
}
`);
  assert.deepEqual(callOf(file, 'w', 'W_READY').sleep, { kind: 'sleeper', name: 'msleep', macros: ['W_READY', 'W_NAP'] });
  assert.equal(callOf(file, 'w', 'readl_poll_timeout').sleep, undefined);
});

test("a poll macro's sleep argument that is the function's parameter guards the sleep by it", async () => {
  const file = await summaryOf(`
static int wait_bit(struct p *p, int sleep_us, int timeout_us)
{
	u32 v;

	return readl_poll_timeout(p->base, v, v & 1, sleep_us, timeout_us);
}
static int wait_capped(struct p *p, int sleep_us)
{
	u32 v;

	sleep_us = min(sleep_us, 10);
	return readl_poll_timeout(p->base, v, v & 1, sleep_us, 100);
}
static int wait_field(struct p *p)
{
	u32 v;

	return readl_poll_timeout(p->base, v, v & 1, p->sleep_us, 100);
}
`);
  const poll = callOf(file, 'wait_bit', 'readl_poll_timeout');
  assert.deepEqual(
    [poll.sleep, poll.parameterGuarded, poll.parameterGuard],
    [{ kind: 'sleeper', name: 'usleep_range', macros: ['readl_poll_timeout'] }, true, { requires: [{ parameter: 1, nonZero: true }], complete: true }],
  );
  // A changed parameter, a field: nobody's constant decides, so no sleep is claimed.
  assert.equal(callOf(file, 'wait_capped', 'readl_poll_timeout').sleep, undefined);
  assert.equal(callOf(file, 'wait_field', 'readl_poll_timeout').sleep, undefined);
});

function macros(...definitions: [string, string[], string][]): Map<string, MacroDefinition> {
  return new Map(definitions.map(([name, params, body]) => [name, { name, params, body, line: 0 }]));
}

test('macro bodies: parameter guards, context queries, busy waits, seeds, lock calls', () => {
  const none = () => undefined;
  const table = macros(
    ['SLEEP_IF', ['can', 'ms'], 'do { if (can) msleep(ms); } while (0)'],
    ['SLEEP_UNLESS', ['atomic'], 'do { if (!atomic) msleep(1); } while (0)'],
    ['ASKS', ['ms'], 'do { if (in_interrupt()) mdelay(ms); else msleep(ms); } while (0)'],
    ['COMMENTED', [], '/* msleep(1) */ udelay(1)'],
    ['POLL', ['a', 'us'], 'readl_poll_timeout(a, v, v, us, 100)'],
    ['F_LOCK', ['f'], 'spin_lock_irqsave(&(f)->lock, (f)->flags)'],
    ['F_UNLOCK', ['f'], 'do { spin_unlock(&(f)->lock); } while (0)'],
    ['F_TWO', ['f'], 'spin_lock(&(f)->lock); f->n++'],
  );
  const truth = (values: (boolean | undefined)[]) => (position: number) => values[position];
  assert.deepEqual(macroSleep('SLEEP_IF', table, truth([true]), none), { sleeper: 'msleep', macros: ['SLEEP_IF'] });
  assert.equal(macroSleep('SLEEP_IF', table, truth([false]), none), undefined);
  // Unknown at the use site: the sleep comes with the argument that decides it.
  assert.deepEqual(macroSleep('SLEEP_IF', table, truth([undefined]), none), { sleeper: 'msleep', macros: ['SLEEP_IF'], when: [{ argument: 0, nonZero: true }] });
  assert.deepEqual(macroSleep('SLEEP_UNLESS', table, truth([false]), none), { sleeper: 'msleep', macros: ['SLEEP_UNLESS'] });
  assert.equal(macroSleep('SLEEP_UNLESS', table, truth([true]), none), undefined);
  assert.equal(macroSleep('ASKS', table, truth([]), none), undefined);
  assert.equal(macroSleep('COMMENTED', table, truth([]), none), undefined);
  // The seed's sleep argument comes through the driver macro's parameter.
  assert.deepEqual(macroSleep('POLL', table, truth([undefined, true]), none), { sleeper: 'usleep_range', macros: ['POLL', 'readl_poll_timeout'] });
  assert.equal(macroSleep('POLL', table, truth([undefined, false]), none), undefined);
  assert.deepEqual(macroSleep('POLL', table, truth([undefined, undefined]), none), { sleeper: 'usleep_range', macros: ['POLL', 'readl_poll_timeout'], when: [{ argument: 1, nonZero: true }] });
  assert.equal(macroSleep('readl_poll_timeout_atomic', table, truth([undefined, undefined, undefined, true]), none), undefined);
  assert.deepEqual([macroSection('F_LOCK', table)?.opens, macroSection('F_LOCK', table)?.section.class, macroSection('F_UNLOCK', table)?.opens], [true, 'spin', false]);
  assert.equal(macroSection('F_TWO', table), undefined);
});

test('macro bodies: the call through a struct field an expansion makes on its argument', () => {
  const table = macros(
    ['CB', ['p', 'm', 'args...'], '({ int r = -EINVAL; if ((p)->hw->m) r = (p)->hw->m(args); r; })'],
    ['DO_RESET', ['p', 'args...'], 'CB(p, reset, args)'],
    ['TWO', ['p'], '(p)->ops->a(p) + (p)->ops->b(p)'],
    ['LOCAL', ['x'], '({ struct foo *f = get_foo(x); f->ops->go(x); })'],
  );
  assert.deepEqual(macroFieldCall('DO_RESET', table, ['priv', 'priv->base', '1']), { variable: 'priv', fields: ['hw', 'reset'], macros: ['DO_RESET', 'CB'] });
  // Two field calls, or a path from the expansion's own local: no answer.
  assert.equal(macroFieldCall('TWO', table, ['priv']), undefined);
  assert.equal(macroFieldCall('LOCAL', table, ['priv']), undefined);
});
