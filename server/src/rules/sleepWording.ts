// How a function that may sleep is said to (the code lens above it) and the chain of calls that
// shows it, worded from analysis/locks/maySleep.ts's witnesses.
import type { AtomicView } from '../analysis/database';
import { FunctionRef, spanIn, summaryAt } from '../analysis/locks/atomicEntry';
import { SleepWitness, sleepSteps } from '../analysis/locks/maySleep';
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

/**
 * "may sleep: msleep() at line 17", "may sleep: mutex_lock() via foo_reset()", "may sleep:
 * kmalloc() with GFP_KERNEL via a() → b()". Undefined when the function may not sleep.
 */
export function sleepWitness(view: AtomicView, witnesses: ReadonlyMap<string, SleepWitness>, ref: FunctionRef): string | undefined {
  const steps = sleepSteps(witnesses, ref);
  if (steps.length === 0) return undefined;
  const last = steps[steps.length - 1];
  const call = summaryAt(view, last.fn).calls[last.call];
  if (steps.length === 1) return `may sleep: ${sleepingCall(call)} at line ${spanIn(view, last.fn, call.span).startLine + 1}`;
  return `may sleep: ${sleepingCall(call)} via ${steps
    .slice(1)
    .map((step) => `${nameOf(view, step.fn)}()`)
    .join(' → ')}`;
}

/** The calls from the function down to the one that sleeps, each where it is written. */
export function sleepChain(view: AtomicView, witnesses: ReadonlyMap<string, SleepWitness>, ref: FunctionRef): RelatedLocation[] {
  const steps = sleepSteps(witnesses, ref);
  return steps.map((step, index) => {
    const call = summaryAt(view, step.fn).calls[step.call];
    const span = spanIn(view, step.fn, call.span);
    const message =
      index === steps.length - 1 ? `${sleepingCall(call)} may sleep here, in ${nameOf(view, step.fn)}()` : `${nameOf(view, steps[index + 1].fn)}() called here from ${nameOf(view, step.fn)}()`;
    return step.fn.file === view.self ? { span, message } : { file: view.files[step.fn.file].path, span, message };
  });
}
