// Which files a `kalloc check` run covers: .c and .h files below the given paths, minus --exclude
// globs, in one sorted order (output never depends on the file system's or the workers' order),
// optionally narrowed to one shard of a CI matrix.
import * as fs from 'fs';
import * as path from 'path';
import { minimatch } from 'minimatch';

export interface WalkedFile {
  /** As the user will see it: the given path joined with the walked names. */
  file: string;
  /** The folder, relative to the given root with `/` separators, that decides the shard. */
  shardKey: string;
}

export interface Shard {
  /** 1-based, as CI matrices count: `--shard 1/4` … `--shard 4/4`. */
  index: number;
  count: number;
}

export function parseShard(text: string): Shard | undefined {
  const match = /^(\d+)\/(\d+)$/.exec(text);
  if (!match) return undefined;
  const index = Number(match[1]);
  const count = Number(match[2]);
  return count >= 1 && index >= 1 && index <= count ? { index, count } : undefined;
}

/**
 * FNV-1a (32 bit) of the folder relative to the given root: the same on every machine and for any
 * checkout location. Whole folders land in one shard, so no driver folder is parsed by two shards.
 */
export function shardOf(shardKey: string, count: number): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < shardKey.length; index++) {
    hash ^= shardKey.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return (hash % count) + 1;
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function toPosix(relative: string): string {
  return relative.split(path.sep).join('/') || '.';
}

/**
 * Globs match the path relative to the given root (`drivers/staging/**`); a glob without a slash
 * matches any file or folder name (`*_test.c`, `staging`), as in .gitignore. An excluded folder is
 * not entered.
 */
export function excludedBy(globs: readonly string[], relative: string): boolean {
  return globs.some((glob) => minimatch(relative, glob, { dot: true, matchBase: true }) || minimatch(relative, `${glob.replace(/\/+$/, '')}/**`, { dot: true }));
}

export interface WalkResult {
  /** The files of this run (of this shard, with --shard), in one sorted order. */
  files: WalkedFile[];
  /** .c and .h files found before --shard narrowed them. */
  found: number;
  /** When nothing was found: why, in one line naming the paths and the --exclude globs. */
  nothingFound?: string;
}

export function isCSource(file: string): boolean {
  return /\.[ch]$/.test(file);
}

/**
 * Throws with a one-line message when a given path does not exist or is a file that is not .c or
 * .h: a path the user named explicitly is never dropped in silence.
 */
export function walkFiles(paths: readonly string[], excludes: readonly string[] = [], shard?: Shard): WalkResult {
  const seen = new Set<string>();
  const files: WalkedFile[] = [];
  let found = 0;
  let excludedPaths = 0;
  const add = (file: string, root: string) => {
    const key = path.resolve(file);
    if (seen.has(key)) return;
    seen.add(key);
    found++;
    const shardKey = toPosix(path.relative(root, path.dirname(file)));
    if (shard && shardOf(shardKey, shard.count) !== shard.index) return;
    files.push({ file, shardKey });
  };
  const walk = (dir: string, root: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch (error) {
      throw new Error(`cannot read ${dir}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    for (const entry of entries.sort((a, b) => byName(a.name, b.name))) {
      const full = path.join(dir, entry.name);
      const relative = toPosix(path.relative(root, full));
      if (entry.isDirectory()) {
        if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
        if (excludedBy(excludes, relative)) excludedPaths++;
        else walk(full, root);
      } else if (entry.isFile() && isCSource(entry.name)) {
        if (excludedBy(excludes, relative)) excludedPaths++;
        else add(full, root);
      }
    }
  };
  for (const given of paths) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(given);
    } catch {
      throw new Error(`cannot read ${given}: no such file or directory`);
    }
    if (stat.isDirectory()) walk(given, given);
    else if (isCSource(given)) add(given, path.dirname(given));
    else throw new Error(`${given} is not a .c or .h file; nothing was checked`);
  }
  if (found > 0) return { files, found };
  const where = paths.join(', ');
  const nothingFound =
    excludedPaths > 0
      ? `nothing to check: no .c or .h files under ${where} outside --exclude (${excludedPaths} path${excludedPaths === 1 ? '' : 's'} excluded)`
      : `nothing to check: no .c or .h files under ${where} (dot-directories and node_modules are not walked)`;
  return { files, found, nothingFound };
}
