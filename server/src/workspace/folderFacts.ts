// Facts of the other C files in a driver folder, read from disk and cached by modification time,
// for the cross-file parts of the analyses (callbacks registered in another file, fields assigned
// elsewhere). A file that cannot be read or is too large is left out, never fatal.
import * as fs from 'fs';
import * as path from 'path';
import type { Parser, Tree } from 'web-tree-sitter';
import { FileFacts, collectFileFacts } from '../analysis/fileFacts';
import { ModelConfig } from '../model/config';

interface CachedFile {
  mtimeMs: number;
  size: number;
  configKey: string;
  facts: FileFacts;
}

/** At most this many sibling files are read per folder: huge folders get no cross-file facts beyond it. */
const MAX_FOLDER_FILES = 400;

export class FolderFactsCache {
  private readonly files = new Map<string, CachedFile>();

  constructor(
    private readonly parser: Parser,
    private readonly maxFileSize: number,
  ) {}

  /** Facts of the .c and .h files beside `filePath`, not including it. */
  siblingsOf(filePath: string, config: ModelConfig): FileFacts[] {
    const folder = path.dirname(filePath);
    let names: string[];
    try {
      names = fs.readdirSync(folder).filter((name) => /\.[ch]$/.test(name)).sort().slice(0, MAX_FOLDER_FILES);
    } catch {
      return [];
    }
    const self = path.resolve(filePath);
    const result: FileFacts[] = [];
    for (const name of names) {
      const full = path.join(folder, name);
      if (path.resolve(full) === self) continue;
      const facts = this.load(full, config);
      if (facts) result.push(facts);
    }
    return result;
  }

  /** Facts of one file from disk, cached. */
  load(file: string, config: ModelConfig): FileFacts | undefined {
    const configKey = JSON.stringify(config);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch {
      return undefined;
    }
    if (!stat.isFile() || stat.size > this.maxFileSize) return undefined;
    const cached = this.files.get(file);
    if (cached && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size && cached.configKey === configKey) return cached.facts;
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
    if (text.includes('\u0000')) return undefined;
    const tree: Tree | null = this.parser.parse(text);
    if (!tree) return undefined;
    cached?.facts.tree.delete();
    const facts = collectFileFacts(file, text, tree, config);
    this.files.set(file, { mtimeMs: stat.mtimeMs, size: stat.size, configKey, facts });
    return facts;
  }

  forget(file: string): void {
    this.files.get(file)?.facts.tree.delete();
    this.files.delete(file);
  }
}
