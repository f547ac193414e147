// `npm run bench:recall -- [--tree KERNEL_TREE] [--only ID,…] [--results FILE.json] [--dry] [CLI ARGS…]`:
// recall of the atomic, DMA and free rules on real historic upstream fixes (issue 11). Each case of
// corpus.ts names a file of linux-source-6.1 (which holds the fixed code) and the token edits that
// put the bug back. The file's folder (its .c and .h files, not subfolders) is copied to a temp tree
// at the same relative path, and `kalloc check --format json` runs on the file (and the siblings the
// case names in checkAlso) once as fixed and once reverted. The case is found when the expected rule
// fires within ±2 lines of the expected line of the reverted copy, or fires elsewhere (in a callee)
// with that line among its related locations. A finding at that place on the fixed copy too is
// reported apart ("also on fixed code"): it is no evidence that the tool saw the bug. Arguments the
// runner does not know (e.g. `--kernel-dir DIR`) go to the CLI. Prints a markdown table and totals.
// `--results FILE` keeps each case's outcome in FILE and reuses it while the case's edits, expectation
// and the CLI arguments are unchanged, so a long run can be resumed; `--dry` only applies the edits
// and checks the anchors.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { JsonDiagnostic } from '../../server/src/cliFormats';
import { DIST } from '../../test/support/paths';
import { MISS_CLASSES, MissClass, RECALL_CASES, RecallCase } from './corpus';
import { EditError, applyEdits, lineOfAnchor } from './edits';
import { hits } from './match';

const DEFAULT_TREE = path.join(os.homedir(), '.cache', 'kernel-alloc-lens', 'linux-source-6.1');
/** How far from the expected line a finding may start (the sleeping call can span lines). */
const LINE_SLACK = 2;

interface CaseResult {
  case: RecallCase;
  /** The expected line in the reverted copy. */
  line: number;
  found: boolean;
  alsoOnFixed: boolean;
  /** The rules that fired within the window on the reverted copy, for the table. */
  nearby: string[];
}

interface RunOptions {
  tree: string;
  only?: Set<string>;
  results?: string;
  dry: boolean;
  cliArgs: string[];
}

function parseArgs(argv: string[]): RunOptions {
  const args = [...argv];
  // --dry: apply every case's edits and check its anchor, without running the CLI (corpus authoring).
  const dry = args.includes('--dry');
  if (dry) args.splice(args.indexOf('--dry'), 1);
  const take = (name: string): string | undefined => {
    const at = args.indexOf(name);
    if (at < 0) return undefined;
    const [, value] = args.splice(at, 2);
    if (value === undefined) throw new Error(`${name} needs a value`);
    return value;
  };
  const tree = path.resolve(take('--tree') ?? DEFAULT_TREE);
  const only = take('--only');
  const results = take('--results');
  return { tree, only: only ? new Set(only.split(',')) : undefined, results, dry, cliArgs: args };
}

/** Copies the .c and .h files of the case file's folder (and the tree's top Makefile, for the version). */
function copyFolder(tree: string, file: string, into: string): string {
  const folder = path.dirname(file);
  fs.mkdirSync(path.join(into, folder), { recursive: true });
  for (const entry of fs.readdirSync(path.join(tree, folder), { withFileTypes: true })) {
    if (entry.isFile() && /\.[ch]$/.test(entry.name)) fs.copyFileSync(path.join(tree, folder, entry.name), path.join(into, folder, entry.name));
  }
  fs.copyFileSync(path.join(tree, 'Makefile'), path.join(into, 'Makefile'));
  return path.join(into, file);
}

/**
 * Every finding of `kalloc check` on the case's file and the sibling files the corpus names (where a
 * callee's sleep or DMA sink lands). The CLI reads the rest of the folder for its cross-file facts.
 */
function check(scratch: string, files: string[], cliArgs: string[]): JsonDiagnostic[] {
  // A loaded machine must not turn a slow file into a miss: the timeout is raised, and a file
  // skipped anyway (or a rule that failed) makes the case an error rather than a verdict.
  const args = [path.join(DIST, 'cli.js'), 'check', '--format', 'json', '--jobs', '1', '--file-timeout', '1800', ...cliArgs, ...files];
  const run = spawnSync(process.execPath, args, { cwd: scratch, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (run.status === null || run.status === 2 || run.status >= 128) throw new Error(`kalloc check ${files.join(' ')} exited ${run.status ?? run.signal}: ${run.stderr.trim()}`);
  if (!run.stdout.trim()) throw new Error(`kalloc check ${files.join(' ')} printed no report: ${run.stderr.trim()}`);
  const report = JSON.parse(run.stdout) as { complete: boolean; skipped: unknown[]; ruleFailures: unknown[]; diagnostics: JsonDiagnostic[] };
  if (!report.complete || report.skipped.length > 0 || report.ruleFailures.length > 0) {
    throw new Error(`kalloc check ${files.join(' ')} was incomplete: ${JSON.stringify({ skipped: report.skipped, ruleFailures: report.ruleFailures })}`);
  }
  return report.diagnostics;
}

/** The reverted text and the expected line, or an EditError when the corpus no longer fits the tree. */
function revert(tree: string, recallCase: RecallCase): { original: string; reverted: string; line: number } {
  const original = fs.readFileSync(path.join(tree, recallCase.file), 'utf8');
  const reverted = applyEdits(original, recallCase.edits, `${recallCase.id} (${recallCase.file})`);
  const line = lineOfAnchor(reverted, recallCase.expect.at, `${recallCase.id} reverted`);
  if (line !== recallCase.expect.line) throw new EditError(`${recallCase.id}: anchor ends on line ${line} of the reverted file, the corpus says ${recallCase.expect.line}`);
  return { original, reverted, line };
}

function runCase(tree: string, recallCase: RecallCase, cliArgs: string[]): CaseResult {
  const { original, reverted, line } = revert(tree, recallCase);
  // Lines the edits add or remove: the same place in the fixed copy is at most this much further off.
  const shift = Math.abs(reverted.split('\n').length - original.split('\n').length);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'kalloc-recall-'));
  try {
    const file = copyFolder(tree, recallCase.file, scratch);
    const checked = [recallCase.file, ...(recallCase.checkAlso ?? []).map((name) => path.join(path.dirname(recallCase.file), name))];
    const rule = recallCase.expect.rule;
    const fixed = check(scratch, checked, cliArgs);
    fs.writeFileSync(file, reverted);
    const onReverted = check(scratch, checked, cliArgs);
    const nearby = [...new Set(onReverted.filter((finding) => path.basename(finding.file) === path.basename(file) && Math.abs(finding.line - line) <= LINE_SLACK).map((finding) => finding.rule))];
    return { case: recallCase, line, found: hits(onReverted, rule, file, line, LINE_SLACK).length > 0, alsoOnFixed: hits(fixed, rule, file, line, LINE_SLACK + shift).length > 0, nearby };
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

function gitCommit(): string {
  const run = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: path.dirname(DIST), encoding: 'utf8' });
  return run.status === 0 ? run.stdout.trim() : 'unknown';
}

function verdict(result: CaseResult): string {
  if (result.found && result.alsoOnFixed) return 'also on fixed code';
  return result.found ? 'found' : 'missed';
}

function table(results: CaseResult[]): string {
  const rows = ['| # | case | fix (Debian entry) | file:line | function | rule | result | miss class |', '|---|---|---|---|---|---|---|---|'];
  results.forEach((result, index) => {
    const { case: c } = result;
    const missClass = result.found && !result.alsoOnFixed ? '' : (c.missClass ?? '**unclassified**');
    rows.push(`| ${index + 1} | ${c.id} | ${c.subject.replace(/\|/g, '\\|')} (${c.debian}) | ${c.file}:${result.line} | ${c.function}() | ${c.expect.rule} | ${verdict(result)} | ${missClass} |`);
  });
  const whys = results.filter((result) => (!result.found || result.alsoOnFixed) && result.case.why).map((result) => `- ${result.case.id}: ${result.case.why}`);
  return whys.length > 0 ? `${rows.join('\n')}\n\nWhy each miss is missed (read from the code):\n\n${whys.join('\n')}` : rows.join('\n');
}

function totals(results: CaseResult[]): string {
  const lines: string[] = [];
  const counted = (list: CaseResult[]): string => {
    const found = list.filter((result) => result.found && !result.alsoOnFixed).length;
    return `${found}/${list.length} (${list.length === 0 ? 0 : Math.round((100 * found) / list.length)}%)`;
  };
  lines.push('| rule | found | also on fixed code |', '|---|---|---|');
  for (const rule of [...new Set(results.map((result) => result.case.expect.rule))].sort()) {
    const list = results.filter((result) => result.case.expect.rule === rule);
    lines.push(`| ${rule} | ${counted(list)} | ${list.filter((result) => result.found && result.alsoOnFixed).length} |`);
  }
  lines.push(`| all | ${counted(results)} | ${results.filter((result) => result.found && result.alsoOnFixed).length} |`);
  lines.push('', '| miss class | missed |', '|---|---|');
  const missed = results.filter((result) => !result.found || result.alsoOnFixed);
  for (const missClass of [...MISS_CLASSES, undefined] as (MissClass | undefined)[]) {
    const count = missed.filter((result) => result.case.missClass === missClass).length;
    if (count > 0) lines.push(`| ${missClass ?? '**unclassified**'} | ${count} |`);
  }
  return lines.join('\n');
}

/** What a stored outcome depends on: the case's edits and expectation, and the CLI arguments. */
function fingerprint(recallCase: RecallCase, cliArgs: string[]): string {
  return JSON.stringify([recallCase.file, recallCase.checkAlso ?? [], recallCase.edits, recallCase.expect, cliArgs]);
}

interface StoredOutcome {
  fingerprint: string;
  line: number;
  found: boolean;
  alsoOnFixed: boolean;
  nearby: string[];
}

function readStored(file: string | undefined): Record<string, StoredOutcome> {
  if (!file || !fs.existsSync(file)) return {};
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, StoredOutcome>;
}

function main(): void {
  let options: RunOptions;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`bench:recall: ${(error as Error).message}\nusage: npm run bench:recall -- [--tree KERNEL_TREE] [--only ID,…] [--results FILE.json] [--dry] [CLI ARGS…]\n`);
    process.exit(2);
  }
  if (!fs.existsSync(path.join(options.tree, 'Makefile'))) {
    process.stderr.write(`bench:recall: no kernel tree at ${options.tree} (give --tree)\n`);
    process.exit(2);
  }
  const ids = new Set(RECALL_CASES.map((c) => c.id));
  const unknown = [...(options.only ?? [])].filter((id) => !ids.has(id));
  if (unknown.length > 0 || ids.size !== RECALL_CASES.length) {
    process.stderr.write(`bench:recall: ${unknown.length > 0 ? `no case ${unknown.join(', ')}` : 'two cases share an id'}\n`);
    process.exit(2);
  }
  const cases = RECALL_CASES.filter((c) => !options.only || options.only.has(c.id));
  const stored = readStored(options.results);
  const results: CaseResult[] = [];
  let broken = 0;
  for (const recallCase of cases) {
    try {
      if (options.dry) {
        revert(options.tree, recallCase);
        continue;
      }
      const key = fingerprint(recallCase, options.cliArgs);
      const kept = stored[recallCase.id];
      const result =
        kept && kept.fingerprint === key
          ? { case: recallCase, line: kept.line, found: kept.found, alsoOnFixed: kept.alsoOnFixed, nearby: kept.nearby }
          : runCase(options.tree, recallCase, options.cliArgs);
      results.push(result);
      process.stderr.write(`${recallCase.id}: ${verdict(result)}${result.nearby.length > 0 ? ` (near: ${result.nearby.join(', ')})` : ''}${kept?.fingerprint === key ? ' [stored]' : ''}\n`);
      if (result.found && !result.alsoOnFixed && recallCase.missClass) process.stderr.write(`  note: ${recallCase.id} is found but the corpus gives it missClass ${recallCase.missClass}\n`);
      if (options.results) {
        stored[recallCase.id] = { fingerprint: key, line: result.line, found: result.found, alsoOnFixed: result.alsoOnFixed, nearby: result.nearby };
        fs.writeFileSync(options.results, `${JSON.stringify(stored, null, 2)}\n`);
      }
    } catch (error) {
      broken++;
      process.stderr.write(`${recallCase.id}: ${error instanceof EditError ? 'corpus error' : 'error'}: ${(error as Error).message}\n`);
    }
  }
  if (options.dry) {
    process.stderr.write(`bench:recall: ${cases.length - broken} of ${cases.length} case(s) apply\n`);
    process.exit(broken > 0 ? 1 : 0);
  }
  process.stdout.write(`Commit measured: ${gitCommit()}${options.cliArgs.length > 0 ? `, CLI arguments: \`${options.cliArgs.join(' ')}\`` : ''}\n\n${table(results)}\n\n${totals(results)}\n`);
  if (broken > 0) {
    process.stderr.write(`bench:recall: ${broken} case(s) could not be run\n`);
    process.exit(1);
  }
}

main();
