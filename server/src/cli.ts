// The CLI: `kalloc check [options] PATH…`. Arguments, file walking and output only; the analysis
// is the same analyzeFile() the language server runs.
import * as fs from 'fs';
import * as path from 'path';
import { collectFileFacts } from './analysis/fileFacts';
import { analyzeFile } from './analyzeFile';
import { FileFindings, formatJson, formatSarif, formatText } from './cliFormats';
import { createParser } from './parsing/parser';
import { RULES } from './rules/index';
import { SEVERITIES, Severity } from './rules/rule';
import { RawSettings, readSettings, unanalysableReason } from './settings';
import { FolderFactsCache } from './workspace/folderFacts';

const VERSION = '0.1.0';

const USAGE = `usage: kalloc check [options] PATH...

Checks Linux kernel C files for allocation misuse. Directories are walked for .c and .h files.

options:
  --format text|json|sarif   output format (default: text)
  --kernel-version V         kernel release the figures hold for, e.g. 6.1 (default: 6.1)
  --arch A                   x86_64, arm64 or arm (default: x86_64)
  --page-size N              4096, 16384 or 65536 (default: 4096)
  --rule ID=SEVERITY         error, warning, information, hint or off; repeatable
  -h, --help                 show this help
  --version                  print the version

exit status: 0 nothing at warning or above, 1 findings, 2 usage or I/O error`;

class UsageError extends Error {}

interface CliOptions {
  format: 'text' | 'json' | 'sarif';
  settings: RawSettings;
  paths: string[];
}

function parseArgs(argv: string[]): CliOptions | 'help' | 'version' {
  const [command, ...rest] = argv;
  if (command === '-h' || command === '--help' || command === 'help') return 'help';
  if (command === '--version') return 'version';
  if (command !== 'check') throw new UsageError(command ? `unknown command "${command}"` : 'missing command: kalloc check PATH...');
  const options: CliOptions = { format: 'text', settings: {}, paths: [] };
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
      default:
        if (flag.startsWith('-') && flag !== '-') throw new UsageError(`unknown option ${flag}`);
        options.paths.push(arg);
    }
  }
  options.settings.rules = rules;
  if (options.paths.length === 0) throw new UsageError('no PATH given');
  return options;
}

/** .c and .h files below each path, sorted, so output order never depends on the file system. */
function collectFiles(paths: string[]): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    const entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!entry.name.startsWith('.') && entry.name !== 'node_modules') walk(full);
      } else if (entry.isFile() && /\.[ch]$/.test(entry.name)) {
        files.push(full);
      }
    }
  };
  for (const given of paths) {
    let stat: fs.Stats;
    try {
      stat = fs.statSync(given);
    } catch {
      throw new Error(`cannot read ${given}: no such file or directory`);
    }
    if (stat.isDirectory()) walk(given);
    else files.push(given);
  }
  return [...new Set(files)];
}

async function check(options: CliOptions): Promise<number> {
  const { settings, problems } = readSettings(options.settings);
  if (problems.length > 0) throw new UsageError(problems.join('; '));
  const files = collectFiles(options.paths);
  const parser = await createParser();
  const results: FileFindings[] = [];
  let skipped = 0;
  // One cache per directory keeps cross-file facts while bounding memory on whole trees.
  let cache: FolderFactsCache | undefined;
  let cacheDir = '';
  for (const file of files) {
    if (path.dirname(file) !== cacheDir) {
      cacheDir = path.dirname(file);
      cache = new FolderFactsCache(parser, settings.maxFileSize);
    }
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (error) {
      throw new Error(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    const reason = unanalysableReason(text, settings.maxFileSize);
    if (reason) {
      process.stderr.write(`kalloc: skipped ${file}: ${reason}\n`);
      skipped++;
      continue;
    }
    const tree = parser.parse(text);
    if (!tree) {
      process.stderr.write(`kalloc: skipped ${file}: the parser gave up\n`);
      skipped++;
      continue;
    }
    const facts = collectFileFacts(file, text, tree, settings.config);
    const report = analyzeFile(facts, cache!.siblingsOf(file, settings.config), settings.severities);
    for (const failure of report.failures) process.stderr.write(`kalloc: rule ${failure.rule} failed on ${file}: ${failure.message}\n`);
    if (report.findings.length > 0) results.push({ file, findings: report.findings });
    tree.delete();
  }
  if (skipped > 0) process.stderr.write(`kalloc: ${skipped} file${skipped === 1 ? '' : 's'} skipped\n`);
  const output =
    options.format === 'json' ? formatJson(results, files.length - skipped) : options.format === 'sarif' ? formatSarif(results, VERSION) : formatText(results);
  if (output) process.stdout.write(`${output}\n`);
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
