// `node --expose-gc out/bench/run/kernelFactsSize.js KDIR FOLDER [FOLDER…] [--show N] [--save F | --load F] [--dma-buffers]`:
// summarises every .c under the folders of a kernel tree (paths relative to KDIR), builds their
// IndexedFiles, derives the KernelFacts (analysis/index/kernelFacts.ts) and prints what they weigh:
// v8.serialize length (what a worker or the on-disk index carries), beside the FunctionSummaries
// they came from, and with --expose-gc the heap a deserialized copy takes; and the times.
// `--save F` writes the IndexedFile[] to F, `--load F` derives from such a file without
// summarising again. `--show N` lists N derived sleeps and masks with their chains, to read against
// the source. `--dma-buffers` also makes each file's DMA-buffer flows as the index worker does (from
// its provenance summary) and prints what they and the derived KernelFacts.dmaBuffers weigh.
// Bundle first with `node esbuild.js --bench` (never part of npm test).
import * as fs from 'fs';
import * as path from 'path';
import * as v8 from 'v8';
import { AnalysisDatabase } from '../server/src/analysis/database';
import { collectFileFacts } from '../server/src/analysis/fileFacts';
import { IndexedFile, callCount, deriveKernelFacts, indexedFileOf } from '../server/src/analysis/index/kernelFacts';
import { indexedDmaBufferFlows } from '../server/src/analysis/index/provenanceIndex';
import type { FileSummary } from '../server/src/analysis/summaries/fileSummary';
import { DEFAULT_CONFIG } from '../server/src/model/config';
import { parseSource } from '../server/src/parsing/parseSource';
import { createParser } from '../server/src/parsing/parser';

function cFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : 1))
    .flatMap((entry) => (entry.isDirectory() ? cFiles(path.join(dir, entry.name)) : entry.name.endsWith('.c') ? [path.join(dir, entry.name)] : []));
}

function megabytes(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(2)} MB`;
}

/** ", 12.3 MB on the heap": what a deserialized copy of a value holds, when run with --expose-gc. */
function heapOf(value: unknown): string {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return '';
  const bytes = v8.serialize(value);
  gc();
  const before = process.memoryUsage().heapUsed;
  const copy: unknown = v8.deserialize(bytes);
  gc();
  const after = process.memoryUsage().heapUsed;
  return copy === undefined ? '' : `, ${megabytes(after - before)} on the heap`;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const showAt = args.indexOf('--show');
  const show = showAt >= 0 ? Number(args.splice(showAt, 2)[1]) : 0;
  const option = (name: string): string | undefined => {
    const at = args.indexOf(name);
    return at >= 0 ? args.splice(at, 2)[1] : undefined;
  };
  const dmaAt = args.indexOf('--dma-buffers');
  const dmaBuffers = dmaAt >= 0 && args.splice(dmaAt, 1).length > 0;
  const save = option('--save');
  const load = option('--load');
  const [root, ...folders] = args;
  if (!root || (folders.length === 0 && !load)) throw new Error('usage: kernelFactsSize KDIR FOLDER [FOLDER…] [--show N] [--save F | --load F]');
  const parser = await createParser(path.join(__dirname, '..', '..', '..', 'dist'));
  const db = new AnalysisDatabase();
  const summaries: FileSummary[] = [];
  const files: IndexedFile[] = load ? (v8.deserialize(fs.readFileSync(load)) as IndexedFile[]) : [];
  const started = Date.now();
  for (const folder of load ? [] : folders) {
    for (const file of cFiles(path.join(root, folder))) {
      const relative = path.relative(root, file).split(path.sep).join('/');
      const text = fs.readFileSync(file, 'utf8');
      const parsed = parseSource(parser, text);
      if (!parsed) continue;
      const facts = collectFileFacts(relative, text, parsed.tree, DEFAULT_CONFIG);
      const summary = db.fileSummary(facts, []);
      summaries.push(summary);
      files.push(dmaBuffers ? { ...indexedFileOf(summary), ...indexedDmaBufferFlows(() => db.provenanceSummary(facts)) } : indexedFileOf(summary));
      parsed.tree.delete();
    }
  }
  const summarised = Date.now();
  if (save) fs.writeFileSync(save, v8.serialize(files));
  const facts = deriveKernelFacts(files, { root, version: '6.1.0' });
  const derived = Date.now();
  const functions = files.reduce((sum, file) => sum + file.functions.length, 0);
  const calls = files.reduce((sum, file) => sum + file.functions.reduce((inner, fn) => inner + callCount(fn), 0), 0);
  const summaryCalls = summaries.reduce((sum, file) => sum + file.functions.reduce((inner, entry) => inner + entry.summary.calls.length, 0), 0);
  const summariesSize = v8.serialize(summaries.map((summary) => summary.functions.map((entry) => entry.summary))).length;
  summaries.length = 0;
  console.log(`${files.length} files, ${functions} functions, ${calls} indexed calls (of ${summaryCalls || '?'} in the summaries)`);
  if (!load) console.log(`FunctionSummary[]: ${megabytes(summariesSize)}`);
  console.log(`IndexedFile[]:     ${megabytes(v8.serialize(files).length)}${heapOf(files)}`);
  console.log(
    `KernelFacts:       ${megabytes(v8.serialize(facts).length)}${heapOf(facts)} (${facts.sleeps.length} sleeping names, ${facts.sleeps.filter((fact) => fact.when).length} conditional; ${facts.masks.length} mask-passing; ${facts.files.length} files cited)`,
  );
  console.log(`summarise ${((summarised - started) / 1000).toFixed(1)} s, derive ${derived - summarised} ms`);
  if (dmaBuffers) {
    const flows = files.flatMap((file) => (file.dmaBufferFlows ? [file.dmaBufferFlows] : []));
    const dma = facts.dmaBuffers;
    console.log(
      `dmaBufferFlows:    ${megabytes(v8.serialize(flows).length)} in ${flows.length} files (${flows.reduce((sum, flow) => sum + flow.functions.length, 0)} functions with flows); KernelFacts.dmaBuffers: ${megabytes(dma ? v8.serialize(dma).length : 0)} (${dma?.parameters.length ?? 0} parameters of ${new Set(dma?.parameters.map((fact) => fact.name)).size} names)`,
    );
    for (const fact of dma?.parameters.slice(0, show) ?? [])
      console.log(
        `dma ${fact.name}#${fact.parameter} (${fact.rejects}) → ${fact.sink} at ${dma!.files[fact.chain.at(-1)!.file]}:${fact.chain.at(-1)!.line} via ${fact.chain.map((hop) => hop.fn).join(' → ')}`,
      );
  }
  for (const fact of facts.sleeps.slice(0, show))
    console.log(
      `sleep ${fact.name}${fact.when ? ` when ${JSON.stringify(fact.when)}` : ''}: ${fact.sleeping.callee}${fact.sleeping.mask ? ` with ${fact.sleeping.mask}` : ''} at ${facts.files[fact.chain.at(-1)!.file]}:${fact.chain.at(-1)!.line} via ${fact.chain.map((hop) => hop.fn).join(' → ')}`,
    );
  for (const fact of facts.masks.slice(0, show)) console.log(`mask ${fact.name}#${fact.parameter} → ${fact.api} at ${facts.files[fact.chain.at(-1)!.file]}:${fact.chain.at(-1)!.line}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
