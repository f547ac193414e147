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
// - `compositions` folder key (paths and semantic keys of the members) → AtomicComposition. A body
//                 edit that leaves every summary's semantic key equal reuses the composition. Bounded
//                 (COMPOSITION_LIMIT entries).
// - `atomicFindings` FileFacts → findings of the atomic rules for one folder view.
import { RegistrationTables, registrationTables } from './locks/callbacks';
import type { MacroDefinition } from './sizes/constants';
import type { FileFacts } from './fileFacts';
import { AtomicComposition, ComposedFiles, composeAtomic } from './locks/atomicEntry';
import * as path from 'path';
import { includedHeadersIn, mergedMacros } from './sizes/sizeScope';
import { FileSummary, hashText, summarizeFile } from './summaries/fileSummary';

const LATEST_LIMIT = 2048;
const COMPOSITION_LIMIT = 64;

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
  private readonly macros = new WeakMap<FileFacts, { headers: readonly FileFacts[]; macros: Map<string, MacroDefinition>; key: string }>();
  private readonly folderIndexes = new WeakMap<readonly FileFacts[], Map<string, FileFacts>>();
  private readonly compositions = new Map<string, AtomicComposition>();
  private readonly views = new WeakMap<FileFacts, { folder: readonly FileFacts[]; view: AtomicView }>();
  private readonly findings = new WeakMap<FileFacts, { view: AtomicView; value: unknown }>();

  /**
   * The macro table of a file within its folder (included local headers and its own #defines):
   * the one table every evaluator of the file uses (sizes, GFP masks in rules and hovers).
   */
  macroScopeOf(facts: FileFacts, folder: readonly FileFacts[]): { macros: ReadonlyMap<string, MacroDefinition>; key: string } {
    return this.macroScopeIn(facts, this.folderIndex(folder));
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

  private macroScopeIn(facts: FileFacts, byPath: ReadonlyMap<string, FileFacts>): { macros: ReadonlyMap<string, MacroDefinition>; key: string } {
    const headers = includedHeadersIn(facts, byPath);
    const cached = this.macros.get(facts);
    if (cached && cached.headers.length === headers.length && cached.headers.every((header, index) => header === headers[index])) return cached;
    const macros = mergedMacros(facts, headers);
    const parts: string[] = [];
    for (const macro of macros.values()) parts.push(`${macro.name}(${macro.params?.join(',') ?? '-'})${macro.conflicting ? '!' : ''}=${macro.body}`);
    const entry = { headers, macros, key: hashText(parts.join('\n')) };
    this.macros.set(facts, entry);
    return entry;
  }

  /** The function summaries of a file version. */
  fileSummary(facts: FileFacts, folder: readonly FileFacts[]): FileSummary {
    return this.fileSummaryIn(facts, this.folderIndex(folder));
  }

  private fileSummaryIn(facts: FileFacts, byPath: ReadonlyMap<string, FileFacts>): FileSummary {
    const cached = this.summaries.get(facts);
    const scope = this.macroScopeIn(facts, byPath);
    if (cached && cached.macrosKey === scope.key) return cached;
    const previous = this.latest.get(facts.path);
    const summary = summarizeFile(facts.tree, { path: facts.path, config: facts.config, macros: scope.macros, macrosKey: scope.key, tables: this.tables, previous: previous && previous.configKey === configKey(facts) ? previous : undefined, configKey: configKey(facts) });
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
    const byPath = new Map(files.map((member) => [path.resolve(member.path), member]));
    for (const member of files) {
      if (this.summaries.has(member)) continue;
      before(member.path);
      this.fileSummaryIn(member, byPath);
    }
  }

  /** The atomic-context analysis of a file within its folder. */
  atomicView(facts: FileFacts, folder: readonly FileFacts[]): AtomicView {
    const cached = this.views.get(facts);
    if (cached && sameMembers(cached.folder, folder)) return cached.view;
    const members = [facts, ...folder.filter((other) => other.path !== facts.path)].sort((a, b) => a.path.localeCompare(b.path));
    // Every member's macro scope comes from the same folder: its includes resolve among the members.
    const byPath = new Map(members.map((member) => [path.resolve(member.path), member]));
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
  atomicResult<T>(facts: FileFacts, view: AtomicView, compute: () => T): T {
    const cached = this.findings.get(facts);
    if (cached && cached.view === view) return cached.value as T;
    const value = compute();
    this.findings.set(facts, { view, value });
    return value;
  }
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
