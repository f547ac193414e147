// Interprocedural provenance over a driver folder: resolves what a file's engine leaves as
// references (provenanceFacts.ts) — helper returns and struct-field reads — over the analysed
// file's own engine and its folder's provenance summaries. A sibling file contributes its
// ProvenanceSummary (plain data), never its tree. Struct types are keyed by name: a struct the
// folder defines is followed across the folder's files; a struct defined elsewhere (a core type
// such as struct usb_request, shared by unrelated drivers of one folder) only within the reading
// function.
import type { Node } from 'web-tree-sitter';
import type { RecordDecl, TypeDeclarations } from '../../parsing/typeDeclarations';
import { callArguments, calleeName, calleeNames, spanOf } from '../../parsing/syntax';
import type { FileFacts } from '../fileFacts';
import { DmaBufferLookup, DmaParameterReach, folderDmaReach } from '../index/provenanceIndex';
import { DmaPasses, dmaBufferFlowsOf } from './parameterSinks';
import { ContiguousUse, contiguousUses, rejectsVmalloc } from './contiguousUses';
import { FileProvenance, isStaticFunction, preprocessorBranchesOf, vmallocCheckedNamesOf, vmallocOnlyArgument, vmallocOnlyCalls } from './provenance';
import {
  ArgumentFact,
  FieldRead,
  FieldWriteFact,
  FreeFact,
  OwnerRef,
  Provenance,
  ProvenanceSummary,
  SinkRef,
  SymbolicProvenance,
  exclusivePreprocessorBranches,
  merge,
  tagged,
} from './provenanceFacts';

const UNKNOWN: Provenance = { sources: [], unknown: true };
const NOTHING: Provenance = { sources: [], unknown: false };

/** What the composition reads of one file: the analysed file's live engine, or a sibling's summary. */
interface ComposedFile {
  readonly path: string;
  readonly types: TypeDeclarations;
  readonly functions: readonly { name: string; isStatic: boolean; branches: readonly string[] }[];
  returnsOf(index: number): SymbolicProvenance | null;
  writesOf(field: string): readonly FieldWriteFact[];
  writeValue(write: FieldWriteFact): SymbolicProvenance;
}

function liveFile(engine: FileProvenance, types: TypeDeclarations): ComposedFile {
  let functions: { name: string; isStatic: boolean; branches: readonly string[] }[] | undefined;
  return {
    path: engine.path,
    types,
    get functions() {
      functions ??= engine.facts.functions.map((fn) => ({ name: fn.name, isStatic: isStaticFunction(fn.node), branches: preprocessorBranchesOf(fn.node) }));
      return functions;
    },
    returnsOf: (index) => engine.returnsOf(index),
    writesOf: (field) => engine.writesOf(field),
    writeValue: (write) => engine.writeValue(write),
  };
}

function summaryFile(summary: ProvenanceSummary): ComposedFile {
  return {
    path: summary.path,
    types: summary.types,
    functions: summary.functions,
    returnsOf: (index) => summary.functions[index].returns,
    writesOf: (field) => summary.writes.get(field) ?? [],
    writeValue: (write) => (write as FieldWriteFact & { value: SymbolicProvenance }).value,
  };
}

interface FolderWrite {
  file: ComposedFile;
  write: FieldWriteFact;
}

/** A free call of the folder, with the file it is in (the analysed file first). */
export interface FolderFree {
  file: string;
  free: FreeFact;
}

/** A use that rejects vmalloc memory and receives an allocation, with where it is. */
export interface RejectingUse {
  sink: SinkRef;
  /** 0-based document row. */
  line: number;
  file: string;
}

/** A call of the analysed file handing memory to a function whose parameter reaches a DMA sink. */
export interface HelperSinkCall {
  at: Node;
  buffer: Node;
  callee: string;
  reach: DmaParameterReach;
}

/** Names called in a text, each once: `name (`. */
function calledNames(text: string): Set<string> {
  const names = new Set<string>();
  for (const match of text.matchAll(/\b([A-Za-z_]\w*)\s*\(/g)) names.add(match[1]);
  return names;
}

/**
 * The provenance of one file within its folder. Results are cached, so rules and hovers can ask
 * freely; the database keeps one per (file version, folder).
 */
export class FolderProvenance {
  private readonly files: readonly ComposedFile[];
  private readonly self: ComposedFile;
  private readonly functionsByName = new Map<string, { file: ComposedFile; index: number; isStatic: boolean }[]>();
  private structTable?: Map<string, Map<string, string>>;
  private typedefs?: Map<string, string>;
  private readonly owners = new WeakMap<OwnerRef, string | undefined>();
  private readonly helperCache = new Map<string, Provenance>();
  private readonly readCache = new Map<string, Provenance>();
  private readonly inProgress = new Set<string>();
  private checked?: Set<string>;
  private uses?: ContiguousUse[];
  private dmaDerivation?: { tree?: DmaBufferLookup; derivation: ReturnType<typeof folderDmaReach> };
  private helperCalls?: { tree?: DmaBufferLookup; calls: HelperSinkCall[] };

  constructor(
    readonly facts: FileFacts,
    /** The analysed file's engine: its own expressions are read from its tree. */
    readonly engine: FileProvenance,
    types: TypeDeclarations,
    /** The provenance summaries of the folder's other files. */
    readonly siblings: readonly ProvenanceSummary[],
    /** How many files the folder view holds: a non-static global may be assigned in another. */
    private readonly folderSize: number,
    /** The previous version's DMA passes of the analysed file and where this version's go (parameterSinks.ts). */
    private readonly dmaPasses?: { previous?: DmaPasses; next: Map<string, readonly (string | number)[]> },
  ) {
    this.self = liveFile(engine, types);
    this.files = [this.self, ...siblings.map(summaryFile)];
  }

  /** Provenance of the memory an expression of the analysed file points to. */
  of(node: Node): Provenance {
    return this.resolve(this.engine.of(node));
  }

  /** A provenance of the analysed file or of a sibling's summary, with its references resolved. */
  resolve(provenance: SymbolicProvenance): Provenance {
    const parts: Provenance[] = [];
    for (const term of provenance.terms) {
      if (term.kind === 'source') parts.push({ sources: [term.source], unknown: false });
      else if (term.kind === 'helper') parts.push(tagged(this.helper(term.name, term.from), term.via));
      else parts.push(tagged(this.fieldRead(term.read), term.via));
    }
    const merged = merge(parts);
    const unknown = merged.unknown || provenance.unknown || (provenance.unknownInFolder && this.folderSize > 0);
    return unknown === merged.unknown ? merged : { ...merged, unknown };
  }

  /** Field names the analysed file or its folder tests with is_vmalloc_addr(). */
  vmallocCheckedNames(): ReadonlySet<string> {
    if (!this.checked) {
      const names = vmallocCheckedNamesOf(this.facts);
      for (const sibling of this.siblings) sibling.vmallocCheckedNames.forEach((name) => names.add(name));
      this.checked = names;
    }
    return this.checked;
  }

  /** The analysed file's contiguous-memory uses (contiguousUses.ts), field owners told by the folder's types. */
  contiguousUses(): readonly ContiguousUse[] {
    this.uses ??= contiguousUses(this.facts, this.engine, (owner) => this.ownerType(owner));
    return this.uses;
  }

  /**
   * Calls of the analysed file that hand memory to a function whose parameter reaches a DMA sink
   * (analysis/index/provenanceIndex.ts), through helpers in its folder or, for names the folder
   * does not define, in the kernel tree's index (`tree`): the folder's definitions win (the code
   * being edited is newer than the tree's copy). A static function of the file is left out: its
   * sinks are checked where they are, with its callers' memory (provenance.ts ofParameter()).
   */
  helperSinkCalls(tree?: DmaBufferLookup): readonly HelperSinkCall[] {
    if (this.helperCalls && this.helperCalls.tree === tree) return this.helperCalls.calls;
    const ownStatic = new Set(this.self.functions.filter((fn) => fn.isStatic).map((fn) => fn.name));
    const folderDefined = new Set(this.files.flatMap((file) => file.functions.map((fn) => fn.name)));
    const derivation = this.dmaBuffers(tree);
    const wanted = [...calledNames(this.facts.text)].filter((name) => !ownStatic.has(name) && (folderDefined.has(name) ? derivation.mayReach(name) : !!tree?.has(name)));
    const calls: HelperSinkCall[] = [];
    if (wanted.length > 0) {
      for (const call of this.facts.callsTo(calleeNames(wanted))) {
        const callee = calleeName(call)!;
        callArguments(call).forEach((buffer, position) => {
          const reach = folderDefined.has(callee) ? derivation.reachOf(callee, position) : tree?.reach(callee, position);
          if (reach) calls.push({ at: call, buffer, callee, reach });
        });
      }
    }
    this.helperCalls = { tree, calls };
    return calls;
  }

  /** The folder's parameter flows composed (the analysed file's from its engine), calls into the tree answered by `tree`. */
  private dmaBuffers(tree: DmaBufferLookup | undefined): ReturnType<typeof folderDmaReach> {
    if (this.dmaDerivation && this.dmaDerivation.tree === tree) return this.dmaDerivation.derivation;
    const own = { path: this.facts.path, functions: this.self.functions, dmaBufferFlows: dmaBufferFlowsOf(this.engine, contiguousUses(this.facts, this.engine), this.dmaPasses) };
    const derivation = folderDmaReach([own, ...this.siblings], this.facts.config, (path) => path.split('/').pop() ?? path, tree && ((name, parameter) => tree.reach(name, parameter)));
    this.dmaDerivation = { tree, derivation };
    return derivation;
  }

  /** Every free call of the folder, the analysed file's first. */
  frees(): FolderFree[] {
    const own = this.facts.frees.map((free): FolderFree => {
      const index = free.api.args.pointer;
      const pointer = index === undefined ? undefined : free.args[index];
      return {
        file: this.facts.path,
        free: {
          key: `${free.call.startPosition.row}:${free.call.startPosition.column}`,
          api: free.api.name,
          calleeSpan: spanOf(free.call.childForFieldName('function') ?? free.call),
          pointer: pointer ? this.argument(pointer) : undefined,
          first: free.args[0] && (free.api.name === 'vfree' || free.api.name === 'kvfree') ? this.argument(free.args[0]) : undefined,
        },
      };
    });
    return [...own, ...this.siblings.flatMap((sibling) => sibling.frees.map((free) => ({ file: sibling.path, free })))];
  }

  /** Arguments of the folder's calls that need vmalloc memory (remap_vmalloc_range(), …). */
  vmallocOnlyUses(): ArgumentFact[] {
    const own: ArgumentFact[] = [];
    for (const call of vmallocOnlyCalls(this.facts)) {
      const argument = vmallocOnlyArgument(call);
      if (argument) own.push(this.argument(argument));
    }
    return [...own, ...this.siblings.flatMap((sibling) => sibling.vmallocOnlyUses)];
  }

  private argument(node: Node): ArgumentFact {
    return { text: node.text, provenance: this.engine.of(node) };
  }

  /**
   * The first use in the folder (the analysed file first) that rejects vmalloc memory and may
   * receive the memory of the allocation `call` of the analysed file.
   */
  vmallocRejectingUseOf(call: Node): RejectingUse | undefined {
    const path = this.facts.path;
    const row = call.startPosition.row;
    const column = call.startPosition.column;
    const isCall = (provenance: Provenance) =>
      provenance.sources.some((source) => source.file === path && source.origin !== 'stack' && source.span.startLine === row && source.span.startColumn === column);
    for (const use of this.contiguousUses()) {
      if (!rejectsVmalloc(use)) continue;
      if (isCall(this.of(use.buffer))) {
        const sink: SinkRef = use.kind === 'call' ? { kind: 'call', name: use.name } : { kind: 'field', owner: use.field.owner, field: use.field.field };
        return { sink, line: use.at.startPosition.row, file: path };
      }
    }
    for (const sibling of this.siblings) {
      for (const use of sibling.rejectingUses) {
        if (use.sink.kind === 'field') {
          const owner = this.ownerType(use.owner);
          if (owner ? owner !== use.sink.owner : use.ownerRequired) continue;
        }
        if (isCall(this.resolve(use.buffer))) return { sink: use.sink, line: use.line, file: sibling.path };
      }
    }
    return undefined;
  }

  /**
   * The function a call of `name` in the file `from` reaches: its own file's definition, else the
   * one non-static definition of the folder (a static function of a sibling is another function).
   */
  private functionNamed(name: string, from: string): { file: ComposedFile; index: number } | undefined {
    if (this.functionsByName.size === 0) {
      for (const file of this.files) {
        file.functions.forEach((fn, index) => {
          const list = this.functionsByName.get(fn.name) ?? [];
          list.push({ file, index, isStatic: fn.isStatic });
          this.functionsByName.set(fn.name, list);
        });
      }
    }
    const list = this.functionsByName.get(name) ?? [];
    const local = list.filter((entry) => entry.file.path === from);
    if (local.length > 0) return local.length === 1 ? local[0] : undefined;
    const visible = list.filter((entry) => !entry.isStatic);
    return visible.length === 1 ? visible[0] : undefined;
  }

  /** Memory returned by a helper function of the driver folder: the union of its returns. */
  private helper(name: string, from: string): Provenance {
    const target = this.functionNamed(name, from);
    if (!target) return UNKNOWN;
    const key = `${target.file.path}:${name}`;
    const cached = this.helperCache.get(key);
    if (cached) return cached;
    if (this.inProgress.has(key)) return NOTHING;
    this.inProgress.add(key);
    const returns = target.file.returnsOf(target.index);
    const result = returns === null ? UNKNOWN : tagged(this.resolve(returns), [`returned by ${name}()`]);
    this.inProgress.delete(key);
    this.helperCache.set(key, result);
    return result;
  }

  /**
   * `obj->field`: what any write of that field in the folder stored. Dominated by writes of the
   * same expression earlier in the reading function: only those. Otherwise also every write made
   * elsewhere, and local writes after the read — a field outlives the call, so the next call
   * reads them (`kfree(ctx->buf); ctx->buf = new;`). A write in the other branch of an if does not count.
   */
  private fieldRead(read: FieldRead): Provenance {
    const key = `${read.file}:${read.key}`;
    const cached = this.readCache.get(key);
    if (cached) return cached;
    if (this.inProgress.has(key)) return NOTHING;
    this.inProgress.add(key);
    const result = this.computeFieldRead(read);
    this.inProgress.delete(key);
    this.readCache.set(key, result);
    return result;
  }

  private computeFieldRead(read: FieldRead): Provenance {
    const file = this.files.find((candidate) => candidate.path === read.file);
    const all = file ? this.fieldWritesOf(read, file) : undefined;
    if (!file || !all) return UNKNOWN;
    const inAll = new Set(all.filter((entry) => entry.file === file).map((entry) => entry.write.key));
    const local = read.local.filter((write) => inAll.has(write.write));
    const localKeys = new Set(local.map((write) => write.write));
    const later = new Set(local.filter((write) => write.later).map((write) => write.write));
    // The reaching-definitions walk of provenance.ts over the local writes, latest first.
    const reaching = new Set<string>();
    let dominated = false;
    for (let index = local.length - 1; index >= 0; index--) {
      const write = local[index];
      if (!write.eligible) continue;
      reaching.add(write.write);
      if (write.dominates) {
        dominated = true;
        break;
      }
    }
    const own = (entry: FolderWrite) => entry.file === file;
    const branchesOf = (fn: number | undefined) => (fn === undefined ? [] : (file.functions[fn]?.branches ?? []));
    const relevant = all.filter(
      (entry) =>
        !(own(entry) && exclusivePreprocessorBranches(branchesOf(entry.write.fn), branchesOf(read.fn))) &&
        ((own(entry) && reaching.has(entry.write.key)) || (!dominated && (!(own(entry) && localKeys.has(entry.write.key)) || (own(entry) && later.has(entry.write.key))))),
    );
    const parts = relevant.map((entry) => {
      const stored = this.resolve(entry.file.writeValue(entry.write));
      // A stack buffer parked in a field is only that buffer inside the function that parked it.
      const inFunction = own(entry) && read.fn !== undefined && entry.write.fn === read.fn;
      return inFunction ? stored : { ...stored, sources: stored.sources.filter((source) => source.origin !== 'stack') };
    });
    return tagged(merge(parts), [`field ${read.operator}${read.field}`]);
  }

  /**
   * The writes that can fill the field a read reads. A read whose struct type cannot be told uses
   * its file's writes of that field name, if they all write one struct type. Undefined when
   * nothing writes it.
   */
  private fieldWritesOf(read: FieldRead, file: ComposedFile): FolderWrite[] | undefined {
    const owner = this.ownerType(read.owner);
    const sameFile = file.writesOf(read.field).map((write) => ({ file, write }));
    let relevant: FolderWrite[];
    if (owner && this.structs().has(owner)) {
      relevant = [
        ...this.files.flatMap((other) =>
          other
            .writesOf(read.field)
            .filter((write) => this.ownerType(write.owner) === owner)
            .map((write) => ({ file: other, write })),
        ),
        ...sameFile.filter((entry) => this.ownerType(entry.write.owner) === undefined),
      ];
    } else if (owner) {
      // A core struct (struct fw_packet, struct fb_info) stands for many objects: only writes in
      // the reading function are about the object read.
      relevant = sameFile.filter((entry) => {
        const type = this.ownerType(entry.write.owner);
        return (type === owner || type === undefined) && read.fn !== undefined && entry.write.fn === read.fn;
      });
    } else {
      const owners = new Set(sameFile.map((entry) => this.ownerType(entry.write.owner)).filter((type): type is string => !!type));
      if (owners.size > 1) return undefined;
      relevant = sameFile;
    }
    return relevant.length > 0 ? relevant : undefined;
  }

  /** The struct type an owner reference designates, with the folder's types and typedefs. */
  ownerType(owner: OwnerRef | undefined): string | undefined {
    if (!owner) return undefined;
    if (this.owners.has(owner)) return this.owners.get(owner);
    let type = this.normalType(owner.type);
    for (const member of owner.members) type = type ? this.normalType(this.structs().get(type)?.get(member)) : undefined;
    this.owners.set(owner, type);
    return type;
  }

  /** Struct and union member types of the folder (.c and .h), by `struct name` or typedef name. */
  private structs(): Map<string, Map<string, string>> {
    if (this.structTable) return this.structTable;
    const table = new Map<string, Map<string, string>>();
    const typedefs = new Map<string, string>();
    const add = (name: string, record: RecordDecl) => {
      if (table.has(name)) return;
      table.set(name, new Map(record.members.filter((member) => member.name).map((member) => [member.name!, member.type.base])));
    };
    for (const file of this.files) {
      const declarations = file.types;
      for (const record of declarations.records) if (record.name) add(`${record.kind} ${record.name}`, record);
      for (const typedef of declarations.typedefs) {
        if (typedef.type.record) add(typedef.name, typedef.type.record);
        else if (typedef.type.pointers === 0) typedefs.set(typedef.name, typedef.type.base);
      }
    }
    this.typedefs = typedefs;
    this.structTable = table;
    return table;
  }

  private normalType(type: string | undefined): string | undefined {
    if (!type) return undefined;
    const cleaned = type
      .replace(/\b(const|volatile)\b/g, '')
      .replace(/[*\s]+$/g, '')
      .replace(/\s+/g, ' ')
      .trim();
    if (!cleaned || cleaned === 'void') return undefined;
    this.structs();
    return this.typedefs?.get(cleaned) ?? cleaned;
  }
}
