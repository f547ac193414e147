// How a function that may sleep is said to (the code lens above it, the hover on a call, the
// sleep-in-atomic finding on a call into the kernel tree) and the chain of calls that shows it,
// worded from analysis/locks/maySleep.ts's witnesses and the tree's derived facts
// (analysis/index/kernelFacts.ts).
import type { AtomicView } from '../analysis/database';
import { FunctionRef, refKey, spanIn, summaryAt } from '../analysis/locks/atomicEntry';
import { SleepWitness, sleepSteps } from '../analysis/locks/maySleep';
import type { DerivedMask, DerivedSleep, SleepingPrimitive, WitnessHop } from '../analysis/index/kernelFacts';
import { KernelView, kernelMaskAt, kernelSleepAt } from '../analysis/index/kernelSleeps';
import type { CallFact } from '../analysis/summaries/functionSummary';
import type { RelatedLocation } from './rule';

function nameOf(view: AtomicView, ref: FunctionRef): string {
  return view.files[ref.file].functions[ref.fn].name;
}

/** `msleep()`, `kmalloc() with GFP_KERNEL`: the call that sleeps by itself. */
function sleepingCall(call: CallFact): string {
  const mask = call.sleep && 'mask' in call.sleep ? call.sleep.mask : undefined;
  return `${call.calleeText}()${mask ? ` with ${mask.variable ?? mask.text.replace(/\s+/g, ' ')}` : ''}`;
}

/** `` `mutex_lock()` ``, `` `kmalloc()` with GFP_KERNEL ``. */
function primitiveText(primitive: SleepingPrimitive): string {
  return `\`${primitive.callee}()\`${primitive.mask ? ` with ${primitive.mask}` : ''}`;
}

function ordinal(position: number): string {
  const n = position + 1;
  const suffix = n % 10 === 1 && n % 100 !== 11 ? 'st' : n % 10 === 2 && n % 100 !== 12 ? 'nd' : n % 10 === 3 && n % 100 !== 13 ? 'rd' : 'th';
  return `${n}${suffix}`;
}

/** A hop's place in the tree: `drivers/clk/clk.c:123`. */
function hopPlace(kernel: KernelView, hop: WitnessHop): string {
  return `${kernel.lookup.facts.files[hop.file]}:${hop.line}`;
}

/** `drivers/clk/clk.c` → the file under the tree's root, for related locations. */
function hopFile(kernel: KernelView, hop: WitnessHop): string {
  const root = kernel.lookup.facts.root.replace(/[\\/]+$/, '');
  return `${root}/${kernel.lookup.facts.files[hop.file]}`;
}

/** "when its 2nd argument is true (non-zero)", for a derived sleep that depends on the caller's arguments. */
export function kernelSleepCondition(sleep: DerivedSleep): string | undefined {
  if (!sleep.when) return undefined;
  return `when ${sleep.when.map((test) => `its ${ordinal(test.parameter)} argument is ${test.nonZero ? 'true (non-zero)' : 'false (zero, NULL)'}`).join(' and ')}`;
}

/**
 * "may sleep: `mutex_lock()` at drivers/clk/clk.c:12 via clk_core_prepare_lock() → clk_prepare_lock()":
 * a kernel-tree function's derived sleep, `before` the names of the checked code's own steps.
 */
export function kernelSleepReason(kernel: KernelView, sleep: DerivedSleep, before?: readonly string[]): string {
  const last = sleep.chain[sleep.chain.length - 1];
  // From a call of the function, the chain below it; from a caller's steps, the function too.
  const via = before ? [...before, ...sleep.chain.map((hop) => hop.fn)] : sleep.chain.slice(1).map((hop) => hop.fn);
  return `may sleep: ${primitiveText(sleep.sleeping)} at ${hopPlace(kernel, last)}${via.length > 0 ? ` via ${via.map((name) => `${name}()`).join(' → ')}` : ''}`;
}

/** "kasprintf() allocates with the mask it is given (kmalloc_track_caller() at lib/kasprintf.c:25 via kvasprintf())". */
export function kernelMaskReason(kernel: KernelView, derived: DerivedMask): string {
  const last = derived.chain[derived.chain.length - 1];
  const via = derived.chain.slice(1).map((hop) => `${hop.fn}()`);
  return `${derived.name}() allocates with the mask it is given (${derived.api}() at ${hopPlace(kernel, last)}${via.length > 0 ? ` via ${via.join(' → ')}` : ''})`;
}

/** The calls of a derived chain, each where the tree writes it. */
export function kernelChain(kernel: KernelView, chain: readonly WitnessHop[], last: string): RelatedLocation[] {
  return chain.map((hop, index) => ({
    file: hopFile(kernel, hop),
    span: { startLine: hop.line - 1, startColumn: 0, endLine: hop.line - 1, endColumn: 0 },
    message: index === chain.length - 1 ? `${last} here, in ${hop.fn}()` : `${chain[index + 1].fn}() called here from ${hop.fn}()`,
  }));
}

export function kernelSleepChain(kernel: KernelView, sleep: DerivedSleep): RelatedLocation[] {
  return kernelChain(kernel, sleep.chain, `${primitiveText(sleep.sleeping)} may sleep`);
}

export function kernelMaskChain(kernel: KernelView, derived: DerivedMask): RelatedLocation[] {
  return kernelChain(kernel, derived.chain, `${derived.api}() uses the caller's mask`);
}

/**
 * "may sleep: msleep() at line 17", "may sleep: mutex_lock() via foo_reset()", "may sleep:
 * kmalloc() with GFP_KERNEL via a() → b()", "may sleep: `mutex_lock()` at drivers/clk/clk.c:12
 * via clk_prepare() → clk_prepare_lock()". Undefined when the function may not sleep.
 */
export function sleepWitness(view: AtomicView, witnesses: ReadonlyMap<string, SleepWitness>, ref: FunctionRef): string | undefined {
  const steps = sleepSteps(witnesses, ref);
  if (steps.length === 0) return undefined;
  const last = steps[steps.length - 1];
  const call = summaryAt(view, last.fn).calls[last.call];
  const names = steps.slice(1).map((step) => nameOf(view, step.fn));
  const kernel = view.kernel;
  if (kernel && witnesses.get(refKey(last.fn))?.kind === 'kernel') {
    const mask = kernelMaskAt(kernel, call);
    if (mask)
      return `may sleep: ${[...names, mask.derived.name].map((name) => `${name}()`).join(' → ')} with ${mask.mask.variable ?? mask.mask.text.replace(/\s+/g, ' ')}: ${kernelMaskReason(kernel, mask.derived)}`;
    const sleep = kernelSleepAt(kernel, call);
    if (sleep) return kernelSleepReason(kernel, sleep, names);
  }
  if (steps.length === 1) return `may sleep: ${sleepingCall(call)} at line ${spanIn(view, last.fn, call.span).startLine + 1}`;
  return `may sleep: ${sleepingCall(call)} via ${names.map((name) => `${name}()`).join(' → ')}`;
}

/** The calls from the function down to the one that sleeps, each where it is written (into the kernel tree, when it goes there). */
export function sleepChain(view: AtomicView, witnesses: ReadonlyMap<string, SleepWitness>, ref: FunctionRef): RelatedLocation[] {
  const steps = sleepSteps(witnesses, ref);
  const kernel = view.kernel;
  const locations = steps.map((step, index) => {
    const call = summaryAt(view, step.fn).calls[step.call];
    const span = spanIn(view, step.fn, call.span);
    const message =
      index < steps.length - 1
        ? `${nameOf(view, steps[index + 1].fn)}() called here from ${nameOf(view, step.fn)}()`
        : witnesses.get(refKey(step.fn))?.kind === 'kernel'
          ? `${call.calleeText}() of the kernel tree called here from ${nameOf(view, step.fn)}()`
          : `${sleepingCall(call)} may sleep here, in ${nameOf(view, step.fn)}()`;
    return step.fn.file === view.self ? { span, message } : { file: view.files[step.fn.file].path, span, message };
  });
  const last = steps[steps.length - 1];
  if (!kernel || !last || witnesses.get(refKey(last.fn))?.kind !== 'kernel') return locations;
  const call = summaryAt(view, last.fn).calls[last.call];
  const mask = kernelMaskAt(kernel, call);
  if (mask) return [...locations, ...kernelMaskChain(kernel, mask.derived)];
  const sleep = kernelSleepAt(kernel, call);
  return sleep ? [...locations, ...kernelSleepChain(kernel, sleep)] : locations;
}
