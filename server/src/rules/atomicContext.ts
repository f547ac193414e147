// The findings both atomic-context rules share: every sleeping call (model/sleepers.ts, model/apis.ts)
// at a point that is atomic on every path, with the chain that makes it atomic and, for GFP masks,
// fixes that rewrite only the flag tokens. gfpSleepInAtomic.ts and sleepInAtomic.ts pick their part.
import type { Node } from 'web-tree-sitter';
import { AtomicAnalysis, CallContext, atomicAnalysis, atomicContextAt, contextChain, describeContext } from '../analysis/callGraph';
import { MaskSource, SleepingCall, sleepingCall } from '../analysis/sleepingCalls';
import { evaluateGfpText } from '../analysis/gfpMask';
import { gfpAllowsBlocking } from '../model/gfp';
import { spanOf } from '../parsing/syntax';
import type { Fix, RuleContext, RuleFinding } from './rule';

export const GFP_RULE = 'gfp-sleep-in-atomic';
export const SLEEP_RULE = 'sleep-in-atomic';

export interface AtomicFinding extends RuleFinding {
  rule: typeof GFP_RULE | typeof SLEEP_RULE;
}

/** Blocking composites a fix may swap, and what keeps their non-reclaim meaning. */
const SWAPPABLE: Readonly<Record<string, string>> = {
  GFP_KERNEL: '',
  GFP_NOIO: '',
  GFP_NOFS: '',
  GFP_KERNEL_ACCOUNT: ' | __GFP_ACCOUNT',
};

function line(node: Node): number {
  return node.startPosition.row + 1;
}

/** "Use GFP_ATOMIC" / "Use GFP_NOWAIT": the flag tokens replaced, modifiers kept; none if that would not stop the sleeping. */
function maskFixes(context: RuleContext, mask: MaskSource, note: string): Fix[] {
  const tokens = mask.node.type === 'identifier' ? [mask.node] : mask.node.descendantsOfType('identifier').filter((node): node is Node => !!node);
  const swapped = tokens.filter((token) => token.text in SWAPPABLE);
  if (swapped.length === 0) return [];
  return ['GFP_ATOMIC', 'GFP_NOWAIT'].flatMap((flag): Fix[] => {
    let text = mask.node.text;
    for (const token of [...swapped].sort((a, b) => b.startIndex - a.startIndex)) {
      const start = token.startIndex - mask.node.startIndex;
      text = text.slice(0, start) + flag + SWAPPABLE[token.text] + text.slice(start + token.text.length);
    }
    const value = evaluateGfpText(text, context.facts.config, context.facts.macros);
    // __GFP_NOFAIL without direct reclaim WARNs and fails (mm/page_alloc.c, 6.1): no such fix.
    if (!value || gfpAllowsBlocking(value) || value.bits.has('__GFP_NOFAIL')) return [];
    return [
      {
        title: `Use ${flag}${note}`,
        preferred: flag === 'GFP_ATOMIC',
        edits: swapped.map((token) => ({ span: spanOf(token), newText: flag + SWAPPABLE[token.text] })),
      },
    ];
  });
}

/** Advice when the mask carries __GFP_NOFAIL, which a non-blocking mask cannot honour. */
function nofailNote(mask: MaskSource): string {
  return mask.value.bits.has('__GFP_NOFAIL') ? ' __GFP_NOFAIL needs a blocking mask (with GFP_ATOMIC it WARNs and fails, mm/page_alloc.c 6.1): move the allocation out of the atomic section.' : '';
}

function maskText(call: SleepingCall & { mask?: MaskSource }): string {
  if (!call.mask) return '';
  const value = call.mask.node.text.replace(/\s+/g, ' ');
  return call.mask.variable ? `${call.mask.variable} (= ${value} at line ${line(call.mask.node)})` : value;
}

/** Whether vfree()'s might_sleep_if(!in_interrupt()) fires here: a lock taken in task context, BHs still on. */
function taskContextLock(analysis: AtomicAnalysis, context: CallContext): boolean {
  if (context.kind !== 'held' || analysis.entry.has(context.fn)) return false;
  const section = context.section;
  return section.class !== 'bh' && section.class !== 'rcu_bh' && !/_bh\b|_bh\(/.test(section.label);
}

function helperNote(analysis: AtomicAnalysis, context: CallContext): string {
  if (context.kind !== 'entry' || context.reason.kind !== 'caller') return '';
  const others = analysis.callersOf(context.fn).length - 1;
  return others > 0 ? ` This is inside ${context.fn.fn.name}(), which ${others} other call site${others === 1 ? '' : 's'} also use${others === 1 ? 's' : ''}: changing its flag affects them too.` : '';
}

function finding(analysis: AtomicAnalysis, context: CallContext, ruleContext: RuleContext, call: SleepingCall): AtomicFinding | undefined {
  const why = describeContext(analysis, context);
  const related = contextChain(analysis, context);
  const name = call.call.childForFieldName('function')?.text ?? 'call';
  switch (call.kind) {
    case 'allocation': {
      if (!call.mask) {
        const gfp = call.api.sleeps === 'always' ? 'always may sleep' : 'may sleep (its implied mask allows direct reclaim)';
        return {
          rule: GFP_RULE,
          span: spanOf(call.call),
          message: `${name}() ${gfp}, but this runs in atomic context: ${why}. It has no non-sleeping mask: allocate before entering the atomic section (or in process context) and keep the buffer.`,
          related,
          fixes: [],
        };
      }
      const note = helperNote(analysis, context);
      return {
        rule: GFP_RULE,
        span: spanOf(call.call),
        message: `${name}() with ${maskText(call)} may sleep (the mask allows direct reclaim), but this runs in atomic context: ${why}. Use GFP_ATOMIC (or GFP_NOWAIT), or allocate before entering the atomic section.${nofailNote(call.mask)}${note}`,
        related,
        fixes: maskFixes(ruleContext, call.mask, note ? ` in ${context.fn.fn.name}() (affects its other callers)` : ''),
      };
    }
    case 'gfp-call': {
      const note = helperNote(analysis, context);
      return {
        rule: GFP_RULE,
        span: spanOf(call.call),
        message: `${name}() with ${maskText(call)} allocates with a mask that may sleep (direct reclaim allowed), but this runs in atomic context: ${why}. Use GFP_ATOMIC (or GFP_NOWAIT).${nofailNote(call.mask)}${note}`,
        related,
        fixes: maskFixes(ruleContext, call.mask, note ? ` in ${context.fn.fn.name}() (affects its other callers)` : ''),
      };
    }
    case 'helper-mask': {
      const allocation = call.allocation;
      const where = allocation.call.tree === ruleContext.facts.tree ? `line ${line(allocation.call)}` : `line ${line(allocation.call)} of ${call.helper.facts.path.split(/[\\/]/).pop()}`;
      return {
        rule: GFP_RULE,
        span: spanOf(call.argument),
        message: `${name}() allocates with the mask it is given (${allocation.api.name}() at ${where}), and this passes ${maskText({ ...call })}, which may sleep, in atomic context: ${why}. Pass GFP_ATOMIC (or GFP_NOWAIT).`,
        related: [
          ...related,
          allocation.call.tree === ruleContext.facts.tree
            ? { span: spanOf(allocation.call), message: `${allocation.api.name}() uses the caller's mask here` }
            : { file: call.helper.facts.path, span: spanOf(allocation.call), message: `${allocation.api.name}() uses the caller's mask here` },
        ],
        fixes: maskFixes(ruleContext, call.mask, ''),
      };
    }
    case 'free': {
      if (call.outsideInterruptOnly && !taskContextLock(analysis, context)) return undefined;
      const reason = call.outsideInterruptOnly ? 'may sleep outside interrupt context (might_sleep_if(!in_interrupt()), mm/vmalloc.c 6.1)' : `may sleep (${call.api.source})`;
      const advice = call.outsideInterruptOnly ? 'Free after leaving the atomic section, or use vfree_atomic().' : 'Move it out of the atomic section.';
      return { rule: SLEEP_RULE, span: spanOf(call.call), message: `${name}() ${reason}, but this runs in atomic context: ${why}. ${advice}`, related, fixes: [] };
    }
    case 'sleeper': {
      const instead = call.sleeper.instead ? ` Use ${call.sleeper.instead} instead, or move` : ' Move';
      return {
        rule: SLEEP_RULE,
        span: spanOf(call.call),
        message: `${name}() ${call.sleeper.reason} (${call.sleeper.source}), but this runs in atomic context: ${why}.${instead} the call out of the atomic section (a work item runs in process context).`,
        related,
        fixes: [],
      };
    }
  }
}

const cache = new WeakMap<RuleContext['facts'], { folder: RuleContext['folder']; findings: AtomicFinding[] }>();

/** Findings of both rules for one file, computed once per (file, folder). */
export function atomicFindings(context: RuleContext): AtomicFinding[] {
  const cached = cache.get(context.facts);
  if (cached && cached.folder === context.folder) return cached.findings;
  const analysis = atomicAnalysis(context.facts, context.folder);
  const findings: AtomicFinding[] = [];
  for (const fn of analysis.functions) {
    if (!fn.locks.understood) continue;
    for (const call of fn.calls) {
      const atomic = atomicContextAt(analysis, fn, call);
      if (!atomic) continue;
      const sleeping = sleepingCall(analysis, fn, call);
      const result = sleeping && finding(analysis, atomic, context, sleeping);
      if (result) findings.push(result);
    }
  }
  cache.set(context.facts, { folder: context.folder, findings });
  return findings;
}
