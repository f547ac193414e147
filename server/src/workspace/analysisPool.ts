// Runs analyses on worker threads, one driver folder per task. A worker stuck on one file longer
// than the time bound is terminated and replaced; the file is reported as skipped and never read
// again in that run (not even as a sibling), and the rest of its folder is handed to the new worker.
import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import type { IndexedFile, KernelFacts } from '../analysis/index/kernelFacts';
import type { BodyCensus } from '../parsing/bodyUnderstood';
import type { Finding } from '../rules/rule';
import type { RawSettings } from '../settings';
import { threadCpuMs } from './threadClock';
import type { FolderTask, WorkerInit, WorkerMessage } from './workerProtocol';

/** The young generation of each analysis worker's heap, in MB. */
const WORKER_YOUNG_GENERATION_MB = 8;
/**
 * Where a worker's CPU time is known, the bound counts it, and wall time only backs it up: a step
 * that has not used its CPU allowance but has been running this many times the bound in wall time
 * is stuck outside the CPU (a hung read of a network file system), not slow. At load 20 a step
 * runs 20× its CPU time, so the backstop is set above that.
 */
const WALL_BACKSTOP_FACTOR = 30;

export type FileOutcome =
  | { kind: 'analysed'; findings: Finding[]; failures: { rule: string; message: string }[]; census?: BodyCensus }
  | { kind: 'indexed'; indexed: IndexedFile }
  | { kind: 'skipped'; reason: string; io?: boolean };

export interface PoolOptions {
  jobs: number;
  fileTimeoutMs: number;
  maxFileSize: number;
  settings: RawSettings;
  /** `index`: the workers summarise each file into an IndexedFile instead of checking it. */
  kind?: 'check' | 'index';
  /** The kernel tree the files build against (model detection); `index`: the root paths are relative to. */
  kernelDir?: string;
  /** `check`: the facts of the tree's index. */
  kernelFacts?: KernelFacts;
  /** dist/analysisWorker.js by default. */
  workerScript?: string;
  onOutcome?(file: string, outcome: FileOutcome, done: number, total: number): void;
  /** A one-line note that belongs to no analysed file. */
  onNote?(line: string): void;
  /** Aborting stops the workers and resolves with the outcomes recorded so far (CLI: SIGINT/SIGTERM). */
  signal?: AbortSignal;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  task?: { task: FolderTask; pending: Set<string> };
  stepFile?: string;
  stepSince: number;
  /** The worker thread's CPU clock (workspace/threadClock.ts), once it has said it is ready; Linux only. */
  cpuClock?: string;
  /** The thread's CPU time when the current step began, ms. */
  stepCpuMs?: number;
  retired: boolean;
}

/** Folders largest first, so the longest tasks start early and the tail stays short. */
function folderTasks(files: readonly string[]): { files: string[]; exclude: string[] }[] {
  const byFolder = new Map<string, { files: string[]; bytes: number }>();
  for (const file of files) {
    const folder = path.dirname(path.resolve(file));
    const entry = byFolder.get(folder) ?? { files: [], bytes: 0 };
    entry.files.push(file);
    try {
      entry.bytes += fs.statSync(file).size;
    } catch {
      // Reported by the worker as unreadable.
    }
    byFolder.set(folder, entry);
  }
  return [...byFolder.entries()].sort(([nameA, a], [nameB, b]) => b.bytes - a.bytes || (nameA < nameB ? -1 : nameA > nameB ? 1 : 0)).map(([, entry]) => ({ files: entry.files, exclude: [] }));
}

export function analyseFiles(files: readonly string[], options: PoolOptions): Promise<Map<string, FileOutcome>> {
  const outcomes = new Map<string, FileOutcome>();
  const queue = folderTasks(files);
  const total = files.length;
  const script = options.workerScript ?? path.join(__dirname, 'analysisWorker.js');
  const init: WorkerInit = {
    settings: options.settings,
    maxFileSize: options.maxFileSize,
    kind: options.kind,
    kernelDir: options.kernelDir,
    indexRoot: options.kind === 'index' ? options.kernelDir : undefined,
    kernelFacts: options.kernelFacts,
  };
  const jobs = Math.max(1, Math.min(options.jobs, queue.length));
  let nextId = 1;
  const slots: Slot[] = [];

  return new Promise((resolve, reject) => {
    let finished = false;
    const settle = (error?: Error) => {
      if (finished) return;
      finished = true;
      clearInterval(watchdog);
      for (const slot of slots) {
        slot.retired = true;
        void slot.worker.terminate();
      }
      if (error) reject(error);
      else resolve(outcomes);
    };

    const record = (file: string, outcome: FileOutcome) => {
      if (outcomes.has(file)) return;
      outcomes.set(file, outcome);
      options.onOutcome?.(file, outcome, outcomes.size, total);
    };

    const startStep = (slot: Slot) => {
      slot.stepSince = Date.now();
      slot.stepCpuMs = slot.cpuClock === undefined ? undefined : threadCpuMs(slot.cpuClock);
    };

    /** Why the slot's current step is over its bound, or undefined: CPU time where known, else wall time. */
    const overdue = (slot: Slot, now: number): string | undefined => {
      const bound = options.fileTimeoutMs;
      const wall = now - slot.stepSince;
      const cpu = slot.cpuClock === undefined || slot.stepCpuMs === undefined ? undefined : threadCpuMs(slot.cpuClock);
      if (cpu === undefined || slot.stepCpuMs === undefined) return wall > bound ? `analysis took longer than ${bound / 1000}s (--file-timeout)` : undefined;
      if (cpu - slot.stepCpuMs > bound) return `analysis took longer than ${bound / 1000}s of CPU time (--file-timeout)`;
      if (wall > bound * WALL_BACKSTOP_FACTOR) return `analysis made no progress for ${(bound * WALL_BACKSTOP_FACTOR) / 1000}s (${WALL_BACKSTOP_FACTOR} × --file-timeout of wall time)`;
      return undefined;
    };

    const dispatch = () => {
      for (const slot of slots) {
        if (!slot.ready || slot.task || slot.retired) continue;
        const next = queue.shift();
        if (!next) break;
        const task: FolderTask = { type: 'task', id: nextId++, files: next.files, exclude: next.exclude };
        slot.task = { task, pending: new Set(next.files) };
        slot.stepFile = undefined;
        startStep(slot);
        slot.worker.postMessage(task);
      }
      if (queue.length === 0 && slots.every((slot) => !slot.task)) settle();
    };

    /** The worker hung or died: skip the file it was on, requeue the rest of its folder, replace it. */
    const fail = (slot: Slot, reason: string) => {
      if (slot.retired) return;
      slot.retired = true;
      void slot.worker.terminate();
      const active = slot.task;
      if (!active && !slot.ready) {
        settle(new Error(`an analysis worker failed to start: ${reason}`));
        return;
      }
      if (active) {
        const culprit = slot.stepFile ?? [...active.pending][0];
        if (culprit !== undefined) {
          if (active.pending.delete(culprit)) record(culprit, { kind: 'skipped', reason });
          else options.onNote?.(`${culprit} (a sibling of analysed files): ${reason}; left out of the cross-file facts`);
        }
        if (active.pending.size > 0) {
          queue.unshift({ files: [...active.pending], exclude: [...active.task.exclude, ...(culprit ? [culprit] : [])] });
        }
      }
      slots[slots.indexOf(slot)] = spawn();
      dispatch();
    };

    const spawn = (): Slot => {
      // A small young generation: V8 sizes it by the machine's memory (tens of MB per isolate),
      // and a worker's short-lived node objects are collected as well with 8 MB (same CPU time,
      // 15 % less peak RSS on ixgbe + e1000e; BENCHMARKS.md "CLI memory (issue 10)").
      const worker = new Worker(script, { workerData: init, resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
      const slot: Slot = { worker, ready: false, stepSince: Date.now(), retired: false };
      worker.on('message', (message: WorkerMessage) => {
        if (slot.retired) return;
        switch (message.type) {
          case 'ready':
            slot.ready = true;
            slot.cpuClock = message.cpuClock;
            dispatch();
            break;
          case 'step':
            slot.stepFile = message.file;
            startStep(slot);
            break;
          case 'result':
            slot.task?.pending.delete(message.file);
            record(message.file, { kind: 'analysed', findings: message.findings, failures: message.failures, census: message.census });
            break;
          case 'indexed':
            slot.task?.pending.delete(message.file);
            record(message.file, { kind: 'indexed', indexed: message.indexed });
            break;
          case 'skipped':
            slot.task?.pending.delete(message.file);
            record(message.file, { kind: 'skipped', reason: message.reason, io: message.io });
            break;
          case 'done':
            slot.task = undefined;
            dispatch();
            break;
        }
      });
      worker.on('error', (error) => fail(slot, `the analysis crashed (${error.message.split('\n')[0]})`));
      worker.on('exit', (code) => fail(slot, `the analysis worker exited (code ${code})`));
      return slot;
    };

    const watchdog = setInterval(
      () => {
        const now = Date.now();
        for (const slot of [...slots]) {
          if (!slot.task || slot.retired) continue;
          const reason = overdue(slot, now);
          if (reason) fail(slot, reason);
        }
      },
      Math.min(250, Math.max(10, options.fileTimeoutMs / 4)),
    );

    if (queue.length === 0 || options.signal?.aborted) {
      settle();
      return;
    }
    options.signal?.addEventListener('abort', () => settle(), { once: true });
    for (let index = 0; index < jobs; index++) slots.push(spawn());
  });
}
