// When a finding counts as the tool seeing a reverted fix.
import * as path from 'path';
import type { JsonDiagnostic } from '../../server/src/cliFormats';

/**
 * A finding of `rule` at the expected place: it starts within `slack` lines of `line` in the case's
 * file, or one of its related locations (the chain of callers that makes a callee's sleep atomic, the
 * caller that hands a stack buffer to a helper's sink) does. Only the folder's own files are copied,
 * so a file is known by its name.
 */
export function hits(findings: JsonDiagnostic[], rule: string, file: string, line: number, slack: number): JsonDiagnostic[] {
  const name = path.basename(file);
  const inCaseFile = (at: string | undefined, own: string): boolean => path.basename(at ?? own) === name;
  return findings.filter(
    (finding) =>
      finding.rule === rule &&
      ((inCaseFile(finding.file, finding.file) && Math.abs(finding.line - line) <= slack) ||
        finding.related.some((where) => inCaseFile(where.file, finding.file) && Math.abs(where.line - line) <= slack)),
  );
}
