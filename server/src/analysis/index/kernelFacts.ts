// Sleep facts of a whole kernel tree, derived from its function summaries: which exported (non-
// static) functions may sleep, transitively across files, with the shortest chain down to the
// sleeping call; which sleep only when the caller passes a certain argument (`bool wait`); and
// which pass a GFP mask parameter on to an allocation. Two stages, both pure data:
//
// - indexedFileOf(summary): what derivation needs of one .c file, small enough to keep for every
//   file of the tree (kalloc index stores it per file, reused while the file is unchanged): per
//   function its name, static or not, and its calls by name, deduplicated, each with whether it
//   counts as a path to sleep (locks/maySleep.ts counts()), the complete parameter guard it runs
//   under, its own sleep (the catalogue's verdict), and how masks and arguments flow into it.
// - deriveKernelFacts(files): the fixpoint over the whole tree. Static functions resolve within
//   their file; a name defined non-static in several files (arch variants, config alternatives)
//   sleeps only if every definition does: silence over a guess. Names the model catalogues
//   (model/apis.ts, model/sleepers.ts) are never followed: a model row wins over a derived fact.
//
// Nothing here words a message (rules/sleepWording.ts does) and nothing derived is written into
// the project: the facts live in the index's cache and in the database (setKernelFacts()).
import type { HeaderMacroTable } from './headerMacros';
import { allocApi, freeApi } from '../../model/apis';
import { DEFAULT_CONFIG, ModelConfig, parseKernelVersion } from '../../model/config';
import { gfpTaker, sleeper } from '../../model/sleepers';
import { CONTEXT_FLAG } from '../locks/lockRegions';
import { counts } from '../locks/maySleep';
import type { ParameterTest } from '../paths/parameterGuards';
import type { FileSummary } from '../summaries/fileSummary';
import { DerivedOpsContext, deriveOpsContexts } from './opsContexts';
import type { CallFact, FunctionSummary } from '../summaries/functionSummary';
import { DmaBufferFacts, DmaBufferFlows, deriveTreeDmaBuffers } from './provenanceIndex';
import type { HeaderTypeTable } from './headerTypes';
import { stringTable } from '../stringTable';

/** The call that sleeps by itself, as the finding names it: `mutex_lock`, `kmalloc` with `GFP_KERNEL`. */
export interface SleepingPrimitive {
  callee: string;
  /** The blocking mask it is given, as written (or the local it names). */
  mask?: string;
}

/** One call as derivation reads it (callOf() decodes it from an IndexedFunction's numbers). */
export interface IndexedCall {
  callee: string;
  /** 1-based line of the call in its file. */
  line: number;
  /** A path to sleep whatever the parameters (locks/maySleep.ts counts()). */
  counts: boolean;
  /** It runs exactly when these tests on the function's parameters pass (a complete ParameterGuard); else like `counts`. */
  guard?: readonly ParameterTest[];
  /** It sleeps by itself (the catalogue's verdict at the call). */
  sleep?: SleepingPrimitive;
  /** A catalogued allocation whose GFP argument is this function's parameter `parameter`. */
  maskParameter?: { parameter: number; api: string };
  /** Per argument: the index of the parameter of this function it names, -1 for none. */
  parameterArguments?: readonly number[];
  /** Per argument, what the call site knows of its truth: `t`, `f`, or `?`. */
  argumentTruth?: string;
}

/** The rare facts of a call: most calls have none. */
export interface IndexedCallExtra {
  guard?: readonly ParameterTest[];
  sleep?: SleepingPrimitive;
  maskParameter?: { parameter: number; api: string };
}

/**
 * Numbers per call in IndexedFunction.calls: the callee (index into the file's `strings`), the
 * line, flags (1: counts), the arguments (index into `strings`, -1 for none: one character per
 * argument, `A`+k for the function's parameter k, `t`/`f` for a known truth, `?` else) and the
 * extra facts (index into the file's `extras`, -1 for none). Numbers and shared strings keep the
 * whole tree's index small: an object per call weighed 240 bytes of heap on drivers/net.
 */
const CALL_WIDTH = 5;
const COUNTS = 1;
const FIRST_PARAMETER = 65;
const MAX_CODED_PARAMETER = 25;

export interface IndexedFunction {
  name: string;
  isStatic: boolean;
  /** The head declares a `gfp_t` parameter (only such functions pass masks on, as in the composition). */
  takesMask: boolean;
  /** Its calls that can matter to derivation, one per distinct fact (the first such call's line), CALL_WIDTH numbers each. */
  calls: readonly number[];
}

/** What derivation needs of one .c file of a kernel tree: plain data, structured-clonable. */
export interface IndexedFile {
  /** Relative to the tree's root: the path the summary was made with (the indexer summarises each file under it). */
  path: string;
  /** Called names and argument codes, each once: calls refer to them by index. */
  strings: readonly string[];
  extras: readonly IndexedCallExtra[];
  functions: readonly IndexedFunction[];
  /** Strings of `opsCalls` (index/opsContexts.ts), own to them. */
  opsStrings?: readonly string[];
  /** Calls through struct fields, one row per slot with the context at the call (index/opsContexts.ts indexedOpsCallsOf()); absent in an entry indexed before them. */
  opsCalls?: readonly number[];
  /** Parameters that reach a DMA sink, and calls passing them on (provenanceIndex.ts); absent when none. */
  dmaBufferFlows?: DmaBufferFlows;
}

export function callCount(fn: IndexedFunction): number {
  return fn.calls.length / CALL_WIDTH;
}

/** Call `index` of a function of `file`, decoded. */
export function callOf(file: IndexedFile, fn: IndexedFunction, index: number): IndexedCall {
  const at = index * CALL_WIDTH;
  const args = fn.calls[at + 3];
  const extra = fn.calls[at + 4] >= 0 ? file.extras[fn.calls[at + 4]] : undefined;
  const call: IndexedCall = { callee: file.strings[fn.calls[at]], line: fn.calls[at + 1], counts: (fn.calls[at + 2] & COUNTS) !== 0, ...extra };
  if (args >= 0) {
    const codes = file.strings[args];
    const parameterArguments = [...codes].map((code) => (code >= 'A' && code <= 'Z' ? code.charCodeAt(0) - FIRST_PARAMETER : -1));
    if (parameterArguments.some((parameter) => parameter >= 0)) call.parameterArguments = parameterArguments;
    const truth = codes.replace(/[A-Z]/g, '?');
    if (/[tf]/.test(truth)) call.argumentTruth = truth;
  }
  return call;
}

/** One call on a witness chain: in `fn`, at `files[file]`:`line`. */
export interface WitnessHop {
  fn: string;
  file: number;
  line: number;
}

/** An exported function that may sleep. */
export interface DerivedSleep {
  name: string;
  /** It sleeps only when the caller's arguments pass these tests (all of them); absent: whatever the arguments. */
  when?: readonly ParameterTest[];
  /** From the named function down to the call that sleeps (the last hop). */
  chain: readonly WitnessHop[];
  sleeping: SleepingPrimitive;
}

/** An exported function that hands its mask parameter to an allocation. */
export interface DerivedMask {
  name: string;
  parameter: number;
  /** The catalogued allocation that finally uses the mask. */
  api: string;
  /** From the named function down to the allocation (the last hop). */
  chain: readonly WitnessHop[];
}

/** The derived facts of a whole tree: plain data, structured-clonable. */
export interface KernelFacts {
  root: string;
  version: string;
  /** Paths (relative to `root`) the chains cite. */
  files: readonly string[];
  /** Sorted by name. */
  sleeps: readonly DerivedSleep[];
  /** Sorted by name, then parameter. */
  masks: readonly DerivedMask[];
  /** Struct fields the whole tree calls in atomic context only (index/opsContexts.ts), sorted by slot; absent in an index made before them. */
  opsContexts?: readonly DerivedOpsContext[];
  /** Parameters of exported functions that reach a DMA sink, with their chains (provenanceIndex.ts); absent when none. */
  dmaBuffers?: DmaBufferFacts;
  /** The struct/union/typedef layouts of the tree's include/ and arch/<arch>/include/ headers (index/headerTypes.ts). */
  headerTypes?: HeaderTypeTable;
  /** The same headers' function-like macros that sleep or lock at their use site (index/headerMacros.ts); absent in an index made before them. */
  headerMacros?: HeaderMacroTable;
}

/** Whether a call can matter to derivation: it sleeps, leads somewhere that may, or passes a mask or an argument on. */
function guardOf(fn: FunctionSummary, fact: CallFact): readonly ParameterTest[] | undefined {
  // A call that would count but for a scalar parameter: the caller's argument decides, when the
  // guard says exactly which (analysis/paths/parameterGuards.ts). Context flags and context
  // queries stay run-time choices (never a claim), unless every flag is a parameter (`nonblock`).
  const guard = fact.parameterGuard;
  if (!fact.parameterGuarded || !guard || !guard.complete || guard.requires.length === 0) return undefined;
  if (!fn.understood || fn.queriesContext || fact.held === undefined || (fact.flagGuarded && !flagsAreParameters(fn))) return undefined;
  return guard.requires.map((test) => ({ parameter: test.parameter, nonZero: test.nonZero }));
}

/**
 * Whether every context flag a function's conditions test is one of its parameters (`bool
 * nonblock`): its flag-guarded calls then depend on the caller's argument alone, which the
 * parameter guard reads. A field flag (`priv->can_sleep`) or a flag the file learned anywhere in
 * the function keeps them run-time choices.
 */
function flagsAreParameters(fn: FunctionSummary): boolean {
  if (fn.dependencies.learnedFlags !== '') return false;
  return fn.conditionNames.every((name) => !CONTEXT_FLAG.test(name) || fn.parameters.includes(name));
}

function primitiveOf(fact: CallFact): SleepingPrimitive | undefined {
  const sleep = fact.sleep;
  if (!sleep) return undefined;
  // vfree() and friends sleep only outside interrupt context (might_sleep_if(!in_interrupt())): a
  // run-time choice, never an unconditional claim about their callers.
  if (sleep.kind === 'free' && (sleep.outsideInterruptOnly || sleep.irqsOffOnly)) return undefined;
  const mask = 'mask' in sleep && sleep.mask ? (sleep.mask.variable ?? sleep.mask.text.replace(/\s+/g, ' ')) : undefined;
  return mask ? { callee: fact.calleeText, mask } : { callee: fact.calleeText };
}

/** The compact per-file data of a file summary. */
export function indexedFileOf(summary: FileSummary): IndexedFile {
  const { strings, intern } = stringTable();
  const extras: IndexedCallExtra[] = [];
  const extraIndex = new Map<string, number>();
  const functions = summary.functions.map((entry): IndexedFunction => {
    const fn = entry.summary;
    const calls: number[] = [];
    const seen = new Set<string>();
    fn.calls.forEach((fact, index) => {
      if (!fact.name) return;
      const sleep = primitiveOf(fact);
      const countsHere = counts(fn, index);
      const guard = guardOf(fn, fact);
      const passes = !!fact.maskParameter || !!fact.parameterArguments?.some((parameter) => parameter !== undefined);
      if (!countsHere && !guard && !passes) return;
      const argumentCount = Math.max(fact.parameterArguments?.length ?? 0, fact.argumentTruth?.length ?? 0);
      let codes = '';
      for (let argument = 0; argument < argumentCount; argument++) {
        const parameter = fact.parameterArguments?.[argument];
        const truth = fact.argumentTruth?.[argument];
        codes += parameter !== undefined && parameter <= MAX_CODED_PARAMETER ? String.fromCharCode(FIRST_PARAMETER + parameter) : truth === undefined ? '?' : truth ? 't' : 'f';
      }
      const extra: IndexedCallExtra = {
        ...(guard ? { guard } : {}),
        ...(sleep ? { sleep } : {}),
        ...(fact.maskParameter ? { maskParameter: { parameter: fact.maskParameter.parameter, api: fact.maskParameter.api } } : {}),
      };
      const extraKey = JSON.stringify(extra);
      let extraAt = -1;
      if (extraKey !== '{}') {
        extraAt = extraIndex.get(extraKey) ?? extras.length;
        if (extraAt === extras.length) {
          extras.push(extra);
          extraIndex.set(extraKey, extraAt);
        }
      }
      const args = /[A-Ztf]/.test(codes) ? intern(codes) : -1;
      const callee = intern(fact.name);
      // Calls that say the same thing once: derivation needs one witness line per fact.
      const key = `${callee}/${countsHere ? 1 : 0}/${args}/${extraAt}`;
      if (seen.has(key)) return;
      seen.add(key);
      calls.push(callee, entry.startRow + fact.span.startLine + 1, countsHere ? COUNTS : 0, args, extraAt);
    });
    return { name: fn.name, isStatic: fn.isStatic, takesMask: fn.takesMask, calls };
  });
  return { path: summary.path, strings, extras, functions };
}

/** A function of the tree: `files[file].functions[fn]`, numbered in one sequence. */
interface TreeFunction {
  file: number;
  fn: IndexedFunction;
  name: string;
}

/** Why a function of the tree may sleep: one of its calls, and the definition it leads to. */
interface SleepState {
  /** Tests on its own parameters; empty: whatever its arguments. */
  when: readonly ParameterTest[];
  call: number;
  /** The definition the call leads to (undefined: the call sleeps by itself). */
  via?: number;
  depth: number;
}

interface MaskState {
  call: number;
  /** The definition the call leads to, and the argument position the mask goes in there. */
  via?: { id: number; argument: number };
  api: string;
}

/** The tests a callee's condition puts on the caller's parameters at one call; undefined when the call is dead or undecided. */
function translated(when: readonly ParameterTest[], call: IndexedCall): ParameterTest[] | undefined {
  const tests: ParameterTest[] = [];
  for (const test of when) {
    const truth = call.argumentTruth?.[test.parameter];
    if (truth === 't' || truth === 'f') {
      if ((truth === 't') !== test.nonZero) return undefined;
      continue;
    }
    const parameter = call.parameterArguments?.[test.parameter];
    if (parameter === undefined || parameter < 0) return undefined;
    tests.push({ parameter, nonZero: test.nonZero });
  }
  return tests;
}

/** The tests together, or undefined when two contradict (`wait` and `!wait`). */
function joined(...groups: (readonly ParameterTest[])[]): ParameterTest[] | undefined {
  const byParameter = new Map<number, boolean>();
  for (const group of groups)
    for (const test of group) {
      const known = byParameter.get(test.parameter);
      if (known !== undefined && known !== test.nonZero) return undefined;
      byParameter.set(test.parameter, test.nonZero);
    }
  return [...byParameter].sort((a, b) => a[0] - b[0]).map(([parameter, nonZero]) => ({ parameter, nonZero }));
}

function pushTo(map: Map<string, number[]>, name: string, id: number): void {
  const list = map.get(name);
  if (list) list.push(id);
  else map.set(name, [id]);
}

/** The model configuration of the tree's release: which catalogue rows apply. */
function configOf(version: string): ModelConfig {
  const kernel = parseKernelVersion(version);
  return kernel ? { ...DEFAULT_CONFIG, kernel } : DEFAULT_CONFIG;
}

/**
 * The whole tree's sleep and mask facts. `files` in any order; the result does not depend on it.
 * `tree.headerFieldCalls`: member names the tree's headers call through a field (index/opsContexts.ts).
 */
export function deriveKernelFacts(files: readonly IndexedFile[], tree: { root: string; version: string; headerFieldCalls?: ReadonlySet<string> }): KernelFacts {
  const config = configOf(tree.version);
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const functions: TreeFunction[] = [];
  const exported = new Map<string, number[]>();
  const perFile: Map<string, number[]>[] = [];
  sorted.forEach((file, fileIndex) => {
    const local = new Map<string, number[]>();
    perFile.push(local);
    for (const fn of file.functions) {
      const id = functions.length;
      functions.push({ file: fileIndex, fn, name: fn.name });
      pushTo(local, fn.name, id);
      if (!fn.isStatic) pushTo(exported, fn.name, id);
    }
  });
  // The model's rows win: a catalogued name is its row, never the tree's definition.
  const catalogued = (name: string) => !!allocApi(name, config) || !!freeApi(name) || !!sleeper(name) || !!gfpTaker(name);
  const resolve = (file: number, name: string): readonly number[] | undefined => perFile[file].get(name) ?? exported.get(name);

  // Caller edges: for each definition, the calls that may lead to it.
  const callers = new Map<number, { caller: number; call: number }[]>();
  const call = (id: number, callIndex: number): IndexedCall => callOf(sorted[functions[id].file], functions[id].fn, callIndex);
  const targets = functions.map((entry, id) =>
    Array.from({ length: callCount(entry.fn) }, (_, callIndex) => {
      const { callee: name, sleep } = call(id, callIndex);
      if (sleep || catalogued(name)) return undefined;
      const found = resolve(entry.file, name);
      if (!found) return undefined;
      for (const target of found) {
        if (target === id) continue;
        const list = callers.get(target);
        if (list) list.push({ caller: id, call: callIndex });
        else callers.set(target, [{ caller: id, call: callIndex }]);
      }
      return found;
    }),
  );

  // Sleeps: a fixpoint over the lattice none < conditional < unconditional, breadth first from the
  // sleeping calls, so each function keeps the shortest chain of the strongest fact it reaches.
  const sleeps = new Map<number, SleepState>();
  const queue: number[] = [];
  const better = (known: SleepState | undefined, found: SleepState) => !known || (known.when.length > 0 && found.when.length === 0);
  const offer = (id: number, found: SleepState) => {
    if (!better(sleeps.get(id), found)) return;
    sleeps.set(id, found);
    queue.push(id);
  };
  /** What a set of definitions says together: every one sleeps, under all their tests. */
  const together = (ids: readonly number[]): { when: readonly ParameterTest[]; via: number; depth: number } | undefined => {
    let when: ParameterTest[] | undefined = [];
    let best: { id: number; state: SleepState } | undefined;
    for (const id of ids) {
      const state = sleeps.get(id);
      if (!state) return undefined;
      when = joined(when, state.when);
      if (!when) return undefined;
      if (!best || state.depth < best.state.depth) best = { id, state };
    }
    return best && { when, via: best.id, depth: best.state.depth };
  };
  const through = (id: number, callIndex: number): SleepState | undefined => {
    const ids = targets[id][callIndex];
    if (!ids) return undefined;
    const site = call(id, callIndex);
    if (!site.counts && !site.guard) return undefined;
    const callee = together(ids);
    if (!callee) return undefined;
    const mapped = translated(callee.when, site);
    const when = mapped && joined(mapped, site.guard ?? []);
    return when ? { when, call: callIndex, via: callee.via, depth: callee.depth + 1 } : undefined;
  };
  functions.forEach((entry, id) => {
    let conditional: SleepState | undefined;
    for (let callIndex = 0; callIndex < callCount(entry.fn); callIndex++) {
      const site = call(id, callIndex);
      if (!site.sleep) continue;
      if (site.counts) {
        offer(id, { when: [], call: callIndex, depth: 0 });
        return;
      }
      if (site.guard && !conditional) conditional = { when: site.guard, call: callIndex, depth: 0 };
    }
    if (conditional) offer(id, conditional);
  });
  for (let index = 0; index < queue.length; index++) {
    for (const { caller, call } of callers.get(queue[index]) ?? []) {
      const known = sleeps.get(caller);
      if (known && known.when.length === 0) continue;
      const found = through(caller, call);
      if (found) offer(caller, found);
    }
  }

  // Masks: which parameter of a gfp_t-taking function reaches an allocation's GFP argument.
  const masks = new Map<number, Map<number, MaskState>>();
  const maskQueue: number[] = [];
  const addMask = (id: number, parameter: number, state: MaskState) => {
    let map = masks.get(id);
    if (!map) masks.set(id, (map = new Map()));
    if (map.has(parameter)) return;
    map.set(parameter, state);
    maskQueue.push(id);
  };
  functions.forEach((entry, id) => {
    if (!entry.fn.takesMask) return;
    for (let callIndex = 0; callIndex < callCount(entry.fn); callIndex++) {
      const { maskParameter } = call(id, callIndex);
      if (maskParameter) addMask(id, maskParameter.parameter, { call: callIndex, api: maskParameter.api });
    }
  });
  for (let index = 0; index < maskQueue.length; index++) {
    for (const { caller, call: callIndex } of callers.get(maskQueue[index]) ?? []) {
      const ids = targets[caller][callIndex];
      if (!functions[caller].fn.takesMask || !ids) continue;
      call(caller, callIndex).parameterArguments?.forEach((parameter, position) => {
        if (parameter < 0) return;
        // Every definition the name can mean passes that argument on.
        const states = ids.map((id) => masks.get(id)?.get(position));
        if (states.some((state) => !state)) return;
        addMask(caller, parameter, { call: callIndex, via: { id: ids[0], argument: position }, api: states[0]!.api });
      });
    }
  }

  // The exported names, each with the facts all its definitions share.
  const fileIndexes = new Map<number, number>();
  const citedFiles: string[] = [];
  const cite = (file: number) => {
    let index = fileIndexes.get(file);
    if (index === undefined) {
      index = citedFiles.length;
      citedFiles.push(sorted[file].path);
      fileIndexes.set(file, index);
    }
    return index;
  };
  const hop = (id: number, callIndex: number): WitnessHop => ({ fn: functions[id].name, file: cite(functions[id].file), line: call(id, callIndex).line });
  const sleepChain = (start: number): { chain: WitnessHop[]; sleeping: SleepingPrimitive } | undefined => {
    const chain: WitnessHop[] = [];
    const seen = new Set<number>();
    for (let id: number | undefined = start; id !== undefined;) {
      const state = sleeps.get(id);
      if (!state || seen.has(id)) return undefined;
      seen.add(id);
      chain.push(hop(id, state.call));
      if (state.via === undefined) return { chain, sleeping: call(id, state.call).sleep! };
      id = state.via;
    }
    return undefined;
  };
  const maskChain = (start: number, parameter: number): { chain: WitnessHop[]; api: string } | undefined => {
    const chain: WitnessHop[] = [];
    let id = start;
    let position = parameter;
    for (let guard = 0; guard < 64; guard++) {
      const state = masks.get(id)?.get(position);
      if (!state) return undefined;
      chain.push(hop(id, state.call));
      if (state.via === undefined) return { chain, api: state.api };
      position = state.via.argument;
      id = state.via.id;
    }
    return undefined;
  };
  const derivedSleeps: DerivedSleep[] = [];
  const derivedMasks: DerivedMask[] = [];
  for (const name of [...exported.keys()].sort()) {
    const ids = exported.get(name)!;
    if (catalogued(name)) continue;
    const shared = together(ids);
    const witness = shared && sleepChain(shared.via);
    if (shared && witness) derivedSleeps.push({ name, ...(shared.when.length > 0 ? { when: shared.when } : {}), ...witness });
    const parameters = [...(masks.get(ids[0])?.keys() ?? [])].filter((parameter) => ids.every((id) => masks.get(id)?.has(parameter))).sort((a, b) => a - b);
    for (const parameter of parameters) {
      const found = maskChain(ids[0], parameter);
      if (found) derivedMasks.push({ name, parameter, ...found });
    }
  }
  const opsContexts = deriveOpsContexts(sorted, cite, tree.headerFieldCalls);
  const dmaBuffers = deriveTreeDmaBuffers(sorted, config);
  return { root: tree.root, version: tree.version, files: citedFiles, sleeps: derivedSleeps, masks: derivedMasks, opsContexts, ...(dmaBuffers ? { dmaBuffers } : {}) };
}
