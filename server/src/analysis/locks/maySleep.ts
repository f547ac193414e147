// Which functions of a driver folder may sleep, and one witness each, composed from function
// summaries only (never a tree): a call that sleeps by itself (a sleeping API, an allocation with a
// blocking mask, a sleeping free, a call that takes a blocking mask), or a call to a function of
// the folder that may sleep, at any depth. The search runs backwards from the sleeping calls over
// the composition's caller edges, breadth first, so each function keeps its shortest chain and
// recursion ends (a function is marked once). A call to a function of the kernel tree that the
// folder does not define sleeps when the tree's derived facts say so (index/kernelSleeps.ts).
// Evidence is data (function refs and call indexes); rules/sleepWording.ts words it.
import type { FunctionSummary } from '../summaries/functionSummary';
import { kernelMaskAt, kernelSleepAt } from '../index/kernelSleeps';
import { ComposedFiles, FunctionRef, refKey, summaryAt } from './atomicEntry';

/**
 * Why a function may sleep: one of its own calls sleeps, calls a folder function that may sleep,
 * or calls a kernel-tree function that may (or hands it a blocking mask it allocates with).
 */
export type SleepWitness = { kind: 'local'; call: number } | { kind: 'callee'; call: number; callee: FunctionRef } | { kind: 'kernel'; call: number };

/** One call on the way from a function down to the call that sleeps. */
export interface SleepStep {
  fn: FunctionRef;
  call: number;
}

/**
 * Whether a call counts as a path to sleeping: reachable and read by the lock analysis, and not
 * run only under a context flag or a scalar parameter, in a function that does not ask for its
 * context (`if (in_atomic())`, `gfpflags_allow_blocking()`): such code chooses at run time.
 */
export function counts(fn: FunctionSummary, call: number): boolean {
  const fact = fn.calls[call];
  return fn.understood && !fn.queriesContext && fact.held !== undefined && !fact.flagGuarded && !fact.parameterGuarded;
}

/** Every function of the view that may sleep, by `refKey`, with its witness. */
export function maySleep(view: ComposedFiles): ReadonlyMap<string, SleepWitness> {
  const witnesses = new Map<string, SleepWitness>();
  const queue: FunctionRef[] = [];
  view.files.forEach((file, fileIndex) =>
    file.functions.forEach((_, fnIndex) => {
      const ref = { file: fileIndex, fn: fnIndex };
      const fn = summaryAt(view, ref);
      // A free that is wrong only with IRQs off does not make its function one that may sleep.
      const call = fn.calls.findIndex((fact, index) => fact.sleep !== undefined && !(fact.sleep.kind === 'free' && fact.sleep.irqsOffOnly) && counts(fn, index));
      const kernel = call < 0 && view.kernel ? fn.calls.findIndex((fact, index) => counts(fn, index) && (!!kernelMaskAt(view.kernel, fact) || !!kernelSleepAt(view.kernel, fact))) : -1;
      if (call < 0 && kernel < 0) return;
      witnesses.set(refKey(ref), call >= 0 ? { kind: 'local', call } : { kind: 'kernel', call: kernel });
      queue.push(ref);
    }),
  );
  for (let index = 0; index < queue.length; index++) {
    const callee = queue[index];
    for (const { caller, call } of view.composition.callersOf(callee)) {
      const key = refKey(caller);
      if (witnesses.has(key)) continue;
      // The composition may be of older summaries with equal semantic keys: facts come from `files`.
      const fn = summaryAt(view, caller);
      if (call >= fn.calls.length || !counts(fn, call)) continue;
      witnesses.set(key, { kind: 'callee', call, callee });
      queue.push(caller);
    }
  }
  return witnesses;
}

/** The calls from a function down to the one that sleeps (the last step); empty when it may not sleep. */
export function sleepSteps(witnesses: ReadonlyMap<string, SleepWitness>, ref: FunctionRef): SleepStep[] {
  const steps: SleepStep[] = [];
  const seen = new Set<string>();
  let fn: FunctionRef | undefined = ref;
  while (fn && !seen.has(refKey(fn))) {
    seen.add(refKey(fn));
    const witness = witnesses.get(refKey(fn));
    if (!witness) return [];
    steps.push({ fn, call: witness.call });
    fn = witness.kind === 'callee' ? witness.callee : undefined;
  }
  return steps;
}
