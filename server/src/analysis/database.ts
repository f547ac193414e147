// The one owner of analysis state. The language server holds one database, each CLI worker holds
// one; nothing else caches analysis results. Every table, its key and how it is invalidated:
//
// - `summaries`   FileFacts → FileSummary. A file version's function summaries (plain data). Built
//                 from the previous version of the same path (`latest`), so unchanged definitions
//                 keep their summaries (analysis/summaries/fileSummary.ts checks their recorded
//                 dependencies). Dropped with the FileFacts object (a WeakMap of this instance).
// - `latest`      path → the newest FileSummary of that path: the base of the next version. Bounded
//                 (LATEST_LIMIT paths, least recently used dropped).
// - `macros`      FileFacts → its macro scope (included local headers' #defines and its own) and
//                 key; valid while the headers it includes resolve to the same FileFacts.
// - `pathNames`   FileFacts → the names path conditions read from it (#defines, `__noreturn`
//                 declarations); `folderPaths` folder index → their union over the folder, with a
//                 key: a summary records the names it looked up (dependencies.definedMacros,
//                 .noReturn), and a file summary built with another key re-checks them.
// - `compositions` folder key (paths and semantic keys of the members) → AtomicComposition. A body
//                 edit that leaves every summary's semantic key equal reuses the composition. Bounded
//                 (COMPOSITION_LIMIT entries).
// - `atomicFindings` FileFacts → findings of the atomic rules for one folder view.
// - `declarations` FileFacts → its type declarations (the text-level scan of parsing/typeDeclarations.ts);
//                 `latestDeclarations` path → the newest version's, reused for a body edit that
//                 cannot change them (bounded like `latest`).
// - `bound`       FileFacts → the view with its constant scope bound to one folder (withBoundScope):
//                 a new object; the FileFacts it came from never changes.
// - `provenanceIndexes`, `checkedNames`, `provenance`: the provenance engine's per-file indexes,
//                 is_vmalloc_addr()-tested field names, and one engine per (file, folder).
// - `kernel`      the KernelFacts of the kernel tree's index, set by the owner (setKernelFacts()).
// Every table is keyed by a FileFacts object (a file version) and dies with it; views made by
// withBoundScope share their base's entries where the answer does not depend on the folder.
import { RegistrationTables, registrationTables } from './locks/callbacks';
import type { MacroDefinition } from './sizes/constants';
import { FileFacts, withBoundScope } from './fileFacts';
import { FileIndex, ProvenanceAnalysis, buildFileIndex, vmallocCheckedNamesOf } from './provenance/provenance';
import { bindSizeScope } from './sizes/sizeScope';
import { TypeDeclarations, collectTypeDeclarations } from '../parsing/typeDeclarations';
import { AtomicComposition, ComposedFiles, composeAtomic } from './locks/atomicEntry';
import * as path from 'path';
import { includedHeadersIn, mergedMacros } from './sizes/sizeScope';
import { FileSummary, hashText, summarizeFile } from './summaries/fileSummary';
import { FilePathNames, FolderPathFacts, filePathNames, macroPrefix } from './paths/pathConditions';
import type { KernelFacts } from './index/kernelFacts';

const LATEST_LIMIT = 2048;
const COMPOSITION_LIMIT = 64;
/** Member indexes hold FileFacts (texts, node lists): only the few folders in use are kept. */
const MEMBER_INDEX_LIMIT = 4;

/** A file's atomic analysis within its folder: current summaries, and the composition over them. */
export interface AtomicView extends ComposedFiles {
  /** Summaries of the file and its folder, sorted by path. */
  readonly files: readonly FileSummary[];
  /** Index of the analysed file in `files`. */
  readonly self: number;
}

export class AnalysisDatabase {
  private readonly tables: RegistrationTables = registrationTables();
  private readonly summaries = new WeakMap<FileFacts, FileSummary>();
  private readonly latest = new Map<string, FileSummary>();
  private readonly macros = new WeakMap<FileFacts, { headers: readonly FileFacts[]; macros: Map<string, MacroDefinition>; key: string; byPath: ReadonlyMap<string, FileFacts> }>();
  private readonly memberIndexes = new Map<string, { members: readonly FileFacts[]; byPath: Map<string, FileFacts> }>();
  private readonly folderIndexes = new WeakMap<readonly FileFacts[], Map<string, FileFacts>>();
  private readonly pathNames = new WeakMap<FileFacts, FilePathNames>();
  private readonly folderPaths = new WeakMap<ReadonlyMap<string, FileFacts>, FolderPathFacts>();
  private readonly compositions = new Map<string, AtomicComposition>();
  private readonly views = new WeakMap<FileFacts, { folder: readonly FileFacts[]; view: AtomicView }>();
  private readonly findings = new WeakMap<FileFacts, { view: AtomicView; value: unknown }>();
  private readonly declarations = new WeakMap<FileFacts, TypeDeclarations>();
  private readonly latestDeclarations = new Map<string, { text: string; declarations: TypeDeclarations }>();
  private readonly bound = new WeakMap<FileFacts, { folder: readonly FileFacts[]; view: FileFacts }>();
  private readonly provenanceIndexes = new WeakMap<FileFacts, FileIndex>();
  private readonly checkedNames = new WeakMap<FileFacts, Set<string>>();
  private readonly provenanceEngines = new WeakMap<FileFacts, { folder: readonly FileFacts[]; engine: ProvenanceAnalysis }>();
  private readonly declarationsOf = (facts: FileFacts): TypeDeclarations => this.typeDeclarations(facts);
  /** The facts of the kernel tree's index (`kalloc index`), when one is loaded. */
  private kernel: KernelFacts | undefined;

  /** The composition and the rules read these; the checked file and its folder take precedence. */
  setKernelFacts(facts: KernelFacts | undefined): void {
    this.kernel = facts;
  }

  kernelFacts(): KernelFacts | undefined {
    return this.kernel;
  }

  /**
   * A file's type declarations, scanned once per file version; a keystroke inside a function body
   * that cannot change them reuses the previous version's (reusableDeclarations()).
   */
  typeDeclarations(facts: FileFacts): TypeDeclarations {
    const base = facts.base ?? facts;
    let declarations = this.declarations.get(base);
    if (!declarations) {
      const previous = this.latestDeclarations.get(base.path);
      declarations = previous && reusableDeclarations(previous, base) ? previous.declarations : collectTypeDeclarations(base.text, base.path);
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
    if (cached && sameMembers(cached.folder, folder)) return cached.view;
    const byPath = this.folderIndex(folder);
    const scope = this.macroScopeIn(facts, byPath);
    const headers = includedHeadersIn(facts, byPath, this.declarationsOf);
    const { scope: bound, allocations } = bindSizeScope(facts, folder, headers, scope.macros, this.declarationsOf);
    const view = withBoundScope(facts, bound, allocations);
    this.bound.set(facts, { folder, view });
    return view;
  }

  /** The provenance engine of a file within its folder, shared by the rules and the hover. */
  provenance(facts: FileFacts, folder: readonly FileFacts[]): ProvenanceAnalysis {
    const cached = this.provenanceEngines.get(facts);
    if (cached && sameMembers(cached.folder, folder)) return cached.engine;
    const engine = new ProvenanceAnalysis(facts, folder, (file) => this.provenanceIndex(file));
    this.provenanceEngines.set(facts, { folder, engine });
    return engine;
  }

  /** The provenance indexes of one file version (identifiers, field assignments, types). */
  provenanceIndex(facts: FileFacts): FileIndex {
    let index = this.provenanceIndexes.get(facts);
    if (!index) {
      index = buildFileIndex(facts, () => this.typeDeclarations(facts));
      this.provenanceIndexes.set(facts, index);
    }
    return index;
  }

  /** Field names the files test with is_vmalloc_addr(). */
  vmallocCheckedNames(files: readonly FileFacts[]): Set<string> {
    const names = new Set<string>();
    for (const file of files) {
      const base = file.base ?? file;
      let set = this.checkedNames.get(base);
      if (!set) {
        set = vmallocCheckedNamesOf(base);
        this.checkedNames.set(base, set);
      }
      set.forEach((name) => names.add(name));
    }
    return names;
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
    const byPath = new Map(members.map((member) => [path.resolve(member.path), member]));
    this.memberIndexes.delete(key);
    this.memberIndexes.set(key, { members, byPath });
    if (this.memberIndexes.size > MEMBER_INDEX_LIMIT) this.memberIndexes.delete(this.memberIndexes.keys().next().value!);
    return byPath;
  }

  /** The folder's files by resolved path, built once per folder list. */
  private folderIndex(folder: readonly FileFacts[]): Map<string, FileFacts> {
    let index = this.folderIndexes.get(folder);
    if (!index) {
      index = new Map(folder.map((file) => [path.resolve(file.path), file]));
      this.folderIndexes.set(folder, index);
    }
    return index;
  }

  private macroScopeIn(view: FileFacts, byPath: ReadonlyMap<string, FileFacts>): { macros: ReadonlyMap<string, MacroDefinition>; key: string } {
    const facts = view.base ?? view;
    const cached = this.macros.get(facts);
    // The same folder index as last time: the includes resolve to the same headers.
    if (cached && cached.byPath === byPath) return cached;
    const headers = includedHeadersIn(facts, byPath, this.declarationsOf);
    if (cached && cached.headers.length === headers.length && cached.headers.every((header, index) => header === headers[index])) {
      cached.byPath = byPath;
      return cached;
    }
    const macros = mergedMacros(facts, headers, this.declarationsOf);
    const parts: string[] = [];
    for (const macro of macros.values()) parts.push(`${macro.name}(${macro.params?.join(',') ?? '-'})${macro.conflicting ? '!' : ''}=${macro.body}`);
    const entry = { headers, macros, key: hashText(parts.join('\n')), byPath };
    this.macros.set(facts, entry);
    return entry;
  }

  private pathNamesOf(facts: FileFacts): FilePathNames {
    let names = this.pathNames.get(facts);
    if (!names) {
      names = filePathNames(facts.macros, facts.text);
      this.pathNames.set(facts, names);
    }
    return names;
  }

  /** #defined names and `__noreturn` functions over a file and the other files of its folder. */
  private folderPathFacts(facts: FileFacts, byPath: ReadonlyMap<string, FileFacts>): FolderPathFacts {
    const union = (files: Iterable<FileFacts>): FolderPathFacts => {
      const defined = new Set<string>();
      const noReturn = new Set<string>();
      for (const file of files) {
        const names = this.pathNamesOf(file.base ?? file);
        names.defined.forEach((name) => defined.add(name));
        names.noReturn.forEach((name) => noReturn.add(name));
      }
      const prefixes = new Set<string>();
      for (const name of defined) {
        const prefix = macroPrefix(name);
        if (prefix) prefixes.add(prefix);
      }
      // The .config's options come with the file's model config: the tree it builds against.
      const kconfig = facts.config.kconfig;
      return { defined, prefixes, noReturn, kconfig: kconfig?.options, key: hashText(`${[...defined].sort().join(',')}/${[...noReturn].sort().join(',')}/${kconfig?.key ?? ''}`) };
    };
    if (byPath.get(path.resolve(facts.path)) === facts) {
      let folder = this.folderPaths.get(byPath);
      if (!folder) {
        folder = union(byPath.values());
        this.folderPaths.set(byPath, folder);
      }
      return folder;
    }
    return union([facts, ...[...byPath.values()].filter((file) => file.path !== facts.path)]);
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
    if (cached && cached.macrosKey === scope.key && cached.pathsKey === paths.key) return cached;
    const previous = this.latest.get(facts.path);
    const summary = summarizeFile(facts.topLevel, {
      path: facts.path,
      config: facts.config,
      macros: scope.macros,
      macrosKey: scope.key,
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
   * Summarises every file of a folder ahead of their analyses, calling `before(path)` before each:
   * the CLI restarts its per-file time bound there, so each file's bound covers its own summary.
   */
  prepareFolder(files: readonly FileFacts[], before: (path: string) => void): void {
    const members = files.map((file) => file.base ?? file).sort((a, b) => a.path.localeCompare(b.path));
    const byPath = this.membersIndex(members);
    for (const member of members) {
      if (this.summaries.has(member)) continue;
      before(member.path);
      this.fileSummaryIn(member, byPath);
    }
  }

  /** The atomic-context analysis of a file within its folder. */
  atomicView(file: FileFacts, folder: readonly FileFacts[]): AtomicView {
    const facts = file.base ?? file;
    const cached = this.views.get(facts);
    if (cached && sameMembers(cached.folder, folder)) return cached.view;
    const members = [facts, ...folder.filter((other) => other.path !== facts.path)].sort((a, b) => a.path.localeCompare(b.path));
    // Every member's macro scope comes from the same folder: its includes resolve among the members.
    const byPath = this.membersIndex(members);
    const files = members.map((member) => this.fileSummaryIn(member, byPath));
    const key = files.map((file) => `${file.path}\u0000${file.semanticKey}`).join('\u0001');
    let composition = this.compositions.get(key);
    if (composition) {
      this.compositions.delete(key);
    } else {
      composition = composeAtomic(files);
      if (this.compositions.size >= COMPOSITION_LIMIT) this.compositions.delete(this.compositions.keys().next().value!);
    }
    this.compositions.set(key, composition);
    const view: AtomicView = { files, self: members.indexOf(facts), composition };
    this.views.set(facts, { folder, view });
    return view;
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

function configKey(facts: FileFacts): string {
  return JSON.stringify(facts.config);
}

/** Whether two folder lists hold the same file versions, in any order. */
function sameMembers(a: readonly FileFacts[], b: readonly FileFacts[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  if (a.every((file, index) => file === b[index])) return true;
  const set = new Set(a);
  return b.every((file) => set.has(file));
}
