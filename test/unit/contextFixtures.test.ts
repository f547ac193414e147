// Issue 11 contexts: FPU sections, hard-IRQ context through a callee's unlock/relock, GFP masks
// chosen from a flags argument, and function-like macros that sleep or lock. Each fixture pins
// its findings and its silences; the FPU fixtures also run on the other architecture.
import assert from 'node:assert/strict';
import * as path from 'path';
import { test } from 'node:test';
import { analyzeFixture, checkFixture } from '../support/fixtures';
import { FIXTURES } from '../support/paths';

const RULES = ['gfp-sleep-in-atomic', 'sleep-in-atomic'];
const dir = path.join(FIXTURES, 'atomic', 'contexts');

test('FPU sections on x86_64: kernel_fpu_begin() and DC_FP_START() disable preemption', async () => {
  const findings = await checkFixture(path.join(dir, 'fpu.c'), { rules: RULES, arch: 'x86_64' });
  const first = findings.find((finding) => finding.span.startLine + 1 === 18);
  assert.match(first?.message ?? '', /kernel_fpu_begin\(\)/);
  assert.match(first?.message ?? '', /FPU section/);
});

test('FPU sections of x86 open nothing on arm64', async () => {
  assert.deepEqual(await analyzeFixture(path.join(dir, 'fpu.c'), { rules: RULES, arch: 'arm64' }), []);
});

test('kernel_neon_begin() disables preemption on arm64, and is not an x86 section', async () => {
  await checkFixture(path.join(dir, 'neon.c'), { rules: RULES, arch: 'arm64' });
  assert.deepEqual(await analyzeFixture(path.join(dir, 'neon.c'), { rules: RULES, arch: 'x86_64' }), []);
});

test("hard-IRQ and softirq context survive a helper's unlock/relock of the caller's lock", async () => {
  const findings = await checkFixture(path.join(dir, 'irqrelock.c'), { rules: RULES });
  const refill = findings.find((finding) => finding.span.startLine + 1 === 19);
  assert.match(refill?.message ?? '', /ir_handler\(\) is a hard-IRQ handler/);
});

test('request_irq(), clk_get_rate() and gpio_free() sleep (model/sleepers.ts)', async () => {
  const findings = await checkFixture(path.join(dir, 'sleepers.c'), { rules: RULES });
  assert.match(findings.find((finding) => finding.span.startLine + 1 === 29)?.message ?? '', /request_mutex/);
});

test('function-like macros that sleep or lock act at the use site, with the macro named', async () => {
  const findings = await checkFixture(path.join(dir, 'macros', 'mc.c'), { rules: RULES });
  const at = (line: number) => findings.find((finding) => finding.span.startLine + 1 === line)?.message ?? '';
  assert.match(at(26), /^readl_poll_timeout\(\) expands to usleep_range\(\), which .*include\/linux\/iopoll\.h/);
  assert.match(at(40), /^mc_wait_ready\(\) expands to usleep_range\(\)/);
  assert.match(at(41), /^MC_READY\(\) expands to mc_wait_ready\(\) → usleep_range\(\)/);
  assert.match(at(56), /MC_LOCK\(\) \(which takes spin_lock\(&\(m\)->lock\)\)/);
  // A wrapper's sleep_us parameter: the caller's constant 40 decides (its 0 and the _atomic form stay silent).
  assert.match(at(75), /^readx_poll_timeout\(\) expands to usleep_range\(\).*mc_wait_bit\(\) is called from mc_wait_callers\(\) at line 105/);
  // A driver macro that calls through the ops table: the stored function is entered under the lock.
  assert.match(at(147), /mc_settle\(\) is called through `mc_hw_settle` from mc_chip_locked\(\) at line 165, where spin_lock\(&chip->lock\) is held/);
});

test("a mask chosen from a flags argument is decided by the caller's constant", async () => {
  const findings = await checkFixture(path.join(dir, 'flagmask.c'), { rules: RULES });
  const zero = findings.find((finding) => finding.span.startLine + 1 === 40);
  assert.match(zero?.message ?? '', /^fm_alloc\(\) picks its allocation mask from this argument .* 0 selects gfp \(= GFP_KERNEL at line 18\)/);
  assert.ok(zero?.related.some((location) => /kmalloc\(\) allocates with gfp \(= GFP_KERNEL at line 18\) when `flags & FM_NOWAIT` is zero/.test(location.message)));
});
