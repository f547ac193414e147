// The one entry point the CLI and the language server share: facts about a file (and its driver
// folder) in, findings out, with the configured severities and suppressions applied.
import { AnalysisDatabase } from './analysis/database';
import type { FileFacts } from './analysis/fileFacts';
import { collectSuppressions, isSuppressed } from './analysis/suppressions';
import { syntaxDepthReason } from './parsing/syntax';
import { RULES } from './rules/index';
import { Finding, Severity, lowerSeverity } from './rules/rule';

export type RuleSeverities = Readonly<Record<string, Severity | 'off'>>;

export interface AnalysisReport {
  findings: Finding[];
  /** Rules that threw, with the message; the other rules' findings are still reported. */
  failures: { rule: string; message: string }[];
  /** Why the file was not analysed at all (syntax too deep for the analyses), if it was not. */
  skipped?: string;
}

/**
 * `db` owns every cached result; the server and each CLI worker pass theirs, so a file's function
 * summaries are reused across its versions and by its folder's other files. A fresh database
 * (the default) computes everything once.
 */
export function analyzeFile(facts: FileFacts, folder: readonly FileFacts[], severities: RuleSeverities = {}, db: AnalysisDatabase = new AnalysisDatabase()): AnalysisReport {
  const skipped = syntaxDepthReason(facts.tree);
  if (skipped) return { findings: [], failures: [], skipped };
  const suppressions = collectSuppressions(facts.tree, facts.text);
  const findings: Finding[] = [];
  const failures: AnalysisReport['failures'] = [];
  let bound = facts;
  try {
    bound = db.boundFacts(facts, folder);
  } catch (error) {
    // The file's own constants still evaluate; only folder types and sizeof stay unknown.
    failures.push({ rule: 'size-scope', message: error instanceof Error ? error.message : String(error) });
  }
  for (const rule of RULES) {
    const severity = severities[rule.id] ?? rule.defaultSeverity;
    if (severity === 'off') continue;
    try {
      for (const finding of rule.check({ facts: bound, folder, db })) {
        if (isSuppressed(suppressions, rule.id, finding.span.startLine)) continue;
        findings.push({ ...finding, rule: rule.id, severity: lowerSeverity(severity, finding.severity) });
      }
    } catch (error) {
      failures.push({ rule: rule.id, message: error instanceof Error ? error.message : String(error) });
    }
  }
  findings.sort((a, b) => a.span.startLine - b.span.startLine || a.span.startColumn - b.span.startColumn || a.rule.localeCompare(b.rule));
  return { findings, failures };
}
