// Findings → LSP diagnostics: rule id as `code`, evidence as relatedInformation.
import { Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Range } from 'vscode-languageserver';
import type { Span } from '../parsing/syntax';
import type { Finding, Severity } from '../rules/rule';

export const SOURCE = 'kernel-alloc-lens';

const LSP_SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

export function toRange(span: Span): Range {
  return Range.create(span.startLine, span.startColumn, span.endLine, span.endColumn);
}

/** Resolves a finding's optional file to a URI: absent means the analysed document. */
export type UriOf = (file: string | undefined) => string;

export function toDiagnostic(finding: Finding, uriOf: UriOf): Diagnostic {
  const diagnostic = Diagnostic.create(toRange(finding.span), finding.message, LSP_SEVERITY[finding.severity], finding.rule, SOURCE);
  if (finding.related.length > 0) {
    diagnostic.relatedInformation = finding.related.map((related) =>
      DiagnosticRelatedInformation.create({ uri: uriOf(related.file), range: toRange(related.span) }, related.message),
    );
  }
  return diagnostic;
}
