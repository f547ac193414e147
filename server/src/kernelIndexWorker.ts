// Entry of the language server's kernel-index builder (dist/kernelIndexWorker.js): the whole of
// buildKernelIndex() — walking the tree, stat'ing every file, reading and writing the cache,
// deriving the facts — runs on this thread, so none of it blocks the server's handlers. The
// summaries themselves are made by the analysis workers it starts (workspace/analysisPool.ts).
import { parentPort, workerData } from 'worker_threads';
import { buildKernelIndex } from './workspace/kernelIndexBuild';
import type { KernelIndexWorkerData, KernelIndexWorkerMessage } from './workspace/kernelIndexBuild';

const port = parentPort!;
const { tree, options } = workerData as KernelIndexWorkerData;
const post = (message: KernelIndexWorkerMessage) => port.postMessage(message);
const abort = new AbortController();
port.on('message', (message: { type: 'abort' }) => {
  if (message.type === 'abort') abort.abort();
});

buildKernelIndex(tree, {
  ...options,
  signal: abort.signal,
  onProgress: (done, total) => post({ type: 'progress', done, total }),
  onNote: (line) => post({ type: 'note', line }),
}).then(
  (result) => {
    post({ type: 'done', result });
    port.close();
  },
  (error: unknown) => {
    post({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
    port.close();
  },
);
