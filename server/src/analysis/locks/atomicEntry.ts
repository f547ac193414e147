// Which functions of a driver folder the kernel enters in atomic context, composed from function
// summaries only: registered atomic callbacks, functions called where a lock is held on every
// path, and everything they call in turn (any depth; each function is visited once, so recursion
// ends). A function reached from atomic and process callers keeps its atomic chain: that path is
// real. The result names functions and calls by position in the summaries (file, function, call
// index), never by span, so it stays valid while edits only move code; evidence is data, and
// rules/ words it.
import { CallbackContext, isAtomicContext, openerDisablesIrqs } from '../../model/contexts';
import { gfpAllowsBlocking } from '../../model/gfp';
import { allocApi } from '../../model/apis';
import { BUS_REGMAP, REGMAP_IO } from '../../model/regmap';
import type { ModelConfig } from '../../model/config';
import type { Span } from '../../parsing/syntax';
import type { FileSummary } from '../summaries/fileSummary';
import { runsForCaller } from '../paths/guardVerdict';
import { CallFact, FunctionSummary, HeldSectionFact, MaskFact, PathCondition, RegistrationFact, placed } from '../summaries/functionSummary';
import { contradiction, fixes } from '../paths/contradictions';
import { FlagChosenMask, flagChosenMaskAt } from './flagMasks';
import { FieldEdge, KernelOpsRegistration, folderSetsFlag, kernelOpsRegistrations, opsFieldEdges } from './opsFields';
import type { DerivedMask, DerivedSleep } from '../index/kernelFacts';
import { KernelLookup, KernelView, kernelMaskAt, kernelSleepAt } from '../index/kernelSleeps';

/** A function of the composition: `files[file].functions[fn]`. */
export interface FunctionRef {
  file: number;
  fn: number;
}

/** A registration: of a function's body (`fn` set) or of a file-scope item. */
export interface RegistrationRef {
  file: number;
  fn?: number;
  index: number;
  /** A store into a field the kernel tree calls atomic only (opsFields.ts kernelOpsRegistrations()); `index` is then -1. */
  derived?: KernelOpsRegistration;
}

/** Why a function runs in atomic context when it starts. */
export type EntryReason =
  | { kind: 'callback'; registration: RegistrationRef; depth: 0 }
  /** `interrupt`: the caller runs in hard-IRQ or softirq context, which survives the callee dropping the caller's lock (interruptContextThroughUnlock()). */
  | { kind: 'caller'; caller: FunctionRef; call: number; held: boolean; parent?: EntryReason; depth: number; interrupt?: true };

/** The context at one call, when it is atomic on every path. */
export type CallContext = { kind: 'held'; fn: FunctionRef; call: number } | { kind: 'entry'; fn: FunctionRef; reason: EntryReason };

/** Why a call may sleep, with what the composition adds to the call's own facts. */
export type SleepingCall =
  | { kind: 'local'; call: CallFact }
  | { kind: 'regmap'; call: CallFact; init: { fn: FunctionRef; index: number } }
  | { kind: 'helper-mask'; call: CallFact; argument: number; helper: FunctionRef; allocation: { fn: FunctionRef; call: number; api: string }; mask: MaskFact }
  | FlagChosenMask
  /** A function of the kernel tree (not of the file or folder) that may sleep, from the index's derived facts. */
  | { kind: 'kernel-sleep'; call: CallFact; sleep: DerivedSleep }
  /** A kernel-tree API that hands the mask it is given (argument `argument`) to an allocation. */
  | { kind: 'kernel-mask'; call: CallFact; argument: number; derived: DerivedMask; mask: MaskFact };

export interface AtomicComposition {
  readonly entry: ReadonlyMap<string, EntryReason>;
  /** Registrations that make a function a process-context root (work, kthread, threaded IRQ, probe). */
  readonly processRoots: ReadonlyMap<string, RegistrationRef>;
  /** The folder's only regmaps sit on a sleeping bus with the default mutex lock: the init call. */
  readonly sleepingRegmap?: { fn: FunctionRef; index: number };
  resolve(from: number, name: string): FunctionRef | undefined;
  callersOf(target: FunctionRef): readonly { caller: FunctionRef; call: number }[];
  /** The field tests every hrtimer_start*() of a timer in the folder is made under (empty when one is unconditional). */
  startConditions(timer: string): readonly PathCondition[];
  /** How many functions of the folder a call through a struct field may reach (locks/opsFields.ts); 0 for other calls. */
  fieldTargets(fn: FunctionRef, call: number): number;
  /** Parameters of a helper that reach an allocation's GFP argument (through further helpers too). */
  maskParameters(fn: FunctionRef): ReadonlyMap<number, { fn: FunctionRef; call: number; api: string }>;
}

/**
 * Current summaries with a composition made from summaries of equal semantic keys (maybe older
 * versions): positions and call facts are always read from `files`, never from the composition.
 */
export interface ComposedFiles {
  readonly files: readonly FileSummary[];
  readonly composition: AtomicComposition;
  /** The kernel tree's derived facts, for calls the files do not define. */
  readonly kernel?: KernelView;
}

export function refKey(ref: FunctionRef): string {
  return `${ref.file}:${ref.fn}`;
}

export function summaryAt(composition: { files: readonly FileSummary[] }, ref: FunctionRef): FunctionSummary {
  return composition.files[ref.file].functions[ref.fn].summary;
}

/** Whether span `a` starts before span `b` (both relative to the same function). */
function before(a: Span, b: Span): boolean {
  return a.startLine < b.startLine || (a.startLine === b.startLine && a.startColumn < b.startColumn);
}

/** A span of a function's summary in document rows. */
export function spanIn(composition: { files: readonly FileSummary[] }, ref: FunctionRef, span: Span): Span {
  return placed(span, composition.files[ref.file].functions[ref.fn].startRow);
}

export function registrationAt(composition: { files: readonly FileSummary[] }, ref: RegistrationRef): RegistrationFact {
  if (ref.derived) return ref.derived;
  const file = composition.files[ref.file];
  if (ref.fn === undefined) return file.registrations[ref.index];
  const entry = file.functions[ref.fn];
  const registration = entry.summary.registrations[ref.index];
  return { ...registration, site: placed(registration.site, entry.startRow) };
}

const KIND_ORDER: Readonly<Record<RegistrationFact['kind'], number>> = { call: 0, macro: 1, initializer: 2, assignment: 3 };

/** Every registration of a file, in the order the kinds were always read: calls, macros, initializers, assignments. */
function fileRegistrations(composition: { files: readonly FileSummary[] }, file: number): RegistrationRef[] {
  const refs: { ref: RegistrationRef; registration: RegistrationFact }[] = [];
  composition.files[file].functions.forEach((entry, fn) => {
    entry.summary.registrations.forEach((_, index) => refs.push({ ref: { file, fn, index }, registration: registrationAt(composition, { file, fn, index }) }));
  });
  composition.files[file].registrations.forEach((registration, index) => refs.push({ ref: { file, index }, registration }));
  refs.sort(
    (a, b) =>
      KIND_ORDER[a.registration.kind] - KIND_ORDER[b.registration.kind] ||
      a.registration.site.startLine - b.registration.site.startLine ||
      a.registration.site.startColumn - b.registration.site.startColumn,
  );
  return refs.map((entry) => entry.ref);
}

function signatureFits(requires: RegistrationFact['requires'], summary: FunctionSummary): boolean {
  if (!requires) return true;
  return requires === 'hrtimer-signature' ? summary.signature.hrtimer : summary.signature.urb;
}

/** The held section a message cites: the one opened earliest. */
/** Whether a held section's opener disables local IRQs (`spin_lock_irqsave(&p->lock)`); `__must_hold()` says nothing. */
function disablesIrqs(held: readonly HeldSectionFact[]): boolean {
  return held.some((section) => section.class === 'irq' || openerDisablesIrqs(section.label.split('(')[0].trim()));
}

/**
 * Whether local IRQs are off on every path to an atomic call: a section held there (or at a
 * caller's call on the chain) that disables them, or a chain that starts at a hard-IRQ callback.
 */
export function irqsDisabledAt(view: ComposedFiles, context: CallContext): boolean {
  if (context.kind === 'held') return disablesIrqs(summaryAt(view, context.fn).calls[context.call].held ?? []);
  let reason: EntryReason | undefined = context.reason;
  for (let depth = 0; reason && depth < 64; depth++) {
    if (reason.kind === 'callback') return registrationAt(view, reason.registration).context === 'hardirq';
    if (reason.held && disablesIrqs(summaryAt(view, reason.caller).calls[reason.call].held ?? [])) return true;
    reason = reason.parent ?? view.composition.entry.get(refKey(reason.caller));
  }
  return false;
}

export function earliestHeld(held: readonly HeldSectionFact[]): HeldSectionFact {
  return held.reduce((first, section) =>
    section.opener.startLine < first.opener.startLine || (section.opener.startLine === first.opener.startLine && section.opener.startColumn < first.opener.startColumn) ? section : first,
  );
}

/**
 * The field tests fixed on the path a reason describes: the registration's that chose the
 * atomic context, and those of each call on the way (up to a caller that holds a lock).
 */
export function reasonConditions(composition: { files: readonly FileSummary[] }, reason: EntryReason, startConditions: (timer: string) => readonly PathCondition[]): PathCondition[] {
  const found: PathCondition[] = [];
  let current: EntryReason | undefined = reason;
  for (let guard = 0; current && guard < 64; guard++) {
    if (current.kind === 'callback') {
      const registration = registrationAt(composition, current.registration);
      found.push(...(registration.conditions ?? []));
      // An hrtimer callback runs only once its timer is started: under the tests of every start.
      if (registration.timer) found.push(...startConditions(registration.timer));
      break;
    }
    found.push(...(summaryAt(composition, current.caller).calls[current.call].conditions ?? []));
    if (current.held) break;
    current = current.parent;
  }
  return found;
}

/** Whether a function entered atomically passes that on to what it calls. */
function propagates(summary: FunctionSummary, reason: EntryReason): boolean {
  if (!summary.understood || summary.queriesContext) return false;
  // It drops a lock its caller holds (`spin_unlock(&p->lock); msleep(); spin_lock(&p->lock);`):
  // atomic no more, unless the caller's own context is an interrupt.
  return !(reason.kind === 'caller' && summary.releasesCallerLock && !reason.interrupt);
}

/** Callback contexts that are not a lock: no unlock in a callee leaves them (kernel/softirq.c, kernel/irq/handle.c, 6.1). */
const INTERRUPT_CONTEXTS: ReadonlySet<string> = new Set(['hardirq', 'softirq']);

/**
 * A function entered with its caller's lock held that drops that lock: when the caller itself runs
 * in hard-IRQ or softirq context (a registered handler, or called from one at any depth), the
 * function is still in that context after the unlock, so it is entered from the caller's context
 * instead of from its lock. Undefined when the chain does not start at such a callback.
 */
function interruptContextThroughUnlock(composition: { files: readonly FileSummary[] }, entry: ReadonlyMap<string, EntryReason>, reason: EntryReason & { kind: 'caller' }): EntryReason | undefined {
  const callerReason = entry.get(refKey(reason.caller));
  let current = callerReason;
  for (let guard = 0; current && guard < 64; guard++) {
    if (current.kind === 'callback') {
      if (!INTERRUPT_CONTEXTS.has(registrationAt(composition, current.registration).context)) return undefined;
      return { kind: 'caller', caller: reason.caller, call: reason.call, held: false, parent: callerReason, depth: callerReason!.depth + 1, interrupt: true };
    }
    current = entry.get(refKey(current.caller));
  }
  return undefined;
}

/** `files` sorted by path, the analysed file among them. */
export function composeAtomic(files: readonly FileSummary[], kernel?: KernelLookup): AtomicComposition {
  const byName = new Map<string, FunctionRef[]>();
  files.forEach((file, fileIndex) =>
    file.functions.forEach((entry, fn) => {
      const list = byName.get(entry.name);
      if (list) list.push({ file: fileIndex, fn });
      else byName.set(entry.name, [{ file: fileIndex, fn }]);
    }),
  );
  const resolve = (from: number, name: string): FunctionRef | undefined => {
    const candidates = byName.get(name);
    if (!candidates) return undefined;
    const local = candidates.filter((ref) => ref.file === from);
    if (local.length > 0) return local.length === 1 ? local[0] : undefined;
    // Another file's function: only when exactly one non-static definition can be meant.
    // Static inline helpers of the folder's headers are visible to every file that includes them.
    const global = candidates.filter((ref) => files[ref.file].path.endsWith('.h') || !files[ref.file].functions[ref.fn].summary.isStatic);
    if (global.length === 1) return global[0];
    // A header's static inline beside one non-static definition in a .c of the folder is the
    // stub of a config alternative (`#ifdef CONFIG_IXGBE_IPSEC … #else static inline … {}`,
    // ixgbe.h 6.1): the .c is built only where the feature is on, and that is the code that runs.
    const defined = global.filter((ref) => !files[ref.file].path.endsWith('.h'));
    return defined.length === 1 ? defined[0] : undefined;
  };
  const summary = (ref: FunctionRef) => files[ref.file].functions[ref.fn].summary;

  const edges = new Map<string, CallEdge[]>();
  const callers = new Map<string, { caller: FunctionRef; call: number }[]>();
  const all: FunctionRef[] = [];
  files.forEach((file, fileIndex) =>
    file.functions.forEach((entry, fn) => {
      const ref = { file: fileIndex, fn };
      all.push(ref);
      const out: { call: number; callee: FunctionRef }[] = [];
      entry.summary.calls.forEach((call, callIndex) => {
        // A put's release callback (kref_put(&x->ref, x_release)) is not followed: whether this put
        // drops the last reference is reference-count state the analysis cannot see. Followed, it
        // made 12 of the 28 false positives of the fresh precision sample (BENCHMARKS.md, issue 12).
        // A call of a parameter (`cb(p)`) is followed through its callers' arguments (addFieldEdges).
        const callee = call.name && call.calledParameter === undefined ? resolve(fileIndex, call.name) : undefined;
        if (!callee) return;
        out.push({ call: callIndex, callee });
        const list = callers.get(refKey(callee));
        if (list) list.push({ caller: ref, call: callIndex });
        else callers.set(refKey(callee), [{ caller: ref, call: callIndex }]);
      });
      edges.set(refKey(ref), out);
    }),
  );
  const fieldTargets = addFieldEdges(files, resolve, edges, callers);

  // For each timer, over every start or arm of it in the folder: the field tests all of them are
  // made under (analysis/paths/contradictions.ts), and the callback each arm's function set up
  // last before it, under no test the arm lacks. A callback set up once and replaced before every
  // arm never runs as that timer (cpqphp's cpqhp_pushbutton_thread, set up at probe and replaced
  // by pushbutton_helper_thread before add_timer()).
  const starts = new Map<string, PathCondition[]>();
  const armedWith = new Map<string, (string | undefined)[]>();
  for (const file of files)
    for (const fn of file.functions)
      for (const call of fn.summary.calls) {
        const timer = call.startsTimer;
        if (!timer) continue;
        const own = call.conditions ?? [];
        const known = starts.get(timer);
        starts.set(timer, known ? known.filter((condition) => fixes(own, condition)) : [...own]);
        const setups = fn.summary.registrations.filter((setup) => setup.timer === timer && before(setup.site, call.span) && (setup.conditions ?? []).every((condition) => fixes(own, condition)));
        armedWith.set(timer, [...(armedWith.get(timer) ?? []), setups.at(-1)?.callback]);
      }
  const startConditions = (timer: string): readonly PathCondition[] => starts.get(timer) ?? [];
  const replacedBeforeArmed = (registration: RegistrationFact): boolean => {
    const callbacks = registration.timer ? armedWith.get(registration.timer) : undefined;
    return !!callbacks && callbacks.every((callback) => callback !== undefined && callback !== registration.callback);
  };
  const entry = new Map<string, EntryReason>();
  const processRoots = new Map<string, RegistrationRef>();
  const queue: FunctionRef[] = [];
  const base = { files };
  files.forEach((_, fileIndex) => {
    for (const ref of fileRegistrations(base, fileIndex)) {
      const registration = registrationAt(base, ref);
      const target = resolve(fileIndex, registration.callback);
      if (!target || !signatureFits(registration.requires, summary(target))) continue;
      if (registration.kind === 'call' && replacedBeforeArmed(registration)) continue;
      if (liftedByFolderFlag(files, registration)) continue;
      const key = refKey(target);
      if (!isAtomicContext(registration.context as CallbackContext)) {
        if (!processRoots.has(key)) processRoots.set(key, ref);
        continue;
      }
      const known = entry.get(key);
      // A registration under a field test gives way to an unconditional one: the stronger reason.
      if (known && (known.kind !== 'callback' || !registrationAt(base, known.registration).conditions || registration.conditions)) continue;
      entry.set(key, { kind: 'callback', registration: ref, depth: 0 });
      if (!known) queue.push(target);
    }
  });
  // Functions stored in fields the kernel tree calls atomic only: after the folder's own registrations, which win
  // (a process-context one too: the model's row says more than the tree's calls).
  for (const { file, registration } of kernelOpsRegistrations(files, kernel)) {
    const target = resolve(file, registration.callback);
    if (!target || entry.has(refKey(target)) || processRoots.has(refKey(target))) continue;
    entry.set(refKey(target), { kind: 'callback', registration: { file, index: -1, derived: registration }, depth: 0 });
    queue.push(target);
  }
  // Calls made with a lock held on every path.
  for (const ref of all) {
    const caller = summary(ref);
    if (!caller.understood || caller.queriesContext) continue;
    for (const { call, callee } of edges.get(refKey(ref)) ?? []) {
      const held = caller.calls[call].held;
      if (!held || held.length === 0 || entry.has(refKey(callee)) || summary(callee).takesMask) continue;
      // A put right after a get of the same object is not the last: the put helper frees nothing here.
      if (caller.calls[call].afterGet) continue;
      entry.set(refKey(callee), { kind: 'caller', caller: ref, call, held: true, depth: 1 });
      queue.push(callee);
    }
  }
  // Everything an atomic function calls unconditionally is atomic too.
  for (let index = 0; index < queue.length; index++) {
    const ref = queue[index];
    let reason = entry.get(refKey(ref))!;
    const fn = summary(ref);
    const interrupt = fn.releasesCallerLock && reason.kind === 'caller' && !reason.interrupt ? interruptContextThroughUnlock(base, entry, reason) : undefined;
    if (interrupt) entry.set(refKey(ref), (reason = interrupt));
    if (!propagates(fn, reason)) continue;
    for (const { call, callee, passedBy } of edges.get(refKey(ref)) ?? []) {
      if (entry.has(refKey(callee)) || summary(callee).takesMask) continue;
      if (passedBy && !passedOnPath(passedBy, reason)) continue;
      const fact = fn.calls[call];
      if (!fact.held) continue;
      if ((reason.kind === 'caller' && !runsForCaller(fact, summary(reason.caller).calls[reason.call])) || fact.flagGuarded) continue;
      if (contradiction(fact.conditions, reasonConditions(base, reason, startConditions))) continue;
      if (fact.afterGet) continue;
      entry.set(refKey(callee), { kind: 'caller', caller: ref, call, held: false, parent: reason, depth: reason.depth + 1 });
      queue.push(callee);
    }
  }

  const maskCache = new Map<string, Map<number, { fn: FunctionRef; call: number; api: string }>>();
  const maskParameters = (ref: FunctionRef, visiting = new Set<string>()): Map<number, { fn: FunctionRef; call: number; api: string }> => {
    const key = refKey(ref);
    const cached = maskCache.get(key);
    if (cached) return cached;
    const result = new Map<number, { fn: FunctionRef; call: number; api: string }>();
    const fn = summary(ref);
    if (visiting.has(key) || visiting.size > 8 || !fn.takesMask) return result;
    visiting.add(key);
    fn.calls.forEach((call, callIndex) => {
      if (call.maskParameter) {
        if (!result.has(call.maskParameter.parameter)) result.set(call.maskParameter.parameter, { fn: ref, call: callIndex, api: call.maskParameter.api });
        return;
      }
      const callee = call.name ? resolve(ref.file, call.name) : undefined;
      if (!callee || refKey(callee) === key || !call.parameterArguments) return;
      const inner = maskParameters(callee, visiting);
      if (inner.size === 0) return;
      call.parameterArguments.forEach((parameter, position) => {
        const allocation = inner.get(position);
        if (parameter !== undefined && allocation && !result.has(parameter)) result.set(parameter, allocation);
      });
    });
    visiting.delete(key);
    maskCache.set(key, result);
    return result;
  };

  return {
    entry,
    processRoots,
    sleepingRegmap: sleepingRegmap(files),
    resolve,
    callersOf: (target) => callers.get(refKey(target)) ?? [],
    startConditions,
    fieldTargets: (ref, call) => fieldTargets.get(`${refKey(ref)}:${call}`) ?? 0,
    maskParameters: (ref) => maskParameters(ref),
  };
}

/** A call edge of the composition; `passedBy` for a function passed as an argument (locks/opsFields.ts). */
type CallEdge = { call: number; callee: FunctionRef; passedBy?: FieldEdge['passedBy'] };

/**
 * Calls through struct fields and of parameters, to the functions the folder stores in that field
 * or passes there (locks/opsFields.ts), added after the plain-name edges of each caller.
 */
function addFieldEdges(
  files: readonly FileSummary[],
  resolve: (from: number, name: string) => FunctionRef | undefined,
  edges: Map<string, CallEdge[]>,
  callers: Map<string, { caller: FunctionRef; call: number }[]>,
): Map<string, number> {
  const named = new Map([...callers].map(([key, list]) => [key, [...list]]));
  const targets = new Map<string, number>();
  for (const edge of opsFieldEdges(files, resolve, (ref) => named.get(refKey(ref)) ?? [])) {
    if (!edge.passedBy) targets.set(`${refKey(edge.caller)}:${edge.call}`, (targets.get(`${refKey(edge.caller)}:${edge.call}`) ?? 0) + 1);
    edges.get(refKey(edge.caller))!.push(edge.passedBy ? { call: edge.call, callee: edge.callee, passedBy: edge.passedBy } : { call: edge.call, callee: edge.callee });
    const list = callers.get(refKey(edge.callee));
    if (list) list.push({ caller: edge.caller, call: edge.call });
    else callers.set(refKey(edge.callee), [{ caller: edge.caller, call: edge.call }]);
  }
  return targets;
}

/**
 * The first call through a struct field on a context's chain that may reach several functions of
 * the folder (`hw->phy.ops.acquire` set per MAC type): which one a device gets is decided at run
 * time, so the chain holds only for some devices.
 */
export function variantFieldCall(view: ComposedFiles, context: CallContext): { call: CallFact; targets: number } | undefined {
  if (context.kind !== 'entry') return undefined;
  let reason: EntryReason | undefined = context.reason;
  for (let guard = 0; reason && reason.kind === 'caller' && guard < 64; guard++) {
    const call = summaryAt(view, reason.caller).calls[reason.call];
    const targets = call.throughField ? view.composition.fieldTargets(reason.caller, reason.call) : 0;
    if (targets > 1) return { call, targets };
    reason = reason.held ? undefined : reason.parent;
  }
  return undefined;
}

/**
 * A function passed as an argument runs in its callee's context only on that caller's path: the
 * callee entered atomic from the very call that passed it. (Under a lock the callee holds, every
 * passed function is atomic: that edge is taken by the held-lock pass, whoever passed it.)
 */
function passedOnPath(passedBy: NonNullable<FieldEdge['passedBy']>, reason: EntryReason): boolean {
  return reason.kind === 'caller' && refKey(reason.caller) === refKey(passedBy.caller) && reason.call === passedBy.call;
}

/**
 * For a context rooted in a core-called op whose flag is usually set outside the folder (an ASoC
 * dai_link's `nonatomic`, declared by the machine driver): the flag and where it is set.
 */
export function flagSetElsewhere(view: ComposedFiles, context: CallContext): { flag: string; where: string } | undefined {
  if (context.kind !== 'entry') return undefined;
  let reason: EntryReason | undefined = context.reason;
  for (let guard = 0; reason && reason.kind === 'caller' && guard < 64; guard++) reason = reason.held ? undefined : reason.parent;
  if (!reason || reason.kind !== 'callback') return undefined;
  const registration = registrationAt(view, reason.registration);
  return registration.unlessFlag && registration.flagElsewhere ? { flag: registration.unlessFlag, where: registration.flagElsewhere } : undefined;
}

/** A core-called op whose context the driver lifts with a flag it sets in the folder (`pcm->nonatomic = true`). */
function liftedByFolderFlag(files: readonly FileSummary[], registration: RegistrationFact): boolean {
  return !!registration.unlessFlag && folderSetsFlag(files, registration.unlessFlag);
}

/**
 * regmap I/O sleeps when the map lock is a mutex (model/regmap.ts). Only said when every regmap
 * the folder creates or looks up is such a bus regmap and no config changes the lock.
 */
function sleepingRegmap(files: readonly FileSummary[]): { fn: FunctionRef; index: number } | undefined {
  let found: { fn: FunctionRef; index: number } | undefined;
  for (let file = 0; file < files.length; file++) {
    const summary = files[file];
    if (!summary.mentionsRegmap) continue;
    if (summary.regmapLockOverride) return undefined;
    for (let fn = 0; fn < summary.functions.length; fn++) {
      const inits = summary.functions[fn].summary.regmapInits;
      for (let index = 0; index < inits.length; index++) {
        if (!BUS_REGMAP.test(inits[index].name)) return undefined;
        found ??= { fn: { file, fn }, index };
      }
    }
  }
  return found;
}

/** The context at a call of a function, when it is atomic on every path; else undefined. */
export function atomicContextAt(view: ComposedFiles, ref: FunctionRef, call: number): CallContext | undefined {
  const composition = view.composition;
  const fn = summaryAt(view, ref);
  const fact = fn.calls[call];
  if (!fact.held || fn.queriesContext || fact.flagGuarded) return undefined;
  if (fact.held.length > 0) return { kind: 'held', fn: ref, call };
  const reason = composition.entry.get(refKey(ref));
  if (!reason || !propagates(fn, reason)) return undefined;
  if (reason.kind === 'caller' && !runsForCaller(fact, summaryAt(view, reason.caller).calls[reason.call])) return undefined;
  // The test that chose this context also decides the call, the other way (analysis/paths/contradictions.ts).
  if (contradiction(fact.conditions, reasonConditions(view, reason, composition.startConditions))) return undefined;
  return { kind: 'entry', fn: ref, reason };
}

/** What may sleep about a call, or undefined when it cannot (or the mask is unknown). */
export function sleepingCallAt(view: ComposedFiles, ref: FunctionRef, callIndex: number, config: ModelConfig): SleepingCall | undefined {
  const composition = view.composition;
  const call = summaryAt(view, ref).calls[callIndex];
  if (call.sleep) return { kind: 'local', call };
  if (!call.name) return undefined;
  const regmap = composition.sleepingRegmap;
  if (regmap && REGMAP_IO.test(call.name)) return { kind: 'regmap', call, init: regmap };
  const kernelMask = kernelMaskAt(view.kernel, call);
  if (kernelMask) return { kind: 'kernel-mask', call, ...kernelMask };
  const kernelSleep = kernelSleepAt(view.kernel, call);
  if (kernelSleep) return { kind: 'kernel-sleep', call, sleep: kernelSleep };
  if (!call.argumentMasks) return flagChosenMaskAt(view, ref, call, config);
  const helper = composition.resolve(ref.file, call.name);
  if (!helper) return undefined;
  for (const [index, allocation] of composition.maskParameters(helper)) {
    const mask = call.argumentMasks[index];
    if (!mask) continue;
    const adds = allocApi(allocation.api, config)?.addsGfp;
    const bits = adds ? { ...mask.value, bits: new Set([...mask.value.bits, ...adds]) } : mask.value;
    if (gfpAllowsBlocking(bits)) return { kind: 'helper-mask', call, argument: index, helper, allocation, mask };
  }
  return flagChosenMaskAt(view, ref, call, config);
}
