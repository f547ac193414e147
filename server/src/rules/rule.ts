// What a rule is and what it reports. Rules are pure: facts about a file (and its driver folder)
// in, findings with their evidence and fixes out. No LSP types here.
import type { AnalysisDatabase } from '../analysis/database';
import type { FileFacts } from '../analysis/fileFacts';
import type { Span } from '../parsing/syntax';

export type Severity = 'error' | 'warning' | 'information' | 'hint';
export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'information', 'hint'];

export interface RelatedLocation {
  /** Absent = the analysed file. */
  file?: string;
  span: Span;
  message: string;
}

export interface TextEdit {
  file?: string;
  span: Span;
  newText: string;
}

export interface Fix {
  title: string;
  edits: TextEdit[];
  /** The fix an editor may apply with "auto fix". */
  preferred?: boolean;
}

export interface Finding {
  rule: string;
  severity: Severity;
  span: Span;
  message: string;
  related: RelatedLocation[];
  fixes: Fix[];
}

/**
 * A finding before the runner applies the configured severity. `severity`, when set, can only
 * lower it: a finding whose path depends on state the analysis cannot see (`lowerSeverity`).
 */
export type RuleFinding = Omit<Finding, 'rule' | 'severity'> & { severity?: Severity };

/** The less severe of the configured severity and the one a finding asks for. */
export function lowerSeverity(configured: Severity, asked: Severity | undefined): Severity {
  return asked && SEVERITIES.indexOf(asked) > SEVERITIES.indexOf(configured) ? asked : configured;
}

export interface RuleContext {
  facts: FileFacts;
  /** Facts of the other files of the driver folder, when the caller has them. */
  folder: readonly FileFacts[];
  /** The owner of cached analysis state (function summaries, compositions). */
  db: AnalysisDatabase;
}

export interface RuleDocs {
  summary: string;
  /** A short example the rule reports. */
  bad: string;
  /** The same code written correctly. */
  good: string;
}

export interface Rule {
  id: string;
  defaultSeverity: Severity;
  docs: RuleDocs;
  check(context: RuleContext): RuleFinding[];
}
