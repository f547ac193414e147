// The CLI's three output formats. JSON is the documented schema (version 1): 1-based lines and
// columns, severity one of error, warning, information, hint. SARIF 2.1.0 is for code scanning.
import { RULES } from './rules/index';
import type { Finding, Severity } from './rules/rule';

export interface FileFindings {
  file: string;
  findings: Finding[];
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

export function formatJson(results: readonly FileFindings[], fileCount: number): string {
  return JSON.stringify({ version: 1, files: fileCount, diagnostics: toJsonDiagnostics(results) }, null, 2);
}

/** gcc-style lines, `file:line:col: severity: message [rule-id]`, with related notes indented below. */
export function formatText(results: readonly FileFindings[]): string {
  const lines: string[] = [];
  for (const diagnostic of toJsonDiagnostics(results)) {
    lines.push(`${diagnostic.file}:${diagnostic.line}:${diagnostic.column}: ${diagnostic.severity}: ${diagnostic.message} [${diagnostic.rule}]`);
    for (const related of diagnostic.related) lines.push(`${related.file}:${related.line}:${related.column}: note: ${related.message}`);
  }
  return lines.join('\n');
}

const SARIF_LEVEL: Record<Severity, string> = { error: 'error', warning: 'warning', information: 'note', hint: 'note' };

function sarifUri(file: string): string {
  return file.split('\\').join('/').split('/').map(encodeURIComponent).join('/');
}

export function formatSarif(results: readonly FileFindings[], toolVersion: string): string {
  const ruleIndex = new Map(RULES.map((rule, index) => [rule.id, index]));
  const region = (line: number, column: number, endLine?: number, endColumn?: number) => ({ startLine: line, startColumn: column, ...(endLine ? { endLine, endColumn } : {}) });
  const sarif = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'kernel-alloc-lens',
            version: toolVersion,
            rules: RULES.map((rule) => ({
              id: rule.id,
              shortDescription: { text: rule.docs.summary.split('. ')[0] },
              fullDescription: { text: rule.docs.summary },
              help: { text: `${rule.docs.summary}\n\nReported:\n${rule.docs.bad}\n\nInstead:\n${rule.docs.good}` },
              defaultConfiguration: { level: SARIF_LEVEL[rule.defaultSeverity] },
            })),
          },
        },
        results: toJsonDiagnostics(results).map((diagnostic) => ({
          ruleId: diagnostic.rule,
          ruleIndex: ruleIndex.get(diagnostic.rule),
          level: SARIF_LEVEL[diagnostic.severity],
          message: { text: diagnostic.message },
          locations: [{ physicalLocation: { artifactLocation: { uri: sarifUri(diagnostic.file) }, region: region(diagnostic.line, diagnostic.column, diagnostic.endLine, diagnostic.endColumn) } }],
          relatedLocations: diagnostic.related.map((related, id) => ({
            id,
            message: { text: related.message },
            physicalLocation: { artifactLocation: { uri: sarifUri(related.file) }, region: region(related.line, related.column) },
          })),
          fixes: diagnostic.fixes.map((fix) => ({
            description: { text: fix.title },
            artifactChanges: groupBy(fix.edits, (edit) => edit.file).map(([file, edits]) => ({
              artifactLocation: { uri: sarifUri(file) },
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
