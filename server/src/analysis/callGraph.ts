// The call graph of a file and its driver folder, and which functions the kernel enters in atomic
// context: registered atomic callbacks, functions called where a lock is held on every path, and
// everything they call in turn (any depth; each function is visited once, so recursion ends).
// A function reached from atomic and process callers keeps its atomic chain: that path is real.
import type { Node } from 'web-tree-sitter';
import { SectionClass, isAtomicContext, sectionCloser, sectionOpener } from '../model/contexts';
import { Span, calleeName, callArguments, spanOf } from '../parsing/syntax';
import type { RelatedLocation } from '../rules/rule';
import { Registration, fileRegistrations, signatureFits } from './callbacks';
import type { FileFacts, FunctionFacts } from './fileFacts';
import { CalleeLocks, FunctionLocks, HeldSection, analyzeFunctionLocks, learnedContextFlags, lockKeyOfText, mustHoldLocks, nodesWithin } from './lockRegions';

export interface FunctionNode {
  facts: FileFacts;
  fn: FunctionFacts;
  locks: FunctionLocks;
  /** Calls in the body, in document order. */
  calls: Node[];
}

/** Why a function runs in atomic context when it starts. */
export type EntryReason =
  | { kind: 'callback'; registration: Registration; depth: 0 }
  | { kind: 'caller'; caller: FunctionNode; call: Node; held?: HeldSection; parent?: EntryReason; depth: number };

/** The context at one call. */
export type CallContext =
  | { kind: 'held'; section: HeldSection; fn: FunctionNode }
  | { kind: 'entry'; reason: EntryReason; fn: FunctionNode };

export interface AtomicAnalysis {
  facts: FileFacts;
  /** Functions of the analysed file. */
  functions: FunctionNode[];
  entry: Map<FunctionNode, EntryReason>;
  /** Registrations that make a function a process-context root (work, kthread, threaded IRQ, probe). */
  processRoots: Map<FunctionNode, Registration>;
  /** The folder's only regmaps sit on a sleeping bus with the default mutex lock: the init call. */
  sleepingRegmap?: { init: Node; facts: FileFacts };
  resolve(from: FileFacts, name: string): FunctionNode | undefined;
  callersOf(target: FunctionNode): { caller: FunctionNode; call: Node }[];
  functionOf(node: Node): FunctionNode | undefined;
}

const UNLOCK_HELPER = /(^|_)unlock(_|$)/;
const SLEEPING_UNLOCK = /^(mutex|rt_mutex|ww_mutex|up|percpu|inode|console|device|i2c|sk|rtnl|srcu|sock|release|folio|page|mmap)_|^(up|rtnl_unlock)$|bit_unlock/;

const fileCache = new WeakMap<FileFacts, FunctionNode[]>();

/** Lock facts of every function of a file, computed once per file version. */
export function fileFunctions(facts: FileFacts): FunctionNode[] {
  const cached = fileCache.get(facts);
  if (cached) return cached;
  const learned = learnedContextFlags(facts.functions);
  const definitions = new Map<string, FunctionFacts | null>();
  for (const fn of facts.functions) definitions.set(fn.name, definitions.has(fn.name) ? null : fn);
  const results = new Map<FunctionFacts, FunctionLocks>();
  const inProgress = new Set<FunctionFacts>();
  const callees: CalleeLocks = {
    releases: (name) => {
      const fn = definitions.get(name);
      if (fn) {
        if (inProgress.has(fn)) return undefined;
        const classes = analyze(fn).releasedCallerClasses;
        return classes.length > 0 ? { classes, callers: true } : undefined;
      }
      // Another file's `foo_unlock()`: drop what is held (quieter), never more.
      return UNLOCK_HELPER.test(name) && !SLEEPING_UNLOCK.test(name) && !sectionCloser(name) ? { classes: ['spin', 'raw_spin', 'rwlock', 'local_lock'], callers: false } : undefined;
    },
    // A same-file lock wrapper (`static void foo_lock(struct foo *f) { spin_lock(&f->lock); }`);
    // analysed first, on demand; recursion gets no summary.
    acquires: (name) => {
      const fn = definitions.get(name);
      if (!fn || inProgress.has(fn)) return undefined;
      return analyze(fn).acquiredAtExit;
    },
  };
  // Which lock expressions are spinning locks: `__must_hold(&p->lock)` makes a body atomic only
  // when the same file takes that lock with a spinning opener (mutexes carry the annotation too).
  const spinning = new Map<string, { cls: SectionClass; name: string }>();
  for (const call of facts.calls) {
    const name = calleeName(call);
    const opener = name ? sectionOpener(name) : undefined;
    if (!opener || !('lockArg' in opener) || opener.lockArg === undefined) continue;
    const lock = callArguments(call)[opener.lockArg];
    if (lock) spinning.set(lockKeyOfText('spin', lock.text).slice('spin:'.length), { cls: opener.class, name: name! });
  }
  const analyze = (fn: FunctionFacts): FunctionLocks => {
    const known = results.get(fn);
    if (known) return known;
    inProgress.add(fn);
    const entry = new Map<string, HeldSection>();
    for (const text of mustHoldLocks(fn)) {
      const known = spinning.get(lockKeyOfText('spin', text).slice('spin:'.length));
      if (!known) continue;
      const key = lockKeyOfText(known.cls, text);
      entry.set(key, { key, class: known.cls, count: 1, opener: fn.node, label: `__must_hold(${text})` });
    }
    const locks = analyzeFunctionLocks(fn, entry, callees, learned);
    inProgress.delete(fn);
    results.set(fn, locks);
    return locks;
  };
  const nodes = facts.functions.map((fn): FunctionNode => {
    const calls = nodesWithin(fn.body, ['call_expression']);
    return { facts, fn, locks: analyze(fn), calls };
  });
  fileCache.set(facts, nodes);
  return nodes;
}

/** The call graph and atomic entries of a driver folder: the same for every file in it. */
type FolderGraph = Omit<AtomicAnalysis, 'facts' | 'functions' | 'functionOf'>;

const graphCache = new WeakMap<FileFacts, { members: ReadonlySet<FileFacts>; graph: FolderGraph }>();
const analysisCache = new WeakMap<FileFacts, { folder: readonly FileFacts[]; analysis: AtomicAnalysis }>();

/** The atomic-context analysis of a file within its folder; cached for the (file, folder) pair. */
export function atomicAnalysis(facts: FileFacts, folder: readonly FileFacts[]): AtomicAnalysis {
  const cached = analysisCache.get(facts);
  if (cached && cached.folder.length === folder.length && cached.folder.every((other, index) => other === folder[index])) return cached.analysis;
  const members = new Set([facts, ...folder]);
  // Every file of a folder shares one graph: build it once, not once per file.
  const shared = graphCache.get(facts);
  let graph = shared && shared.members.size === members.size && [...members].every((member) => shared.members.has(member)) ? shared.graph : undefined;
  if (!graph) {
    graph = buildGraph([...members].sort((a, b) => a.path.localeCompare(b.path)));
    for (const member of members) graphCache.set(member, { members, graph });
  }
  const functions = fileFunctions(facts);
  const analysis: AtomicAnalysis = {
    ...graph,
    facts,
    functions,
    functionOf: (node) => functions.find((candidate) => candidate.fn.body.startIndex <= node.startIndex && node.endIndex <= candidate.fn.body.endIndex),
  };
  analysisCache.set(facts, { folder, analysis });
  return analysis;
}

function buildGraph(files: readonly FileFacts[]): FolderGraph {
  const all = files.flatMap((file) => fileFunctions(file));
  const byName = new Map<string, FunctionNode[]>();
  for (const node of all) {
    const list = byName.get(node.fn.name);
    if (list) list.push(node);
    else byName.set(node.fn.name, [node]);
  }

  const resolve = (from: FileFacts, name: string): FunctionNode | undefined => {
    const candidates = byName.get(name);
    if (!candidates) return undefined;
    const local = candidates.filter((node) => node.facts === from);
    if (local.length > 0) return local.length === 1 ? local[0] : undefined;
    // Another file's function: only when exactly one non-static definition can be meant.
    // Static inline helpers of the folder's headers are visible to every file that includes them.
    const global = candidates.filter((node) => node.facts.path.endsWith('.h') || !/^\s*static\b/.test(node.fn.node.text));
    return global.length === 1 ? global[0] : undefined;
  };

  const edges = new Map<FunctionNode, { call: Node; callee: FunctionNode }[]>();
  const callers = new Map<FunctionNode, { caller: FunctionNode; call: Node }[]>();
  for (const node of all) {
    const out: { call: Node; callee: FunctionNode }[] = [];
    for (const call of node.calls) {
      const name = calleeName(call);
      const callee = name ? resolve(node.facts, name) : undefined;
      if (!callee) continue;
      out.push({ call, callee });
      const list = callers.get(callee);
      if (list) list.push({ caller: node, call });
      else callers.set(callee, [{ caller: node, call }]);
    }
    edges.set(node, out);
  }

  const entry = new Map<FunctionNode, EntryReason>();
  const processRoots = new Map<FunctionNode, Registration>();
  const queue: FunctionNode[] = [];
  for (const file of files) {
    for (const registration of fileRegistrations(file)) {
      const target = resolve(registration.facts, registration.callback);
      if (!target || !signatureFits(registration.requires, target.fn.node, target.fn.body)) continue;
      if (!isAtomicContext(registration.context)) {
        if (!processRoots.has(target)) processRoots.set(target, registration);
        continue;
      }
      if (entry.has(target)) continue;
      entry.set(target, { kind: 'callback', registration, depth: 0 });
      queue.push(target);
    }
  }
  // Calls made with a lock held on every path.
  for (const node of all) {
    if (!node.locks.understood || node.locks.queriesContext) continue;
    for (const { call, callee } of edges.get(node) ?? []) {
      const held = node.locks.heldAt.get(call.id);
      if (!held || held.size === 0 || entry.has(callee) || takesMask(callee)) continue;
      entry.set(callee, { kind: 'caller', caller: node, call, held: earliest(held), depth: 1 });
      queue.push(callee);
    }
  }
  // Everything an atomic function calls unconditionally is atomic too.
  for (let index = 0; index < queue.length; index++) {
    const node = queue[index];
    const reason = entry.get(node)!;
    if (!propagates(node, reason)) continue;
    for (const { call, callee } of edges.get(node) ?? []) {
      if (entry.has(callee) || takesMask(callee)) continue;
      const held = node.locks.heldAt.get(call.id);
      if (!held) continue;
      if ((reason.kind === 'caller' && node.locks.parameterGuarded.has(call.id)) || node.locks.flagGuarded.has(call.id)) continue;
      entry.set(callee, { kind: 'caller', caller: node, call, parent: reason, depth: reason.depth + 1 });
      queue.push(callee);
    }
  }

  return {
    entry,
    processRoots,
    sleepingRegmap: sleepingRegmap(files),
    resolve,
    callersOf: (target) => callers.get(target) ?? [],
  };
}

const BUS_REGMAP = /^(__)?(devm_)?regmap_init_(i2c|spi|spmi_base|spmi_ext|sdw|sdw_mbq|i3c|sccb|slimbus|w1|spi_avmm)$/;
const OTHER_REGMAP = /regmap_init|get_regmap|syscon_|regmap_attach/;

/**
 * regmap I/O sleeps when the map lock is a mutex: every bus without fast_io (I²C, SPI, …) unless
 * the config asks for another lock (drivers/base/regmap/regmap.c __regmap_init, 6.1). Only said
 * when every regmap the folder creates or looks up is such a bus regmap and no config changes the lock.
 */
function sleepingRegmap(files: readonly FileFacts[]): { init: Node; facts: FileFacts } | undefined {
  let found: { init: Node; facts: FileFacts } | undefined;
  for (const file of files) {
    if (!file.text.includes('regmap')) continue;
    if (/\b(fast_io|disable_locking|use_hwlock|use_raw_spinlock|lock_arg)\b/.test(file.text)) return undefined;
    for (const call of file.calls) {
      const name = calleeName(call);
      if (!name || !OTHER_REGMAP.test(name)) continue;
      if (!BUS_REGMAP.test(name)) return undefined;
      found ??= { init: call, facts: file };
    }
  }
  return found;
}

/**
 * A function that takes a gfp_t lets its caller say whether it may sleep (usb_submit_urb(urb,
 * mem_flags)): it is written for both contexts, so atomic callers do not make its body atomic.
 * Its allocations with that mask are checked at the callers instead (sleepingCalls.ts).
 */
function takesMask(node: FunctionNode): boolean {
  return /\bgfp_t\b/.test(node.fn.node.text.slice(0, node.fn.body.startIndex - node.fn.node.startIndex));
}

function earliest(held: ReadonlyMap<string, HeldSection>): HeldSection {
  return [...held.values()].reduce((first, section) => (section.opener.startIndex < first.opener.startIndex ? section : first));
}

/** Whether a function entered atomically passes that on to what it calls. */
function propagates(node: FunctionNode, reason: EntryReason): boolean {
  if (!node.locks.understood || node.locks.queriesContext) return false;
  // It drops a lock its caller holds (`spin_unlock(&p->lock); msleep(); spin_lock(&p->lock);`).
  return !(reason.kind === 'caller' && node.locks.releasesCallerLock);
}

/** The context at a call of the analysed file, when it is atomic on every path; else undefined. */
export function atomicContextAt(analysis: AtomicAnalysis, fn: FunctionNode, call: Node): CallContext | undefined {
  const held = fn.locks.heldAt.get(call.id);
  if (!held || fn.locks.queriesContext || fn.locks.flagGuarded.has(call.id)) return undefined;
  if (held.size > 0) return { kind: 'held', section: earliest(held), fn };
  const reason = analysis.entry.get(fn);
  if (!reason || !propagates(fn, reason)) return undefined;
  if (reason.kind === 'caller' && fn.locks.parameterGuarded.has(call.id)) return undefined;
  return { kind: 'entry', reason, fn };
}

function line(node: Node): number {
  return node.startPosition.row + 1;
}

function fileLabel(analysis: AtomicAnalysis, facts: FileFacts): string {
  return facts === analysis.facts ? '' : ` of ${facts.path.split(/[\\/]/).pop()}`;
}

/** One sentence saying why a context is atomic: "spin_lock(&p->lock) is held since line 42". */
export function describeContext(analysis: AtomicAnalysis, context: CallContext): string {
  if (context.kind === 'held') return `${context.section.label} is held since line ${line(context.section.opener)}`;
  return describeEntry(analysis, context.fn, context.reason);
}

/** Short form for hovers: "spin_lock(&p->lock) held since line 42", "hard-IRQ handler registered by devm_request_irq at line 97". */
export function contextSummary(analysis: AtomicAnalysis, context: CallContext): string {
  if (context.kind === 'held') return `${context.section.label} held since line ${line(context.section.opener)}`;
  const reason = context.reason;
  if (reason.kind === 'callback') {
    return `${reason.registration.role} registered by ${reason.registration.via} at line ${line(reason.registration.site)}${fileLabel(analysis, reason.registration.facts)}`;
  }
  return describeEntry(analysis, context.fn, reason);
}

function describeEntry(analysis: AtomicAnalysis, fn: FunctionNode, reason: EntryReason): string {
  if (reason.kind === 'callback') {
    const registration = reason.registration;
    return `${fn.fn.name}() is a ${registration.role} registered by ${registration.via} at line ${line(registration.site)}${fileLabel(analysis, registration.facts)}`;
  }
  const where = `${fn.fn.name}() is called from ${reason.caller.fn.name}() at line ${line(reason.call)}${fileLabel(analysis, reason.caller.facts)}`;
  if (reason.held) return `${where}, where ${reason.held.label} is held since line ${line(reason.held.opener)}`;
  return reason.parent ? `${where}; ${describeEntry(analysis, reason.caller, reason.parent)}` : where;
}

function related(analysis: AtomicAnalysis, facts: FileFacts, span: Span, message: string): RelatedLocation {
  return facts === analysis.facts ? { span, message } : { file: facts.path, span, message };
}

/** The chain from a call back to the lock acquisition or registration that makes it atomic. */
export function contextChain(analysis: AtomicAnalysis, context: CallContext): RelatedLocation[] {
  if (context.kind === 'held') {
    return [related(analysis, context.fn.facts, spanOf(context.section.opener), `${context.section.label} taken here; still held on every path to the call`)];
  }
  const chain: RelatedLocation[] = [];
  let fn = context.fn;
  let reason: EntryReason | undefined = context.reason;
  for (let guard = 0; reason && guard < 64; guard++) {
    if (reason.kind === 'callback') {
      chain.push(related(analysis, reason.registration.facts, spanOf(reason.registration.site), `${fn.fn.name}() registered here as a ${reason.registration.role}`));
      break;
    }
    chain.push(related(analysis, reason.caller.facts, spanOf(reason.call), `${fn.fn.name}() called here from ${reason.caller.fn.name}()`));
    if (reason.held) {
      chain.push(related(analysis, reason.caller.facts, spanOf(reason.held.opener), `${reason.held.label} taken here`));
      break;
    }
    fn = reason.caller;
    reason = reason.parent;
  }
  return chain;
}
