// `npm run bench -- frontend`: how many function bodies of drivers/ and sound/ the analyses
// understand, parse only (no analysis), with the kernel-macro rewrite off (tree-sitter on the
// user's text, as before issue 12) and on (parsing/parseSource.ts, as the server and CLI parse),
// counted by the census --stats reports (parsing/bodyUnderstood.ts). Also the parse-time cost of
// the rewrite, as a ratio to the parse alone. KALLOC_BENCH_FRONTEND_STEP=N measures every N-th
// file only, KALLOC_BENCH_FRONTEND_TREES=sound one tree (a quick look).
import * as path from 'path';
import type { Parser, Tree } from 'web-tree-sitter';
import { topLevelParts } from '../server/src/analysis/summaries/fileSummary';
import { BodyCensus, bodyCensus } from '../server/src/parsing/bodyUnderstood';
import { rewriteKernelMacros } from '../server/src/parsing/kernelMacros';
import { functionName } from '../server/src/parsing/syntax';
import { parseSource } from '../server/src/parsing/parseSource';
import { readSourceFile } from '../server/src/workspace/sourceText';
import { sourceFiles } from './corpus';

const MAX_FILE_SIZE = 4 * 1024 * 1024;

function add(into: BodyCensus, census: BodyCensus): void {
  into.functions += census.functions;
  into.understood += census.understood;
  for (const [reason, count] of Object.entries(census.skipped) as [keyof BodyCensus['skipped'], number][]) into.skipped[reason] = (into.skipped[reason] ?? 0) + count;
}

/** The census of the definitions FileFacts.functions holds (named, with a body), as --stats counts them. */
function censusOf(tree: Tree, text: string): BodyCensus {
  const definitions = topLevelParts(tree).functions.flatMap((node) => {
    const body = node.childForFieldName('body');
    return body && functionName(node) ? [{ body }] : [];
  });
  return bodyCensus(tree, definitions, text);
}

const emptyCensus = (): BodyCensus => ({ functions: 0, understood: 0, skipped: {} });

const share = (census: BodyCensus) => `${((100 * census.understood) / Math.max(1, census.functions)).toFixed(2)}%`;

export function frontendStats(kernel: string, parser: Parser, out: (line?: string) => void, log: (line: string) => void): void {
  const step = Number(process.env.KALLOC_BENCH_FRONTEND_STEP ?? 1);
  out(`## Front end: function bodies understood (issue 12)${step > 1 ? `, 1 file in ${step}` : ''}`);
  out();
  out('| tree | files | functions | understood, rewrite off | understood, rewrite on | skipped (rewrite on), by reason |');
  out('|---|---|---|---|---|---|');
  let rewriteMs = 0;
  let parseOff = 0;
  let parseOn = 0;
  for (const dir of (process.env.KALLOC_BENCH_FRONTEND_TREES ?? 'drivers,sound').split(',')) {
    const off = emptyCensus();
    const on = emptyCensus();
    let files = 0;
    // One file at a time: the texts of drivers/ would not fit beside five other engineers' work.
    for (const [index, file] of sourceFiles(path.join(kernel, dir)).entries()) {
      if (index % step !== 0) continue;
      const read = readSourceFile(file, MAX_FILE_SIZE);
      if (!('text' in read)) continue;
      const { text } = read;
      files++;
      let started = performance.now();
      const plain = parser.parse(text);
      parseOff += performance.now() - started;
      if (plain) {
        add(off, censusOf(plain, text));
        plain.delete();
      }
      started = performance.now();
      rewriteKernelMacros(text);
      rewriteMs += performance.now() - started;
      started = performance.now();
      const rewritten = parseSource(parser, text)?.tree;
      parseOn += performance.now() - started;
      if (rewritten) {
        add(on, censusOf(rewritten, text));
        rewritten.delete();
      }
      if (files % 2000 === 0) log(`frontend: ${dir}: ${files} files`);
    }
    const reasons = Object.entries(on.skipped)
      .sort((a, b) => b[1] - a[1])
      .map(([reason, count]) => `${reason} ${count}`)
      .join(', ');
    out(`| ${dir}/ | ${files} | ${on.functions} | ${off.understood} of ${off.functions} (${share(off)}) | ${on.understood} (${share(on)}) | ${reasons} |`);
  }
  out();
  out(
    `Parse time: ${(parseOff / 1000).toFixed(1)} s without the rewrite, ${(parseOn / 1000).toFixed(1)} s with it (ratio ${(parseOn / parseOff).toFixed(3)}); the rewrite alone ${(rewriteMs / 1000).toFixed(1)} s (${((100 * rewriteMs) / parseOff).toFixed(1)}% of the parse alone).`,
  );
  out();
}
