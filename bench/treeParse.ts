// `npm run bench -- tree-parse`: the baseline of the whole-tree index benchmark (issue 11). Parses
// every .c file `kalloc index` summarises (workspace/kernelIndex.ts kernelTreeSources(), the same
// list and order) with web-tree-sitter on one thread, and reports wall time and this process's CPU
// time. The index itself is built by `kalloc index --jobs 2 KDIR` under `/usr/bin/time -v`: its
// user+sys CPU over this CPU time is the load-independent ratio (both count every thread's work,
// neither counts waiting), and its wall time over half this CPU time is the two-core ratio.
// A whole-tree index takes an hour, so it is not rebuilt here; KALLOC_BENCH_TREE_DIR=drivers/net
// limits both to a subtree for a quick look.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Parser } from 'web-tree-sitter';
import { indexDirOf, kernelTreeAt, kernelTreeSources, readKernelFacts } from '../server/src/workspace/kernelIndex';
import { LspClient } from '../test/support/lspClient';
import { currentRss, indexLoaded, peakRss } from './corpus';
import { readSourceFile } from '../server/src/workspace/sourceText';

const MAX_FILE_SIZE = 4 * 1024 * 1024;

const cpuSeconds = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1e6;

export function treeParse(kernel: string, parser: Parser, out: (line?: string) => void, log: (line: string) => void): void {
  const subtree = process.env.KALLOC_BENCH_TREE_DIR ?? '';
  const root = path.join(kernel, subtree);
  const files = kernelTreeSources(root, (folder, reason) => log(`cannot read ${folder}: ${reason}`));
  let bytes = 0;
  let parsed = 0;
  let unread = 0;
  const startedCpu = process.cpuUsage();
  const started = performance.now();
  for (const [index, relative] of files.entries()) {
    // Read inside the loop, one file at a time: the texts of the whole tree do not fit in memory.
    const read = readSourceFile(path.join(root, relative), MAX_FILE_SIZE);
    if (!('text' in read)) {
      unread++;
      continue;
    }
    bytes += read.text.length;
    parser.parse(read.text)?.delete();
    parsed++;
    if (index % 2000 === 0) log(`tree-parse: ${index}/${files.length}`);
  }
  const wallMs = performance.now() - started;
  const cpu = cpuSeconds(process.cpuUsage(startedCpu));
  out(`## Whole-tree parse (baseline of \`kalloc index\`), ${subtree || 'the whole tree'}`);
  out();
  out('| | |');
  out('|---|---|');
  out(`| .c files listed / parsed / not read (too large, binary) | ${files.length} / ${parsed} / ${unread} |`);
  out(`| characters parsed | ${(bytes / 1e6).toFixed(1)} M |`);
  out(`| web-tree-sitter parse, one thread: wall | ${(wallMs / 1000).toFixed(1)} s |`);
  out(`| web-tree-sitter parse, one thread: CPU (user+sys, includes reading) | ${cpu.toFixed(1)} s |`);
  out();
}

const mib = (bytes: number | undefined) => (bytes === undefined ? 'n/a' : `${(bytes / 1024 / 1024).toFixed(0)} MiB`);

/**
 * `npm run bench -- tree-index`: the whole-tree index as `kalloc index` left it in the user's cache
 * folder (XDG_CACHE_HOME), not rebuilt: its account (index.json), its size on disk, reading it
 * back, and the language server with it: open a file of the tree, wait until the status says the
 * index is loaded, then the server's RSS (target < 400 MB) and the first diagnostics.
 */
export async function treeIndexServer(corpus: string, out: (line?: string) => void): Promise<void> {
  // KALLOC_BENCH_TREE_ROOT: another tree's index (the fixture tree, to try the section quickly).
  const kernel = process.env.KALLOC_BENCH_TREE_ROOT ?? corpus;
  const tree = kernelTreeAt(kernel);
  if ('problem' in tree) throw new Error(tree.problem);
  const dir = indexDirOf(tree, process.env);
  const account = JSON.parse(fs.readFileSync(path.join(dir, 'index.json'), 'utf8')) as { complete: boolean; files: number; indexed: number; failed: unknown[]; elapsedMs: number };
  const sizes = fs.readdirSync(dir).map((name) => `${name} ${(fs.statSync(path.join(dir, name)).size / 1024 / 1024).toFixed(1)} MiB`);
  let started = performance.now();
  const facts = readKernelFacts(dir, tree);
  const factsMs = performance.now() - started;
  if (!('value' in facts)) throw new Error(`the index in ${dir} cannot be read: ${'problem' in facts ? facts.problem : 'facts.v8 is missing (an interrupted build)'}`);

  const client = new LspClient();
  await client.initialize();
  const file = path.join(kernel, process.env.KALLOC_BENCH_TREE_FILE ?? 'drivers/net/ethernet/intel/e1000e/netdev.c');
  const uri = LspClient.uriOf(file);
  started = performance.now();
  const opened = client.open(uri, fs.readFileSync(file, 'utf8'));
  const firstDiagnostics = await opened;
  const firstMs = performance.now() - started;
  const model = await indexLoaded(client, uri, 300_000);
  const loadedMs = performance.now() - started;
  const pid = (client as unknown as { child: { pid: number } }).child.pid;
  const rss = currentRss(pid);
  const peak = peakRss(pid);
  await client.shutdown();

  out(`## Whole-tree index in the cache (${path.relative(os.homedir(), dir)})`);
  out();
  out('| | |');
  out('|---|---|');
  out(
    `| account | ${account.complete ? 'complete' : 'INCOMPLETE'}: ${account.indexed} of ${account.files} .c files indexed, ${account.failed.length} left out, built in ${(account.elapsedMs / 60000).toFixed(1)} min |`,
  );
  out(`| on disk | ${sizes.join(', ')} |`);
  out(`| read facts.v8 back (this process) | ${factsMs.toFixed(0)} ms |`);
  out(`| server: open ${path.relative(kernel, file)}, first diagnostics | ${firstMs.toFixed(0)} ms (${firstDiagnostics.diagnostics.length} diagnostics) |`);
  out(`| server: index state ${model?.index?.state ?? 'not reported'} after | ${loadedMs.toFixed(0)} ms |`);
  out(`| server RSS with the index loaded (target < 400 MB) | ${mib(rss)} (peak ${mib(peak)}) |`);
  out();
}
