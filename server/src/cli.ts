// The CLI: `kalloc check [options] PATH…`. Arguments, file walking and output only; the analysis
// is the same analyzeFile() the language server runs, on worker threads (workspace/analysisPool.ts).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { KernelFacts } from './analysis/index/kernelFacts';
import { CheckReport, folderStats, formatJson, formatSarif, formatText } from './cliFormats';
import { RULES } from './rules/index';
import { SEVERITIES, Severity } from './rules/rule';
import { RawSettings, readSettings } from './settings';
import { FileOutcome, analyseFiles } from './workspace/analysisPool';
import { Shard, parseShard, walkFiles } from './workspace/fileWalk';
import { KernelConfigDetector } from './workspace/kernelConfig';
import { KernelTree, indexDirOf, kernelTreeAt, readKernelFacts } from './workspace/kernelIndex';
import { buildKernelIndex } from './workspace/kernelIndexBuild';

const VERSION = '0.1.0';

const USAGE = `usage: kalloc check [options] PATH...
       kalloc index [options] [KDIR]

Checks Linux kernel C files for allocation misuse. Directories are walked for .c and .h files.

options:
  --format text|json|sarif   output format (default: text)
  --kernel-version V         kernel release the figures hold for, e.g. 6.1 (default: 6.1)
  --arch A                   x86_64, arm64 or arm (default: x86_64)
  --page-size N              4096, 16384 or 65536 (default: 4096)
  --kernel-dir KDIR          the kernel tree the files build against: its Makefile and .config
                             fill the model values not given, and its index (kalloc index) is
                             used; without it, a tree found above the first PATH (or through
                             KDIR in a module Makefile) gives the index only
  --no-index                 do not use the kernel tree's index
  --rule ID=SEVERITY         error, warning, information, hint or off; repeatable
  --exclude GLOB             skip paths matching GLOB, relative to the given PATH (a glob
                             without "/" matches any file or folder name); repeatable
  --jobs N                   worker threads (default: the number of cores)
  --shard K/N                analyse only the K-th of N stable slices of the files (whole
                             driver folders per slice), for a CI matrix
  --file-timeout SECONDS     skip a file whose own reading, parsing and analysis takes more
                             CPU time (wall time where the OS does not tell a thread's CPU
                             time, i.e. off Linux) (default: 60)
  --max-file-size BYTES      skip larger files; K and M suffixes allowed (default: 4M)
  --allow-skipped            skipped files do not change the exit status
  --hints                    also report hint-level findings (style advice where nothing can go
                             wrong, e.g. an open-coded product that cannot overflow); without
                             it they are counted in the summary line but not listed
  --stats                    also report, per folder, the functions seen, the bodies the
                             analyses understood and why the others were skipped
  --progress auto|always|never
                             auto (default): a live line when stderr is a terminal, else a
                             line every 30 s; always: plain lines from the start on any stderr
  --progress-interval SECONDS  seconds between plain progress lines (default: 30)
  -h, --help                 show this help
  --version                  print the version

Skipped files (too large, too slow, unreadable, binary, not UTF-8, nested too deeply) get a
one-line note on stderr; the text format ends with a summary line. SIGINT or SIGTERM stops the
run and still writes the results so far, marked incomplete.

exit status, the first that applies:
  130/143  interrupted by SIGINT/SIGTERM (results so far written, marked incomplete)
  2        usage or I/O error, or nothing to check (no .c/.h file under PATH)
  1        findings at warning or above
  3        files skipped or a rule failed, and no --allow-skipped: the check is incomplete
  0        every file analysed, nothing at warning or above
Findings (1) win over skipped files (3): the code has something to fix either way, and the
summary line, the notes and the SARIF notifications still list what was skipped.

kalloc index summarises every .c file of a kernel tree (KDIR, --kernel-dir, or the tree found
from the current folder) into a cache under $XDG_CACHE_HOME or ~/.cache
(kernel-alloc-lens/index/), reusing the files whose size and mtime are unchanged, and derives the
tree's facts that kalloc check and the editor read. tools/, scripts/, usr/ and Documentation/ are
left out (userspace). Options: --kernel-dir, --jobs, --file-timeout, --max-file-size,
--kernel-version, --arch, --page-size, --progress, --progress-interval, as above.
exit status: 0 indexed (files that could not be read are listed and left out), 2 not a kernel
tree or the cache cannot be written, 130/143 interrupted (the files summarised so far are kept).`;

class UsageError extends Error {}

/** What `kalloc check` and `kalloc index` both take: the model, the workers, the bounds, progress. */
interface RunOptions {
  settings: RawSettings;
  jobs: number;
  fileTimeoutMs: number;
  maxFileSize?: number;
  progress: 'auto' | 'always' | 'never';
  progressIntervalMs: number;
}

interface CliOptions extends RunOptions {
  format: 'text' | 'json' | 'sarif';
  paths: string[];
  excludes: string[];
  shard?: Shard;
  allowSkipped: boolean;
  stats: boolean;
  /** List hint-level findings; off by default, so CI logs hold what can go wrong. */
  hints: boolean;
  /** --kernel-dir: the tree the files build against (model detection and its index). */
  kernelDir?: string;
  /** --no-index */
  noIndex: boolean;
}

interface IndexOptions extends RunOptions {
  /** KDIR or --kernel-dir; else detected from the current folder. */
  kernelDir?: string;
}

function parsePositiveInteger(flag: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new UsageError(`${flag} must be a positive whole number, not "${text}"`);
  return value;
}

function parseSize(text: string): number {
  const match = /^(\d+)([kKmM]?)$/.exec(text);
  if (!match || Number(match[1]) < 1) throw new UsageError(`--max-file-size must be a number of bytes like 4194304 or 4M, not "${text}"`);
  const unit = match[2].toLowerCase() === 'k' ? 1024 : match[2].toLowerCase() === 'm' ? 1024 * 1024 : 1;
  return Number(match[1]) * unit;
}

/** `--progress` of both subcommands: auto, always or never. */
function parseProgress(mode: string): 'auto' | 'always' | 'never' {
  if (mode !== 'auto' && mode !== 'always' && mode !== 'never') throw new UsageError(`--progress must be auto, always or never, not "${mode}"`);
  return mode;
}

function parseSeconds(flag: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(text);
  const ms = match ? Number(match[1]) * (match[2] === 'ms' ? 1 : 1000) : NaN;
  if (!(ms > 0)) throw new UsageError(`${flag} must be a number of seconds like 10, not "${text}"`);
  return ms;
}
/**
 * Each argument of a command line with its flag (`--jobs=2` and `--jobs 2` alike), the value written
 * after `=`, and a reader of its value that takes the next argument when there was no `=`.
 */
function* commandLine(rest: readonly string[]): Generator<{ arg: string; flag: string; inlineValue: string | undefined; value: () => string }> {
  for (let index = 0; index < rest.length; index++) {
    const arg = rest[index];
    const [flag, inlineValue] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const next = inlineValue ?? rest[++index];
      if (next === undefined) throw new UsageError(`${flag} needs a value`);
      return next;
    };
    yield { arg, flag, inlineValue, value };
  }
}

/** Reads an option both commands take into `options`; false when `flag` is not one of them. */
function parseRunOption(flag: string, value: () => string, options: RunOptions): boolean {
  switch (flag) {
    case '--kernel-version':
      options.settings.kernelVersion = value();
      return true;
    case '--arch':
      options.settings.arch = value();
      return true;
    case '--page-size':
      options.settings.pageSize = value();
      return true;
    case '--jobs':
    case '-j':
      options.jobs = parsePositiveInteger('--jobs', value());
      return true;
    case '--file-timeout':
      options.fileTimeoutMs = parseSeconds('--file-timeout', value());
      return true;
    case '--max-file-size':
      options.maxFileSize = parseSize(value());
      return true;
    case '--progress':
      options.progress = parseProgress(value());
      return true;
    case '--progress-interval':
      options.progressIntervalMs = parseSeconds('--progress-interval', value());
      return true;
    default:
      return false;
  }
}

function parseArgs(argv: string[]): CliOptions | { index: IndexOptions } | 'help' | 'version' {
  const [command, ...rest] = argv;
  if (command === '-h' || command === '--help' || command === 'help') return 'help';
  if (command === '--version') return 'version';
  if (command === 'index') {
    const parsed = parseIndexArgs(rest);
    return parsed === 'help' ? 'help' : { index: parsed };
  }
  if (command !== 'check') throw new UsageError(command ? `unknown command "${command}"` : 'missing command: kalloc check PATH...');
  const options: CliOptions = {
    format: 'text',
    settings: {},
    paths: [],
    excludes: [],
    jobs: os.availableParallelism(),
    // Counts one file's own work (its folder's shared summaries are timed file by file): a
    // generous bound that only a hang reaches, even on a loaded 2-core machine.
    fileTimeoutMs: 60_000,
    allowSkipped: false,
    stats: false,
    hints: false,
    progress: 'auto',
    progressIntervalMs: 30_000,
    noIndex: false,
  };
  const rules: Record<string, string> = {};
  for (const { arg, flag, inlineValue, value } of commandLine(rest)) {
    if (parseRunOption(flag, value, options)) continue;
    switch (flag) {
      case '-h':
      case '--help':
        return 'help';
      case '--format': {
        const format = value();
        if (format !== 'text' && format !== 'json' && format !== 'sarif') throw new UsageError(`--format must be text, json or sarif, not "${format}"`);
        options.format = format;
        break;
      }
      case '--rule': {
        const [id, severity] = value().split('=');
        if (!RULES.some((rule) => rule.id === id)) throw new UsageError(`--rule: unknown rule "${id}"`);
        if (severity !== 'off' && !SEVERITIES.includes(severity as Severity)) throw new UsageError(`--rule ${id}: severity must be off or one of ${SEVERITIES.join(', ')}`);
        rules[id] = severity;
        break;
      }
      case '--exclude':
        options.excludes.push(value());
        break;
      case '--shard': {
        const text = value();
        const shard = parseShard(text);
        if (!shard) throw new UsageError(`--shard must be K/N with 1 <= K <= N, e.g. 1/4, not "${text}"`);
        options.shard = shard;
        break;
      }
      case '--allow-skipped':
        if (inlineValue !== undefined) throw new UsageError('--allow-skipped takes no value');
        options.allowSkipped = true;
        break;
      case '--hints':
        if (inlineValue !== undefined) throw new UsageError('--hints takes no value');
        options.hints = true;
        break;
      case '--stats':
        if (inlineValue !== undefined) throw new UsageError('--stats takes no value');
        options.stats = true;
        break;
      case '--kernel-dir':
        options.kernelDir = value();
        break;
      case '--no-index':
        if (inlineValue !== undefined) throw new UsageError('--no-index takes no value');
        options.noIndex = true;
        break;
      default:
        if (flag.startsWith('-') && flag !== '-') throw new UsageError(`unknown option ${flag}`);
        options.paths.push(arg);
    }
  }
  options.settings.rules = rules;
  if (options.maxFileSize !== undefined) options.settings.maxFileSize = options.maxFileSize;
  if (options.paths.length === 0) throw new UsageError('no PATH given');
  return options;
}

function parseIndexArgs(rest: string[]): IndexOptions | 'help' {
  const options: IndexOptions = { settings: {}, jobs: os.availableParallelism(), fileTimeoutMs: 60_000, progress: 'auto', progressIntervalMs: 30_000 };
  const positional: string[] = [];
  for (const { arg, flag, value } of commandLine(rest)) {
    if (parseRunOption(flag, value, options)) continue;
    switch (flag) {
      case '-h':
      case '--help':
        return 'help';
      case '--kernel-dir':
        positional.push(value());
        break;
      default:
        if (flag.startsWith('-') && flag !== '-') throw new UsageError(`unknown option ${flag} for kalloc index`);
        positional.push(arg);
    }
  }
  if (positional.length > 1) throw new UsageError(`kalloc index takes one kernel tree, not ${positional.length} (${positional.join(', ')})`);
  options.kernelDir = positional[0];
  if (options.maxFileSize !== undefined) options.settings.maxFileSize = options.maxFileSize;
  return options;
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const whole = Math.round(seconds);
  return whole >= 60 ? `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s` : `${whole}s`;
}

interface Progress {
  update(done: number): void;
  /** Clears the live line, so a note is not overwritten. */
  clear(): void;
  /** The run is over: clears the live line, stops the plain lines. */
  stop(): void;
}

/**
 * On a terminal (--progress auto): one self-overwriting line. Elsewhere, or with --progress always:
 * a plain line every interval, so a CI log shows the run is alive; `always` also prints one at the start.
 */
function progressReporter(options: { progress: 'auto' | 'always' | 'never'; progressIntervalMs: number }, total: number, verb = 'checking'): Progress {
  const none: Progress = { update: () => undefined, clear: () => undefined, stop: () => undefined };
  if (options.progress === 'never' || total === 0) return none;
  const started = Date.now();
  let done = 0;
  const status = () => {
    const rate = done / Math.max((Date.now() - started) / 1000, 0.001);
    return `${done}/${total} files, ${rate.toFixed(1)} files/s, ETA ${done === 0 ? '?' : formatDuration((total - done) / rate)}`;
  };
  if (options.progress === 'auto' && process.stderr.isTTY) {
    let last = 0;
    let shown = false;
    return {
      update(count) {
        done = count;
        const now = Date.now();
        if (now - last < 200 && done < total) return;
        last = now;
        process.stderr.write(`\r\x1b[Kkalloc: ${status()}`);
        shown = true;
      },
      clear() {
        if (shown) process.stderr.write('\r\x1b[K');
        shown = false;
      },
      stop() {
        this.clear();
      },
    };
  }
  if (options.progress === 'always') process.stderr.write(`kalloc: ${verb} ${total} file${total === 1 ? '' : 's'}\n`);
  const timer = setInterval(() => process.stderr.write(`kalloc: ${status()}\n`), options.progressIntervalMs);
  timer.unref();
  return {
    update(count) {
      done = count;
    },
    clear: () => undefined,
    stop: () => clearInterval(timer),
  };
}

const SIGNAL_EXIT: Record<'SIGINT' | 'SIGTERM', number> = { SIGINT: 130, SIGTERM: 143 };

/** Readers' messages say what they fall back to; the CLI stops instead, so that clause is dropped. */
function withoutFallback(problem: string): string {
  return problem.replace(/; using [^;]*$/, '');
}

async function check(options: CliOptions): Promise<number> {
  const { settings, problems } = readSettings(options.settings);
  if (problems.length > 0) throw new UsageError(problems.map(withoutFallback).join('; '));
  const walk = walkFiles(options.paths, options.excludes, options.shard);
  if (walk.nothingFound) throw new Error(walk.nothingFound);
  const files = walk.files.map(({ file }) => file);
  const kernelIndex = options.noIndex ? undefined : indexForCheck(options, options.paths[0]);
  if (files.length === 0 && options.shard) {
    // An empty slice is normal in a CI matrix wider than the tree: an empty, complete report.
    process.stderr.write(`kalloc: shard ${options.shard.index}/${options.shard.count} holds none of the ${walk.found} files found (slices are whole folders); nothing to check\n`);
  }

  const abort = new AbortController();
  let interrupted: 'SIGINT' | 'SIGTERM' | undefined;
  const onSignal = (signal: 'SIGINT' | 'SIGTERM') => {
    interrupted ??= signal;
    abort.abort();
  };
  const onSigint = () => onSignal('SIGINT');
  const onSigterm = () => onSignal('SIGTERM');
  // once: a second Ctrl-C ends the process the default way.
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigterm);

  const progress = progressReporter(options, files.length);
  const notes: string[] = [];
  // A note printed while the live progress line is up would be overwritten: clear the line first.
  const note = (line: string) => {
    progress.clear();
    process.stderr.write(`kalloc: ${line}\n`);
  };
  let outcomes: Map<string, FileOutcome>;
  try {
    outcomes = await analyseFiles(files, {
      jobs: options.jobs,
      fileTimeoutMs: options.fileTimeoutMs,
      maxFileSize: settings.maxFileSize,
      settings: options.settings,
      kernelDir: options.kernelDir === undefined ? undefined : path.resolve(options.kernelDir),
      kernelFacts: kernelIndex?.facts,
      signal: abort.signal,
      onNote(line) {
        notes.push(line);
        note(line);
      },
      onOutcome(file, outcome, done) {
        if (outcome.kind === 'skipped') note(`skipped ${file}: ${outcome.reason}`);
        else if (outcome.kind === 'analysed') for (const failure of outcome.failures) note(`rule ${failure.rule} failed on ${file}: ${failure.message}`);
        progress.update(done);
      },
    });
  } finally {
    progress.stop();
    process.removeListener('SIGINT', onSigint);
    process.removeListener('SIGTERM', onSigterm);
  }

  const report: CheckReport = { analysed: [], results: [], skipped: [], ruleFailures: [], notes, notReached: [], interrupted, index: kernelIndex?.words };
  let hintsNotShown = 0;
  for (const file of files) {
    const outcome = outcomes.get(file);
    if (!outcome) {
      if (interrupted) report.notReached.push(file);
      else report.skipped.push({ file, reason: 'no result from the analysis worker' });
    } else if (outcome.kind === 'skipped') {
      report.skipped.push({ file, reason: outcome.reason });
    } else if (outcome.kind === 'analysed') {
      report.analysed.push(file);
      for (const failure of outcome.failures) report.ruleFailures.push({ file, ...failure });
      const shown = options.hints ? outcome.findings : outcome.findings.filter((finding) => finding.severity !== 'hint');
      hintsNotShown += outcome.findings.length - shown.length;
      if (shown.length > 0) report.results.push({ file, findings: shown });
    }
  }
  report.hintsNotShown = hintsNotShown;
  if (options.stats) {
    const censuses = report.analysed.flatMap((file) => {
      const outcome = outcomes.get(file);
      return outcome?.kind === 'analysed' && outcome.census ? [{ file, census: outcome.census }] : [];
    });
    report.stats = folderStats(censuses);
  }
  if (report.skipped.length > 0) process.stderr.write(`kalloc: ${report.skipped.length} file${report.skipped.length === 1 ? '' : 's'} skipped\n`);
  if (interrupted) process.stderr.write(`kalloc: interrupted by ${interrupted}; ${report.notReached.length} of ${files.length} files not reached, results so far written\n`);

  const exitCode = exitStatus(report, options.allowSkipped);
  const output =
    options.format === 'json'
      ? formatJson(report)
      : options.format === 'sarif'
        ? formatSarif(report, { toolVersion: VERSION, root: process.cwd(), sourceLine: sourceLines(), exitCode })
        : formatText(report);
  process.stdout.write(`${output}\n`);
  return exitCode;
}

/**
 * The index of the kernel tree the checked files build against (--kernel-dir, or the tree found
 * above the first PATH as the editor finds it), when `kalloc index` has built one. A tree without
 * an index, or with one that cannot be used, is checked without it, with a note saying so.
 */
function indexForCheck(options: CliOptions, firstPath: string): { facts: KernelFacts; words: string } | undefined {
  let treeDir = options.kernelDir;
  if (treeDir !== undefined) {
    let isFolder = false;
    try {
      isFolder = fs.statSync(treeDir).isDirectory();
    } catch {
      // Worded below.
    }
    if (!isFolder) throw new UsageError(`--kernel-dir ${treeDir} is not a folder`);
  } else {
    const start = path.resolve(firstPath);
    let probe = path.join(start, 'probe.c');
    try {
      if (!fs.statSync(start).isDirectory()) probe = start;
    } catch {
      // The walk has already said what is wrong with the path.
    }
    treeDir = new KernelConfigDetector(undefined).detectFor(probe).dir;
    if (treeDir === undefined) return undefined;
  }
  const explicit = options.kernelDir !== undefined;
  const tree = kernelTreeAt(treeDir);
  if ('problem' in tree) {
    if (explicit) process.stderr.write(`kalloc: ${tree.problem}; it has no index, checking without one\n`);
    return undefined;
  }
  const read = readKernelFacts(indexDirOf(tree), tree);
  if ('missing' in read) {
    if (explicit) process.stderr.write(`kalloc: no index of ${tree.root} yet (kalloc index ${treeDir} builds it); checking without one\n`);
    return undefined;
  }
  if ('problem' in read) {
    process.stderr.write(`kalloc: ${read.problem}; checking without the index (kalloc index ${treeDir} rebuilds it)\n`);
    return undefined;
  }
  return { facts: read.value.facts, words: describeIndex(tree, read.value.files) };
}

function describeIndex(tree: KernelTree, files: number): string {
  return `${tree.root} (kernel ${tree.version}, ${files} file${files === 1 ? '' : 's'})`;
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${bytes} B`;
}

/** `kalloc index [KDIR]`: builds or refreshes the tree's index; see kernelIndexBuild.ts. */
async function index(options: IndexOptions): Promise<number> {
  const { settings, problems } = readSettings(options.settings);
  if (problems.length > 0) throw new UsageError(problems.map(withoutFallback).join('; '));
  let treeDir = options.kernelDir;
  if (treeDir === undefined) {
    treeDir = new KernelConfigDetector(undefined).detectFor(path.join(process.cwd(), 'probe.c')).dir;
    if (treeDir === undefined) throw new UsageError(`no kernel tree given, and none found from ${process.cwd()} (in its folders up, or through KDIR in a module Makefile): kalloc index KDIR`);
  }
  const tree = kernelTreeAt(treeDir);
  if ('problem' in tree) throw new Error(tree.problem);

  const abort = new AbortController();
  let interrupted: 'SIGINT' | 'SIGTERM' | undefined;
  const onSigint = () => {
    interrupted ??= 'SIGINT';
    abort.abort();
  };
  const onSigterm = () => {
    interrupted ??= 'SIGTERM';
    abort.abort();
  };
  process.once('SIGINT', onSigint);
  process.once('SIGTERM', onSigterm);
  let progress: Progress | undefined;
  const note = (line: string) => {
    progress?.clear();
    process.stderr.write(`kalloc: ${line}\n`);
  };
  let result;
  try {
    result = await buildKernelIndex(tree, {
      jobs: options.jobs,
      fileTimeoutMs: options.fileTimeoutMs,
      maxFileSize: settings.maxFileSize,
      settings: options.settings,
      signal: abort.signal,
      onNote: note,
      onProgress(done, total) {
        progress ??= progressReporter(options, total, `indexing ${tree.root}:`);
        progress.update(done);
      },
    });
  } finally {
    progress?.stop();
    process.removeListener('SIGINT', onSigint);
    process.removeListener('SIGTERM', onSigterm);
  }
  const seconds = result.elapsedMs / 1000;
  const counts = `${result.files} .c file${result.files === 1 ? '' : 's'}, ${result.reused} reused, ${result.summarised} summarised, ${result.failed.length} failed`;
  if (interrupted) {
    process.stderr.write(`kalloc: interrupted by ${interrupted}; the ${result.reused + result.summarised} files indexed so far are kept for the next run\n`);
    process.stdout.write(`kalloc: index of ${tree.root} (kernel ${tree.version}) incomplete: ${counts}, in ${seconds.toFixed(1)}s; ${formatBytes(result.bytesOnDisk)} on disk in ${result.dir}\n`);
    return SIGNAL_EXIT[interrupted];
  }
  process.stdout.write(`kalloc: indexed ${tree.root} (kernel ${tree.version}): ${counts}, in ${seconds.toFixed(1)}s; ${formatBytes(result.bytesOnDisk)} on disk in ${result.dir}\n`);
  return 0;
}

function exitStatus(report: CheckReport, allowSkipped: boolean): number {
  if (report.interrupted) return SIGNAL_EXIT[report.interrupted];
  const serious = report.results.some(({ findings }) => findings.some((finding) => finding.severity === 'error' || finding.severity === 'warning'));
  if (serious) return 1;
  if (!allowSkipped && (report.skipped.length > 0 || report.ruleFailures.length > 0)) return 3;
  return 0;
}

/** Reads each file with findings once, for the SARIF fingerprints. */
function sourceLines(): (file: string, line: number) => string | undefined {
  const texts = new Map<string, string[] | undefined>();
  return (file, line) => {
    if (!texts.has(file)) {
      try {
        texts.set(file, fs.readFileSync(file, 'utf8').split(/\r?\n/));
      } catch {
        texts.set(file, undefined);
      }
    }
    return texts.get(file)?.[line - 1];
  };
}

async function main(argv: string[]): Promise<number> {
  try {
    const options = parseArgs(argv);
    if (options === 'help') {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    if (options === 'version') {
      process.stdout.write(`kalloc ${VERSION}\n`);
      return 0;
    }
    if ('index' in options) return await index(options.index);
    return await check(options);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`kalloc: ${message}${error instanceof UsageError ? " (see 'kalloc --help')" : ''}\n`);
    return 2;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
