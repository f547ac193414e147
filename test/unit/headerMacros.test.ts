// The header pass's macro derivation (analysis/index/headerMacros.ts) on headers written for the
// test: which function-like macros sleep at their use site, under which argument tests, through
// which other macros, and which stand for one lock call; the `#if` groups decided as for the
// header types (a definition that depends on an undecided option is not exported).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deriveHeaderMacros, headerMacroLookup, headerMacrosFor } from '../../server/src/analysis/index/headerMacros';
import { HeaderConditions, keptHeaderMacros, prepareHeaders } from '../../server/src/analysis/index/headerTypes';
import { DEFAULT_CONFIG } from '../../server/src/model/config';

const POLL_H = `
#ifndef _LINUX_T_POLL_H
#define _LINUX_T_POLL_H
/* Sleeps between reads when sleep_us is nonzero; before the first read too when asked. */
#define t_poll(op, val, cond, sleep_us, tries, before, args...) \\
({ \\
	unsigned long __us = (sleep_us); \\
	int __left = (tries); \\
	if (before && __us) \\
		usleep_range(__us, 2 * __us); \\
	for (;;) { \\
		(val) = op(args); \\
		if ((cond) || --__left <= 0) \\
			break; \\
		if (__us) \\
			usleep_range(__us, 2 * __us); \\
	} \\
	(cond) ? 0 : -ETIMEDOUT; \\
})
#define t_poll_atomic(op, val, cond, delay_us, tries, args...) \\
({ \\
	unsigned long __us = (delay_us); \\
	for (;;) { \\
		(val) = op(args); \\
		if (cond) \\
			break; \\
		if (__us) \\
			udelay(__us); \\
	} \\
	0; \\
})
#define t_readx(op, addr, val, cond, sleep_us, tries) t_poll(op, val, cond, sleep_us, tries, false, addr)
#define t_readx_atomic(op, addr, val, cond, delay_us, tries) t_poll_atomic(op, val, cond, delay_us, tries, addr)
#define t_nap(ms) msleep(ms)
#define t_unless(nowait) do { if (!(nowait)) msleep(1); } while (0)
#define t_either(f) do { if (f) t_kick(); else msleep(1); } while (0)
#define t_or(a, b) do { if ((a) || (b)) msleep(1); } while (0)
#define t_changed(us) ({ unsigned long __v = (us); __v += 1; if (__v) msleep(__v); })
#define t_lock(o) spin_lock_irqsave(&(o)->lock, (o)->flags)
#define t_unlock(o) do { spin_unlock(&(o)->lock); } while (0)
#define t_two(o) spin_lock(&(o)->lock); (o)->n++
#ifdef CONFIG_T_SLEEPY
#define t_cfg(x) msleep(x)
#else
#define t_cfg(x) udelay(x)
#endif
#endif
`;

function derive(conditions: HeaderConditions = { arch: 'x86_64' }) {
  const sources = [{ path: 'include/linux/t_poll.h', text: POLL_H }];
  return deriveHeaderMacros(keptHeaderMacros(prepareHeaders(sources, conditions)), { arch: conditions.arch, ...(conditions.kconfig ? { kconfigKey: conditions.kconfig.key } : {}) });
}

test('header macros that sleep: the argument tests that decide, the macros on the way, the _atomic forms left out', () => {
  const table = derive();
  const sleeps = new Map(table.sleeps.map((row) => [row.name, row]));
  // The loop's sleep needs only sleep_us (the one before the first read needs `before` too).
  assert.deepEqual(sleeps.get('t_poll'), { name: 't_poll', sleeper: 'usleep_range', macros: ['t_poll'], when: [{ argument: 3, nonZero: true }], file: 'include/linux/t_poll.h', line: 5 });
  // Through another macro: its sleep_us is the outer macro's fifth argument; `false` passed for `before`.
  assert.deepEqual([sleeps.get('t_readx')?.macros, sleeps.get('t_readx')?.when], [['t_readx', 't_poll'], [{ argument: 4, nonZero: true }]]);
  assert.equal(sleeps.has('t_poll_atomic'), false);
  assert.equal(sleeps.has('t_readx_atomic'), false);
  assert.equal(sleeps.get('t_nap')?.when, undefined);
  assert.deepEqual(sleeps.get('t_unless')?.when, [{ argument: 0, nonZero: false }]);
  assert.deepEqual(sleeps.get('t_either')?.when, [{ argument: 0, nonZero: false }]);
  // A disjunction of parameters: not modelled, not exported.
  assert.equal(sleeps.has('t_or'), false);
  // A copy changed after its declaration is a run-time value: its test says nothing of the argument.
  assert.deepEqual([sleeps.get('t_changed')?.sleeper, sleeps.get('t_changed')?.when], ['msleep', undefined]);
  // Undecided without a .config: two definitions, neither exported.
  assert.equal(sleeps.has('t_cfg'), false);
  assert.deepEqual(
    table.sections.map((row) => [row.name, row.call, row.opens]),
    [
      ['t_lock', 'spin_lock_irqsave', true],
      ['t_unlock', 'spin_unlock', false],
    ],
  );
});

test("the tree's .config decides a header macro's definition, and the table holds for that configuration only", () => {
  const kconfig = { key: 'k1', options: new Map([['CONFIG_T_SLEEPY', 'y']]) };
  const table = derive({ arch: 'x86_64', kconfig });
  assert.equal(headerMacroLookup(table).sleep('t_cfg')?.sleeper, 'msleep');
  assert.equal(headerMacrosFor(table, { ...DEFAULT_CONFIG, arch: 'x86_64', kconfig: { source: '.config', key: 'k1', options: kconfig.options } }), table);
  assert.equal(headerMacrosFor(table, { ...DEFAULT_CONFIG, arch: 'x86_64' }), undefined);
  assert.equal(headerMacrosFor(table, { ...DEFAULT_CONFIG, arch: 'arm64', kconfig: { source: '.config', key: 'k1', options: kconfig.options } }), undefined);
});
