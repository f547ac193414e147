// Entry of the CLI's analysis workers (dist/analysisWorker.js, beside the .wasm files). Each task is
// a set of files of one folder; siblings are parsed once per task and their trees freed after it.
// What a file's analysis alone reads is dropped when the file is done (forgetFileAnalysis), and
// a task file no other file sees as a sibling (past MAX_FOLDER_FILES) has its tree deleted then.
// Sizes read siblings' SizeData and the atomic rules their summaries; the sibling trees kept for
// the task serve the provenance engine (ProvenanceAnalysis reads their functions and field
// assignments) and the summaries prepareFolder() builds.
// The same worker serves `kalloc check` (findings) and `kalloc index` (an IndexedFile per file).
import * as path from 'path';
import { parentPort, workerData } from 'worker_threads';
import { AnalysisDatabase } from './analysis/database';
import { indexedFileOf } from './analysis/index/kernelFacts';
import { indexedOpsCallsOf } from './analysis/index/opsContexts';
import { indexedDmaBufferFlows } from './analysis/index/provenanceIndex';
import { analyzeFile } from './analyzeFile';
import { bodyCensus } from './parsing/bodyUnderstood';
import { createParser } from './parsing/parser';
import { readSettings } from './settings';
import { FolderFactsCache, folderSourceFiles } from './workspace/folderFacts';
import { detectKernelDir, resolveConfig } from './workspace/kernelConfig';
import type { FolderTask, WorkerInit, WorkerMessage } from './workspace/workerProtocol';

const port = parentPort!;
const init = workerData as WorkerInit;
const { settings } = readSettings(init.settings);
// The tree's Makefile and .config fill the values the options left "auto", as the server does
// with kernelAllocLens.kernelDir; a detected value that is not modelled falls back to the options'.
const config = init.kernelDir ? resolveConfig(settings.config, settings.explicit, detectKernelDir(init.kernelDir) ?? { sources: {} }).config : settings.config;
const post = (message: WorkerMessage) => port.postMessage(message);

async function main(): Promise<void> {
  const parser = await createParser();
  port.on('message', (task: FolderTask) => {
    // One database per task (a driver folder): its summaries are built once and read by all its
    // files, and nothing outlives the folder, so a worker's memory stays that of one folder.
    const db = new AnalysisDatabase();
    db.setKernelFacts(init.kernelFacts);
    const exclude = new Set(task.exclude);
    const cache = new FolderFactsCache(parser, init.maxFileSize, { exclude, beforeLoad: (file) => post({ type: 'step', id: task.id, file }) });
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
        const loaded = cache.loadResult(file, config);
        if ('skipped' in loaded) {
          post({ type: 'skipped', id: task.id, file, reason: loaded.skipped, io: loaded.io });
          continue;
        }
        const siblings = cache.siblingsOf(file, config);
        db.prepareFolder([loaded.facts, ...siblings], (member) => post({ type: 'step', id: task.id, file: member }));
        post({ type: 'step', id: task.id, file });
        if (init.kind === 'index') {
          const indexed = { ...indexedFileOf(db.fileSummary(loaded.facts, siblings)), ...indexedOpsCallsOf(db.atomicView(loaded.facts, siblings)) };
          // Spreading keeps `path` the first field; it is relative to the tree, whatever the cwd.
          post({
            type: 'indexed',
            id: task.id,
            file,
            indexed: { ...indexed, ...indexedDmaBufferFlows(() => db.provenanceSummary(loaded.facts)), path: path.relative(init.indexRoot ?? '', path.resolve(file)) },
          });
          continue;
        }
        const report = analyzeFile(loaded.facts, siblings, settings.severities, db);
        if (report.skipped) post({ type: 'skipped', id: task.id, file, reason: report.skipped });
        else post({ type: 'result', id: task.id, file, findings: report.findings, failures: report.failures, census: bodyCensus(loaded.facts.tree, loaded.facts.functions, loaded.facts.text) });
        db.forgetFileAnalysis(loaded.facts);
        if (!isSibling(file)) cache.forget(file);
      }
    } finally {
      cache.clear();
    }
    post({ type: 'done', id: task.id });
  });
  post({ type: 'ready' });
}

void main();
