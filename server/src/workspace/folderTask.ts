// One folder task of the CLI's analysis workers (analysisWorker.ts runs it for each task it gets):
// a set of files of one driver folder, checked (findings) or indexed (an IndexedFile each).
//
// Memory: trees live in the WebAssembly heap, which never shrinks once grown, so a worker must not
// hold a large folder's trees at once. The folder's summaries (function, provenance and size data,
// all plain data) are built first, one file at a time, and every rule of a file reads its own tree
// plus those summaries, never a sibling's tree. So only the first `residentTreeBytes` of source
// keep their trees for the task; past that, a file's tree is freed once its step is done and
// parsed again from its kept text when its own analysis needs it (FolderFactsCache). A task whose
// folder fits (most driver folders) is parsed once per file, as before.
//
// Time: a step message restarts the per-file time bound before each file is read, before each
// file is summarised for its folder and before each file is analysed, so a file's bound covers its
// own reading, parsing, summarising and rules (a second parse of a large folder's file included),
// never its siblings' or the worker's start-up.
import * as path from 'path';
import type { Parser } from 'web-tree-sitter';
import { AnalysisDatabase } from '../analysis/database';
import { indexedFileOf } from '../analysis/index/kernelFacts';
import type { KernelFacts } from '../analysis/index/kernelFacts';
import { indexedOpsCallsOf } from '../analysis/index/opsContexts';
import { indexedDmaBufferFlows } from '../analysis/index/provenanceIndex';
import { RuleSeverities, analyzeFile } from '../analyzeFile';
import type { ModelConfig } from '../model/config';
import { bodyCensus } from '../parsing/bodyUnderstood';
import { FolderFactsCache, TreeWork, folderSourceFiles } from './folderFacts';
import type { FolderTask, WorkerMessage } from './workerProtocol';

/**
 * Source bytes per task whose trees stay in memory for the whole task: about 17 bytes of
 * WebAssembly heap per source byte (tree-sitter-c 0.23), so some 70 MB of trees per worker, and a
 * driver folder up to this size is parsed once per file.
 */
export const RESIDENT_TREE_BYTES = 4 * 1024 * 1024;

export interface FolderTaskContext {
  parser: Parser;
  config: ModelConfig;
  severities: RuleSeverities;
  maxFileSize: number;
  kind?: 'check' | 'index';
  kernelFacts?: KernelFacts;
  /** `index`: IndexedFile paths are relative to this folder. */
  indexRoot?: string;
  /** RESIDENT_TREE_BYTES by default. */
  residentTreeBytes?: number;
}

/** Runs one task, posting every message of it but `done`; returns how often trees were parsed again. */
export function runFolderTask(task: FolderTask, context: FolderTaskContext, post: (message: WorkerMessage) => void): TreeWork {
  // One database per task (a driver folder): its summaries are built once and read by all its
  // files, and nothing outlives the folder, so a worker's memory stays that of one folder.
  // Its files share one member set (past MAX_FOLDER_FILES each file has its own): one composition.
  const db = new AnalysisDatabase({ compositions: 1 });
  db.setKernelFacts(context.kernelFacts);
  const step = (file: string) => post({ type: 'step', id: task.id, file });
  const cache = new FolderFactsCache(context.parser, context.maxFileSize, {
    exclude: new Set(task.exclude),
    beforeLoad: step,
    residentBytes: context.residentTreeBytes ?? RESIDENT_TREE_BYTES,
  });
  const siblingSources = new Map<string, Set<string>>();
  const isSibling = (file: string) => {
    const folder = path.dirname(file);
    let sources = siblingSources.get(folder);
    if (!sources) {
      sources = new Set(folderSourceFiles(folder));
      siblingSources.set(folder, sources);
    }
    return sources.has(file);
  };
  try {
    for (const file of task.files) {
      const loaded = cache.loadResult(file, context.config);
      if ('skipped' in loaded) {
        post({ type: 'skipped', id: task.id, file, reason: loaded.skipped, io: loaded.io });
        continue;
      }
      const siblings = cache.siblingsOf(file, context.config);
      db.prepareFolder([loaded.facts, ...siblings], (member) => {
        // The previous member is summarised: its tree is no longer read.
        cache.releaseTransient();
        step(member);
      });
      step(file);
      if (context.kind === 'index') {
        const indexed = { ...indexedFileOf(db.fileSummary(loaded.facts, siblings)), ...indexedOpsCallsOf(db.atomicView(loaded.facts, siblings)) };
        // Spreading keeps `path` the first field; it is relative to the tree, whatever the cwd.
        post({
          type: 'indexed',
          id: task.id,
          file,
          indexed: { ...indexed, ...indexedDmaBufferFlows(() => db.provenanceSummary(loaded.facts)), path: path.relative(context.indexRoot ?? '', path.resolve(file)) },
        });
      } else {
        const report = analyzeFile(loaded.facts, siblings, context.severities, db);
        if (report.skipped) post({ type: 'skipped', id: task.id, file, reason: report.skipped });
        else post({ type: 'result', id: task.id, file, findings: report.findings, failures: report.failures, census: bodyCensus(loaded.facts.tree, loaded.facts.functions, loaded.facts.text) });
        db.forgetFileAnalysis(loaded.facts);
      }
      // A task file no other file sees as a sibling (past MAX_FOLDER_FILES) is not read again.
      if (!isSibling(file)) cache.forget(file);
      cache.releaseTransient();
    }
  } finally {
    cache.clear();
  }
  return cache.treeWork;
}
