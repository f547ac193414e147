// The findings both atomic-context rules share: every sleeping call (model/sleepers.ts, model/apis.ts)
// at a point that is atomic on every path, with the chain that makes it atomic and, for GFP masks,
// fixes that rewrite only the flag tokens. gfpSleepInAtomic.ts and sleepInAtomic.ts pick their part.
import type { HeaderMacroLookup } from '../analysis/index/headerMacros';
import type { AtomicView } from '../analysis/database';
import { evaluateGfpText } from '../analysis/gfpMask';
import { CallContext, SleepingCall, atomicContextAt, earliestHeld, flagSetElsewhere, irqsDisabledAt, refKey, sleepingCallAt, spanIn, summaryAt, variantFieldCall } from '../analysis/locks/atomicEntry';
import type { MaskFact } from '../analysis/summaries/functionSummary';
import { allocApi, freeApi } from '../model/apis';
import { gfpAllowsBlocking } from '../model/gfp';
import { REGMAP_SOURCE } from '../model/regmap';
import { sleeper, sleepingMacro } from '../model/sleepers';
import type { Span } from '../parsing/syntax';
import { unseenStateAt } from '../analysis/paths/unseenState';
import { contextChain, describeContext, flagElsewhereNote, unseenStateNote, variantFieldNote } from './atomicWording';
import { kernelMaskChain, kernelMaskReason, kernelSleepChain, kernelSleepCondition, kernelSleepReason } from './sleepWording';
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

function line(span: Span): number {
  return span.startLine + 1;
}

/** "Use GFP_ATOMIC" / "Use GFP_NOWAIT": the flag tokens replaced, modifiers kept; none if that would not stop the sleeping. */
function maskFixes(context: RuleContext, view: AtomicView, row: number, mask: MaskFact, note: string): Fix[] {
  const swapped = mask.tokens.filter((token) => token.text in SWAPPABLE);
  if (swapped.length === 0) return [];
  const macros = context.db.macroScopeOf(context.facts, context.folder).macros;
  return ['GFP_ATOMIC', 'GFP_NOWAIT'].flatMap((flag): Fix[] => {
    let text = mask.text;
    for (const token of [...swapped].sort((a, b) => b.offset - a.offset)) {
      text = text.slice(0, token.offset) + flag + SWAPPABLE[token.text] + text.slice(token.offset + token.text.length);
    }
    const value = evaluateGfpText(text, context.facts.config, macros);
    // __GFP_NOFAIL without direct reclaim WARNs and fails (mm/page_alloc.c, 6.1): no such fix.
    if (!value || gfpAllowsBlocking(value) || value.bits.has('__GFP_NOFAIL')) return [];
    return [
      {
        title: `Use ${flag}${note}`,
        preferred: flag === 'GFP_ATOMIC',
        edits: swapped.map((token) => ({ span: placedRow(token.span, row), newText: flag + SWAPPABLE[token.text] })),
      },
    ];
  });
}

function placedRow(span: Span, row: number): Span {
  return { startLine: span.startLine + row, startColumn: span.startColumn, endLine: span.endLine + row, endColumn: span.endColumn };
}

/** Advice when the mask carries __GFP_NOFAIL, which a non-blocking mask cannot honour. */
function nofailNote(mask: MaskFact): string {
  return mask.value.bits.has('__GFP_NOFAIL') ? ' __GFP_NOFAIL needs a blocking mask (with GFP_ATOMIC it WARNs and fails, mm/page_alloc.c 6.1): move the allocation out of the atomic section.' : '';
}

function maskText(mask: MaskFact | undefined, row: number): string {
  if (!mask) return '';
  const value = mask.text.replace(/\s+/g, ' ');
  return mask.variable ? `${mask.variable} (= ${value} at line ${mask.span.startLine + row + 1})` : value;
}

/** Whether vfree()'s might_sleep_if(!in_interrupt()) fires here: a lock taken in task context, BHs still on. */
function taskContextLock(view: AtomicView, context: CallContext): boolean {
  if (context.kind !== 'held' || view.composition.entry.has(refKey(context.fn))) return false;
  const section = earliestHeld(summaryAt(view, context.fn).calls[context.call].held ?? []);
  return section.class !== 'bh' && section.class !== 'rcu_bh' && !/_bh\b|_bh\(/.test(section.label);
}

function helperNote(view: AtomicView, context: CallContext): string {
  if (context.kind !== 'entry' || context.reason.kind !== 'caller') return '';
  const others = view.composition.callersOf(context.fn).length - 1;
  const name = view.files[context.fn.file].functions[context.fn.fn].name;
  return others > 0 ? ` This is inside ${name}(), which ${others} other call site${others === 1 ? '' : 's'} also use${others === 1 ? 's' : ''}: changing its flag affects them too.` : '';
}

/** Where a helper that takes the caller's mask allocates with it, as the two mask findings name it. */
function helperAllocation(view: AtomicView, context: CallContext, sleeping: Extract<SleepingCall, { kind: 'helper-mask' | 'flag-mask' }>, span: Span) {
  const allocationFn = view.files[sleeping.allocation.fn.file].functions[sleeping.allocation.fn.fn];
  const allocationSpan = spanIn(view, sleeping.allocation.fn, allocationFn.summary.calls[sleeping.allocation.call].span);
  const helperPath = view.files[sleeping.helper.file].path;
  const sameFile = sleeping.allocation.fn.file === view.self;
  const where = sameFile ? `line ${line(allocationSpan)}` : `line ${line(allocationSpan)} of ${helperPath.split(/[\\/]/).pop()}`;
  const argumentSpans = sleeping.call.argumentSpans;
  const argumentSpan = argumentSpans ? spanIn(view, context.fn, argumentSpans[sleeping.argument]) : span;
  return { allocationFn, allocationSpan, helperPath, sameFile, where, argumentSpan };
}

function finding(view: AtomicView, context: CallContext, ruleContext: RuleContext, sleeping: SleepingCall): AtomicFinding | undefined {
  const why = describeContext(view, context);
  const related = contextChain(view, context);
  const call = sleeping.call;
  const row = view.files[context.fn.file].functions[context.fn.fn].startRow;
  const span = spanIn(view, context.fn, call.span);
  const name = call.calleeText;
  const fnName = view.files[context.fn.file].functions[context.fn.fn].name;
  if (sleeping.kind === 'regmap') {
    const init = view.files[sleeping.init.fn.file].functions[sleeping.init.fn.fn];
    const initFact = init.summary.regmapInits[sleeping.init.index];
    const initLine = initFact.span.startLine + init.startRow + 1;
    const where = sleeping.init.fn.file === view.self ? `line ${initLine}` : `line ${initLine} of ${view.files[sleeping.init.fn.file].path.split(/[\\/]/).pop()}`;
    const reason = `takes the regmap mutex and waits for the bus transfer: this driver's regmap comes from ${initFact.name}() at ${where}, a bus without fast_io`;
    return sleeperFinding(span, `${name}()`, reason, REGMAP_SOURCE, undefined, why, related);
  }
  if (sleeping.kind === 'helper-mask') {
    const { allocationSpan, helperPath, sameFile, where, argumentSpan } = helperAllocation(view, context, sleeping, span);
    return {
      rule: GFP_RULE,
      span: argumentSpan,
      message: `${name}() allocates with the mask it is given (${sleeping.allocation.api}() at ${where}), and this passes ${maskText(sleeping.mask, row)}, which may sleep, in atomic context: ${why}. Pass GFP_ATOMIC (or GFP_NOWAIT).`,
      related: [
        ...related,
        sameFile
          ? { span: allocationSpan, message: `${sleeping.allocation.api}() uses the caller's mask here` }
          : { file: helperPath, span: allocationSpan, message: `${sleeping.allocation.api}() uses the caller's mask here` },
      ],
      fixes: maskFixes(ruleContext, view, row, sleeping.mask, ''),
    };
  }
  if (sleeping.kind === 'flag-mask') {
    const { allocationFn, allocationSpan, helperPath, sameFile, where, argumentSpan } = helperAllocation(view, context, sleeping, span);
    const other = sleeping.mask === sleeping.choice.whenSet ? sleeping.choice.whenClear : sleeping.choice.whenSet;
    const chosen = maskText(sleeping.mask, allocationFn.startRow);
    const test = sleeping.choice.test.replace(/\s+/g, ' ');
    const when = `${sleeping.choice.api}() allocates with ${chosen} when \`${test}\` is ${sleeping.mask === sleeping.choice.whenSet ? 'nonzero' : 'zero'}`;
    return {
      rule: GFP_RULE,
      span: argumentSpan,
      message: `${name}() picks its allocation mask from this argument (${sleeping.choice.api}() at ${where} tests \`${test}\`), and ${sleeping.constant.text} selects ${chosen}, which may sleep, in atomic context: ${why}. Pass the flag that selects ${other.text.replace(/\s+/g, ' ')}.`,
      related: [...related, sameFile ? { span: allocationSpan, message: when } : { file: helperPath, span: allocationSpan, message: when }],
      fixes: [],
    };
  }
  if (sleeping.kind === 'kernel-sleep' && view.kernel) {
    const condition = kernelSleepCondition(sleeping.sleep);
    return {
      rule: SLEEP_RULE,
      span,
      message: `${name}() ${kernelSleepReason(view.kernel, sleeping.sleep)}${condition ? `, ${condition} as it is here` : ''} (derived from the kernel tree's source), but this runs in atomic context: ${why}. Move the call out of the atomic section (a work item runs in process context).`,
      related: [...related, ...kernelSleepChain(view.kernel, sleeping.sleep)],
      fixes: [],
    };
  }
  if (sleeping.kind === 'kernel-mask' && view.kernel) {
    const argumentSpan = call.argumentSpans ? spanIn(view, context.fn, call.argumentSpans[sleeping.argument]) : span;
    return {
      rule: GFP_RULE,
      span: argumentSpan,
      message: `${kernelMaskReason(view.kernel, sleeping.derived)}, and this passes ${maskText(sleeping.mask, row)}, which may sleep, in atomic context: ${why}. Pass GFP_ATOMIC (or GFP_NOWAIT).`,
      related: [...related, ...kernelMaskChain(view.kernel, sleeping.derived)],
      fixes: maskFixes(ruleContext, view, row, sleeping.mask, ''),
    };
  }
  if (sleeping.kind === 'kernel-sleep' || sleeping.kind === 'kernel-mask') return undefined;
  const local = call.sleep!;
  switch (local.kind) {
    case 'allocation': {
      if (!local.mask) {
        const api = allocApi(local.api, ruleContext.facts.config);
        const gfp = api?.sleeps === 'always' ? 'always may sleep' : 'may sleep (its implied mask allows direct reclaim)';
        return {
          rule: GFP_RULE,
          span,
          message: `${name}() ${gfp}, but this runs in atomic context: ${why}. It has no non-sleeping mask: allocate before entering the atomic section (or in process context) and keep the buffer.`,
          related,
          fixes: [],
        };
      }
      const note = helperNote(view, context);
      return {
        rule: GFP_RULE,
        span,
        message: `${name}() with ${maskText(local.mask, row)} may sleep (the mask allows direct reclaim), but this runs in atomic context: ${why}. Use GFP_ATOMIC (or GFP_NOWAIT), or allocate before entering the atomic section.${nofailNote(local.mask)}${note}`,
        related,
        fixes: maskFixes(ruleContext, view, row, local.mask, note ? ` in ${fnName}() (affects its other callers)` : ''),
      };
    }
    case 'gfp-call': {
      const note = helperNote(view, context);
      return {
        rule: GFP_RULE,
        span,
        message: `${name}() with ${maskText(local.mask, row)} allocates with a mask that may sleep (direct reclaim allowed), but this runs in atomic context: ${why}. Use GFP_ATOMIC (or GFP_NOWAIT).${nofailNote(local.mask)}${note}`,
        related,
        fixes: maskFixes(ruleContext, view, row, local.mask, note ? ` in ${fnName}() (affects its other callers)` : ''),
      };
    }
    case 'free': {
      if (local.irqsOffOnly) {
        if (!irqsDisabledAt(view, context)) return undefined;
        const source = freeApi(local.api)?.source ?? 'kernel/dma/mapping.c (6.1)';
        return {
          rule: SLEEP_RULE,
          span,
          message: `${name}() must not be called with IRQs disabled — dma_free_attrs() does WARN_ON(irqs_disabled()), and where the buffer was remapped it vunmap()s, which may sleep (${source}) — but IRQs are off here: ${why}. Free after the section ends (or defer it to a work item).`,
          related,
          fixes: [],
        };
      }
      if (local.outsideInterruptOnly && !taskContextLock(view, context)) return undefined;
      const api = freeApi(local.api);
      const reason = local.outsideInterruptOnly ? 'may sleep outside interrupt context (might_sleep_if(!in_interrupt()), mm/vmalloc.c 6.1)' : `may sleep (${api?.source ?? ''})`;
      const advice = local.outsideInterruptOnly ? 'Free after leaving the atomic section, or use vfree_atomic().' : 'Move it out of the atomic section.';
      return { rule: SLEEP_RULE, span, message: `${name}() ${reason}, but this runs in atomic context: ${why}. ${advice}`, related, fixes: [] };
    }
    case 'sleeper': {
      const known = sleeper(local.name)!;
      if (local.macros) {
        // A macro the file or its folder defines is theirs, never the kernel header's of the same name.
        const own = ruleContext.db.macroScopeOf(ruleContext.facts, ruleContext.folder).macros;
        const header = ruleContext.db.kernelHeaderMacros(ruleContext.facts.config);
        const fromHeader = header && { ...header, sleep: (macro: string) => (own.has(macro) ? undefined : header.sleep(macro)) };
        return sleeperFinding(span, macroSubject(local.macros, local.name), known.reason, macroSources(local.macros, known.source, fromHeader), known.instead, why, related);
      }
      return sleeperFinding(span, `${name}()`, known.reason, known.source, known.instead, why, related);
    }
  }
}

/** "wait_ready() expands to usleep_range(), which": the macros expanded to reach the sleeping call (analysis/locks/macroCalls.ts). */
function macroSubject(macros: readonly string[], sleeping: string): string {
  return `${macros[0]}() expands to ${[...macros.slice(1), sleeping].map((name) => `${name}()`).join(' → ')}, which`;
}

/** The seeds' sources (model/sleepers.ts), else the kernel header that defines the macro (index/headerMacros.ts), then the sleeper's. */
function macroSources(macros: readonly string[], source: string, header: HeaderMacroLookup | undefined): string {
  const seeded = macros
    .map((name) => {
      const seed = sleepingMacro(name)?.source;
      const derived = seed ? undefined : header?.sleep(name);
      return seed ?? (derived ? `${derived.file}:${derived.line}` : undefined);
    })
    .filter((text): text is string => !!text);
  return [...new Set([...seeded, source])].join('; ');
}

function sleeperFinding(span: Span, subject: string, reason: string, source: string, instead: string | undefined, why: string, related: AtomicFinding['related']): AtomicFinding {
  const advice = instead ? ` Use ${instead} instead, or move` : ' Move';
  return {
    rule: SLEEP_RULE,
    span,
    message: `${subject} ${reason} (${source}), but this runs in atomic context: ${why}.${advice} the call out of the atomic section (a work item runs in process context).`,
    related,
    fixes: [],
  };
}

/**
 * Findings of both rules for one file, computed once per atomic view, function by function: a
 * function's findings are reused from the file's previous version while what they read of the
 * view is unchanged (AnalysisDatabase.functionResults()).
 */
export function atomicFindings(context: RuleContext): AtomicFinding[] {
  const view = context.db.atomicView(context.facts, context.folder);
  return context.db.atomicResult(context.facts, view, () => context.db.functionResults('atomic', context.facts, context.folder, view, (tracked, fn) => functionFindings(context, tracked, fn)));
}

/** The atomic findings of one function of the analysed file, in call order. */
function functionFindings(context: RuleContext, view: AtomicView, fn: number): AtomicFinding[] {
  const findings: AtomicFinding[] = [];
  const entry = view.files[view.self].functions[fn];
  if (!entry.summary.understood) return findings;
  const ref = { file: view.self, fn };
  entry.summary.calls.forEach((_, call) => {
    const atomic = atomicContextAt(view, ref, call);
    if (!atomic) return;
    const sleeping = sleepingCallAt(view, ref, call, context.facts.config);
    const result = sleeping && finding(view, atomic, context, sleeping);
    // A path that depends on state the analysis cannot see is information, and says which.
    const unseen = result && unseenStateAt(view, ref, call, context.facts.config);
    // A core-called op whose nonatomic flag another folder may set (an ASoC machine driver's dai_link) is information too.
    const lifted = result && !unseen ? flagSetElsewhere(view, atomic) : undefined;
    // So is a chain through an ops field the folder fills with several functions (one per hardware type).
    const variant = result && !unseen && !lifted ? variantFieldCall(view, atomic) : undefined;
    if (result && lifted) findings.push({ ...result, atMost: 'information', message: `${result.message}${flagElsewhereNote(lifted)}` });
    else if (result && variant) findings.push({ ...result, atMost: 'information', message: `${result.message}${variantFieldNote(variant)}` });
    else if (result) findings.push(unseen ? { ...result, atMost: 'information', message: `${result.message}${unseenStateNote(view, unseen)}` } : result);
  });
  return findings;
}
