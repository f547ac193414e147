// The on-disk index of a kernel tree (`kalloc index`): where it lives, what a tree is, and reading
// and writing it. It lives outside the project, in the user's cache folder:
//
//   $XDG_CACHE_HOME (or ~/.cache)/kernel-alloc-lens/index/<hash of the tree's real path>-<version>/
//     files.v8      every indexed .c file: its size and mtime when summarised, and its IndexedFile
//     facts.v8      the KernelFacts derived from all of them (what `kalloc check` and the server load)
//     index.json    a human-readable account of the last run (tree, version, counts, when)
//
// The two data files are v8.serialize() of a header and the payload. Not JSON: IndexedFile and
// KernelFacts are promised to be structured-clonable, which is exactly what v8.serialize() keeps
// (Maps, Sets, undefined, typed arrays) and JSON silently loses; it is also faster to read back. Its
// cost is that it is not readable by other tools, hence index.json beside it. The header's
// `format` is INDEX_FORMAT: a file of another format, or one that does not deserialize, is rebuilt
// with a message, never trusted. Every write goes to a temporary file renamed over the old one, so
// an interrupted run leaves the previous index or the new one, never half of one.
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as v8 from 'v8';
import type { IndexedFile, KernelFacts } from '../analysis/index/kernelFacts';

/** Bump when IndexedFile, KernelFacts or what a summary holds changes: older caches are rebuilt. */
export const INDEX_FORMAT = 2;

const MAGIC = 'kernel-alloc-lens index';

/** A kernel source tree: its real path and the release its top-level Makefile names. */
export interface KernelTree {
  root: string;
  /** `6.1.0`: VERSION.PATCHLEVEL.SUBLEVEL (and EXTRAVERSION) of the top-level Makefile. */
  version: string;
}

/** One .c file of the index: what it was summarised from, and the summary's data. */
export interface IndexEntry {
  size: number;
  mtimeMs: number;
  file: IndexedFile;
}

interface Header {
  magic: string;
  format: number;
  root: string;
  version: string;
  /** The model configuration the summaries were built with: another one rebuilds them all. */
  configKey: string;
}

export interface StoredFiles extends Header {
  /** By path relative to the root. */
  entries: Record<string, IndexEntry>;
}

export interface StoredFacts extends Header {
  files: number;
  facts: KernelFacts;
}

/** `VERSION = 6`, `PATCHLEVEL = 1`, `SUBLEVEL = 0`, `EXTRAVERSION = -rc1` → `6.1.0-rc1`. */
export function versionLabelFromMakefile(text: string): string | undefined {
  const value = (name: string) => new RegExp(`^${name}\\s*=[ \\t]*(\\S*)[ \\t]*$`, 'm').exec(text)?.[1];
  const major = value('VERSION');
  const minor = value('PATCHLEVEL');
  if (!major || !minor || !/^\d+$/.test(major) || !/^\d+$/.test(minor)) return undefined;
  const sub = value('SUBLEVEL');
  const extra = value('EXTRAVERSION') ?? '';
  return `${major}.${minor}${sub && /^\d+$/.test(sub) ? `.${sub}` : ''}${/^[\w.+-]*$/.test(extra) ? extra : ''}`;
}

/** The kernel tree at `dir`, or why it is not one (a clear sentence for the CLI and the server). */
export function kernelTreeAt(dir: string): KernelTree | { problem: string } {
  let root: string;
  try {
    root = fs.realpathSync(dir);
    if (!fs.statSync(root).isDirectory()) return { problem: `${dir} is not a folder` };
  } catch (error) {
    return { problem: `cannot read ${dir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}` };
  }
  let makefile: string;
  try {
    makefile = fs.readFileSync(path.join(root, 'Makefile'), 'utf8');
  } catch {
    return { problem: `${dir} is not a kernel source tree: it has no top-level Makefile` };
  }
  const version = versionLabelFromMakefile(makefile);
  if (!version) return { problem: `${dir} is not a kernel source tree: its Makefile sets no VERSION and PATCHLEVEL` };
  return { root, version };
}

/** $XDG_CACHE_HOME/kernel-alloc-lens/index (an absolute XDG_CACHE_HOME only, as the spec says), else ~/.cache/…. */
export function indexCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.cache');
  return path.join(base, 'kernel-alloc-lens', 'index');
}

/** The folder of one tree's index: keyed by its real path and its release. */
export function indexDirOf(tree: KernelTree, env: NodeJS.ProcessEnv = process.env): string {
  const hash = createHash('sha256').update(tree.root).digest('hex').slice(0, 16);
  return path.join(indexCacheRoot(env), `${hash}-${tree.version.replace(/[^\w.+-]/g, '_')}`);
}

export const FILES_NAME = 'files.v8';
export const FACTS_NAME = 'facts.v8';
export const ACCOUNT_NAME = 'index.json';

/** Writes `data` to `file` through a temporary file in the same folder and a rename. */
export function writeAtomically(file: string, data: string | Buffer): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
  } catch (error) {
    throw new Error(`cannot create the index folder ${path.dirname(file)}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
  }
  const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`;
  try {
    fs.writeFileSync(temporary, data);
    fs.renameSync(temporary, file);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw new Error(`cannot write the index file ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
  }
}

function header(tree: KernelTree, configKey: string): Header {
  return { magic: MAGIC, format: INDEX_FORMAT, root: tree.root, version: tree.version, configKey };
}

/** Why a stored header cannot be used for `tree`, or undefined when it can. */
function headerProblem(value: unknown, tree: KernelTree, configKey: string | undefined): string | undefined {
  const stored = value as Partial<Header> | undefined;
  if (!stored || typeof stored !== 'object' || stored.magic !== MAGIC) return 'it is not an index file';
  if (stored.format !== INDEX_FORMAT) return `it has format ${String(stored.format)}, this version of kalloc writes format ${INDEX_FORMAT}`;
  if (stored.root !== tree.root || stored.version !== tree.version) return `it is the index of ${String(stored.root)} (${String(stored.version)})`;
  if (configKey !== undefined && stored.configKey !== configKey) return 'it was built with another model configuration (kernel version, architecture, page size or .config)';
  return undefined;
}

export type Read<T> = { value: T } | { missing: true } | { problem: string };

function readStored<T>(file: string, tree: KernelTree, configKey: string | undefined, valid: (value: T) => boolean): Read<T> {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (error) {
    return unreadable(file, error);
  }
  return decoded(file, bytes, tree, configKey, valid);
}

function unreadable<T>(file: string, error: unknown): Read<T> {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR' ? { missing: true } : { problem: `cannot read ${file}: ${code ?? String(error)}` };
}

function decoded<T>(file: string, bytes: Buffer, tree: KernelTree, configKey: string | undefined, valid: (value: T) => boolean): Read<T> {
  let value: unknown;
  try {
    value = v8.deserialize(bytes);
  } catch (error) {
    return { problem: `${file} is corrupt (${error instanceof Error ? error.message : String(error)})` };
  }
  const problem = headerProblem(value, tree, configKey);
  if (problem) return { problem: `${file} cannot be used: ${problem}` };
  if (!valid(value as T)) return { problem: `${file} is corrupt (its contents are not an index)` };
  return { value: value as T };
}

/** The stored files of a tree's index: undefined when there is none, a problem when it cannot be used. */
export function readIndexFiles(dir: string, tree: KernelTree, configKey: string): Read<StoredFiles> {
  return readStored<StoredFiles>(path.join(dir, FILES_NAME), tree, configKey, (value) => !!value.entries && typeof value.entries === 'object');
}

export function writeIndexFiles(dir: string, tree: KernelTree, configKey: string, entries: Record<string, IndexEntry>): void {
  const stored: StoredFiles = { ...header(tree, configKey), entries };
  writeAtomically(path.join(dir, FILES_NAME), v8.serialize(stored));
}

/** The derived facts of a tree's index; any configuration (they are loaded by whoever finds them). */
export function readKernelFacts(dir: string, tree: KernelTree): Read<StoredFacts> {
  return readStored<StoredFacts>(path.join(dir, FACTS_NAME), tree, undefined, validFacts);
}

/** The same, reading the file without blocking the caller's thread (the language server). */
export async function readKernelFactsAsync(dir: string, tree: KernelTree): Promise<Read<StoredFacts>> {
  const file = path.join(dir, FACTS_NAME);
  let bytes: Buffer;
  try {
    bytes = await fs.promises.readFile(file);
  } catch (error) {
    return unreadable(file, error);
  }
  return decoded(file, bytes, tree, undefined, validFacts);
}

function validFacts(value: StoredFacts): boolean {
  return !!value.facts && typeof value.facts === 'object' && typeof value.files === 'number';
}

export function writeKernelFacts(dir: string, tree: KernelTree, configKey: string, files: number, facts: KernelFacts): void {
  const stored: StoredFacts = { ...header(tree, configKey), files, facts };
  writeAtomically(path.join(dir, FACTS_NAME), v8.serialize(stored));
}

/** Bytes the index takes on disk (its folder's files). */
export function indexSizeOnDisk(dir: string): number {
  try {
    return fs.readdirSync(dir).reduce((sum, name) => {
      try {
        return sum + fs.statSync(path.join(dir, name)).size;
      } catch {
        return sum;
      }
    }, 0);
  } catch {
    return 0;
  }
}

/** Top-level folders whose .c files are not kernel code: userspace tools and build helpers. */
const NOT_KERNEL = new Set(['tools', 'scripts', 'usr', 'Documentation']);

/**
 * The .c files of a tree, relative to its root, sorted. Hidden folders, symbolic links and the
 * userspace folders (tools/, scripts/, usr/, Documentation/) are left out: tools/include has its
 * own mock `mutex_lock()` and friends, which must not become kernel facts. Unreadable folders are
 * reported through `onUnreadable` and skipped.
 */
export function kernelTreeSources(root: string, onUnreadable: (folder: string, reason: string) => void, extension = '.c'): string[] {
  const files: string[] = [];
  const walk = (relative: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(root, relative), { withFileTypes: true });
    } catch (error) {
      onUnreadable(relative || '.', (error as NodeJS.ErrnoException).code ?? String(error));
      return;
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const child = relative ? path.join(relative, entry.name) : entry.name;
      if (entry.isDirectory()) {
        if (!relative && NOT_KERNEL.has(entry.name)) continue;
        walk(child);
      } else if (entry.isFile() && entry.name.endsWith(extension)) files.push(child);
    }
  };
  walk('');
  return files.sort();
}
