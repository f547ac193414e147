// Hover section: the execution context at any call, when the analysis knows it exactly.
// "atomic: …" where a section is held on every path or the function is entered atomically;
// "process context" only for registered process-context roots with nothing held; else nothing.
import { atomicAnalysis, atomicContextAt, contextSummary } from '../analysis/callGraph';
import type { HoverSection, HoverTarget } from './hover';

/** The context sentence at a call (`atomic: …` or `process context: …`), or undefined when not known exactly. */
export function contextAt({ facts, folder, call }: HoverTarget): string | undefined {
  if (!call) return undefined;
  const analysis = atomicAnalysis(facts, folder);
  const fn = analysis.functionOf(call);
  if (!fn || !fn.locks.understood) return undefined;
  const atomic = atomicContextAt(analysis, fn, call);
  if (atomic) return `atomic: ${contextSummary(analysis, atomic)}. Nothing here may sleep.`;
  const held = fn.locks.heldAt.get(call.id);
  const root = analysis.processRoots.get(fn);
  if (!held || held.size > 0 || !root || analysis.entry.has(fn)) return undefined;
  // The lock analysis knows what is held on EVERY path; "process context" needs that nothing is
  // held on ANY path, so say it only when nothing before the call takes a lock of any kind.
  const mayLock = fn.calls.some((earlier) => earlier.startIndex < call.startIndex && /lock|guard|disable|get_cpu/i.test(earlier.childForFieldName('function')?.text ?? ''));
  if (mayLock) return undefined;
  return `process context: ${fn.fn.name}() is a ${root.role} registered by ${root.via} at line ${root.site.startPosition.row + 1}${root.facts === facts ? '' : ` of ${root.facts.path.split(/[\\/]/).pop()}`}, and no atomic section is held here.`;
}

/** The context of any other call; an allocation's card carries it on its first screen. */
export const contextSection: HoverSection = (target) => {
  if (target.call && target.facts.allocations.some((site) => site.call.id === target.call!.id)) return undefined;
  const context = contextAt(target);
  return context ? `**Context** — ${context}` : undefined;
};
