// Facts of the C files of one driver folder, read from disk and cached by modification time, for
// the cross-file parts of the analyses (callbacks registered in another file, fields assigned
// elsewhere). A file that cannot be read, is too large, binary or not UTF-8 is left out, never
// fatal. Trees live in the WebAssembly heap and are not garbage collected: whoever drops a cache
// calls clear().
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
  facts: FileFacts;
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
}

export class FolderFactsCache {
  private readonly files = new Map<string, CachedFile>();

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
    const facts = collectFileFacts(file, read.text, tree, config);
    this.files.set(file, { mtimeMs: read.mtimeMs, size: read.size, configKey, facts });
    return { facts };
  }

  forget(file: string): void {
    this.files.get(file)?.facts.tree.delete();
    this.files.delete(file);
  }

  /** Frees every tree; the cache stays usable. */
  clear(): void {
    for (const cached of this.files.values()) cached.facts.tree.delete();
    this.files.clear();
  }
}
