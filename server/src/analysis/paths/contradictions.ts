// Whether a point can run on a path: the field tests that decide the point (its CallFact's
// `conditions`) against those the path to it already fixed (the registration's that chose an
// atomic context, the callers' calls that lead there). The same test with the other outcome
// means the point never runs on that path: a flag that picked the hrtimer over the work item
// also picks the non-sleeping branch of the callback. Conditions are data; no tree here.
import type { PathCondition } from '../summaries/functionSummary';

/** Whether `path` fixes the same test with the same outcome. */
export function fixes(path: readonly PathCondition[], condition: PathCondition): boolean {
  return path.some((fixed) => fixed.key === condition.key && fixed.holds === condition.holds);
}

/** The first test of `point` whose other outcome `path` fixes, or undefined when both can hold. */
export function contradiction(point: readonly PathCondition[] | undefined, path: readonly PathCondition[]): PathCondition | undefined {
  if (!point || point.length === 0 || path.length === 0) return undefined;
  return point.find((condition) => path.some((fixed) => fixed.key === condition.key && fixed.holds !== condition.holds));
}
