// `npm run bench`: the figures of BENCHMARKS.md, measured on the real corpus (linux-source-6.1).
// Sections: parse (tree-sitter alone vs full analysis), drivers (whole drivers/ through the CLI),
// editor (edit → diagnostics and hover latency through the real server over --stdio), index
// (server RSS after indexing drivers/net), frontend (function bodies understood, parse only, bench/
// frontend.ts), kernel-index (`kalloc index` of drivers/net vs its parse, size on disk, load time
// and server RSS with it loaded). `npm run bench -- editor index` runs only those. tree-parse (the
// one-thread parse of every .c `kalloc index` reads, bench/treeParse.ts) and tree-index (the index
// `kalloc index` left in the cache, loaded by the server) run only when named.
// Never part of npm test: it takes minutes and its figures depend on the machine.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as inspector from 'inspector';
import * as os from 'os';
import * as path from 'path';
import { AnalysisDatabase } from '../server/src/analysis/database';
import { collectFileFacts } from '../server/src/analysis/fileFacts';
import { analyzeFile } from '../server/src/analyzeFile';
import { Edit } from 'web-tree-sitter';
import { DocumentStore, rangeOffsets } from '../server/src/parsing/documentStore';
import { DEFAULT_CONFIG } from '../server/src/model/config';
import { createParser } from '../server/src/parsing/parser';
import { FolderFactsCache } from '../server/src/workspace/folderFacts';
import { readSourceFile } from '../server/src/workspace/sourceText';
import { indexDirOf, kernelTreeAt, readIndexFiles, readKernelFacts } from '../server/src/workspace/kernelIndex';
import { buildKernelIndex, configKeyOf, indexConfig } from '../server/src/workspace/kernelIndexBuild';
import { LspClient } from '../test/support/lspClient';
import { DIST, ROOT } from '../test/support/paths';
import { currentRss, ensureCorpus, indexLoaded, machine, peakRss, sourceFiles } from './corpus';
import { frontendStats } from './frontend';
import { treeIndexServer, treeParse } from './treeParse';

const MAX_FILE_SIZE = 4 * 1024 * 1024;
/** Edits replayed in the editor section (200; fewer only when profiling). */
const EDITS = Number(process.env.KALLOC_BENCH_EDITS ?? 200);
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
const out = (line = '') => process.stdout.write(`${line}\n`);
const seconds = (ms: number) => (ms / 1000).toFixed(2);
const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** 1. web-tree-sitter parse alone vs the full analysis (parse + facts + every rule, folder siblings included). */
async function parseVsAnalysis(kernel: string): Promise<void> {
  const dir = path.join(kernel, process.env.KALLOC_BENCH_PARSE_DIR ?? 'drivers/net/ethernet/intel');
  const files = sourceFiles(dir);
  const texts: { file: string; text: string }[] = [];
  for (const file of files) {
    const read = readSourceFile(file, MAX_FILE_SIZE);
    if ('text' in read) texts.push({ file, text: read.text });
  }
  const bytes = texts.reduce((sum, { text }) => sum + Buffer.byteLength(text), 0);
  const parser = await createParser(DIST);
  for (const { text } of texts.slice(0, 30)) parser.parse(text)?.delete();
  // CPU time beside wall time: on the shared 2-core machine the load changes within a run, and the
  // process's user + sys time (V8's GC and compiler threads included) moves much less with it.
  const cpuMs = (since: NodeJS.CpuUsage) => {
    const used = process.cpuUsage(since);
    return (used.user + used.system) / 1000;
  };
  let started = performance.now();
  let cpu = process.cpuUsage();
  for (const { text } of texts) parser.parse(text)?.delete();
  const parseMs = performance.now() - started;
  const parseCpuMs = cpuMs(cpu);

  started = performance.now();
  cpu = process.cpuUsage();
  let findings = 0;
  const byFolder = new Map<string, string[]>();
  for (const { file } of texts) byFolder.set(path.dirname(file), [...(byFolder.get(path.dirname(file)) ?? []), file]);
  // One database for the run, as each CLI worker holds one: a folder's summaries are built once.
  const db = new AnalysisDatabase();
  for (const folderFiles of byFolder.values()) {
    const cache = new FolderFactsCache(parser, MAX_FILE_SIZE);
    for (const file of folderFiles) {
      const loaded = cache.loadResult(file, DEFAULT_CONFIG);
      if (!('facts' in loaded)) continue;
      findings += analyzeFile(loaded.facts, cache.siblingsOf(file, DEFAULT_CONFIG), {}, db).findings.length;
    }
    cache.clear();
  }
  const analysisMs = performance.now() - started;
  const analysisCpuMs = cpuMs(cpu);

  let native: string;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const NativeParser = require('tree-sitter');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const C = require('tree-sitter-c');
    const nativeParser = new NativeParser();
    nativeParser.setLanguage(C);
    const parseNative = (text: string) => nativeParser.parse((index: number) => text.slice(index, index + 16384));
    for (const { text } of texts.slice(0, 30)) parseNative(text);
    started = performance.now();
    for (const { text } of texts) parseNative(text);
    const nativeMs = performance.now() - started;
    native = `${seconds(nativeMs)} s (web-tree-sitter / native = ${(parseMs / nativeMs).toFixed(2)})`;
  } catch (error) {
    native = `not measured: the native binding did not load (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`;
  }

  out(`## 1. Parse alone vs full analysis: ${path.relative(kernel, dir)}`);
  out();
  out(`${texts.length} files (${files.length - texts.length} skipped), ${(bytes / 1e6).toFixed(1)} MB, one thread, files in the page cache.`);
  out();
  out('| | time |');
  out('|---|---|');
  out(`| web-tree-sitter parse alone | ${seconds(parseMs)} s |`);
  out(`| full analysis (read, parse, facts, every rule with folder siblings) | ${seconds(analysisMs)} s |`);
  out(`| **ratio** (target ≤ 2.0) | **${(analysisMs / parseMs).toFixed(2)}** |`);
  out(`| CPU time (process user + sys): parse alone / full analysis / ratio | ${seconds(parseCpuMs)} s / ${seconds(analysisCpuMs)} s / ${(analysisCpuMs / parseCpuMs).toFixed(2)} |`);
  out(`| native \`tree-sitter\` binding parse (reference) | ${native} |`);
  out();
  out(`Findings: ${findings}.`);
  out();
}

/** 2. The whole drivers/ tree through the CLI with all cores. */
async function wholeDrivers(kernel: string): Promise<void> {
  const target = path.join(kernel, process.env.KALLOC_BENCH_DRIVERS ?? 'drivers');
  const jobs = os.availableParallelism();
  const outputFile = path.join(os.tmpdir(), 'kalloc-bench-drivers.json');
  const output = fs.openSync(outputFile, 'w');
  const started = performance.now();
  const child = spawn(process.execPath, [path.join(DIST, 'cli.js'), 'check', target, '--format', 'json', '--jobs', String(jobs)], { stdio: ['ignore', output, 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let peak = 0;
  const poll = setInterval(() => (peak = Math.max(peak, peakRss(child.pid!) ?? 0)), 200);
  const code: number = await new Promise((resolve) => child.on('exit', (exitCode) => resolve(exitCode ?? -1)));
  clearInterval(poll);
  const wallMs = performance.now() - started;
  fs.closeSync(output);
  const result = JSON.parse(fs.readFileSync(outputFile, 'utf8')) as { files: number; diagnostics: { rule: string }[] };
  fs.writeFileSync(`${outputFile}.stderr`, stderr);
  const skipped = stderr.split('\n').filter((line) => line.startsWith('kalloc: skipped '));
  const reasons = new Map<string, number>();
  for (const line of skipped) {
    const reason = line.slice(line.indexOf(': ', 'kalloc: skipped '.length) + 2).replace(/\d+ bytes/, 'N bytes');
    reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
  }
  const perRule = new Map<string, number>();
  for (const diagnostic of result.diagnostics) perRule.set(diagnostic.rule, (perRule.get(diagnostic.rule) ?? 0) + 1);
  const total = result.files + skipped.length;
  out(`## 2. ${path.relative(kernel, target)}/ through \`kalloc check --jobs ${jobs}\``);
  out();
  out('| | |');
  out('|---|---|');
  out(`| files (.c and .h) | ${total} (${result.files} analysed, ${skipped.length} skipped) |`);
  out(`| wall time (target < 4 min on 2 cores) | ${seconds(wallMs)} s |`);
  out(`| files/s | ${(total / (wallMs / 1000)).toFixed(1)} |`);
  out(`| peak RSS (one process: main thread + all ${jobs} workers, VmHWM) | ${peak ? `${mib(peak)} MiB` : 'not available'} |`);
  out(`| exit code | ${code} |`);
  out();
  out(`Skipped, by reason (each file's note is in ${outputFile}.stderr):`);
  out();
  for (const [reason, count] of [...reasons].sort((a, b) => b[1] - a[1])) out(`- ${count} × ${reason}`);
  out();
  out(`Findings per rule (the JSON is left in ${outputFile} for \`npm run bench:quickfixes -- ${outputFile}\`):`);
  out();
  out('| rule | findings |');
  out('|---|---|');
  for (const [rule, count] of [...perRule].sort((a, b) => b[1] - a[1])) out(`| ${rule} | ${count} |`);
  out();
}

/** A 10,000-line file of real driver code: whole .c files of one driver concatenated, then cut at a top-level `}`. */
function bigDriverText(kernel: string): string {
  const lines: string[] = [];
  for (const file of sourceFiles(path.join(kernel, 'drivers/net/ethernet/intel'), /\.c$/)) {
    const read = readSourceFile(file, MAX_FILE_SIZE);
    if (!('text' in read)) continue;
    lines.push(...read.text.split('\n'));
    if (lines.length >= 10_000) break;
  }
  let end = 10_000;
  while (end > 0 && lines[end - 1] !== '}') end--;
  const body = lines.slice(0, end);
  // Pad with blank lines to exactly 10,000 so the figure is comparable between runs.
  while (body.length < 10_000) body.push('');
  return body.join('\n');
}

/**
 * The edits sections 3 and 3b replay: single characters spread over the file (a space inserted at
 * the start of a seeded random line, then deleted again), so the text stays real driver code.
 */
function seededEdits(lineCount: number): { range: { start: { line: number; character: number }; end: { line: number; character: number } }; text: string }[] {
  let seed = 42;
  const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  const edits = [];
  let line = 0;
  for (let index = 0; index < EDITS; index++) {
    if (index % 2 === 0) line = Math.floor(random() * lineCount);
    edits.push(
      index % 2 === 0 ? { range: { start: { line, character: 0 }, end: { line, character: 0 } }, text: ' ' } : { range: { start: { line, character: 0 }, end: { line, character: 1 } }, text: '' },
    );
  }
  return edits;
}

/** 3. Edit → publishDiagnostics and hover latency through `node dist/server.js --stdio`. */
async function editorLatency(kernel: string): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kalloc-bench-editor-'));
  const file = path.join(dir, 'bigdrv.c');
  const text = bigDriverText(kernel);
  fs.writeFileSync(file, text);
  const uri = LspClient.uriOf(file);
  const client = new LspClient();
  await client.initialize({ workspace: { configuration: true } });
  let version = 1;
  const opened = performance.now();
  const first = await client.open(uri, text, version);
  const openMs = performance.now() - opened;
  const lines = text.split('\n');
  const editLatencies: number[] = [];
  for (const change of seededEdits(lines.length)) {
    version++;
    const published = client.diagnosticsFor(uri, version);
    const sent = performance.now();
    client.notify('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [change] });
    await published;
    editLatencies.push(performance.now() - sent);
  }
  const allocationLines = lines.flatMap((content, line) => {
    const match = /\b(kmalloc|kzalloc|kcalloc|vmalloc|vzalloc|kmalloc_array|devm_kzalloc|dma_alloc_coherent)\s*\(/.exec(content);
    return match ? [{ line, character: match.index + 1 }] : [];
  });
  const hoverLatencies: number[] = [];
  let answered = 0;
  for (let index = 0; index < 200 && allocationLines.length > 0; index++) {
    const position = allocationLines[index % allocationLines.length];
    const sent = performance.now();
    const hover = await client.request('textDocument/hover', { textDocument: { uri }, position });
    hoverLatencies.push(performance.now() - sent);
    if (hover) answered++;
  }
  const rss = currentRss((client as unknown as { child: { pid: number } }).child.pid);
  await client.shutdown();
  fs.rmSync(dir, { recursive: true, force: true });
  out('## 3. Editor latency through `node dist/server.js --stdio`');
  out();
  out(
    `A ${lines.length}-line file of concatenated drivers/net/ethernet/intel .c files (${first.diagnostics.length} diagnostics on open, first diagnostics after ${openMs.toFixed(0)} ms), alone in its folder; 200 single-character edits (insert/delete a space at a seeded random line start), each awaited; default settings (diagnosticsDelay 5 ms is included in the figures).`,
  );
  out();
  out('| | p50 | p99 | max |');
  out('|---|---|---|---|');
  out(
    `| didChange → publishDiagnostics (target p50 < 15 ms, p99 < 50 ms) | ${percentile(editLatencies, 50).toFixed(1)} ms | ${percentile(editLatencies, 99).toFixed(1)} ms | ${Math.max(...editLatencies).toFixed(1)} ms |`,
  );
  out(
    `| hover on an allocation call, ${hoverLatencies.length} requests, ${answered} with a card (target p50 < 5 ms) | ${percentile(hoverLatencies, 50).toFixed(1)} ms | ${percentile(hoverLatencies, 99).toFixed(1)} ms | ${Math.max(...hoverLatencies).toFixed(1)} ms |`,
  );
  out();
  out(`Server RSS after the edits and hovers: ${rss ? `${mib(rss)} MiB` : 'not available'}.`);
  out();
}

/**
 * 3b. One keystroke in process: web-tree-sitter's own incremental re-parse of the edit (tree.edit +
 * parser.parse with the old tree, on a tree of its own: the baseline) against all our work for the
 * same keystroke (DocumentStore.change: applying the change, the kernel-macro rewrite, the tree
 * edit and its parse; then facts + every rule, one AnalysisDatabase kept across versions, as the
 * server keeps it), on the 10,000-line file of section 3 alone in its folder, and on
 * e1000e/netdev.c and sound/soc/codecs/rt5640.c edited in place with their folders loaded.
 * Also the first analysis of each (its folder parsed and summarised) against the parse of the
 * folder alone.
 */
async function keystroke(kernel: string): Promise<void> {
  const parser = await createParser(DIST);
  const targets: { label: string; file: string; text: string; folder: boolean }[] = [
    { label: '10,000-line intel file, alone', file: '/bench/bigdrv.c', text: bigDriverText(kernel), folder: false },
    ...['drivers/net/ethernet/intel/e1000e/netdev.c', 'sound/soc/codecs/rt5640.c'].map((relative) => {
      const file = path.join(kernel, relative);
      return { label: `${relative} in its folder`, file, text: fs.readFileSync(file, 'utf8'), folder: true };
    }),
  ].filter((target) => !process.env.KALLOC_BENCH_KEYSTROKE || target.label.includes(process.env.KALLOC_BENCH_KEYSTROKE));
  out('## 3b. One keystroke in process: re-parse vs analysis');
  out();
  out(
    `${EDITS} single-character edits per file (insert, then delete, a space at the start of a seeded random line). "re-parse" is the baseline: web-tree-sitter alone re-parsing the edit incrementally on a tree of its own (tree.edit with the change's range, then parser.parse of the new text with the old tree), nothing of ours. "analysis" is everything the server does for the keystroke: DocumentStore.change (the change applied, the kernel-macro rewrite of the region around it, the tree edit and the incremental parse of the rewritten text), then the file's facts and every rule with one AnalysisDatabase kept across versions. "first" is the first analysis with the folder read, parsed and summarised, against parsing the folder's files alone.`,
  );
  out();
  out('| file | re-parse p50 / p99 | analysis p50 / p99 | ratio p50 (target ≤ 3) | ratio p99 (target ≤ 6) | folder parse | first analysis | first / folder parse (target ≤ 3) |');
  out('|---|---|---|---|---|---|---|---|');
  const frontEnds: string[] = [];
  for (const target of targets) {
    const store = new DocumentStore(parser);
    const uri = `file://${target.file}`;
    store.open(uri, 1, target.text);
    const db = new AnalysisDatabase();
    // The folder's files as the server's index holds them (parsed once; their own timing below).
    const siblingFiles = target.folder
      ? sourceFiles(path.dirname(target.file))
          .filter((file) => file !== target.file && path.dirname(file) === path.dirname(target.file))
          .slice(0, 399)
      : [];
    const folderParseStart = performance.now();
    for (const file of siblingFiles) parser.parse(fs.readFileSync(file, 'utf8'))?.delete();
    parser.parse(target.text)?.delete();
    const folderParseMs = performance.now() - folderParseStart;
    const firstStart = performance.now();
    const cache = new FolderFactsCache(parser, MAX_FILE_SIZE);
    const folder = target.folder ? cache.siblingsOf(target.file, DEFAULT_CONFIG) : [];
    const analyse = () => {
      const document = store.get(uri)!;
      return analyzeFile(collectFileFacts(target.file, document.text, document.tree, DEFAULT_CONFIG), folder, {}, db);
    };
    analyse();
    const firstMs = performance.now() - firstStart;
    const parseMs: number[] = [];
    const analysisMs: number[] = [];
    const frontEndMs: number[] = [];
    // The baseline's own text and tree: web-tree-sitter alone, as any tree-sitter editor parses.
    // The edits are on one line and insert no line break: the points follow from the range.
    let baseText = target.text;
    let baseTree = parser.parse(baseText)!;
    // KALLOC_BENCH_CPU_PROFILE=dir: a CPU profile of the edits alone (not the first analysis), one per file.
    const profiler = process.env.KALLOC_BENCH_CPU_PROFILE ? await startProfile() : undefined;
    for (const [index, change] of seededEdits(target.text.split('\n').length).entries()) {
      const { start, end } = rangeOffsets(baseText, change.range);
      const nextText = baseText.slice(0, start) + change.text + baseText.slice(end);
      const edit = new Edit({
        startIndex: start,
        oldEndIndex: end,
        newEndIndex: start + change.text.length,
        startPosition: { row: change.range.start.line, column: change.range.start.character },
        oldEndPosition: { row: change.range.end.line, column: change.range.end.character },
        newEndPosition: { row: change.range.start.line, column: change.range.start.character + change.text.length },
      });
      const parsed = performance.now();
      baseTree.edit(edit);
      const nextTree = parser.parse(nextText, baseTree)!;
      parseMs.push(performance.now() - parsed);
      baseTree.delete();
      baseTree = nextTree;
      baseText = nextText;
      const analysed = performance.now();
      store.change(uri, index + 2, [change]);
      frontEndMs.push(performance.now() - analysed);
      analyse();
      analysisMs.push(performance.now() - analysed);
    }
    baseTree.delete();
    if (profiler) await stopProfile(profiler, path.join(process.env.KALLOC_BENCH_CPU_PROFILE!, `keystroke-${path.basename(target.file, '.c')}.cpuprofile`));
    frontEnds.push(`${target.label}: ${percentile(frontEndMs, 50).toFixed(1)} / ${percentile(frontEndMs, 99).toFixed(1)} ms`);
    const ratio = (p: number) => (percentile(analysisMs, p) / percentile(parseMs, p)).toFixed(1);
    out(
      `| ${target.label} | ${percentile(parseMs, 50).toFixed(1)} / ${percentile(parseMs, 99).toFixed(1)} ms | ${percentile(analysisMs, 50).toFixed(1)} / ${percentile(analysisMs, 99).toFixed(1)} ms | ${ratio(50)} | ${ratio(99)} | ${folderParseMs.toFixed(0)} ms | ${firstMs.toFixed(0)} ms | ${(firstMs / folderParseMs).toFixed(1)} |`,
    );
    cache.clear();
    store.close(uri);
  }
  out();
  out(`Of "analysis", DocumentStore.change alone (p50 / p99): ${frontEnds.join('; ')}.`);
  out();
}

async function startProfile(): Promise<inspector.Session> {
  const session = new inspector.Session();
  session.connect();
  const post = (method: string) => new Promise<void>((resolve, reject) => session.post(method, (error) => (error ? reject(error) : resolve())));
  await post('Profiler.enable');
  await post('Profiler.start');
  return session;
}

async function stopProfile(session: inspector.Session, file: string): Promise<void> {
  const profile = await new Promise<unknown>((resolve, reject) => session.post('Profiler.stop', (error, result) => (error ? reject(error) : resolve(result.profile))));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(profile));
  session.disconnect();
  log(`CPU profile of the edits: ${file}`);
}

/** 4. Server RSS after indexing drivers/net with kernelAllocLens.indexWholeWorkspace. */
async function indexRss(kernel: string): Promise<void> {
  const root = path.join(kernel, 'drivers/net');
  const client = new LspClient();
  client.settings = { indexWholeWorkspace: true };
  const started = performance.now();
  await client.request('initialize', {
    processId: process.pid,
    rootUri: LspClient.uriOf(root),
    workspaceFolders: [{ uri: LspClient.uriOf(root), name: 'net' }],
    capabilities: { workspace: { configuration: true }, window: { workDoneProgress: true } },
  });
  client.notify('initialized', {});
  await client.waitFor((m) => m.method === '$/progress' && m.params.value.kind === 'end', 30 * 60 * 1000);
  const indexMs = performance.now() - started;
  const pid = (client as unknown as { child: { pid: number } }).child.pid;
  const rss = currentRss(pid);
  const peak = peakRss(pid);
  // Then a file is opened in an indexed folder: its folder is parsed again if it was dropped.
  const file = path.join(root, 'ethernet/intel/e1000e/netdev.c');
  const opened = performance.now();
  await client.open(LspClient.uriOf(file), fs.readFileSync(file, 'utf8'));
  const openMs = performance.now() - opened;
  const rssOpen = currentRss(pid);
  await client.shutdown();
  const files = sourceFiles(root).length;
  out('## 4. Server memory after indexing drivers/net (`kernelAllocLens.indexWholeWorkspace`)');
  out();
  out('| | |');
  out('|---|---|');
  out(`| files | ${files} |`);
  out(`| indexing time (background, one thread) | ${seconds(indexMs)} s |`);
  out(`| RSS after indexing (target < 300 MB) | ${rss ? `${mib(rss)} MiB` : 'n/a'} (peak ${peak ? `${mib(peak)} MiB` : 'n/a'}) |`);
  out(`| then open e1000e/netdev.c: first diagnostics | ${openMs.toFixed(0)} ms, RSS ${rssOpen ? `${mib(rssOpen)} MiB` : 'n/a'} |`);
  out();
}

/**
 * 6. The kernel-tree index (`kalloc index`) of one subtree (drivers/net, KALLOC_BENCH_INDEX_DIR),
 * built on one worker thread vs the web-tree-sitter parse of the same files on one thread; the
 * second run (everything reused); size on disk; reading it back; and the language server's RSS
 * once it has loaded it for a file of the tree. The cache goes to a temp XDG_CACHE_HOME.
 */
async function kernelIndex(kernel: string): Promise<void> {
  const subtree = process.env.KALLOC_BENCH_INDEX_DIR ?? 'drivers/net';
  const tree = kernelTreeAt(kernel);
  if ('problem' in tree) throw new Error(tree.problem);
  const cache = fs.mkdtempSync(path.join(os.tmpdir(), 'kalloc-bench-index-'));
  const env = { ...process.env, XDG_CACHE_HOME: cache };
  try {
    const files = sourceFiles(path.join(kernel, subtree)).filter((file) => file.endsWith('.c'));
    const texts: string[] = [];
    for (const file of files) {
      const read = readSourceFile(file, MAX_FILE_SIZE);
      if ('text' in read) texts.push(read.text);
    }
    const parser = await createParser(DIST);
    for (const text of texts.slice(0, 30)) parser.parse(text)?.delete();
    let started = performance.now();
    for (const text of texts) parser.parse(text)?.delete();
    const parseMs = performance.now() - started;

    const options = { jobs: 1, fileTimeoutMs: 120_000, maxFileSize: MAX_FILE_SIZE, settings: {}, env, subtrees: [subtree], workerScript: path.join(DIST, 'analysisWorker.js') };
    started = performance.now();
    const first = await buildKernelIndex(tree, options);
    const buildMs = performance.now() - started;
    started = performance.now();
    const second = await buildKernelIndex(tree, options);
    const rebuildMs = performance.now() - started;

    const dir = indexDirOf(tree, env);
    started = performance.now();
    const facts = readKernelFacts(dir, tree);
    const factsMs = performance.now() - started;
    started = performance.now();
    const stored = readIndexFiles(dir, tree, configKeyOf(indexConfig({}, tree)));
    const filesMs = performance.now() - started;
    if (!('value' in facts) || !('value' in stored)) throw new Error('the index just built cannot be read back');

    // The server with the index: open one file of the tree, wait for the status to say loaded.
    // The server process starts with the first message and inherits the temp cache folder.
    const previousCache = process.env.XDG_CACHE_HOME;
    process.env.XDG_CACHE_HOME = cache;
    const client = new LspClient();
    const initialized = client.request('initialize', { processId: process.pid, rootUri: null, capabilities: { workspace: { configuration: true } } });
    if (previousCache === undefined) delete process.env.XDG_CACHE_HOME;
    else process.env.XDG_CACHE_HOME = previousCache;
    await initialized;
    client.notify('initialized', {});
    const file = files[0];
    const uri = LspClient.uriOf(file);
    const opened = performance.now();
    await client.open(uri, fs.readFileSync(file, 'utf8'));
    const model = await indexLoaded(client, uri, 60_000);
    const loadedMs = performance.now() - opened;
    const pid = (client as unknown as { child: { pid: number } }).child.pid;
    const rss = currentRss(pid);
    await client.shutdown();

    out(`## 6. Kernel-tree index (\`kalloc index\`) of ${subtree}`);
    out();
    out(`${texts.length} .c files; one worker thread for the index, one thread for the parse; the index's stored data is the stub of the shared interface until i11-derive's facts replace it.`);
    out();
    out('| | |');
    out('|---|---|');
    out(`| web-tree-sitter parse alone | ${seconds(parseMs)} s |`);
    out(`| index, empty cache (${first.summarised} summarised, ${first.failed.length} failed) | ${seconds(buildMs)} s |`);
    out(`| **ratio** index / parse (target ≤ 2.0) | **${(buildMs / parseMs).toFixed(2)}** |`);
    out(`| index again, nothing changed (${second.reused} reused) | ${seconds(rebuildMs)} s |`);
    out(`| size on disk | ${(first.bytesOnDisk / 1024).toFixed(0)} KiB |`);
    out(`| read back: facts.v8 / files.v8 | ${factsMs.toFixed(1)} ms / ${filesMs.toFixed(1)} ms |`);
    out(`| server: open a file of the tree → index ${model?.index?.state ?? 'not found'} | ${loadedMs.toFixed(0)} ms, RSS ${rss ? `${mib(rss)} MiB` : 'n/a'} (target < 400 MB) |`);
    out();
  } finally {
    fs.rmSync(cache, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const run = (name: string) => wanted.length === 0 || wanted.includes(name);
  if (!fs.existsSync(path.join(DIST, 'analysisWorker.js'))) throw new Error('run `node esbuild.js` first');
  const kernel = ensureCorpus(log);
  const info = machine();
  out(`# Kernel Alloc Lens benchmarks, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`);
  out();
  out(
    `Machine: ${info.cpus} cores (${info.model}), ${info.memoryGiB} GiB, node ${info.node}, load average at start ${info.load}. Corpus: ${path.relative(ROOT, kernel).startsWith('..') ? kernel.replace(os.homedir(), '~') : kernel} (Debian linux-source-6.1).`,
  );
  out();
  if (run('parse')) await parseVsAnalysis(kernel);
  if (run('drivers')) await wholeDrivers(kernel);
  if (run('editor')) await editorLatency(kernel);
  if (run('keystroke')) await keystroke(kernel);
  if (run('index')) await indexRss(kernel);
  if (run('frontend')) frontendStats(kernel, await createParser(DIST), out, log);
  if (run('kernel-index')) await kernelIndex(kernel);
  // Only when asked for: it parses the whole tree (minutes).
  if (wanted.includes('tree-parse')) treeParse(kernel, await createParser(DIST), out, log);
  if (wanted.includes('tree-index')) await treeIndexServer(kernel, out);
  out(
    `Load average at the end: ${os
      .loadavg()
      .map((value) => value.toFixed(2))
      .join(' ')}.`,
  );
}

main().catch((error) => {
  process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
