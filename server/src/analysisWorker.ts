// Entry of the CLI's analysis workers (dist/analysisWorker.js, beside the .wasm files). Each task is
// a set of files of one folder, run by workspace/folderTask.ts: what a task holds and when, and
// what the per-file time bound counts, are described there.
// The same worker serves `kalloc check` (findings) and `kalloc index` (an IndexedFile per file).
import { parentPort, workerData } from 'worker_threads';
import { createParser } from './parsing/parser';
import { readSettings } from './settings';
import { runFolderTask } from './workspace/folderTask';
import { currentThreadStatFile } from './workspace/threadClock';
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
    runFolderTask(task, { parser, config, severities: settings.severities, maxFileSize: init.maxFileSize, kind: init.kind, kernelFacts: init.kernelFacts, indexRoot: init.indexRoot }, post);
    post({ type: 'done', id: task.id });
  });
  post({ type: 'ready', cpuClock: currentThreadStatFile() });
}

void main();
