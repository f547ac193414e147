// Ops-field contexts of a whole kernel tree, from the index: which struct fields the tree calls
// in atomic context on every call (`core->ops->start(core)` under a spinlock), so that a driver's
// `.start = foo_start` makes foo_start() an atomic entry (locks/opsFields.ts kernelOpsRegistrations()).
// Two stages, both pure data, beside the sleep facts (index/kernelFacts.ts):
//
// - indexedOpsCallsOf(view): per indexed file, its calls through struct fields, one row per slot
//   (`struct T.field`, resolved through the struct declarations of the file and its folder,
//   locks/opsFields.ts functionSlots()), with the context at the call: a lock held there on every
//   path, or a static function entered atomic on every path within its folder (every caller holds a
//   lock, or it is an atomic callback nothing else calls). A slot called both ways in the file keeps
//   the non-atomic row; a call whose struct type is unknown is kept by its path as written.
// - deriveOpsContexts(files): a slot is atomic when every row of it in the tree is, and no call of
//   a member of that name has an unknown struct type anywhere (it may be this slot). Slots the
//   model's seed rows name (model/contexts.ts OPS_FIELD_CONTEXTS: ALSA's `.trigger`, whose lock
//   the core chooses by `substream->pcm->nonatomic`, sound/core/pcm_native.c 6.1
//   snd_pcm_stream_lock()) are left to those rows: the driver's flag decides there, not the tree.
//
// Nothing here words a message (rules/atomicWording.ts does).
import { OPS_FIELD_CONTEXTS } from '../../model/contexts';
import { ComposedFiles, FunctionRef, atomicContextAt, earliestHeld, refKey, registrationAt, summaryAt } from '../locks/atomicEntry';
import { functionSlots } from '../locks/opsFields';
import type { IndexedFile } from './kernelFacts';
import { stringTable } from '../stringTable';

/** How a call through a field is atomic, when it is. */
export type OpsCallContext =
  /** The lock is held at the call on every path. */
  | 'held'
  /** The calling function is entered with the lock held on every path (its callers in the file's folder hold it). */
  | 'caller-held'
  /** The calling function is an atomic callback (`lock` names the registration) that nothing else calls. */
  | 'registered';

const CONTEXT_CODES: readonly (OpsCallContext | undefined)[] = [undefined, 'held', 'caller-held', 'registered'];

/**
 * Numbers per row of IndexedFile.opsCalls: the slot (index into opsStrings: `struct T.field`;
 * `?struct U.a.field` when a struct on the path is not declared in the file's folder, `.field`
 * when the variable's type is unknown), the context code (0 for not atomic, else
 * CONTEXT_CODES), the 1-based line, then for an atomic row the calling function, the callee as
 * written and the lock or registration (indexes into opsStrings), -1 else.
 */
const OPS_CALL_WIDTH = 6;

/** One row of IndexedFile.opsCalls, decoded. */
export interface IndexedOpsCall {
  /** `struct snd_pcm_ops.trigger`; undefined when the struct type is unknown at the call. */
  slot?: string;
  /** Without a slot: the field path from the declared type of the variable (`struct snd_pcm_substream.ops.trigger`), when that type is known. */
  path?: string;
  field: string;
  line: number;
  /** Undefined when the call is not atomic on every path. */
  context?: OpsCallContext;
  fn?: string;
  callee?: string;
  /** The lock's label (`spin_lock_irqsave(&core->lock)`), or the registration (`timer_setup`). */
  lock?: string;
}

/** A slot the whole tree calls in atomic context only, with one of those calls. */
export interface DerivedOpsContext {
  /** `struct fx_ops.start`. */
  slot: string;
  /** The call: `files[file]`:`line` in KernelFacts, in `fn`, written `callee`. */
  file: number;
  line: number;
  fn: string;
  callee: string;
  context: OpsCallContext;
  lock: string;
}

/** Static callers up the folder followed for a call's every-path context. */
const MAX_CALLER_DEPTH = 4;

function seedSlots(): Set<string> {
  return new Set(OPS_FIELD_CONTEXTS.map((row) => `${row.struct}.${row.field}`));
}

export function opsCallCount(file: IndexedFile): number {
  return (file.opsCalls?.length ?? 0) / OPS_CALL_WIDTH;
}

export function opsCallOf(file: IndexedFile, index: number): IndexedOpsCall {
  const rows = file.opsCalls ?? [];
  const strings = file.opsStrings ?? [];
  const at = index * OPS_CALL_WIDTH;
  const name = strings[rows[at]];
  const context = CONTEXT_CODES[rows[at + 1]];
  const field = name.slice(name.lastIndexOf('.') + 1);
  const row: IndexedOpsCall = name.startsWith('.')
    ? { field, line: rows[at + 2] }
    : name.startsWith('?')
      ? { path: name.slice(1), field, line: rows[at + 2] }
      : { slot: name, field, line: rows[at + 2] };
  if (context) Object.assign(row, { context, fn: strings[rows[at + 3]], callee: strings[rows[at + 4]], lock: strings[rows[at + 5]] });
  return row;
}

/** Names the folder stores in a field or passes as an argument: such a function may be called from anywhere. */
function escapingNames(view: ComposedFiles): Set<string> {
  const names = new Set<string>();
  for (const file of view.files) {
    for (const store of file.opsStores) names.add(store.target);
    for (const entry of file.functions) {
      for (const store of entry.summary.opsStores) names.add(store.target);
      for (const call of entry.summary.calls) for (const name of call.functionArguments ?? []) if (name) names.add(name);
    }
  }
  return names;
}

/**
 * The atomic context of a call on every path into its function within the folder, or undefined:
 * held at the call, or the function is static, neither stored nor passed anywhere in the folder,
 * and every caller's call of it is atomic in turn (an atomic callback with no caller counts).
 */
function everyPathContext(view: ComposedFiles, escaping: ReadonlySet<string>, ref: FunctionRef, call: number, depth: number, seen: Set<string>): { context: OpsCallContext; lock: string } | undefined {
  const context = atomicContextAt(view, ref, call);
  if (!context) return undefined;
  const fn = summaryAt(view, ref);
  if (context.kind === 'held') return { context: depth === 0 ? 'held' : 'caller-held', lock: earliestHeld(fn.calls[call].held!).label };
  const key = refKey(ref);
  if (depth >= MAX_CALLER_DEPTH || seen.has(key) || !fn.isStatic || escaping.has(fn.name) || view.composition.processRoots.has(key)) return undefined;
  seen.add(key);
  const reason = view.composition.entry.get(key);
  let found: { context: OpsCallContext; lock: string } | undefined;
  if (reason?.kind === 'callback') found = { context: 'registered', lock: registrationAt(view, reason.registration).via };
  const callers = view.composition.callersOf(ref);
  if (!found && callers.length === 0) return undefined;
  for (const site of callers) {
    const outer = everyPathContext(view, escaping, site.caller, site.call, depth + 1, seen);
    if (!outer) return undefined;
    found ??= outer.context === 'held' ? { context: 'caller-held', lock: outer.lock } : outer;
  }
  return found;
}

/** The ops-call rows of the file `view.files[view.self]` (IndexedFile's opsStrings and opsCalls, empty when it calls no field). */
export function indexedOpsCallsOf(view: ComposedFiles & { self: number }): Pick<IndexedFile, 'opsStrings' | 'opsCalls'> {
  const file = view.files[view.self];
  // Always present, empty too: derivation tells a file that calls no field from an entry indexed before these rows.
  if (!file.functions.some((entry) => entry.summary.calls.some((call) => call.throughField))) return { opsCalls: [] };
  const slotOf = functionSlots(view.files);
  const escaping = escapingNames(view);
  const { strings, intern } = stringTable();
  // One row per slot: the first non-atomic call, else the first atomic one.
  const rows = new Map<string, number[]>();
  file.functions.forEach((entry, fn) => {
    entry.summary.calls.forEach((call, callIndex) => {
      const through = call.throughField;
      if (!through) return;
      const slot = through.key ? slotOf(through.key) : undefined;
      // Unresolved, the path is kept as written (`?struct snd_pcm_substream.ops.trigger`): kernel-header types can name its slot later.
      const name = slot ?? (through.key ? `?${through.key}` : `.${through.field}`);
      const known = rows.get(name);
      if (known && known[1] === 0) return;
      const line = entry.startRow + call.span.startLine + 1;
      const found = slot ? everyPathContext(view, escaping, { file: view.self, fn }, callIndex, 0, new Set()) : undefined;
      if (!found) rows.set(name, [intern(name), 0, line, -1, -1, -1]);
      else if (!known) rows.set(name, [intern(name), CONTEXT_CODES.indexOf(found.context), line, intern(entry.name), intern(call.calleeText), intern(found.lock)]);
    });
  });
  return { opsStrings: strings, opsCalls: [...rows.values()].flat() };
}

/**
 * The slots every call of the tree makes in atomic context. `files` sorted by path (as
 * deriveKernelFacts sorts them); `cite` gives a file's index in KernelFacts.files. Sorted by slot.
 */
export function deriveOpsContexts(files: readonly IndexedFile[], cite: (file: number) => number, headerFieldCalls?: ReadonlySet<string>): DerivedOpsContext[] {
  // An entry indexed before these rows says nothing of its calls: no slot is known to be atomic only.
  if (files.some((file) => !file.opsCalls)) return [];
  const seeds = seedSlots();
  // Members a header calls (a static inline or a macro the index does not summarise) are called in contexts no row shows.
  const unknownFields = new Set<string>(headerFieldCalls);
  const nonAtomic = new Set<string>();
  const witness = new Map<string, { file: number; row: IndexedOpsCall }>();
  files.forEach((file, fileIndex) => {
    for (let index = 0; index < opsCallCount(file); index++) {
      const row = opsCallOf(file, index);
      if (!row.slot) unknownFields.add(row.field);
      else if (!row.context) nonAtomic.add(row.slot);
      else if (!witness.has(row.slot)) witness.set(row.slot, { file: fileIndex, row });
    }
  });
  const derived: DerivedOpsContext[] = [];
  for (const slot of [...witness.keys()].sort()) {
    const { file, row } = witness.get(slot)!;
    if (nonAtomic.has(slot) || unknownFields.has(row.field) || seeds.has(slot)) continue;
    derived.push({ slot, file: cite(file), line: row.line, fn: row.fn!, callee: row.callee!, context: row.context!, lock: row.lock! });
  }
  return derived;
}

const HEADER_FIELD_CALL = /(?:->|\.)\s*([A-Za-z_]\w*)\s*\)?\s*\(/g;

/**
 * The member names a header's text calls through a field (`ops->ndo_start_xmit(skb, dev)` in a
 * static inline of include/linux/netdevice.h, `(*p->cb)(p)`, a macro's `(d)->ops->start(d)`):
 * headers are not summarised, so a call there counts as one whose struct type is unknown.
 * Textual, over comments too: a name too many only silences.
 */
export function headerFieldCallNames(text: string): string[] {
  const names = new Set<string>();
  for (const match of text.matchAll(HEADER_FIELD_CALL)) names.add(match[1]);
  return [...names];
}
