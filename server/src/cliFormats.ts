// The CLI's three output formats. JSON is the documented schema (version 1): 1-based lines and
// columns, severity one of error, warning, information, hint. SARIF 2.1.0 is for code scanning.
// Every format carries the same account of the run: what was analysed, skipped, not reached.
import { createHash } from 'crypto';
import * as path from 'path';
import { pathToFileURL } from 'url';
import type { BodyCensus, SkipReason } from './parsing/bodyUnderstood';
import { RULES } from './rules/index';
import { SEVERITIES, type Finding, type Rule, type Severity } from './rules/rule';

/** Where each rule's documentation lives: its README section, `### \`rule-id\``. */
export const DOCS_URL = 'https://github.com/kernel-alloc-lens/kernel-alloc-lens';

export interface FileFindings {
  file: string;
  findings: Finding[];
}

/** Everything a `kalloc check` run has to say, in whatever format. */
export interface CheckReport {
  /** Files analysed (with or without findings), in the run's order. */
  analysed: string[];
  /** The analysed files that have findings. */
  results: FileFindings[];
  skipped: { file: string; reason: string }[];
  /** A rule that threw on a file: that file's findings of that rule are missing. */
  ruleFailures: { file: string; rule: string; message: string }[];
  /** One-line notes that belong to no file of the run (e.g. a sibling left out of cross-file facts). */
  notes: string[];
  /** Files of the run never reached because it was interrupted. */
  notReached: string[];
  /** The signal that interrupted the run. */
  interrupted?: 'SIGINT' | 'SIGTERM';
  /** `--stats`: function bodies the analyses understood, per folder of the analysed files. */
  stats?: FolderStats[];
  /** Hint-level findings left out of the listing (no `--hints`). */
  hintsNotShown?: number;
  /** The kernel-tree index the run used (`kalloc index`), in words: `6.1.0 at /src/linux, 812 files`. */
  index?: string;
}

/** The body census of the analysed files of one folder (parsing/bodyUnderstood.ts). */
export interface FolderStats {
  folder: string;
  functions: number;
  understood: number;
  skipped: Partial<Record<SkipReason, number>>;
}

function addCensus(into: BodyCensus, census: BodyCensus): void {
  into.functions += census.functions;
  into.understood += census.understood;
  for (const [reason, count] of Object.entries(census.skipped) as [SkipReason, number][]) into.skipped[reason] = (into.skipped[reason] ?? 0) + count;
}

/** Per-folder sums of the files' censuses, folders sorted by name. */
export function folderStats(censuses: readonly { file: string; census: BodyCensus }[]): FolderStats[] {
  const byFolder = new Map<string, FolderStats>();
  for (const { file, census } of censuses) {
    const folder = path.dirname(file);
    let stats = byFolder.get(folder);
    if (!stats) byFolder.set(folder, (stats = { folder, functions: 0, understood: 0, skipped: {} }));
    addCensus(stats, census);
  }
  const folders = [...byFolder.values()].sort((a, b) => (a.folder < b.folder ? -1 : a.folder > b.folder ? 1 : 0));
  for (const stats of folders) stats.skipped = sortedReasons(stats.skipped);
  return folders;
}

/** Reasons by count, most first, then by name: the order a reader wants them in. */
function sortedReasons(skipped: FolderStats['skipped']): FolderStats['skipped'] {
  const entries = Object.entries(skipped) as [SkipReason, number][];
  entries.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
  return Object.fromEntries(entries);
}

/** The sum over folders. */
export function totalStats(folders: readonly FolderStats[]): Omit<FolderStats, 'folder'> {
  const total: Omit<FolderStats, 'folder'> = { functions: 0, understood: 0, skipped: {} };
  for (const stats of folders) addCensus(total, stats);
  total.skipped = sortedReasons(total.skipped);
  return total;
}

function statsLine(label: string, stats: Omit<FolderStats, 'folder'>): string {
  const share = stats.functions === 0 ? '' : ` (${((100 * stats.understood) / stats.functions).toFixed(1)}%)`;
  const reasons = Object.entries(stats.skipped).map(([reason, count]) => `${reason} ${count}`);
  return `kalloc: stats ${label}: ${plural(stats.functions, 'function')}, ${stats.understood} bodies understood${share}${reasons.length > 0 ? `; skipped: ${reasons.join(', ')}` : ''}`;
}

export interface JsonDiagnostic {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  rule: string;
  severity: Severity;
  message: string;
  related: { file: string; line: number; column: number; message: string }[];
  fixes: { title: string; edits: { file: string; line: number; column: number; endLine: number; endColumn: number; newText: string }[] }[];
}

export interface RunSummary {
  analysed: number;
  skipped: number;
  ruleFailures: number;
  notReached: number;
  findings: Record<Severity, number>;
  /** Hints found but not listed (present only when some were left out). */
  hintsNotShown?: number;
}

export function summarize(report: CheckReport): RunSummary {
  const findings = Object.fromEntries(SEVERITIES.map((severity) => [severity, 0])) as Record<Severity, number>;
  for (const { findings: list } of report.results) for (const finding of list) findings[finding.severity]++;
  return {
    analysed: report.analysed.length,
    skipped: report.skipped.length,
    ruleFailures: report.ruleFailures.length,
    notReached: report.notReached.length,
    findings,
    ...(report.hintsNotShown ? { hintsNotShown: report.hintsNotShown } : {}),
  };
}

export function toJsonDiagnostics(results: readonly FileFindings[]): JsonDiagnostic[] {
  return results.flatMap(({ file, findings }) =>
    findings.map((finding) => ({
      file,
      line: finding.span.startLine + 1,
      column: finding.span.startColumn + 1,
      endLine: finding.span.endLine + 1,
      endColumn: finding.span.endColumn + 1,
      rule: finding.rule,
      severity: finding.severity,
      message: finding.message,
      related: finding.related.map((related) => ({
        file: related.file ?? file,
        line: related.span.startLine + 1,
        column: related.span.startColumn + 1,
        message: related.message,
      })),
      fixes: finding.fixes.map((fix) => ({
        title: fix.title,
        edits: fix.edits.map((edit) => ({
          file: edit.file ?? file,
          line: edit.span.startLine + 1,
          column: edit.span.startColumn + 1,
          endLine: edit.span.endLine + 1,
          endColumn: edit.span.endColumn + 1,
          newText: edit.newText,
        })),
      })),
    })),
  );
}

export function formatJson(report: CheckReport): string {
  return JSON.stringify(
    {
      version: 1,
      complete: report.interrupted === undefined,
      interrupted: report.interrupted ?? null,
      files: report.analysed.length,
      summary: summarize(report),
      skipped: report.skipped,
      ruleFailures: report.ruleFailures,
      diagnostics: toJsonDiagnostics(report.results),
      // Only with --stats, so the default JSON stays what it was.
      ...(report.stats ? { stats: { total: totalStats(report.stats), folders: report.stats } } : {}),
    },
    null,
    2,
  );
}

function plural(count: number, word: string, many = `${word}s`): string {
  return `${count} ${count === 1 ? word : many}`;
}

/** The text format's last line: what was checked and what was found, so a clean log still says so. */
export function summaryLine(report: CheckReport): string {
  const summary = summarize(report);
  const run = [`${plural(summary.analysed, 'file')} analysed`, `${summary.skipped} skipped`];
  if (summary.ruleFailures > 0) run.push(`${plural(summary.ruleFailures, 'rule failure')}`);
  if (report.interrupted) run.push(`${summary.notReached} not reached (interrupted by ${report.interrupted})`);
  const { error, warning, information, hint } = summary.findings;
  const hidden = summary.hintsNotShown ? ` (and ${summary.hintsNotShown} not listed: --hints lists them)` : '';
  const index = report.index ? `; kernel index: ${report.index}` : '';
  return `kalloc: ${run.join(', ')}; findings: ${plural(error, 'error')}, ${plural(warning, 'warning')}, ${information} information, ${plural(hint, 'hint')}${hidden}${index}`;
}

/** gcc-style lines, `file:line:col: severity: message [rule-id]`, with related notes below, then the summary line. */
export function formatText(report: CheckReport): string {
  const lines: string[] = [];
  for (const diagnostic of toJsonDiagnostics(report.results)) {
    lines.push(`${diagnostic.file}:${diagnostic.line}:${diagnostic.column}: ${diagnostic.severity}: ${diagnostic.message} [${diagnostic.rule}]`);
    for (const related of diagnostic.related) lines.push(`${related.file}:${related.line}:${related.column}: note: ${related.message}`);
  }
  if (report.stats) {
    for (const stats of report.stats) lines.push(statsLine(stats.folder, stats));
    lines.push(statsLine('total', totalStats(report.stats)));
  }
  lines.push(summaryLine(report));
  return lines.join('\n');
}

const SARIF_LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', information: 'note', hint: 'note' };

/** GitHub's heading anchor: lower case, punctuation other than `-` and `_` dropped, spaces to `-`. */
export function headingAnchor(heading: string): string {
  return heading
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

export function ruleHelpUri(rule: Rule): string {
  return `${DOCS_URL}#${headingAnchor(`\`${rule.id}\``)}`;
}

function ruleHelp(rule: Rule): { text: string; markdown: string } {
  const uri = ruleHelpUri(rule);
  return {
    text: `${rule.docs.summary}\n\nReported:\n${rule.docs.bad}\n\nInstead:\n${rule.docs.good}\n\n${uri}`,
    markdown: [
      `**${rule.id}** (${rule.defaultSeverity} by default)`,
      rule.docs.summary,
      'Reported:',
      '```c\n' + rule.docs.bad + '\n```',
      'Instead:',
      '```c\n' + rule.docs.good + '\n```',
      `[Documentation](${uri})`,
    ].join('\n\n'),
  };
}

/** The notification kinds a run can report (SARIF `toolExecutionNotifications`). */
const NOTIFICATIONS = [
  { id: 'file-skipped', text: 'A .c or .h file of the run was not analysed (too large, too slow, unreadable, binary, not UTF-8, nested too deeply).' },
  { id: 'rule-failed', text: 'A rule failed on a file: its findings there are missing.' },
  { id: 'run-interrupted', text: 'The run was interrupted; the files not reached were not analysed.' },
  { id: 'note', text: 'A note about the run that belongs to no file of it.' },
] as const;
type NotificationId = (typeof NOTIFICATIONS)[number]['id'];

export interface SarifOptions {
  toolVersion: string;
  /** Absolute directory the relative URIs are resolved against (`SRCROOT`); the CLI's working directory. */
  root: string;
  /** The text of a 1-based line of a file, for the fingerprint; undefined when unreadable. */
  sourceLine?(file: string, line: number): string | undefined;
  exitCode: number;
}

export function formatSarif(report: CheckReport, options: SarifOptions): string {
  const ruleIndex = new Map(RULES.map((rule, index) => [rule.id, index]));
  const rootUri = pathToFileURL(options.root).href.replace(/\/?$/, '/');
  // A file inside the root is a relative URI against SRCROOT (what code scanning maps onto the
  // repository); one outside it, an absolute file:// URI.
  const location = (file: string) => {
    const relative = path.relative(options.root, path.resolve(options.root, file));
    if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return { uri: pathToFileURL(path.resolve(options.root, file)).href };
    return { uri: relative.split(path.sep).map(encodeURIComponent).join('/'), uriBaseId: 'SRCROOT' };
  };
  const runFiles = [...report.analysed, ...report.skipped.map(({ file }) => file), ...report.notReached];
  const artifactIndex = new Map(runFiles.map((file, index) => [file, index]));
  const artifactLocation = (file: string) => {
    const index = artifactIndex.get(file);
    return { ...location(file), ...(index === undefined ? {} : { index }) };
  };
  const region = (line: number, column: number, endLine?: number, endColumn?: number) => ({ startLine: line, startColumn: column, ...(endLine ? { endLine, endColumn } : {}) });

  // rule + file + the finding line's text with its white space collapsed, plus which occurrence of
  // that triple it is: the alert follows the line when lines are added above it.
  const seen = new Map<string, number>();
  const fingerprint = (diagnostic: JsonDiagnostic) => {
    const text = options.sourceLine?.(diagnostic.file, diagnostic.line)?.trim().replace(/\s+/g, ' ') ?? `line ${diagnostic.line}`;
    const hash = createHash('sha256')
      .update(`${diagnostic.rule}\0${location(diagnostic.file).uri}\0${text}`)
      .digest('hex')
      .slice(0, 32);
    const occurrence = (seen.get(hash) ?? 0) + 1;
    seen.set(hash, occurrence);
    return `${hash}:${occurrence}`;
  };

  const notificationIndex = new Map(NOTIFICATIONS.map((notification, index) => [notification.id, index]));
  const notification = (id: NotificationId, level: 'error' | 'warning' | 'note', text: string, file?: string, rule?: string) => ({
    descriptor: { id, index: notificationIndex.get(id) },
    level,
    message: { text },
    ...(file ? { locations: [{ physicalLocation: { artifactLocation: artifactLocation(file) } }] } : {}),
    ...(rule && ruleIndex.has(rule) ? { associatedRule: { id: rule, index: ruleIndex.get(rule) } } : {}),
  });
  const notifications = [
    ...(report.interrupted
      ? [notification('run-interrupted', 'error', `interrupted by ${report.interrupted}: ${report.analysed.length} files analysed, ${report.notReached.length} not reached`)]
      : []),
    ...report.skipped.map(({ file, reason }) => notification('file-skipped', 'warning', `skipped ${file}: ${reason}`, file)),
    ...report.ruleFailures.map(({ file, rule, message }) => notification('rule-failed', 'error', `rule ${rule} failed on ${file}: ${message}`, file, rule)),
    ...report.notes.map((text) => notification('note', 'note', text)),
  ];

  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'kernel-alloc-lens',
            version: options.toolVersion,
            informationUri: DOCS_URL,
            rules: RULES.map((rule) => ({
              id: rule.id,
              shortDescription: { text: rule.docs.summary.split('. ')[0] },
              fullDescription: { text: rule.docs.summary },
              helpUri: ruleHelpUri(rule),
              help: ruleHelp(rule),
              defaultConfiguration: { level: SARIF_LEVEL[rule.defaultSeverity] },
            })),
            notifications: NOTIFICATIONS.map(({ id, text }) => ({ id, shortDescription: { text } })),
          },
        },
        invocations: [
          {
            executionSuccessful: report.interrupted === undefined,
            exitCode: options.exitCode,
            ...(report.interrupted ? { exitSignalName: report.interrupted } : {}),
            toolExecutionNotifications: notifications,
          },
        ],
        originalUriBaseIds: { SRCROOT: { uri: rootUri } },
        artifacts: runFiles.map((file) => ({ location: location(file) })),
        columnKind: 'utf16CodeUnits',
        results: toJsonDiagnostics(report.results).map((diagnostic) => ({
          ruleId: diagnostic.rule,
          ruleIndex: ruleIndex.get(diagnostic.rule),
          level: SARIF_LEVEL[diagnostic.severity],
          message: { text: diagnostic.message },
          locations: [{ physicalLocation: { artifactLocation: artifactLocation(diagnostic.file), region: region(diagnostic.line, diagnostic.column, diagnostic.endLine, diagnostic.endColumn) } }],
          partialFingerprints: { 'kallocLineHash/v1': fingerprint(diagnostic) },
          relatedLocations: diagnostic.related.map((related, id) => ({
            id,
            message: { text: related.message },
            physicalLocation: { artifactLocation: artifactLocation(related.file), region: region(related.line, related.column) },
          })),
          fixes: diagnostic.fixes.map((fix) => ({
            description: { text: fix.title },
            artifactChanges: groupBy(fix.edits, (edit) => edit.file).map(([file, edits]) => ({
              artifactLocation: artifactLocation(file),
              replacements: edits.map((edit) => ({ deletedRegion: region(edit.line, edit.column, edit.endLine, edit.endColumn), insertedContent: { text: edit.newText } })),
            })),
          })),
        })),
      },
    ],
  };
  return JSON.stringify(sarif, null, 2);
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): [string, T[]][] {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return [...groups];
}
