// `npm run bench -- tree-parse`: the baseline of the whole-tree index benchmark (issue 11). Parses
// every .c file `kalloc index` summarises (workspace/kernelIndex.ts kernelTreeSources(), the same
// list and order) with web-tree-sitter on one thread, and reports wall time and this process's CPU
// time. The index itself is built by `kalloc index --jobs 2 KDIR` under `/usr/bin/time -v`: its
// user+sys CPU over this CPU time is the load-independent ratio (both count every thread's work,
// neither counts waiting), and its wall time over half this CPU time is the two-core ratio.
// A whole-tree index takes an hour, so it is not rebuilt here; KALLOC_BENCH_TREE_DIR=drivers/net
// limits both to a subtree for a quick look.
import * as path from 'path';
import type { Parser } from 'web-tree-sitter';
import { kernelTreeSources } from '../server/src/workspace/kernelIndex';
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
