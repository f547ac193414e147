// The language server's side of the kernel-tree index (`kalloc index`): for the tree the open files
// build against, load the stored KernelFacts in the background, or build the index first when the
// `kernelAllocLens.index.build` setting is "auto". Building runs on a worker thread of its own
// (dist/kernelIndexWorker.js: the walk, the cache I/O, the derivation) with one analysis worker
// under it, and the stored facts are read asynchronously, so diagnostics and hovers never wait
// for the index; until it is ready, the analyses use the folder alone. One tree at a time: its facts are the only ones held (bounded memory).
import type { KernelFacts } from '../analysis/index/kernelFacts';
import type { RawSettings } from '../settings';
import { KernelTree, indexDirOf, kernelTreeAt, readKernelFactsAsync } from './kernelIndex';
import { buildKernelIndexInWorker } from './kernelIndexBuild';
import type { IndexProgress } from './workspaceIndex';

/** What the status bar says about the index of the tree in use. */
export type KernelIndexStatus =
  | { state: 'loading' | 'building'; root: string; version: string }
  | { state: 'loaded'; root: string; version: string; files: number }
  /** No index, and the setting says not to build one; or one that cannot be used. */
  | { state: 'none'; root: string; version: string; problem?: string }
  | { state: 'failed'; root: string; version: string; problem: string };

export type IndexBuildSetting = 'auto' | 'off';

export interface KernelIndexHost {
  buildSetting(): IndexBuildSetting;
  /** The model settings the index is built with ("auto" values come from the tree). */
  settings(): RawSettings;
  maxFileSize(): number;
  progress(): IndexProgress | undefined;
  /** The facts of the tree in use: undefined while there are none (the tree changed, or it is being built). */
  factsChanged(facts: KernelFacts | undefined): void;
  /** The status changed (the status bar asks again). */
  statusChanged(): void;
  log(message: string): void;
}

/** The per-file bound of a background build: generous, a hang is all it catches. */
const BUILD_FILE_TIMEOUT_MS = 120_000;
/** Kernel folders asked about, and whether each is a source tree; a few per session. */
const TREE_LIMIT = 16;

export class KernelIndexSession {
  private current: { tree: KernelTree; status: KernelIndexStatus; abort?: AbortController } | undefined;
  private readonly trees = new Map<string, KernelTree | undefined>();
  private disposed = false;

  constructor(private readonly host: KernelIndexHost) {}

  /** The index status of the tree in use, if a kernel source tree was found. */
  status(): KernelIndexStatus | undefined {
    return this.current?.status;
  }

  /** The status of the tree at `dir` (a detected kernel folder), when it is the tree in use. */
  statusFor(dir: string | undefined): KernelIndexStatus | undefined {
    const tree = dir === undefined ? undefined : this.treeAt(dir);
    return tree && this.current?.tree.root === tree.root ? this.current.status : undefined;
  }

  /**
   * The open files build against the tree at `dir` (the detected kernel folder). A new tree drops
   * the old one's facts and loads (or builds) its own; the same tree does nothing.
   */
  use(dir: string | undefined): void {
    if (this.disposed || dir === undefined) return;
    const tree = this.treeAt(dir);
    if (!tree || this.current?.tree.root === tree.root) return;
    this.current?.abort?.abort();
    if (this.current?.status.state === 'loaded') this.host.factsChanged(undefined);
    this.current = { tree, status: { state: 'loading', ...tree } };
    this.host.statusChanged();
    void this.load(this.current);
  }

  /** The settings changed: a tree left without an index is built once building is allowed. */
  settingsChanged(): void {
    const current = this.current;
    if (current && current.status.state === 'none' && this.host.buildSetting() === 'auto') void this.build(current);
  }

  dispose(): void {
    this.disposed = true;
    this.current?.abort?.abort();
  }

  private treeAt(dir: string): KernelTree | undefined {
    if (!this.trees.has(dir)) {
      const tree = kernelTreeAt(dir);
      // A build folder (kernel.release, no sources) or an unreadable one has no index.
      this.trees.set(dir, 'problem' in tree ? undefined : tree);
      if (this.trees.size > TREE_LIMIT) this.trees.delete(this.trees.keys().next().value!);
    }
    return this.trees.get(dir);
  }

  private async load(current: NonNullable<KernelIndexSession['current']>): Promise<void> {
    const { tree } = current;
    const read = await readKernelFactsAsync(indexDirOf(tree), tree);
    if (this.current !== current || this.disposed) return;
    if ('value' in read) {
      this.loaded(current, read.value.facts, read.value.files);
      return;
    }
    const problem = 'problem' in read ? read.problem : undefined;
    if (problem) this.host.log(`kernel index: ${problem}`);
    if (this.host.buildSetting() === 'auto') await this.build(current);
    else this.setStatus(current, { state: 'none', ...tree, problem });
  }

  private async build(current: NonNullable<KernelIndexSession['current']>): Promise<void> {
    const { tree } = current;
    const abort = new AbortController();
    current.abort = abort;
    this.setStatus(current, { state: 'building', ...tree });
    this.host.log(`kernel index: building the index of ${tree.root} (kernel ${tree.version}) in the background`);
    const progress = this.host.progress();
    progress?.begin(`Kernel Alloc Lens: indexing ${tree.root}`);
    try {
      const result = await buildKernelIndexInWorker(tree, {
        // One worker: the editor keeps the other cores.
        jobs: 1,
        fileTimeoutMs: BUILD_FILE_TIMEOUT_MS,
        maxFileSize: this.host.maxFileSize(),
        settings: this.host.settings(),
        signal: abort.signal,
        onProgress: (done, total) => progress?.report(done, total, `${done}/${total} files`),
        onNote: (line) => this.host.log(`kernel index: ${line}`),
      });
      if (this.current !== current || this.disposed || !result.facts) return;
      this.host.log(
        `kernel index: ${tree.root}: ${result.files} files, ${result.reused} reused, ${result.summarised} summarised, ${result.failed.length} failed, in ${(result.elapsedMs / 1000).toFixed(1)}s`,
      );
      this.loaded(current, result.facts, result.files - result.failed.length);
    } catch (error) {
      const problem = error instanceof Error ? error.message : String(error);
      this.host.log(`kernel index: building the index of ${tree.root} failed: ${problem}`);
      if (this.current === current) this.setStatus(current, { state: 'failed', ...tree, problem });
    } finally {
      progress?.end();
    }
  }

  private loaded(current: NonNullable<KernelIndexSession['current']>, facts: KernelFacts, files: number): void {
    this.host.factsChanged(facts);
    this.setStatus(current, { state: 'loaded', ...current.tree, files });
  }

  private setStatus(current: NonNullable<KernelIndexSession['current']>, status: KernelIndexStatus): void {
    current.status = status;
    this.host.statusChanged();
  }
}
