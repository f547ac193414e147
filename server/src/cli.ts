// The CLI: `kalloc check [options] PATH…`. Arguments, file walking and output only; the analysis
// is the same analyzeFile() the language server runs, on worker threads (workspace/analysisPool.ts).
import * as os from 'os';
import { FileFindings, formatJson, formatSarif, formatText } from './cliFormats';
import { RULES } from './rules/index';
import { SEVERITIES, Severity } from './rules/rule';
import { RawSettings, readSettings } from './settings';
import { analyseFiles } from './workspace/analysisPool';
import { Shard, parseShard, walkFiles } from './workspace/fileWalk';

const VERSION = '0.1.0';

const USAGE = `usage: kalloc check [options] PATH...

Checks Linux kernel C files for allocation misuse. Directories are walked for .c and .h files.

options:
  --format text|json|sarif   output format (default: text)
  --kernel-version V         kernel release the figures hold for, e.g. 6.1 (default: 6.1)
  --arch A                   x86_64, arm64 or arm (default: x86_64)
  --page-size N              4096, 16384 or 65536 (default: 4096)
  --rule ID=SEVERITY         error, warning, information, hint or off; repeatable
  --exclude GLOB             skip paths matching GLOB, relative to the given PATH (a glob
                             without "/" matches any file or folder name); repeatable
  --jobs N                   worker threads (default: the number of cores)
  --shard K/N                analyse only the K-th of N stable slices of the files (whole
                             driver folders per slice), for a CI matrix
  --file-timeout SECONDS     skip a file whose analysis takes longer (default: 10)
  --max-file-size BYTES      skip larger files; K and M suffixes allowed (default: 4M)
  -h, --help                 show this help
  --version                  print the version

Skipped files (too large, too slow, binary, not UTF-8) get a one-line note on stderr.
Progress is shown on stderr when it is a terminal.

exit status: 0 nothing at warning or above, 1 findings, 2 usage or I/O error`;

class UsageError extends Error {}

interface CliOptions {
  format: 'text' | 'json' | 'sarif';
  settings: RawSettings;
  paths: string[];
  excludes: string[];
  jobs: number;
  shard?: Shard;
  fileTimeoutMs: number;
  maxFileSize?: number;
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

function parseSeconds(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(text);
  const ms = match ? Number(match[1]) * (match[2] === 'ms' ? 1 : 1000) : NaN;
  if (!(ms > 0)) throw new UsageError(`--file-timeout must be a number of seconds like 10, not "${text}"`);
  return ms;
}

function parseArgs(argv: string[]): CliOptions | 'help' | 'version' {
  const [command, ...rest] = argv;
  if (command === '-h' || command === '--help' || command === 'help') return 'help';
  if (command === '--version') return 'version';
  if (command !== 'check') throw new UsageError(command ? `unknown command "${command}"` : 'missing command: kalloc check PATH...');
  const options: CliOptions = { format: 'text', settings: {}, paths: [], excludes: [], jobs: os.availableParallelism(), fileTimeoutMs: 10_000 };
  const rules: Record<string, string> = {};
  for (let index = 0; index < rest.length; index++) {
    const arg = rest[index];
    const [flag, inlineValue] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const next = inlineValue ?? rest[++index];
      if (next === undefined) throw new UsageError(`${flag} needs a value`);
      return next;
    };
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
      case '--kernel-version':
        options.settings.kernelVersion = value();
        break;
      case '--arch':
        options.settings.arch = value();
        break;
      case '--page-size':
        options.settings.pageSize = value();
        break;
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
      case '--jobs':
      case '-j':
        options.jobs = parsePositiveInteger('--jobs', value());
        break;
      case '--shard': {
        const text = value();
        const shard = parseShard(text);
        if (!shard) throw new UsageError(`--shard must be K/N with 1 <= K <= N, e.g. 1/4, not "${text}"`);
        options.shard = shard;
        break;
      }
      case '--file-timeout':
        options.fileTimeoutMs = parseSeconds(value());
        break;
      case '--max-file-size':
        options.maxFileSize = parseSize(value());
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

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const whole = Math.round(seconds);
  return whole >= 60 ? `${Math.floor(whole / 60)}m${String(whole % 60).padStart(2, '0')}s` : `${whole}s`;
}

/** One self-overwriting line on a terminal's stderr; nothing at all when stderr is a pipe or file. */
function progressReporter(total: number): { update(done: number): void; end(): void } {
  if (!process.stderr.isTTY || total === 0) return { update: () => undefined, end: () => undefined };
  const started = Date.now();
  let last = 0;
  let shown = false;
  return {
    update(done) {
      const now = Date.now();
      if (now - last < 200 && done < total) return;
      last = now;
      const rate = done / Math.max((now - started) / 1000, 0.001);
      process.stderr.write(`\r\x1b[Kkalloc: ${done}/${total} files, ${rate.toFixed(1)} files/s, ETA ${formatDuration((total - done) / rate)}`);
      shown = true;
    },
    end() {
      if (shown) process.stderr.write('\r\x1b[K');
    },
  };
}

async function check(options: CliOptions): Promise<number> {
  const { settings, problems } = readSettings(options.settings);
  if (problems.length > 0) throw new UsageError(problems.join('; '));
  const files = walkFiles(options.paths, options.excludes, options.shard).map(({ file }) => file);
  const progress = progressReporter(files.length);
  // A note printed while the progress line is up would be overwritten: clear the line first.
  const note = (line: string) => {
    progress.end();
    process.stderr.write(`kalloc: ${line}\n`);
  };
  const outcomes = await analyseFiles(files, {
    jobs: options.jobs,
    fileTimeoutMs: options.fileTimeoutMs,
    maxFileSize: settings.maxFileSize,
    settings: options.settings,
    onNote: note,
    onOutcome(file, outcome, done) {
      if (outcome.kind === 'skipped') note(`skipped ${file}: ${outcome.reason}`);
      else for (const failure of outcome.failures) note(`rule ${failure.rule} failed on ${file}: ${failure.message}`);
      progress.update(done);
    },
  });
  progress.end();
  const results: FileFindings[] = [];
  let skipped = 0;
  let ioError = false;
  for (const file of files) {
    const outcome = outcomes.get(file);
    if (!outcome || outcome.kind === 'skipped') {
      skipped++;
      ioError ||= !outcome || !!outcome.io;
      continue;
    }
    if (outcome.findings.length > 0) results.push({ file, findings: outcome.findings });
  }
  if (skipped > 0) process.stderr.write(`kalloc: ${skipped} file${skipped === 1 ? '' : 's'} skipped\n`);
  const output =
    options.format === 'json' ? formatJson(results, files.length - skipped) : options.format === 'sarif' ? formatSarif(results, VERSION) : formatText(results);
  if (output) process.stdout.write(`${output}\n`);
  if (ioError) return 2;
  const serious = results.some(({ findings }) => findings.some((finding) => finding.severity === 'error' || finding.severity === 'warning'));
  return serious ? 1 : 0;
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
