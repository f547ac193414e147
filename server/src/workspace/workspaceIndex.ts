// The language server's background index of driver folders: the facts of every .c/.h file in the
// folder of each open document (and, on request, of every folder of the workspace), for the
// cross-file parts of the rules (RuleContext.folder).
//
// - Built in slices of a few milliseconds on the main thread (setImmediate between slices), so
//   hovers and diagnostics are answered between two files. Trees cannot cross threads, hence no worker.
// - Bounded memory: a parsed file costs about 25 bytes of WebAssembly heap per source byte, so only
//   the folders of open documents are always kept; other folders stay parsed while their source
//   totals less than `cachedBytes` (least recently used dropped first) and keep a small summary
//   (size, mtime, skip reason, function names) after their trees are freed. A dropped folder is
//   re-parsed when a document in it is opened.
// - Open documents' facts come from the editor's text (the host), never from disk.
// - Every change to a folder (file event, edit of an open sibling, re-parse) bumps its version, so
//   cached analyses that hold trees of that folder are recomputed instead of reading freed trees.
import * as fs from 'fs';
import * as path from 'path';
import type { Parser } from 'web-tree-sitter';
import { FileFacts, collectFileFacts } from '../analysis/fileFacts';
import type { ModelConfig } from '../model/config';
import { parseSource } from '../parsing/parseSource';
import { MAX_FOLDER_FILES, folderSourceFiles } from './folderFacts';
import { readSourceFile } from './sourceText';

export interface FileSummary {
  size: number;
  mtimeMs: number;
  skipped?: string;
  functions: string[];
}

export interface IndexProgress {
  begin(title: string): void;
  report(done: number, total: number, message: string): void;
  end(): void;
}

export interface WorkspaceIndexHost {
  parser: Parser;
  configFor(file: string): ModelConfig;
  maxFileSize(): number;
  /** Facts of the editor's current text when `file` is open, else undefined. */
  openFacts(file: string): FileFacts | undefined;
  isOpen(file: string): boolean;
  /** The folder's facts changed: re-analyse its open documents, except `origin` when given. */
  folderChanged(folder: string, origin?: string): void;
  progress?(): IndexProgress | undefined;
  log?(message: string): void;
}

interface FolderEntry {
  folder: string;
  configKey: string;
  /** The folder's .c/.h files when last listed (sorted, capped). */
  files: string[];
  facts: Map<string, FileFacts>;
  summaries: Map<string, FileSummary>;
  /** Files still to parse; empty when complete. */
  todo: string[];
  version: number;
  lastUse: number;
  /** Source bytes of the trees held. */
  bytes: number;
  /** Trees were freed to bound memory; summaries remain. */
  dropped: boolean;
}

export interface FolderView {
  /** Facts of the folder's other files: open ones from the editor, the rest from disk. */
  facts: FileFacts[];
  /** Changes whenever any of those facts change. */
  version: string;
  /** False while some of the folder is still being indexed. */
  complete: boolean;
}

/** Default budget of source bytes held for folders without open documents (≈ 75 MB of trees). */
export const DEFAULT_CACHED_BYTES = 3 * 1024 * 1024;
/** A slice of indexing work yields to the event loop after this many milliseconds. */
const SLICE_MS = 8;

export class WorkspaceIndex {
  private readonly folders = new Map<string, FolderEntry>();
  /** Folders waiting for work, open documents' folders first. */
  private readonly queue: string[] = [];
  private scheduled = false;
  private progress: IndexProgress | undefined;
  private progressDone = 0;
  private progressTotal = 0;
  private clock = 0;
  /** Per folder: bumped on every edit, open and close of a document in it. */
  private readonly openVersions = new Map<string, number>();
  private disposed = false;

  constructor(
    private readonly host: WorkspaceIndexHost,
    private cachedBytes = DEFAULT_CACHED_BYTES,
  ) {}

  /** The folder of an open document: indexed first, kept in memory while a document in it is open. */
  documentOpened(file: string): void {
    this.touch(path.dirname(file), true);
    this.openChanged(file);
  }

  /** An open document's text changed (or it was closed): its siblings' analyses are stale. */
  openChanged(file: string): void {
    const folder = path.dirname(file);
    this.openVersions.set(folder, (this.openVersions.get(folder) ?? 0) + 1);
    const entry = this.folders.get(folder);
    if (entry) entry.version++;
    this.host.folderChanged(folder, file);
  }

  documentClosed(file: string): void {
    this.openChanged(file);
    // The disk version becomes the sibling again.
    this.fileChanged(file);
    this.enforceBudget();
  }

  /** A file watcher event (created, changed, deleted) for a .c/.h file. */
  fileChanged(file: string): void {
    const folder = path.dirname(file);
    const entry = this.folders.get(folder);
    if (!entry) return;
    const facts = entry.facts.get(file);
    if (facts) {
      entry.facts.delete(file);
      entry.bytes -= facts.text.length;
      facts.tree.delete();
    }
    entry.summaries.delete(file);
    entry.files = folderSourceFiles(folder);
    entry.version++;
    if (!entry.dropped) this.enqueue(entry, [file], this.hasOpenDocument(folder));
    else this.host.folderChanged(folder);
  }

  /** Whole-workspace indexing: every folder below `root` holding .c/.h files, after the open ones. */
  async indexTree(root: string): Promise<number> {
    const folders: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries: fs.Dirent[];
      try {
        entries = await fs.promises.readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      if (entries.some((entry) => !entry.isDirectory() && /\.[ch]$/.test(entry.name))) folders.push(dir);
      for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
        if (entry.isDirectory() && !entry.name.startsWith('.') && entry.name !== 'node_modules') await walk(path.join(dir, entry.name));
      }
    };
    await walk(root);
    for (const folder of folders) {
      if (this.disposed) break;
      this.touch(folder, false);
    }
    return folders.length;
  }

  /** Sibling facts of `file` for RuleContext.folder: whatever is indexed now (see `complete`). */
  folderOf(file: string): FolderView {
    const folder = path.dirname(file);
    const entry = this.touch(folder, this.host.isOpen(file));
    const self = path.resolve(file);
    const facts: FileFacts[] = [];
    for (const sibling of entry.files) {
      if (path.resolve(sibling) === self) continue;
      const open = this.host.isOpen(sibling) ? this.host.openFacts(sibling) : undefined;
      const disk = open ?? entry.facts.get(sibling);
      if (disk) facts.push(disk);
    }
    return { facts, version: `${entry.version}/${this.openVersions.get(folder) ?? 0}`, complete: entry.todo.length === 0 && !entry.dropped };
  }

  /** Summaries of every indexed file (also those whose trees were freed). */
  summaries(): ReadonlyMap<string, FileSummary> {
    const all = new Map<string, FileSummary>();
    for (const entry of this.folders.values()) for (const [file, summary] of entry.summaries) all.set(file, summary);
    return all;
  }

  /** Settings changed (model configuration, size bound): every fact is recomputed. */
  reset(cachedBytes = this.cachedBytes): void {
    this.cachedBytes = cachedBytes;
    const folders = [...this.folders.keys()];
    for (const entry of this.folders.values()) this.freeTrees(entry);
    this.folders.clear();
    this.queue.length = 0;
    for (const folder of folders) this.touch(folder, this.hasOpenDocument(folder));
  }

  dispose(): void {
    this.disposed = true;
    for (const entry of this.folders.values()) this.freeTrees(entry);
    this.folders.clear();
    this.queue.length = 0;
    this.progress?.end();
    this.progress = undefined;
  }

  /** Counts for logs and benchmarks. */
  stats(): { folders: number; filesWithTrees: number; bytesWithTrees: number; summaries: number; queued: number } {
    let filesWithTrees = 0;
    let bytesWithTrees = 0;
    let summaries = 0;
    for (const entry of this.folders.values()) {
      filesWithTrees += entry.facts.size;
      bytesWithTrees += entry.bytes;
      summaries += entry.summaries.size;
    }
    return { folders: this.folders.size, filesWithTrees, bytesWithTrees, summaries, queued: this.queue.length };
  }

  /** True when nothing is queued. */
  idle(): boolean {
    return this.queue.length === 0;
  }

  private hasOpenDocument(folder: string): boolean {
    const entry = this.folders.get(folder);
    return !!entry && entry.files.some((file) => this.host.isOpen(file));
  }

  /** The folder's entry, created and queued when new or dropped, with the current configuration. */
  private touch(folder: string, urgent: boolean): FolderEntry {
    const config = this.host.configFor(path.join(folder, '_'));
    const configKey = JSON.stringify(config);
    let entry = this.folders.get(folder);
    if (entry && entry.configKey !== configKey) {
      this.freeTrees(entry);
      this.folders.delete(folder);
      entry = undefined;
    }
    if (!entry) {
      const files = folderSourceFiles(folder);
      entry = { folder, configKey, files, facts: new Map(), summaries: new Map(), todo: [], version: 1, lastUse: 0, bytes: 0, dropped: false };
      this.folders.set(folder, entry);
      if (files.length >= MAX_FOLDER_FILES) this.host.log?.(`${folder}: only the first ${MAX_FOLDER_FILES} files are indexed`);
      this.enqueue(entry, files, urgent);
    } else if (entry.dropped && urgent) {
      entry.dropped = false;
      entry.version++;
      this.enqueue(entry, entry.files, urgent);
    } else if (urgent && entry.todo.length > 0) {
      // Move it to the front: a document in it was just opened.
      this.queue.splice(this.queue.indexOf(folder), 1);
      this.queue.unshift(folder);
    }
    entry.lastUse = ++this.clock;
    return entry;
  }

  private enqueue(entry: FolderEntry, files: readonly string[], urgent: boolean): void {
    for (const file of files) if (!entry.todo.includes(file)) entry.todo.push(file);
    if (entry.todo.length === 0) return;
    this.progressTotal += files.length;
    if (!this.queue.includes(entry.folder)) {
      if (urgent) this.queue.unshift(entry.folder);
      else this.queue.push(entry.folder);
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.disposed) return;
    this.scheduled = true;
    setImmediate(() => this.slice());
  }

  private slice(): void {
    this.scheduled = false;
    if (this.disposed) return;
    if (!this.progress && this.queue.length > 0) {
      this.progress = this.host.progress?.();
      this.progress?.begin('Kernel Alloc Lens: indexing driver folders');
    }
    const started = Date.now();
    while (this.queue.length > 0 && Date.now() - started < SLICE_MS) {
      const entry = this.folders.get(this.queue[0]);
      const file = entry?.todo.shift();
      if (!entry || file === undefined) {
        this.queue.shift();
        continue;
      }
      this.indexFile(entry, file);
      this.progressDone++;
      if (entry.todo.length === 0) {
        this.queue.shift();
        entry.version++;
        this.host.folderChanged(entry.folder);
        this.enforceBudget();
      }
    }
    if (this.queue.length > 0) {
      this.progress?.report(this.progressDone, this.progressTotal, `${this.progressDone}/${this.progressTotal} files`);
      this.schedule();
    } else {
      this.progress?.end();
      this.progress = undefined;
      this.progressDone = 0;
      this.progressTotal = 0;
    }
  }

  private indexFile(entry: FolderEntry, file: string): void {
    if (this.host.isOpen(file)) return;
    const old = entry.facts.get(file);
    if (old) {
      entry.facts.delete(file);
      entry.bytes -= old.text.length;
      old.tree.delete();
    }
    const read = readSourceFile(file, this.host.maxFileSize());
    if ('skipped' in read) {
      entry.summaries.set(file, { size: 0, mtimeMs: 0, skipped: read.skipped, functions: [] });
      return;
    }
    try {
      const tree = parseSource(this.host.parser, read.text)?.tree;
      if (!tree) {
        entry.summaries.set(file, { size: read.size, mtimeMs: read.mtimeMs, skipped: 'the parser gave up', functions: [] });
        return;
      }
      const facts = collectFileFacts(file, read.text, tree, this.host.configFor(file));
      // Copies: a name sliced from the source text would keep the whole text alive (V8 sliced strings),
      // about 100 MB of JS heap for drivers/net.
      entry.summaries.set(file, { size: read.size, mtimeMs: read.mtimeMs, functions: facts.functions.map((fn) => Buffer.from(fn.name, 'utf8').toString('utf8')) });
      if (entry.dropped) {
        // The folder is already over the budget: its summary is all that is kept.
        tree.delete();
        return;
      }
      entry.facts.set(file, facts);
      entry.bytes += read.text.length;
      // Checked per file, not per folder: one large folder must not push the (never shrinking)
      // WebAssembly heap past the budget before its last file is read.
      if (this.heldBytes() > this.cachedBytes) this.enforceBudget();
    } catch (error) {
      entry.summaries.set(file, { size: read.size, mtimeMs: read.mtimeMs, skipped: `indexing failed: ${error instanceof Error ? error.message : String(error)}`, functions: [] });
    }
  }

  /** Source bytes whose trees are held for folders without open documents. */
  private heldBytes(): number {
    let bytes = 0;
    for (const entry of this.folders.values()) if (!entry.dropped && !this.hasOpenDocument(entry.folder)) bytes += entry.bytes;
    return bytes;
  }

  /** Frees the trees of the least recently used folders without open documents beyond the budget. */
  private enforceBudget(): void {
    const candidates = [...this.folders.values()].filter((entry) => !entry.dropped && !this.hasOpenDocument(entry.folder)).sort((a, b) => b.lastUse - a.lastUse);
    let kept = 0;
    for (const entry of candidates) {
      kept += entry.bytes;
      if (kept > this.cachedBytes) {
        this.freeTrees(entry);
        entry.dropped = true;
        entry.version++;
      }
    }
  }

  private freeTrees(entry: FolderEntry): void {
    for (const facts of entry.facts.values()) facts.tree.delete();
    entry.facts.clear();
    entry.bytes = 0;
  }
}
