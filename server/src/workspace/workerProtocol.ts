// Messages between the CLI's main thread and its analysis workers. A task is a slice of one driver
// folder, so a worker parses each folder's siblings once and cross-file facts stay complete
// whatever --jobs and --shard say.
import type { IndexedFile, KernelFacts } from '../analysis/index/kernelFacts';
import type { BodyCensus } from '../parsing/bodyUnderstood';
import type { Finding } from '../rules/rule';
import type { RawSettings } from '../settings';

export interface WorkerInit {
  settings: RawSettings;
  maxFileSize: number;
  /** `check` (default): findings per file; `index`: an IndexedFile per file (`kalloc index`). */
  kind?: 'check' | 'index';
  /** The kernel tree the files build against: its Makefile and .config fill the "auto" model values. */
  kernelDir?: string;
  /** `index`: IndexedFile paths are relative to this folder. */
  indexRoot?: string;
  /** `check`: the facts of the tree's index, handed to each task's AnalysisDatabase. */
  kernelFacts?: KernelFacts;
}

export interface FolderTask {
  type: 'task';
  id: number;
  files: string[];
  /** Files of the folder that hung or crashed a worker before: never read again, not even as siblings. */
  exclude: string[];
}

export type WorkerMessage =
  /** cpuClock: the worker thread's stat file (workspace/threadClock.ts), so the bound counts its CPU time; Linux only. */
  | { type: 'ready'; cpuClock?: string }
  /** The worker starts reading, parsing or analysing `file`: the time bound restarts. */
  | { type: 'step'; id: number; file: string }
  | { type: 'result'; id: number; file: string; findings: Finding[]; failures: { rule: string; message: string }[]; census: BodyCensus }
  | { type: 'indexed'; id: number; file: string; indexed: IndexedFile }
  | { type: 'skipped'; id: number; file: string; reason: string; io?: boolean }
  | { type: 'done'; id: number };
