// The one owner of analysis state. The language server holds one database, each CLI worker holds
// one; nothing else caches analysis results. Every table, its key and how it is invalidated:
//
// - `summaries`   FileFacts → FileSummary. A file version's function summaries (plain data). Built
//                 from the previous version of the same path (`latest`), so unchanged definitions
//                 keep their summaries (analysis/summaries/fileSummary.ts checks their recorded
//                 dependencies). Dropped with the FileFacts object (a WeakMap of this instance).
// - `latest`      path → the newest FileSummary of that path: the base of the next version. Bounded
//                 (LATEST_LIMIT paths, least recently used dropped).
// - `sizeData`    FileFacts → what the file version gives the size scopes of itself and its folder
//                 (its #defines, type declarations, local includes: sizes/sizeData.ts), plain data
//                 that holds no tree. Every size table below reads sizeData only, never a sibling's
//                 FileFacts. Dropped with the FileFacts object.
// - `headerMacros` the ids of an included-header version set (SizeData.id, in include order) →
//                 their merged macro table and its key. A keystroke in the file that includes them
//                 reuses it; an edit of a header makes a new id, so a new entry. Bounded
//                 (HEADER_MEMO_LIMIT entries, least recently used dropped).
// - `macros`      FileFacts → its macro scope (its own #defines layered over `headerMacros`) and
//                 key; valid while the headers it includes resolve to the same SizeData.
// - `folderTypes` the ids of the included headers, then of the other files of the folder → their
//                 type names (one TypeLayer); `ownTypes` TypeDeclarations → the file's own layer,
//                 so a body edit that reuses the declarations reuses it. A file's bound scope is
//                 its own layer over the folder's. Bounded (FOLDER_TYPES_LIMIT entries).
// - `headerTypes` the kernel tree's header types (KernelFacts.headerTypes, index/headerTypes.ts) →
//                 their TypeLayer, the lowest layer of every bound scope whose configuration the
//                 table holds for; replaced with the facts (setKernelFacts()).
// - `pathNames`   FileFacts → the names path conditions read from it (#defines, `__noreturn`
//                 declarations), the previous version's object (`latestPathNames`, path → newest,
//                 bounded like `latest`) when the names are the same; each object has a number
//                 (`pathNamesIds`). `folderPathUnions` the members' numbers → their union over the
//                 folder, with a key (bounded, FOLDER_PATHS_LIMIT): a keystroke that leaves the
//                 file's names as they were reuses the union without reading the folder;
//                 `folderPaths` folder index → its union. A summary records the names it looked
//                 up (dependencies.definedMacros, .noReturn), and a file summary built with
//                 another key re-checks them.
// - `pathSets`    the sorted resolved paths of a folder index → a number (`pathSetIds` per index):
//                 a file's macro scope stays valid for a new index of the same paths while each
//                 header it found is still the version there (a keystroke elsewhere in the folder).
// - `latestGlobals` path → the last bound version's global variables by declaration text
//                 (sizes/sizeScope.ts): the next version's binding reads only the declarations
//                 whose text changed. Bounded (LATEST_GLOBALS_LIMIT: the files being typed in).
// - `compositions` folder key (paths and semantic keys of the members, the kernel facts generation) → AtomicComposition. A body
//                 edit that leaves every summary's semantic key equal reuses the composition. Bounded
//                 (COMPOSITION_LIMIT entries, or the `compositions` option: a CLI task keeps one).
// - `atomicFindings` FileFacts → findings of the atomic rules for one folder view.
// - `functionResults` path and rule family → per-function results over the file's atomic view
//                 (rules/atomicContext.ts: each function's findings), for the newest version
//                 analysed. The whole entry holds for one composition object, kernel lookup, macro
//                 scope key, model configuration and position of the file among its folder's; within
//                 it, function i's result is kept with what computing it read of the view
//                 (locks/viewReads.ts: sibling FileSummary objects, the file's function entries by
//                 summary object and rows, other file fields by value) and reused while all of that
//                 is unchanged, so a keystroke re-runs the rules of the edited function only (and of
//                 those whose chain reads it). Bounded (FUNCTION_RESULTS_LIMIT entries, least
//                 recently used dropped).
// - `latestDmaPasses` path → the DMA passes (a parameter handed to a callee, provenance/parameterSinks.ts)
//                 of each definition of the file's last analysed version, by start column and text:
//                 the next version's FolderProvenance reuses them for unchanged definitions whose
//                 passes read nothing outside them. Bounded (LATEST_GLOBALS_LIMIT: the files being typed in).
// - `kernel`      the kernel tree's derived sleep facts (index/kernelFacts.ts), set whole by
//                 setKernelFacts(); a view made with other facts is not reused (`views` compares it).
//                 Its header macros (index/headerMacros.ts) join the summaries' macro key, so a
//                 file summary made with other ones is redone (`summaries` above).
// - `declarations` FileFacts → its type declarations (the text-level scan of parsing/typeDeclarations.ts);
//                 `latestDeclarations` path → the newest version's, reused for a body edit that
//                 cannot change them or an edit of a line's indentation (bounded like `latest`).
// - `bound`       FileFacts → the view with its constant scope bound to one folder (withBoundScope):
//                 a new object; the FileFacts it came from never changes.
// - `provenanceEngines` FileFacts (the view the rules read, so the current file's allocation
//                 sizes are the folder-bound ones) → FileProvenance: the per-file provenance engine
//                 over that file version's tree (analysis/provenance/provenance.ts).
// - `provenanceSummaries` FileFacts (base) → ProvenanceSummary: what the file's folder siblings
//                 read of it (returns, field writes, frees, sink uses; plain data), built once per
//                 file version while its tree is there (prepareFolder builds them ahead), from the
//                 previous version's (`latestProvenance`, path → newest summary, bounded like
//                 `latest`): a definition with the same text whose answers read nothing outside it
//                 keeps its entry (analysis/provenance/provenanceSummary.ts).
// - `provenanceViews` FileFacts → FolderProvenance for one folder view: the composition over the
//                 file's engine and its siblings' provenance summaries (never a sibling's tree).
// Every table is keyed by a FileFacts object (a file version) and dies with it; views made by
// withBoundScope share their base's entries where the answer does not depend on the folder.
import { RegistrationTables, registrationTables } from './locks/callbacks';
import type { MacroDefinition } from './sizes/constants';
import { FileFacts, withBoundScope } from './fileFacts';
import { FileProvenance } from './provenance/provenance';
import { summarizeProvenance } from './provenance/provenanceSummary';
import { FolderProvenance } from './provenance/folderProvenance';
import type { ProvenanceSummary } from './provenance/provenanceFacts';
import type { DmaPasses } from './provenance/parameterSinks';
import { DeclaredVariables, bindSizeScope } from './sizes/sizeScope';
import { MacroTable, SizeData, fileMacroTable, includedHeaders, mergeHeaderMacros } from './sizes/sizeData';
import { TypeLayer, typeLayer } from './sizes/structLayout';
import { TypeDeclarations, collectTypeDeclarations } from '../parsing/typeDeclarations';
import { AtomicComposition, ComposedFiles, composeAtomic } from './locks/atomicEntry';
import { ViewReads, emptyReads, recordingView, sameReads } from './locks/viewReads';
import * as path from 'path';
import { FileSummary, hashText, summarizeFile } from './summaries/fileSummary';
import { FilePathNames, FolderPathFacts, filePathNames, macroPrefix } from './paths/pathConditions';
import type { KernelFacts } from './index/kernelFacts';
import { DmaBufferLookup, dmaBufferLookup } from './index/provenanceIndex';
import { KernelLookup, KernelView, kernelLookup } from './index/kernelSleeps';
import { HeaderTypeTable, headerTypeLayer, headerTypesFor } from './index/headerTypes';
import { HeaderMacroLookup, headerMacroLookup, headerMacrosFor } from './index/headerMacros';
import type { ModelConfig } from '../model/config';

const LATEST_LIMIT = 2048;
/** Per-function result tables kept (path and rule family): the few files being typed in. */
const FUNCTION_RESULTS_LIMIT = 16;
const COMPOSITION_LIMIT = 64;
/** Member indexes hold FileFacts (texts, node lists): only the few folders in use are kept. */
const MEMBER_INDEX_LIMIT = 4;
/**
 * Header macro tables kept: more than one folder's include sets (a folder is read up to
 * MAX_FOLDER_FILES files), so summarising the folder of an opened file does not evict the table
 * its next keystroke needs.
 */
const HEADER_MEMO_LIMIT = 512;
/** Folder type layers kept: one per file being edited (each holds a folder's type names). */
const FOLDER_TYPES_LIMIT = 8;
/** Folder path-name unions kept (each holds a folder's #defined names): a few folders in use. */
const FOLDER_PATHS_LIMIT = 8;
/**
 * Files whose last version's global variables are kept for the next (by declaration text, which
 * holds the text alive): the few files being typed in; the CLI binds each file once.
 */
const LATEST_GLOBALS_LIMIT = 8;
/** Path sets of folder indexes numbered (pathSetOf): a few folders in use. */
const PATH_SETS_LIMIT = 16;

/** How often the size tables were computed rather than reused (tests and benches read it). */
export interface SizeWork {
  /** Type-declaration scans of a file's text (parsing/typeDeclarations.ts). */
  declarationScans: number;
  /** Merges of an included-header set's macros (sizes/sizeData.ts mergeHeaderMacros). */
  headerMacroMerges: number;
  /** Type layers built over a folder's files (the included headers and the rest). */
  folderTypeLayers: number;
}

/** A file's atomic analysis within its folder: current summaries, and the composition over them. */
export interface AtomicView extends ComposedFiles {
  /** Summaries of the file and its folder, sorted by path. */
  readonly files: readonly FileSummary[];
  /** Index of the analysed file in `files`. */
  readonly self: number;
  /** The kernel tree's derived facts, when the database has them. */
  readonly kernel?: KernelView;
}

export interface DatabaseOptions {
  /**
   * Folder compositions kept (COMPOSITION_LIMIT by default). A composition over a large folder
   * holds tens of MB; a CLI folder task reuses one member set at a time, and each of its files past
   * MAX_FOLDER_FILES has a member set of its own that no other file reads.
   */
  compositions?: number;
}

export class AnalysisDatabase {
  constructor(private readonly options: DatabaseOptions = {}) {}

  private readonly tables: RegistrationTables = registrationTables();
  private readonly summaries = new WeakMap<FileFacts, FileSummary>();
  private readonly latest = new Map<string, FileSummary>();
  private readonly sizeDataTable = new WeakMap<FileFacts, SizeData>();
  private readonly sizeIndexes = new WeakMap<ReadonlyMap<string, FileFacts>, Map<string, SizeData>>();
  private readonly headerMacros = new Map<string, MacroTable>();
  private readonly macros = new WeakMap<FileFacts, { headers: readonly SizeData[]; macros: ReadonlyMap<string, MacroDefinition>; key: string; byPath: ReadonlyMap<string, FileFacts> }>();
  private readonly folderTypes = new Map<string, TypeLayer>();
  private readonly ownTypes = new WeakMap<TypeDeclarations, TypeLayer>();
  private readonly headerTypes = new WeakMap<HeaderTypeTable, TypeLayer>();
  private nextSizeDataId = 1;
  /** What the size tables computed so far. */
  readonly sizeWork: SizeWork = { declarationScans: 0, headerMacroMerges: 0, folderTypeLayers: 0 };
  private readonly memberIndexes = new Map<string, { members: readonly FileFacts[]; byPath: Map<string, FileFacts> }>();
  private readonly folderIndexes = new WeakMap<readonly FileFacts[], Map<string, FileFacts>>();
  private readonly pathNames = new WeakMap<FileFacts, FilePathNames>();
  private readonly latestPathNames = new Map<string, FilePathNames>();
  private readonly pathNamesIds = new WeakMap<FilePathNames, number>();
  private nextPathNamesId = 1;
  private readonly folderPathUnions = new Map<string, FolderPathFacts>();
  private readonly latestGlobals = new Map<string, ReadonlyMap<string, DeclaredVariables>>();
  private readonly pathSetIds = new WeakMap<ReadonlyMap<string, FileFacts>, number>();
  private readonly pathSets = new Map<string, number>();
  private nextPathSetId = 1;
  private readonly folderPaths = new WeakMap<ReadonlyMap<string, FileFacts>, FolderPathFacts>();
  private readonly compositions = new Map<string, AtomicComposition>();
  private readonly views = new WeakMap<FileFacts, { folder: readonly FileFacts[]; kernel?: KernelLookup; view: AtomicView }>();
  private kernel?: KernelLookup;
  private kernelSource?: KernelFacts;
  /** Bumped by setKernelFacts(): compositions made with other facts are not reused. */
  private kernelGeneration = 0;
  private kernelDmaBufferLookup?: DmaBufferLookup;
  private headerMacroLookup?: HeaderMacroLookup;
  private readonly findings = new WeakMap<FileFacts, { view: AtomicView; value: unknown }>();
  private readonly functionResultTables = new Map<string, FunctionResultTable>();
  private readonly latestDmaPasses = new Map<string, DmaPasses>();
  /** How often per-function results were computed rather than reused (tests and benches read it). */
  readonly functionWork = { computed: 0, reused: 0 };
  private readonly declarations = new WeakMap<FileFacts, TypeDeclarations>();
  private readonly latestDeclarations = new Map<string, { text: string; declarations: TypeDeclarations }>();
  private readonly bound = new WeakMap<FileFacts, { folder: readonly FileFacts[]; headers?: TypeLayer; view: FileFacts }>();
  private readonly provenanceEngines = new WeakMap<FileFacts, FileProvenance>();
  private readonly provenanceSummaries = new WeakMap<FileFacts, ProvenanceSummary>();
  private readonly latestProvenance = new Map<string, ProvenanceSummary>();
  private readonly provenanceViews = new WeakMap<FileFacts, { folder: readonly FileFacts[]; composition: FolderProvenance }>();
  private readonly declarationsOf = (facts: FileFacts): TypeDeclarations => this.typeDeclarations(facts);
  /**
   * A file's type declarations, scanned once per file version; a keystroke inside a function body
   * that cannot change them reuses the previous version's (reusableDeclarations()).
   */
  typeDeclarations(facts: FileFacts): TypeDeclarations {
    const base = facts.base ?? facts;
    let declarations = this.declarations.get(base);
    if (!declarations) {
      const previous = this.latestDeclarations.get(base.path);
      if (previous && reusableDeclarations(previous, base)) {
        declarations = previous.declarations;
      } else {
        declarations = collectTypeDeclarations(base.text, base.path);
        this.sizeWork.declarationScans++;
      }
      this.declarations.set(base, declarations);
      this.latestDeclarations.delete(base.path);
      this.latestDeclarations.set(base.path, { text: base.text, declarations });
      if (this.latestDeclarations.size > LATEST_LIMIT) this.latestDeclarations.delete(this.latestDeclarations.keys().next().value!);
    }
    return declarations;
  }

  /**
   * The file with its constant scope bound to its folder (included headers' macros, the folder's
   * types, locals' declared types) and its allocation sites evaluated with it. Throws when the
   * binding fails; analyzeFile then goes on with the unbound facts.
   */
  boundFacts(facts: FileFacts, folder: readonly FileFacts[]): FileFacts {
    if (facts.base) return facts;
    const cached = this.bound.get(facts);
    const headers = this.headerTypeLayer(facts.config);
    if (cached && cached.headers === headers && sameMembers(cached.folder, folder)) return cached.view;
    const byPath = this.folderIndex(folder);
    const scope = this.macroScopeIn(facts, byPath);
    const others = folder.map((file) => this.sizeData(file)).filter((data) => !scope.headers.includes(data));
    // The kernel headers' types last: the file's and its folder's own definitions win.
    const layers = [this.ownTypeLayer(facts), this.folderTypeLayer(scope.headers, others), ...(headers ? [headers] : [])];
    const { scope: bound, allocations, globals } = bindSizeScope(facts, scope.macros, layers, this.latestGlobals.get(facts.path));
    this.latestGlobals.delete(facts.path);
    this.latestGlobals.set(facts.path, globals);
    if (this.latestGlobals.size > LATEST_GLOBALS_LIMIT) this.latestGlobals.delete(this.latestGlobals.keys().next().value!);
    const view = withBoundScope(facts, bound, allocations);
    this.bound.set(facts, { folder, headers, view });
    return view;
  }

  /**
   * What a file version gives the size scopes of its folder, computed once per version: the
   * bound scopes of the file and of its siblings read this, never the file's tree.
   */
  sizeData(facts: FileFacts): SizeData {
    const base = facts.base ?? facts;
    let data = this.sizeDataTable.get(base);
    if (!data) {
      data = { path: base.path, resolvedPath: path.resolve(base.path), macros: base.macros, declarations: this.typeDeclarations(base), id: String(this.nextSizeDataId++) };
      this.sizeDataTable.set(base, data);
    }
    return data;
  }

  /** The kernel headers' types of the loaded index, when they hold for this configuration (architecture and .config). */
  private headerTypeLayer(config: ModelConfig): TypeLayer | undefined {
    const table = headerTypesFor(this.kernelSource?.headerTypes, config);
    if (!table) return undefined;
    let layer = this.headerTypes.get(table);
    if (!layer) {
      layer = headerTypeLayer(table);
      this.headerTypes.set(table, layer);
    }
    return layer;
  }

  /** The file's own type names, shared by its versions whose declarations are reused. */
  private ownTypeLayer(facts: FileFacts): TypeLayer {
    const declarations = this.typeDeclarations(facts);
    let layer = this.ownTypes.get(declarations);
    if (!layer) {
      layer = typeLayer([[declarations]]);
      this.ownTypes.set(declarations, layer);
    }
    return layer;
  }

  /** The type names of a file's included headers (preferred), then of the rest of its folder. */
  private folderTypeLayer(headers: readonly SizeData[], others: readonly SizeData[]): TypeLayer {
    const key = `${headers.map((data) => data.id).join(',')}|${others.map((data) => data.id).join(',')}`;
    return remembered(this.folderTypes, FOLDER_TYPES_LIMIT, key, () => {
      this.sizeWork.folderTypeLayers++;
      return typeLayer([headers.map((data) => data.declarations), others.map((data) => data.declarations)]);
    });
  }

  /** The merged macro table of an included-header version set. */
  private headerMacroTable(headers: readonly SizeData[]): MacroTable {
    return remembered(this.headerMacros, HEADER_MEMO_LIMIT, headers.map((data) => data.id).join(','), () => {
      this.sizeWork.headerMacroMerges++;
      return mergeHeaderMacros(headers);
    });
  }

  /** A number per set of paths a folder index holds: equal numbers, the same paths. */
  private pathSetOf(byPath: ReadonlyMap<string, FileFacts>): number {
    let id = this.pathSetIds.get(byPath);
    if (id === undefined) {
      id = remembered(this.pathSets, PATH_SETS_LIMIT, [...byPath.keys()].sort().join('\u0000'), () => this.nextPathSetId++);
      this.pathSetIds.set(byPath, id);
    }
    return id;
  }

  /** The SizeData of a folder index's files, by the same resolved paths. */
  private sizeIndex(byPath: ReadonlyMap<string, FileFacts>): Map<string, SizeData> {
    let index = this.sizeIndexes.get(byPath);
    if (!index) {
      index = new Map([...byPath].map(([resolved, file]) => [resolved, this.sizeData(file)]));
      this.sizeIndexes.set(byPath, index);
    }
    return index;
  }

  /**
   * Drops what only this file version's own analysis reads: its bound view, its provenance engine,
   * its atomic view and findings. What its folder's other files read (its summary, SizeData,
   * macro scope, provenance index) stays. The CLI calls it when the file is done, so a worker's
   * memory does not grow with every file of a large folder it has analysed.
   */
  forgetFileAnalysis(facts: FileFacts): void {
    const base = facts.base ?? facts;
    // The rules ask for provenance with the bound view: its entries go with the view. The
    // provenance summary stays: the folder's other files read it.
    const view = this.bound.get(base)?.view;
    if (view) {
      this.provenanceEngines.delete(view);
      this.provenanceViews.delete(view);
    }
    this.bound.delete(base);
    this.provenanceEngines.delete(base);
    this.provenanceViews.delete(base);
    this.views.delete(base);
    this.findings.delete(base);
    for (const key of [...this.functionResultTables.keys()]) if (key.endsWith(`\u0000${base.path}`)) this.functionResultTables.delete(key);
  }

  /**
   * The provenance of a file within its folder, shared by the rules and the hover: the file's own
   * engine (its tree) composed with its siblings' provenance summaries.
   */
  provenance(facts: FileFacts, folder: readonly FileFacts[]): FolderProvenance {
    const cached = this.provenanceViews.get(facts);
    if (cached && sameMembers(cached.folder, folder)) return cached.composition;
    const siblings = folder.filter((other) => other.path !== facts.path).map((other) => this.provenanceSummary(other));
    const filePath = (facts.base ?? facts).path;
    const dmaPasses = { previous: this.latestDmaPasses.get(filePath), next: new Map<string, readonly (string | number)[]>() };
    this.latestDmaPasses.delete(filePath);
    this.latestDmaPasses.set(filePath, dmaPasses.next);
    if (this.latestDmaPasses.size > LATEST_GLOBALS_LIMIT) this.latestDmaPasses.delete(this.latestDmaPasses.keys().next().value!);
    const composition = new FolderProvenance(facts, this.provenanceEngine(facts), this.typeDeclarations(facts), siblings, folder.length, dmaPasses);
    this.provenanceViews.set(facts, { folder, composition });
    return composition;
  }

  /** The provenance summary of one file version: what its folder's other files read of it. */
  provenanceSummary(file: FileFacts): ProvenanceSummary {
    const facts = file.base ?? file;
    let summary = this.provenanceSummaries.get(facts);
    if (!summary) {
      // A sibling's engine (node caches, its identifier index) is not kept: only the summary is.
      const engine = this.provenanceEngines.get(facts) ?? new FileProvenance(facts);
      summary = summarizeProvenance(engine, this.typeDeclarations(facts), this.latestProvenance.get(facts.path));
      this.provenanceSummaries.set(facts, summary);
      this.latestProvenance.delete(facts.path);
      this.latestProvenance.set(facts.path, summary);
      if (this.latestProvenance.size > LATEST_LIMIT) this.latestProvenance.delete(this.latestProvenance.keys().next().value!);
    }
    return summary;
  }

  private provenanceEngine(facts: FileFacts): FileProvenance {
    let engine = this.provenanceEngines.get(facts);
    if (!engine) {
      engine = new FileProvenance(facts);
      this.provenanceEngines.set(facts, engine);
    }
    return engine;
  }

  /**
   * The macro table of a file within its folder (included local headers and its own #defines):
   * the one table every evaluator of the file uses (sizes, GFP masks in rules and hovers).
   */
  macroScopeOf(facts: FileFacts, folder: readonly FileFacts[]): { macros: ReadonlyMap<string, MacroDefinition>; key: string } {
    return this.macroScopeIn(facts, this.folderIndex(folder));
  }

  /**
   * The members of a folder view by resolved path: one map per member set, so every file of a
   * folder (and its macro scopes) shares it. Bounded (MEMBER_INDEX_LIMIT): it holds FileFacts.
   */
  private membersIndex(members: readonly FileFacts[]): Map<string, FileFacts> {
    const key = members.map((member) => member.path).join('\u0000');
    const cached = this.memberIndexes.get(key);
    if (cached && cached.members.length === members.length && cached.members.every((member, index) => member === members[index])) return cached.byPath;
    const byPath = new Map(members.map((member) => [this.sizeData(member).resolvedPath, member]));
    this.memberIndexes.delete(key);
    this.memberIndexes.set(key, { members, byPath });
    if (this.memberIndexes.size > MEMBER_INDEX_LIMIT) this.memberIndexes.delete(this.memberIndexes.keys().next().value!);
    return byPath;
  }

  /** The folder's files by resolved path, built once per folder list. */
  private folderIndex(folder: readonly FileFacts[]): Map<string, FileFacts> {
    let index = this.folderIndexes.get(folder);
    if (!index) {
      index = new Map(folder.map((file) => [this.sizeData(file).resolvedPath, file]));
      this.folderIndexes.set(folder, index);
    }
    return index;
  }

  private macroScopeIn(view: FileFacts, byPath: ReadonlyMap<string, FileFacts>): { headers: readonly SizeData[]; macros: ReadonlyMap<string, MacroDefinition>; key: string } {
    const facts = view.base ?? view;
    const cached = this.macros.get(facts);
    // The same folder index as last time: the includes resolve to the same headers.
    if (cached && cached.byPath === byPath) return cached;
    const index = this.sizeIndex(byPath);
    // The same paths, and each header found last time still the version there: the includes
    // resolve to the same headers (a keystroke in one file of the folder leaves its includers'
    // headers as they were).
    if (cached && this.pathSetOf(cached.byPath) === this.pathSetOf(byPath) && cached.headers.every((header) => index.get(header.resolvedPath) === header)) {
      cached.byPath = byPath;
      return cached;
    }
    const data = this.sizeData(facts);
    const headers = includedHeaders(data, index);
    if (cached && cached.headers.length === headers.length && cached.headers.every((header, index) => header === headers[index])) {
      cached.byPath = byPath;
      return cached;
    }
    const table = fileMacroTable(data, this.headerMacroTable(headers));
    const entry = { headers, macros: table.macros, key: table.key, byPath };
    this.macros.set(facts, entry);
    return entry;
  }

  /** The path names of a file version; the previous version's object when they are the same names. */
  private pathNamesOf(facts: FileFacts): FilePathNames {
    let names = this.pathNames.get(facts);
    if (!names) {
      names = filePathNames(facts.macros, facts.text);
      const previous = this.latestPathNames.get(facts.path);
      if (previous && sameStrings(previous.defined, names.defined) && sameStrings(previous.noReturn, names.noReturn) && sameStrings(previous.switchedOff, names.switchedOff)) names = previous;
      else this.pathNamesIds.set(names, this.nextPathNamesId++);
      this.pathNames.set(facts, names);
      this.latestPathNames.delete(facts.path);
      this.latestPathNames.set(facts.path, names);
      if (this.latestPathNames.size > LATEST_LIMIT) this.latestPathNames.delete(this.latestPathNames.keys().next().value!);
    }
    return names;
  }

  /** #defined names and `__noreturn` functions over a file and the other files of its folder. */
  private folderPathFacts(facts: FileFacts, byPath: ReadonlyMap<string, FileFacts>): FolderPathFacts {
    const union = (files: Iterable<FileFacts>): FolderPathFacts => {
      const defined = new Set<string>();
      const noReturn = new Set<string>();
      const switchedOff = new Set<string>();
      for (const file of files) {
        const names = this.pathNamesOf(file.base ?? file);
        names.defined.forEach((name) => defined.add(name));
        names.noReturn.forEach((name) => noReturn.add(name));
        names.switchedOff.forEach((name) => switchedOff.add(name));
      }
      const prefixes = new Set<string>();
      for (const name of defined) {
        const prefix = macroPrefix(name);
        if (prefix) prefixes.add(prefix);
      }
      // The .config's options come with the file's model config: the tree it builds against.
      const kconfig = facts.config.kconfig;
      const key = `${[...defined].sort().join(',')}/${[...noReturn].sort().join(',')}/${[...switchedOff].sort().join(',')}/${kconfig?.key ?? ''}`;
      return { defined, prefixes, noReturn, switchedOff, kconfig: kconfig?.options, key: hashText(key) };
    };
    // The union is remembered by the members' path names: a keystroke that leaves the edited
    // file's names as they were (nearly every one) reuses it without reading the folder.
    const remember = (files: readonly FileFacts[]): FolderPathFacts => {
      const ids = files.map((file) => this.pathNamesIds.get(this.pathNamesOf(file.base ?? file))!).sort((a, b) => a - b);
      return remembered(this.folderPathUnions, FOLDER_PATHS_LIMIT, `${facts.config.kconfig?.key ?? ''}/${ids.join(',')}`, () => union(files));
    };
    if (byPath.get(this.sizeData(facts).resolvedPath) === facts) {
      let folder = this.folderPaths.get(byPath);
      if (!folder) {
        folder = remember([...byPath.values()]);
        this.folderPaths.set(byPath, folder);
      }
      return folder;
    }
    return remember([facts, ...[...byPath.values()].filter((file) => file.path !== facts.path)]);
  }

  /** The function summaries of a file version. */
  fileSummary(facts: FileFacts, folder: readonly FileFacts[]): FileSummary {
    return this.fileSummaryIn(facts, this.folderIndex(folder));
  }

  private fileSummaryIn(view: FileFacts, byPath: ReadonlyMap<string, FileFacts>): FileSummary {
    const facts = view.base ?? view;
    const cached = this.summaries.get(facts);
    const scope = this.macroScopeIn(facts, byPath);
    const paths = this.folderPathFacts(facts, byPath);
    // The kernel headers' macros below the file's own: a summary made with other ones is redone.
    const headerMacros = this.kernelHeaderMacros(facts.config);
    const macrosKey = headerMacros ? `${scope.key}/${headerMacros.key}` : scope.key;
    if (cached && cached.macrosKey === macrosKey && cached.pathsKey === paths.key) return cached;
    const previous = this.latest.get(facts.path);
    const summary = summarizeFile(facts.topLevel, {
      path: facts.path,
      config: facts.config,
      macros: scope.macros,
      macrosKey,
      ...(headerMacros ? { headerMacros } : {}),
      tables: this.tables,
      paths,
      previous: previous && previous.configKey === configKey(facts) ? previous : undefined,
      configKey: configKey(facts),
    });
    this.summaries.set(facts, summary);
    this.latest.delete(facts.path);
    this.latest.set(facts.path, summary);
    if (this.latest.size > LATEST_LIMIT) this.latest.delete(this.latest.keys().next().value!);
    return summary;
  }

  /**
   * Summarises every file of a folder ahead of their analyses (function summaries, and provenance
   * summaries when the folder has siblings to read them), calling `before(path)` before each:
   * the CLI restarts its per-file time bound there, so each file's bound covers its own summary.
   */
  prepareFolder(files: readonly FileFacts[], before: (path: string) => void): void {
    const members = files.map((file) => file.base ?? file).sort((a, b) => a.path.localeCompare(b.path));
    const byPath = this.membersIndex(members);
    // A folder of one file has no sibling to read its provenance summary.
    const siblings = members.length > 1;
    for (const member of members) {
      const summarized = this.summaries.has(member);
      const proven = !siblings || this.provenanceSummaries.has(member);
      if (summarized && proven) continue;
      before(member.path);
      if (!summarized) this.fileSummaryIn(member, byPath);
      if (!proven) {
        try {
          this.provenanceSummary(member);
        } catch {
          // Left to the rules that read it: their check fails for the file and says why.
        }
      }
    }
  }

  /**
   * The kernel tree's derived sleep facts (kalloc index), or undefined to drop them. The atomic
   * rules, the code lenses and the hover read them for calls the file and its folder do not define.
   */
  setKernelFacts(facts: KernelFacts | undefined): void {
    this.kernelSource = facts;
    this.kernel = facts ? kernelLookup(facts) : undefined;
    this.kernelGeneration++;
    this.kernelDmaBufferLookup = facts?.dmaBuffers ? dmaBufferLookup(facts.dmaBuffers, facts.root) : undefined;
    this.headerMacroLookup = facts?.headerMacros ? headerMacroLookup(facts.headerMacros) : undefined;
  }

  /** The kernel headers' macros that sleep or lock (index/headerMacros.ts), when the loaded index's hold for this configuration. */
  kernelHeaderMacros(config: ModelConfig): HeaderMacroLookup | undefined {
    return headerMacrosFor(this.kernelSource?.headerMacros, config) ? this.headerMacroLookup : undefined;
  }

  /** The kernel tree's parameters that reach a DMA sink (noncontiguous-dma), when the index has them. */
  kernelDmaBuffers(): DmaBufferLookup | undefined {
    return this.kernelDmaBufferLookup;
  }

  /** The facts last given to setKernelFacts(), when an index is loaded. */
  kernelFacts(): KernelFacts | undefined {
    return this.kernelSource;
  }

  /** The atomic-context analysis of a file within its folder. */
  atomicView(file: FileFacts, folder: readonly FileFacts[]): AtomicView {
    const facts = file.base ?? file;
    const cached = this.views.get(facts);
    if (cached && cached.kernel === this.kernel && sameMembers(cached.folder, folder)) return cached.view;
    const members = [facts, ...folder.filter((other) => other.path !== facts.path)].sort((a, b) => a.path.localeCompare(b.path));
    // Every member's macro scope comes from the same folder: its includes resolve among the members.
    const byPath = this.membersIndex(members);
    const files = members.map((member) => this.fileSummaryIn(member, byPath));
    // The tree's ops contexts add entries (locks/opsFields.ts kernelOpsRegistrations()): a composition is of one set of facts.
    const key = `${files.map((file) => `${file.path}\u0000${file.semanticKey}`).join('\u0001')}\u0002${this.kernelGeneration}`;
    let composition = this.compositions.get(key);
    if (composition) {
      this.compositions.delete(key);
    } else {
      composition = composeAtomic(files, this.kernel);
      if (this.compositions.size >= (this.options.compositions ?? COMPOSITION_LIMIT)) this.compositions.delete(this.compositions.keys().next().value!);
    }
    this.compositions.set(key, composition);
    const lookup = this.kernel;
    // The file and its folder define these: their definitions win over the tree's.
    const kernel = lookup ? { lookup, definedHere: new Set(files.flatMap((summary) => summary.functions.map((entry) => entry.name))) } : undefined;
    const view: AtomicView = { files, self: members.indexOf(facts), composition, ...(kernel ? { kernel } : {}) };
    this.views.set(facts, { folder, kernel: lookup, view });
    return view;
  }

  /**
   * Per-function results over a file's atomic view, in function order: `compute(view, fn)` for
   * every function of the analysed file, each reused from the path's previous version while what
   * it read is unchanged (`functionResults` in the header). `family` names the computation.
   */
  functionResults<T>(family: string, file: FileFacts, folder: readonly FileFacts[], view: AtomicView, compute: (view: AtomicView, fn: number) => readonly T[]): T[] {
    const facts = file.base ?? file;
    const key = `${family}\u0000${facts.path}`;
    const macrosKey = this.macroScopeOf(facts, folder).key;
    const config = configKey(facts);
    let table = this.functionResultTables.get(key);
    this.functionResultTables.delete(key);
    const holds =
      table &&
      table.composition === view.composition &&
      table.kernel === view.kernel?.lookup &&
      table.macrosKey === macrosKey &&
      table.configKey === config &&
      table.self === view.self &&
      table.fileCount === view.files.length;
    if (!table || !holds) table = { composition: view.composition, kernel: view.kernel?.lookup, macrosKey, configKey: config, self: view.self, fileCount: view.files.length, results: new Map() };
    this.functionResultTables.set(key, table);
    if (this.functionResultTables.size > FUNCTION_RESULTS_LIMIT) this.functionResultTables.delete(this.functionResultTables.keys().next().value!);
    const fields = new Map<string, unknown>();
    const results: T[] = [];
    const functions = view.files[view.self].functions;
    for (let fn = 0; fn < functions.length; fn++) {
      const cached = table.results.get(fn);
      if (cached && sameReads(cached.reads, view, fields)) {
        this.functionWork.reused++;
        results.push(...(cached.value as readonly T[]));
        continue;
      }
      this.functionWork.computed++;
      const reads = emptyReads();
      const own = functions[fn];
      // Its own entry always: the result's spans are placed at its rows.
      reads.functions.set(fn, { summary: own.summary, startRow: own.startRow, endRow: own.endRow, name: own.name });
      const value = compute(recordingView(view, reads), fn);
      table.results.set(fn, { reads, value });
      results.push(...value);
    }
    for (const fn of table.results.keys()) if (fn >= functions.length) table.results.delete(fn);
    return results;
  }

  /** A per-file result computed from an atomic view, cached while the view is the same. */
  atomicResult<T>(file: FileFacts, view: AtomicView, compute: () => T): T {
    const facts = file.base ?? file;
    const cached = this.findings.get(facts);
    if (cached && cached.view === view) return cached.value as T;
    const value = compute();
    this.findings.set(facts, { view, value });
    return value;
  }
}

/** The per-function results of one file and rule family (AnalysisDatabase.functionResults). */
interface FunctionResultTable {
  composition: AtomicComposition;
  kernel?: KernelLookup;
  macrosKey: string;
  configKey: string;
  self: number;
  fileCount: number;
  results: Map<number, { reads: ViewReads; value: readonly unknown[] }>;
}

/** Characters whose edit can change what the declaration scan sees beyond the edit itself. */
const SCAN_SENSITIVE = /["'/*\\#\n{};]|\b(struct|union|enum|typedef)\b/;

/**
 * Whether the previous version's declarations hold for a new text: the two differ in one region,
 * inside one function body, that adds or removes no line, no comment, string, preprocessor or
 * brace character and no declaration keyword (whole words around the region are checked), in a
 * function that declares no type of its own.
 */
function reusableDeclarations(previous: { text: string; declarations: TypeDeclarations }, facts: FileFacts): boolean {
  const before = previous.text;
  const after = facts.text;
  if (before === after) return true;
  let start = 0;
  const shortest = Math.min(before.length, after.length);
  while (start < shortest && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let end = 0;
  while (end < shortest - start && before.charCodeAt(before.length - 1 - end) === after.charCodeAt(after.length - 1 - end)) end++;
  // Whole identifiers around the change: typing the last letter of `struct` makes the keyword.
  const word = /\w/;
  let from = start;
  while (from > 0 && word.test(after[from - 1])) from--;
  const beforeEnd = before.length - end;
  const afterEnd = after.length - end;
  if (indentationOnly(before, start, beforeEnd) && indentationOnly(after, start, afterEnd)) return true;
  let tail = 0;
  while (afterEnd + tail < after.length && word.test(after[afterEnd + tail])) tail++;
  if (SCAN_SENSITIVE.test(before.slice(from, beforeEnd + tail)) || SCAN_SENSITIVE.test(after.slice(from, afterEnd + tail))) return false;
  const fn = facts.functions.find((candidate) => candidate.body.startIndex < from && afterEnd + tail < candidate.body.endIndex);
  if (!fn) return false;
  const first = fn.node.startPosition.row;
  const last = fn.node.endPosition.row;
  const declaredInside = (line: number) => line >= first && line <= last;
  const { records, typedefs, enums } = previous.declarations;
  return !records.some((record) => declaredInside(record.line)) && !typedefs.some((typedef) => declaredInside(typedef.line)) && !enums.some((declaration) => declaredInside(declaration.line));
}

/**
 * Whether text[start, end) and everything before it on its line are spaces and tabs, on a line
 * that continues no other (no backslash before its line break): indentation, which the
 * declaration scan never reads (it keeps token texts and line numbers, and a directive is found
 * after leading blanks). Re-indenting a line of a table or a declaration keeps its declarations.
 */
function indentationOnly(text: string, start: number, end: number): boolean {
  let lineStart = start;
  while (lineStart > 0 && text[lineStart - 1] !== '\n') lineStart--;
  for (let index = lineStart; index < end; index++) if (text[index] !== ' ' && text[index] !== '\t') return false;
  let previous = lineStart - 2;
  if (text[previous] === '\r') previous--;
  return previous < 0 || text[previous] !== '\\';
}

/** A bounded memo: the entry for `key`, computed once and kept while recently used. */
function remembered<T>(table: Map<string, T>, limit: number, key: string, compute: () => T): T {
  let value = table.get(key);
  if (value === undefined) {
    value = compute();
    if (table.size >= limit) table.delete(table.keys().next().value!);
  } else {
    table.delete(key);
  }
  table.set(key, value);
  return value;
}

function configKey(facts: FileFacts): string {
  return JSON.stringify(facts.config);
}

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((value, index) => value === b[index]);
}

/** Whether two folder lists hold the same file versions, in any order. */
function sameMembers(a: readonly FileFacts[], b: readonly FileFacts[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  if (a.every((file, index) => file === b[index])) return true;
  const set = new Set(a);
  return b.every((file) => set.has(file));
}
