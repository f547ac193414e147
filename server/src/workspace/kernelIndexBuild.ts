// Builds or refreshes the index of a kernel tree (workspace/kernelIndex.ts has the layout): every
// .c file whose size and mtime match its stored entry is reused, the others are summarised by the
// analysis workers (workspace/analysisPool.ts, task kind `index`), then the KernelFacts are derived
// from all entries and stored beside them. Shared by `kalloc index` and the language server.
import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { KernelFacts, deriveKernelFacts } from '../analysis/index/kernelFacts';
import { HEADER_TABLE_VERSION, HeaderSource, HeaderTypeTable, buildHeaderTypes, headerFolders, keptHeaderMacros, prepareHeaders } from '../analysis/index/headerTypes';
import { HEADER_MACRO_VERSION, HeaderMacroTable, deriveHeaderMacros } from '../analysis/index/headerMacros';
import { ModelConfig } from '../model/config';
import { RawSettings, readSettings } from '../settings';
import { analyseFiles } from './analysisPool';
import { treeHeaderFieldCalls } from './headerFieldCalls';
import { detectKernelDir, resolveConfig } from './kernelConfig';
import {
  ACCOUNT_NAME,
  INDEX_FORMAT,
  IndexEntry,
  KernelTree,
  indexDirOf,
  indexSizeOnDisk,
  kernelTreeSources,
  readIndexFiles,
  readKernelFacts,
  writeAtomically,
  writeIndexFiles,
  writeKernelFacts,
} from './kernelIndex';
import { createHash } from 'crypto';

export interface IndexBuildOptions {
  jobs: number;
  fileTimeoutMs: number;
  maxFileSize: number;
  /** The model options (the CLI's flags, the server's settings); "auto" values come from the tree. */
  settings: RawSettings;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** dist/analysisWorker.js by default. */
  workerScript?: string;
  /** Every file whose summary is done or reused: `done` of `total` .c files. */
  onProgress?(done: number, total: number): void;
  /** A one-line note: a stale cache rebuilt, a file that failed, an unreadable folder. */
  onNote?(line: string): void;
  /** How often the entries summarised so far are written, so a killed run keeps most of its work. */
  checkpointMs?: number;
  /** Only these folders of the tree, relative to its root (the benchmark indexes drivers/net). */
  subtrees?: readonly string[];
}

export interface IndexBuildResult {
  tree: KernelTree;
  dir: string;
  /** .c files of the tree. */
  files: number;
  /** Of those, reused unchanged from the previous index. */
  reused: number;
  /** Summarised in this run. */
  summarised: number;
  failed: { file: string; reason: string }[];
  interrupted: boolean;
  /** Undefined when the run was interrupted (the entries so far are kept for the next run). */
  facts?: KernelFacts;
  elapsedMs: number;
  bytesOnDisk: number;
  /** The header-type table stored with the facts: headers read, types kept, time to build it (with the header macros). */
  headerTypes?: { headers: number; leftOut: number; records: number; typedefs: number; elapsedMs: number };
  /** The header macros stored with the facts: those that sleep and those that lock (index/headerMacros.ts). */
  headerMacros?: { sleeps: number; sections: number };
}

/** The model configuration the tree's files are summarised with: the options, then the tree's Makefile and .config. */
export function indexConfig(settings: RawSettings, tree: KernelTree): ModelConfig {
  const read = readSettings(settings).settings;
  return resolveConfig(read.config, read.explicit, detectKernelDir(tree.root) ?? { sources: {} }).config;
}

/** What the summaries depend on in the configuration; the .config by its content hash. */
export function configKeyOf(config: ModelConfig): string {
  return JSON.stringify({ ...config, kconfig: config.kconfig?.key ?? null });
}

export async function buildKernelIndex(tree: KernelTree, options: IndexBuildOptions): Promise<IndexBuildResult> {
  const started = Date.now();
  const note = (line: string) => options.onNote?.(line);
  const dir = indexDirOf(tree, options.env);
  const configKey = configKeyOf(indexConfig(options.settings, tree));

  // Written first, so a cache folder that cannot be written stops the run before any work.
  writeAtomically(
    path.join(dir, ACCOUNT_NAME),
    `${JSON.stringify({ format: INDEX_FORMAT, root: tree.root, version: tree.version, complete: false, started: new Date(started).toISOString() }, null, 2)}\n`,
  );
  const previous = readIndexFiles(dir, tree, configKey);
  const stored: Record<string, IndexEntry> = 'value' in previous ? previous.value.entries : {};
  if ('problem' in previous) note(`${previous.problem}; rebuilding the index from scratch`);

  const unreadable = (folder: string, reason: string) => note(`cannot read folder ${folder} (${reason}); its files are left out of the index`);
  const sources = options.subtrees
    ? options.subtrees.flatMap((subtree) => kernelTreeSources(path.join(tree.root, subtree), unreadable).map((file) => path.join(subtree, file)))
    : kernelTreeSources(tree.root, unreadable);
  const entries: Record<string, IndexEntry> = {};
  const stats = new Map<string, { size: number; mtimeMs: number }>();
  const failed: { file: string; reason: string }[] = [];
  const toSummarise: string[] = [];
  for (const relative of sources) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(path.join(tree.root, relative));
    } catch (error) {
      failed.push({ file: relative, reason: `cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}` });
      continue;
    }
    const old = stored[relative];
    if (old && old.size === stat.size && old.mtimeMs === stat.mtimeMs) entries[relative] = old;
    else {
      stats.set(relative, { size: stat.size, mtimeMs: stat.mtimeMs });
      toSummarise.push(relative);
    }
  }
  const reused = Object.keys(entries).length;
  const total = sources.length;
  options.onProgress?.(reused + failed.length, total);

  const checkpointMs = options.checkpointMs ?? 120_000;
  let lastCheckpoint = Date.now();
  let summarised = 0;
  const outcomes = await analyseFiles(
    toSummarise.map((relative) => path.join(tree.root, relative)),
    {
      jobs: options.jobs,
      fileTimeoutMs: options.fileTimeoutMs,
      maxFileSize: options.maxFileSize,
      settings: options.settings,
      kind: 'index',
      kernelDir: tree.root,
      workerScript: options.workerScript,
      signal: options.signal,
      onNote: note,
      onOutcome(file, outcome, done) {
        const relative = path.relative(tree.root, file);
        if (outcome.kind === 'indexed') {
          const stat = stats.get(relative)!;
          entries[relative] = { size: stat.size, mtimeMs: stat.mtimeMs, file: outcome.indexed };
          summarised++;
        } else if (outcome.kind === 'skipped') {
          failed.push({ file: relative, reason: outcome.reason });
          note(`left out of the index: ${relative}: ${outcome.reason}`);
        }
        options.onProgress?.(reused + failed.length + summarised, total);
        if (checkpointMs > 0 && Date.now() - lastCheckpoint > checkpointMs && done < toSummarise.length) {
          lastCheckpoint = Date.now();
          writeIndexFiles(dir, tree, configKey, entries);
        }
      },
    },
  );
  const interrupted = options.signal?.aborted === true && outcomes.size < toSummarise.length;

  const ordered = Object.keys(entries).sort();
  const sortedEntries: Record<string, IndexEntry> = {};
  for (const relative of ordered) sortedEntries[relative] = entries[relative];
  writeIndexFiles(dir, tree, configKey, sortedEntries);
  let facts: KernelFacts | undefined;
  let headerAccount: IndexBuildResult['headerTypes'];
  let macroAccount: IndexBuildResult['headerMacros'];
  if (!interrupted) {
    const headerFieldCalls = treeHeaderFieldCalls(tree.root, options.maxFileSize, (file, reason) => note(`cannot read header ${file} (${reason}); its field calls are not known`));
    facts = deriveKernelFacts(
      ordered.map((relative) => sortedEntries[relative].file),
      { ...tree, headerFieldCalls },
    );
    const headerStarted = Date.now();
    const stored = readKernelFacts(dir, tree);
    const previousTables = 'value' in stored ? { types: stored.value.facts.headerTypes, macros: stored.value.facts.headerMacros } : {};
    const { types: headerTypes, macros: headerMacros } = treeHeaderTables(tree, indexConfig(options.settings, tree), note, previousTables);
    headerAccount = { headers: headerTypes.headers, leftOut: headerTypes.leftOut, records: headerTypes.records.length, typedefs: headerTypes.typedefs.length, elapsedMs: Date.now() - headerStarted };
    macroAccount = { sleeps: headerMacros.sleeps.length, sections: headerMacros.sections.length };
    facts = { ...facts, headerTypes, headerMacros };
    writeKernelFacts(dir, tree, configKey, ordered.length, facts);
  }
  const elapsedMs = Date.now() - started;
  const account = {
    format: INDEX_FORMAT,
    root: tree.root,
    version: tree.version,
    complete: !interrupted,
    files: total,
    indexed: ordered.length,
    reused,
    summarised,
    failed,
    elapsedMs,
    ...(headerAccount ? { headerTypes: headerAccount } : {}),
    ...(macroAccount ? { headerMacros: macroAccount } : {}),
    written: new Date().toISOString(),
  };
  writeAtomically(path.join(dir, ACCOUNT_NAME), `${JSON.stringify(account, null, 2)}\n`);
  return {
    tree,
    dir,
    files: total,
    reused,
    summarised,
    failed,
    interrupted,
    facts,
    elapsedMs,
    bytesOnDisk: indexSizeOnDisk(dir),
    ...(headerAccount ? { headerTypes: headerAccount } : {}),
    ...(macroAccount ? { headerMacros: macroAccount } : {}),
  };
}

/** A header larger than this is generated data (register tables), not type definitions worth reading. */
const MAX_HEADER_SIZE = 2 * 1024 * 1024;

/**
 * The header types of the tree's include/ and arch/<arch>/include/ (the architecture and .config
 * the index is built with). `previous` (the last run's table) is reused when every header has the
 * same size and mtime and the arch and .config are the same; else all headers are read again (a
 * header edit can change any struct that holds the edited one).
 */
export function treeHeaderTypes(tree: KernelTree, config: ModelConfig, note: (line: string) => void, previous?: HeaderTypeTable): HeaderTypeTable {
  return treeHeaderTables(tree, config, note, { types: previous }, false).types;
}

/**
 * The header types and the header macros (index/headerMacros.ts) of the same headers, read once
 * for both; each previous table is reused on the same terms as the types (its own version).
 */
export function treeHeaderTables(
  tree: KernelTree,
  config: ModelConfig,
  note: (line: string) => void,
  previous: { types?: HeaderTypeTable; macros?: HeaderMacroTable },
  withMacros = true,
): { types: HeaderTypeTable; macros: HeaderMacroTable } {
  const found: { path: string; size: number; mtimeMs: number }[] = [];
  const walk = (relative: string) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(tree.root, relative), { withFileTypes: true });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') note(`cannot read folder ${relative} (${code ?? String(error)}); its headers are left out of the index`);
      return;
    }
    for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (entry.name.startsWith('.')) continue;
      const child = path.posix.join(relative, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (entry.isFile() && entry.name.endsWith('.h')) {
        try {
          const stat = fs.statSync(path.join(tree.root, child));
          if (stat.size <= MAX_HEADER_SIZE) found.push({ path: child, size: stat.size, mtimeMs: stat.mtimeMs });
        } catch (error) {
          note(`cannot read header ${child} (${(error as NodeJS.ErrnoException).code ?? String(error)}); left out of the index`);
        }
      }
    }
  };
  for (const folder of headerFolders(config.arch)) walk(folder);
  const keyOf = (version: string) => {
    const hash = createHash('sha256').update(`${version}\n${config.arch}\n${config.kconfig?.key ?? ''}\n`);
    for (const header of found) hash.update(`${header.path}\0${header.size}\0${header.mtimeMs}\n`);
    return hash.digest('hex').slice(0, 32);
  };
  const typesKey = keyOf(String(HEADER_TABLE_VERSION));
  const macrosKey = keyOf(`macros ${HEADER_MACRO_VERSION}`);
  const keptTypes = previous.types?.sourceKey === typesKey ? previous.types : undefined;
  const keptMacros = !withMacros || previous.macros?.sourceKey === macrosKey ? previous.macros : undefined;
  const empty: HeaderMacroTable = { arch: config.arch, sleeps: [], sections: [] };
  if (keptTypes && (keptMacros || !withMacros)) return { types: keptTypes, macros: keptMacros ?? empty };
  const sources: HeaderSource[] = [];
  for (const header of found) {
    try {
      sources.push({ path: header.path, text: fs.readFileSync(path.join(tree.root, header.path), 'utf8') });
    } catch (error) {
      note(`cannot read header ${header.path} (${(error as NodeJS.ErrnoException).code ?? String(error)}); left out of the index`);
    }
  }
  const conditions = { arch: config.arch, ...(config.kconfig ? { kconfig: config.kconfig } : {}) };
  const prepared = prepareHeaders(sources, conditions);
  const types = keptTypes ?? { ...buildHeaderTypes(sources, conditions, prepared), sourceKey: typesKey };
  const macros =
    keptMacros ??
    (withMacros ? { ...deriveHeaderMacros(keptHeaderMacros(prepared), { arch: config.arch, ...(config.kconfig ? { kconfigKey: config.kconfig.key } : {}) }), sourceKey: macrosKey } : empty);
  return { types, macros };
}

/** What the server hands dist/kernelIndexWorker.js: plain data, the callbacks come back as messages. */
export interface KernelIndexWorkerData {
  tree: KernelTree;
  options: Omit<IndexBuildOptions, 'signal' | 'onProgress' | 'onNote'>;
}

export type KernelIndexWorkerMessage =
  { type: 'progress'; done: number; total: number } | { type: 'note'; line: string } | { type: 'done'; result: IndexBuildResult } | { type: 'failed'; message: string };

/**
 * buildKernelIndex() on a worker thread of its own (the language server: its walk, cache I/O and
 * derivation never block a handler). Aborting asks the worker to stop; the entries summarised so
 * far are still written.
 */
export function buildKernelIndexInWorker(tree: KernelTree, options: IndexBuildOptions, script = path.join(__dirname, 'kernelIndexWorker.js')): Promise<IndexBuildResult> {
  const { signal, onProgress, onNote, ...plain } = options;
  return new Promise((resolve, reject) => {
    const worker = new Worker(script, { workerData: { tree, options: plain } satisfies KernelIndexWorkerData });
    let settled = false;
    const onAbort = () => worker.postMessage({ type: 'abort' });
    signal?.addEventListener('abort', onAbort, { once: true });
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      outcome();
    };
    worker.on('message', (message: KernelIndexWorkerMessage) => {
      if (message.type === 'progress') onProgress?.(message.done, message.total);
      else if (message.type === 'note') onNote?.(message.line);
      else if (message.type === 'done') settle(() => resolve(message.result));
      else settle(() => reject(new Error(message.message)));
    });
    worker.on('error', (error) => settle(() => reject(error)));
    worker.on('exit', (code) => settle(() => reject(new Error(`the index builder exited (code ${code})`))));
  });
}
