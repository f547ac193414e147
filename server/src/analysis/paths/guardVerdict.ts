// A call guarded by tests on its function's parameters, against one caller's arguments: dead when
// a known argument fails a test (`wait_for_it(p, false)` and `if (wait) msleep(1);`), live when the
// guard is complete and every test is passed by a known argument, unknown otherwise. Reads summary
// data only (the composition's view of a call site).
import type { CallFact } from '../summaries/functionSummary';

export type GuardVerdict = 'dead' | 'live' | 'unknown';

/** `guarded`: a call in the callee; `site`: the caller's call of the callee. */
export function guardVerdict(guarded: CallFact, site: CallFact | undefined): GuardVerdict {
  const guard = guarded.parameterGuard;
  if (!guard || !site) return 'unknown';
  let allKnown = true;
  for (const test of guard.requires) {
    const truth = site.argumentTruth?.[test.parameter];
    if (truth === undefined) allKnown = false;
    else if (truth !== test.nonZero) return 'dead';
  }
  return guard.complete && allKnown ? 'live' : 'unknown';
}

/**
 * Whether a call of a function entered from `site` counts on that path: not when the caller's
 * arguments make it dead, nor when it depends on a scalar parameter the arguments do not decide.
 */
export function runsForCaller(guarded: CallFact, site: CallFact | undefined): boolean {
  const verdict = guardVerdict(guarded, site);
  return verdict === 'live' || (verdict === 'unknown' && !guarded.parameterGuarded);
}
