// Hover section: the execution context at any call, when the analysis knows it exactly.
// "atomic: …" where a section is held on every path or the function is entered atomically;
// "process context" only for registered process-context roots with nothing held; else nothing.
// A call into the kernel tree that the tree's derived facts say may sleep gets its chain
// ("may sleep: `mutex_lock()` at drivers/clk/clk.c:12 via clk_prepare_lock()").
import type { Node } from 'web-tree-sitter';
import type { AtomicView } from '../analysis/database';
import { FunctionRef, atomicContextAt, refKey, registrationAt } from '../analysis/locks/atomicEntry';
import { kernelMaskAt, kernelSleepOf } from '../analysis/index/kernelSleeps';
import { placed } from '../analysis/summaries/functionSummary';
import { spanOf } from '../parsing/syntax';
import { contextSummary } from '../rules/atomicWording';
import { kernelMaskReason, kernelSleepCondition, kernelSleepReason } from '../rules/sleepWording';
import type { HoverSection, HoverTarget } from './hover';

/** The summary's fact of a call node of the view's own file: its function and call index. */
function callAt(view: AtomicView, call: Node): { ref: FunctionRef; callIndex: number } | undefined {
  const at = spanOf(call);
  const functions = view.files[view.self].functions;
  const fnIndex = functions.findIndex((entry) => entry.startRow <= at.startLine && at.endLine <= entry.endRow);
  if (fnIndex < 0) return undefined;
  const entry = functions[fnIndex];
  if (!entry.summary.understood) return undefined;
  const callIndex = entry.summary.calls.findIndex((fact) => {
    const span = placed(fact.span, entry.startRow);
    return span.startLine === at.startLine && span.startColumn === at.startColumn && span.endLine === at.endLine && span.endColumn === at.endColumn;
  });
  return callIndex < 0 ? undefined : { ref: { file: view.self, fn: fnIndex }, callIndex };
}

/** The context sentence at a call (`atomic: …` or `process context: …`), or undefined when not known exactly. */
export function contextAt({ facts, folder, db, call }: HoverTarget): string | undefined {
  if (!call) return undefined;
  const view = db.atomicView(facts, folder);
  const found = callAt(view, call);
  if (!found) return undefined;
  const { ref, callIndex } = found;
  const entry = view.files[view.self].functions[ref.fn];
  const atomic = atomicContextAt(view, ref, callIndex);
  if (atomic) return `atomic: ${contextSummary(view, atomic)}. Nothing here may sleep.`;
  const held = entry.summary.calls[callIndex].held;
  const root = view.composition.processRoots.get(refKey(ref));
  if (!held || held.length > 0 || !root || view.composition.entry.has(refKey(ref))) return undefined;
  // The lock analysis knows what is held on EVERY path; "process context" needs that nothing is
  // held on ANY path, so say it only when nothing before the call takes a lock of any kind.
  const mayLock = entry.summary.calls.slice(0, callIndex).some((earlier) => /lock|guard|disable|get_cpu/i.test(earlier.calleeText));
  if (mayLock) return undefined;
  const registration = registrationAt(view, root);
  return `process context: ${entry.name}() is a ${registration.role} registered by ${registration.via} at line ${registration.site.startLine + 1}${root.file === view.self ? '' : ` of ${view.files[root.file].path.split(/[\\/]/).pop()}`}, and no atomic section is held here.`;
}

/** The context of any other call; an allocation's card carries it on its first screen. */
export const contextSection: HoverSection = (target) => {
  if (target.call && target.facts.allocations.some((site) => site.call.id === target.call!.id)) return undefined;
  const context = contextAt(target);
  return context ? `**Context** — ${context}` : undefined;
};

/** A call into the kernel tree that may sleep (or allocates with the mask it is given), from the tree's derived facts. */
export const kernelSleepSection: HoverSection = ({ facts, folder, db, call }) => {
  if (!call) return undefined;
  const view = db.atomicView(facts, folder);
  const kernel = view.kernel;
  const found = kernel && callAt(view, call);
  if (!kernel || !found) return undefined;
  const fact = view.files[view.self].functions[found.ref.fn].summary.calls[found.callIndex];
  const source = `derived from the source of the kernel tree at ${kernel.lookup.facts.root} (${kernel.lookup.facts.version})`;
  const mask = kernelMaskAt(kernel, fact);
  if (mask) return `**May sleep** — ${kernelMaskReason(kernel, mask.derived)}, and this passes ${mask.mask.variable ?? mask.mask.text.replace(/\s+/g, ' ')}, which allows direct reclaim (${source}).`;
  const sleep = kernelSleepOf(kernel, fact);
  if (!sleep) return undefined;
  const condition = kernelSleepCondition(sleep);
  return `**May sleep** — ${fact.calleeText}() ${kernelSleepReason(kernel, sleep)}${condition ? `, ${condition}` : ''} (${source}).`;
};
