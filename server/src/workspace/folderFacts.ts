// Facts of the C files of one driver folder, read from disk and cached by modification time, for
// the cross-file parts of the analyses (callbacks registered in another file, fields assigned
// elsewhere). A file that cannot be read, is too large, binary or not UTF-8 is left out, never
// fatal. Trees live in the WebAssembly heap, are not garbage collected and the heap never shrinks:
// whoever drops a cache calls clear(), and a cache given `residentBytes` keeps only that much
// source's trees, freeing the others' at releaseTransient() and parsing them again when read.
import * as fs from 'fs';
import * as path from 'path';
import type { Parser } from 'web-tree-sitter';
import { FileFacts, collectFileFacts } from '../analysis/fileFacts';
import { ModelConfig } from '../model/config';
import { parseSource } from '../parsing/parseSource';
import { syntaxDepthReason } from '../parsing/syntax';
import { readSourceFile } from './sourceText';

interface CachedFile {
  mtimeMs: number;
  size: number;
  configKey: string;
  /** The file version every caller holds: the same object whether its tree is in memory or not. */
  facts: FileFacts;
  /** What collectFileFacts() gave for the tree now in memory; undefined once it is freed. */
  parsed?: FileFacts;
  /** Kept until clear(); otherwise freed at the next releaseTransient(). */
  resident: boolean;
}

/** At most this many sibling files are read per folder: huge folders get no cross-file facts beyond it. */
export const MAX_FOLDER_FILES = 400;

export type LoadResult = { facts: FileFacts } | { skipped: string; io?: boolean };

/** The .c and .h files of a folder, sorted by name, capped at MAX_FOLDER_FILES. */
export function folderSourceFiles(folder: string): string[] {
  try {
    return fs
      .readdirSync(folder, { withFileTypes: true })
      .filter((entry) => !entry.isDirectory() && /\.[ch]$/.test(entry.name))
      .map((entry) => entry.name)
      .sort()
      .slice(0, MAX_FOLDER_FILES)
      .map((name) => path.join(folder, name));
  } catch {
    return [];
  }
}

export interface FolderFactsHooks {
  /** Called before a file is read and parsed (the CLI's per-file time bound watches these). */
  beforeLoad?(file: string): void;
  /** Files never to read, e.g. one that already made the parser hang. */
  exclude?: ReadonlySet<string>;
  /**
   * Source bytes whose trees stay in memory until clear() (unbounded by default). The tree of a
   * file loaded past it is transient: freed at the next releaseTransient() or load, and parsed
   * again from the kept text when something reads it, so a folder larger than this never holds
   * more than this much source's trees plus the ones read since the last release.
   */
  residentBytes?: number;
}

/** How often trees were parsed again after being freed (tests and the worker's memory notes read it). */
export interface TreeWork {
  reparses: number;
}

export class FolderFactsCache {
  private readonly files = new Map<string, CachedFile>();
  private residentSize = 0;
  private readonly transient = new Set<CachedFile>();
  readonly treeWork: TreeWork = { reparses: 0 };

  constructor(
    private readonly parser: Parser,
    private readonly maxFileSize: number,
    private readonly hooks: FolderFactsHooks = {},
  ) {}

  /** Facts of the .c and .h files beside `filePath`, not including it. */
  siblingsOf(filePath: string, config: ModelConfig): FileFacts[] {
    const self = path.resolve(filePath);
    const result: FileFacts[] = [];
    for (const file of folderSourceFiles(path.dirname(filePath))) {
      if (path.resolve(file) === self || this.hooks.exclude?.has(file)) continue;
      const facts = this.load(file, config);
      if (facts) result.push(facts);
    }
    return result;
  }

  /** Facts of one file from disk, cached. */
  load(file: string, config: ModelConfig): FileFacts | undefined {
    const result = this.loadResult(file, config);
    return 'facts' in result ? result.facts : undefined;
  }

  /** Facts of one file, or why it cannot be analysed. */
  loadResult(file: string, config: ModelConfig): LoadResult {
    const configKey = JSON.stringify(config);
    const cached = this.files.get(file);
    if (cached && cached.configKey === configKey) {
      try {
        const stat = fs.statSync(file);
        if (cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) return { facts: cached.facts };
      } catch {
        // Gone from disk: fall through and report it like any unreadable file.
      }
    }
    this.hooks.beforeLoad?.(file);
    this.releaseTransient();
    const read = readSourceFile(file, this.maxFileSize);
    if ('skipped' in read) {
      this.forget(file);
      return read;
    }
    const tree = parseSource(this.parser, read.text)?.tree;
    if (!tree) return { skipped: 'the parser gave up' };
    const tooDeep = syntaxDepthReason(tree);
    if (tooDeep) {
      tree.delete();
      this.forget(file);
      return { skipped: tooDeep };
    }
    this.forget(file);
    const parsed = collectFileFacts(file, read.text, tree, config);
    const resident = this.hooks.residentBytes === undefined || this.residentSize + read.size <= this.hooks.residentBytes;
    const entry: CachedFile = { mtimeMs: read.mtimeMs, size: read.size, configKey, facts: parsed, parsed, resident };
    if (resident) this.residentSize += read.size;
    else {
      entry.facts = this.detachable(entry, parsed);
      this.transient.add(entry);
    }
    this.files.set(file, entry);
    return { facts: entry.facts };
  }

  /**
   * The facts of a transient file: text, macros and scope are kept; the tree and what holds its
   * nodes come from the tree in memory, parsed again from the same text (the same tree) after
   * releaseTransient() freed it. Values never change, so every table keyed by the facts stays valid.
   */
  private detachable(entry: CachedFile, first: FileFacts): FileFacts {
    // Only the plain parts of the first parse are kept: its nodes go with its tree.
    const { path: file, text, config, macros, scope } = first;
    const attached = (): FileFacts => {
      if (entry.parsed) return entry.parsed;
      const tree = parseSource(this.parser, text)?.tree;
      if (!tree) throw new Error(`${file}: the parser gave up on the second reading of an unchanged text`);
      this.treeWork.reparses++;
      entry.parsed = collectFileFacts(file, text, tree, config);
      this.transient.add(entry);
      return entry.parsed;
    };
    return {
      path: file,
      text,
      config,
      macros,
      scope,
      get tree() {
        return attached().tree;
      },
      get calls() {
        return attached().calls;
      },
      callsTo: (names) => attached().callsTo(names),
      get allocations() {
        return attached().allocations;
      },
      get frees() {
        return attached().frees;
      },
      get functions() {
        return attached().functions;
      },
      get topLevel() {
        return attached().topLevel;
      },
    };
  }

  /**
   * Frees the trees of the transient files (residentBytes); their facts stay usable. Call it only
   * where no walk over those trees is under way: nodes taken from them are invalid afterwards.
   */
  releaseTransient(): void {
    for (const entry of this.transient) {
      entry.parsed?.tree.delete();
      entry.parsed = undefined;
    }
    this.transient.clear();
  }

  forget(file: string): void {
    const entry = this.files.get(file);
    if (!entry) return;
    entry.parsed?.tree.delete();
    entry.parsed = undefined;
    this.transient.delete(entry);
    if (entry.resident) this.residentSize -= entry.size;
    this.files.delete(file);
  }

  /** Frees every tree; the cache stays usable. */
  clear(): void {
    for (const entry of this.files.values()) entry.parsed?.tree.delete();
    this.files.clear();
    this.transient.clear();
    this.residentSize = 0;
  }
}
