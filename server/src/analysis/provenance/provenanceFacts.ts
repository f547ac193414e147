// The provenance engine's data: where memory comes from, as plain values (names, spans, model rows;
// never tree nodes), so a file's provenance summary survives `tree.delete()` and crosses
// worker_threads by structured clone. A file's engine (provenance.ts) answers what it can see in
// its own tree and leaves the rest as references: the return of a helper (which the folder may
// define), the read of a struct field (which the folder's files may write). The folder
// composition (folderProvenance.ts) resolves those references over the files' summaries.
import type { AllocApi, AllocFamily } from '../../model/apis';
import type { GfpValue } from '../../model/gfp';
import type { Span } from '../../parsing/syntax';
import type { TypeDeclarations } from '../../parsing/typeDeclarations';
import type { DmaBufferFlows } from '../index/provenanceIndex';

/** Allocator families plus local arrays and locals whose address is taken. */
export type Origin = AllocFamily | 'stack';

/** What the rules read of an allocation call, taken while its tree was there. */
export interface AllocationFacts {
  /** The byte count the size formula gives, when every part is known (AllocationSite.requestedBytes). */
  requestedBytes?: number;
  /** The GFP mask, when it evaluates. */
  gfp?: GfpValue;
  /** The argument texts as written. */
  args: readonly string[];
  /** The callee name's span, and the argument list's closing parenthesis (for fixes). */
  calleeSpan: Span;
  closeSpan: Span;
  /** The name the result is stored under: `buf` for `buf = …`, `rx` for `p->rx = …`. */
  destination?: string;
}

export interface PointerSource {
  origin: Origin;
  /** The allocation call; absent for stack memory. */
  site?: AllocationFacts;
  api?: AllocApi;
  /** The file holding the allocation (or the stack declaration). */
  file: string;
  /** The allocation call or the stack declaration, in document rows of that file's version. */
  span: Span;
  /** Identity of the source: file and start of `span`. */
  key: string;
  /** The first line of the stack declaration. */
  declaration?: string;
  /** The function around the allocation tests is_vmalloc_addr(): the code decides at run time. */
  underVmallocCheck: boolean;
  /** The function the allocation or declaration sits in. */
  functionSpan?: Span;
  /** How the pointer got here, outermost last: "field ->buf", "returned by foo()". */
  via: readonly string[];
  /** The calls that handed it to a static helper's parameter (the "passed to foo()" steps), innermost first. */
  passedAt?: readonly { file: string; line: number; callee: string }[];
}

/** Resolved provenance: the possible sources, and whether some path stays unknown. */
export interface Provenance {
  sources: readonly PointerSource[];
  /** Some path gives memory the analysis cannot name (a parameter, an unknown call, …). */
  unknown: boolean;
}

/**
 * The struct type of a field expression's base, before the folder's types are known: the declared
 * type text of its root (a variable, a cast, container_of's type) and the members walked from it.
 */
export interface OwnerRef {
  type?: string;
  members: readonly string[];
}

/** A write of the reading function's own field expression, for the reaching-writes walk. */
export interface LocalWrite {
  /** FieldWriteFact.key of the write. */
  write: string;
  /** Before the read and not in the other branch of an if. */
  eligible: boolean;
  /** Runs on every path to the read (its block holds the read, not inside a condition). */
  dominates: boolean;
  /** After the read: a later call of the function reads it. */
  later: boolean;
}

/** The read of a struct field, resolved over the writes the folder's files make. */
export interface FieldRead {
  file: string;
  /** Where the read is (start of the expression): the composition's cache key. */
  key: string;
  field: string;
  /** `->` or `.`, for the step `field ->buf`. */
  operator: string;
  owner?: OwnerRef;
  /** Index of the reading function in its file (FileProvenanceFacts.functions). */
  fn?: number;
  /** The reading function's writes of the same expression text, in document order. */
  local: readonly LocalWrite[];
}

/** A part of a provenance that needs the folder: resolved by folderProvenance.ts. */
export type ProvenanceReference = { kind: 'helper'; name: string; from: string; via: readonly string[] } | { kind: 'field'; read: FieldRead; via: readonly string[] };

export type ProvenanceTerm = { kind: 'source'; source: PointerSource } | ProvenanceReference;

/** Provenance as one file sees it: sources and references in order, and the unknown paths. */
export interface SymbolicProvenance {
  terms: readonly ProvenanceTerm[];
  unknown: boolean;
  /** A non-static file-scope variable: another translation unit of a non-empty folder may assign it. */
  unknownInFolder: boolean;
}

/** An assignment to a struct field (`x->name = …`, `x.name op= …`). */
export interface FieldWriteFact {
  /** Start of the assignment in the file: identity within the file version. */
  key: string;
  owner?: OwnerRef;
  /** Index of the writing function (FileProvenanceFacts.functions), absent at file scope. */
  fn?: number;
  /** The left side's text without white space. */
  text: string;
}

/** An expression of a file with its provenance. */
export interface ArgumentFact {
  text: string;
  provenance: SymbolicProvenance;
}

export interface FunctionProvenance {
  name: string;
  isStatic: boolean;
  /** The `#if` branches around its definition (preprocessorBranchesOf()), of this file version. */
  branches: readonly string[];
  /** The union of its return values; null when it has no return statement with a value. */
  returns: SymbolicProvenance | null;
}

/**
 * Two definitions of one file in different branches of the same `#if`/`#ifdef` group: never
 * compiled together, so a field one writes cannot be what the other reads (kernel/events/
 * ring_buffer.c 6.1 stores vmalloc_user() memory in `rb->user_page` under
 * CONFIG_PERF_USE_VMALLOC and reads it with virt_to_page() in the `#ifndef` branch).
 */
export function exclusivePreprocessorBranches(a: readonly string[], b: readonly string[]): boolean {
  if (a.length === 0 || b.length === 0) return false;
  const groupOf = (branch: string) => branch.slice(0, branch.indexOf(':'));
  const groups = new Map(a.map((branch) => [groupOf(branch), branch]));
  return b.some((branch) => {
    const other = groups.get(groupOf(branch));
    return other !== undefined && other !== branch;
  });
}

/** A free call, for fixes that rewrite a folder's frees of one allocation. */
export interface FreeFact {
  /** Start of the call: identity within the file version. */
  key: string;
  api: string;
  calleeSpan: Span;
  /** The argument at the API's pointer position (FreeApi.args.pointer). */
  pointer?: ArgumentFact;
  /** The first argument (vfree(), kvfree()). */
  first?: ArgumentFact;
}

/** What a use of a contiguous-memory sink names, for messages (rules/ words them). */
export type SinkRef = { kind: 'call'; name: string } | { kind: 'field'; owner: string; field: string };

/** A use that rejects vmalloc memory, with the expression that must point at linear-map memory. */
export interface RejectingUseFact {
  sink: SinkRef;
  /** 0-based document row of the call or assignment. */
  line: number;
  buffer: SymbolicProvenance;
  /** For a field sink whose owner is required or checked: the base's type, told by the folder. */
  owner?: OwnerRef;
  ownerRequired: boolean;
}

/**
 * A file's provenance summary: what another file of its folder reads of it. Plain data, built
 * once per file version while its tree is there (AnalysisDatabase.provenanceSummary).
 */
export interface ProvenanceSummary {
  path: string;
  /** Struct, union and typedef declarations of the file (text scan), for owner types. */
  types: TypeDeclarations;
  functions: readonly FunctionProvenance[];
  /** Field writes by field name, in document order, each with the provenance of the stored value. */
  writes: ReadonlyMap<string, readonly StoredWrite[]>;
  frees: readonly FreeFact[];
  /** Arguments of calls that need vmalloc memory (remap_vmalloc_range(), vmalloc_to_page(), …). */
  vmallocOnlyUses: readonly ArgumentFact[];
  rejectingUses: readonly RejectingUseFact[];
  /** Field names the file tests with is_vmalloc_addr(). */
  vmallocCheckedNames: readonly string[];
  /** Parameters that reach a DMA sink and calls that pass them on (parameterSinks.ts); absent when none. */
  dmaBufferFlows?: DmaBufferFlows;
  /** The model configuration and macro table the entries were made with. */
  contextKey: string;
  /** Per definition, in FileFacts.functions order: what the next version reuses (provenanceSummary.ts). */
  entries: readonly FunctionProvenanceEntry[];
}

export type StoredWrite = FieldWriteFact & { value: SymbolicProvenance };

/** One definition's part of a summary; positions (`row:column`) order the file's lists. */
export interface FunctionProvenanceEntry {
  /** Start column and text of the definition: what the entry is reused by. */
  key: string;
  startRow: number;
  /** Its index in FileFacts.functions. */
  index: number;
  /** Its answers read nothing of the file outside the definition. */
  selfContained: boolean;
  returns: SymbolicProvenance | null;
  writes: readonly { field: string; write: StoredWrite }[];
  frees: readonly FreeFact[];
  vmallocOnlyUses: readonly { at: string; use: ArgumentFact }[];
  rejectingUses: readonly { at: string; kind: 'call' | 'field'; use: RejectingUseFact }[];
}

export const UNKNOWN: SymbolicProvenance = { terms: [], unknown: true, unknownInFolder: false };
export const NOTHING: SymbolicProvenance = { terms: [], unknown: false, unknownInFolder: false };

function termKey(term: ProvenanceTerm): string {
  if (term.kind === 'source') return term.source.key;
  const via = term.via.join('\u0001');
  return term.kind === 'helper' ? `h:${term.from}:${term.name}:${via}` : `f:${term.read.file}:${term.read.key}:${via}`;
}

/** The union of provenances: the first occurrence of a source wins, order kept. */
export function mergeSymbolic(parts: readonly SymbolicProvenance[]): SymbolicProvenance {
  if (parts.length === 1) return parts[0];
  const terms: ProvenanceTerm[] = [];
  const seen = new Set<string>();
  let unknown = false;
  let unknownInFolder = false;
  for (const part of parts) {
    unknown ||= part.unknown;
    unknownInFolder ||= part.unknownInFolder;
    for (const term of part.terms) {
      const key = termKey(term);
      if (seen.has(key)) continue;
      seen.add(key);
      terms.push(term);
    }
  }
  return { terms, unknown, unknownInFolder };
}

/** The same provenance one step further out (`returned by foo()`). */
export function taggedSymbolic(provenance: SymbolicProvenance, step: string): SymbolicProvenance {
  return {
    ...provenance,
    terms: provenance.terms.map((term) => (term.kind === 'source' ? { kind: 'source', source: { ...term.source, via: [...term.source.via, step] } } : { ...term, via: [...term.via, step] })),
  };
}

export function merge(parts: readonly Provenance[]): Provenance {
  const sources: PointerSource[] = [];
  const seen = new Set<string>();
  let unknown = false;
  for (const part of parts) {
    unknown ||= part.unknown;
    for (const source of part.sources) {
      if (seen.has(source.key)) continue;
      seen.add(source.key);
      sources.push(source);
    }
  }
  return { sources, unknown };
}

export function tagged(provenance: Provenance, steps: readonly string[]): Provenance {
  if (steps.length === 0) return provenance;
  return { ...provenance, sources: provenance.sources.map((source) => ({ ...source, via: [...source.via, ...steps] })) };
}
