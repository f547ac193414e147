// Findings → LSP diagnostics: rule id as `code` linking to the rule's documentation, evidence as
// relatedInformation. Diagnostic messages are plain text (editors show them verbatim in lists
// such as VS Code's Problems panel), so the Markdown code spans rules write are turned into quotes.
import { Diagnostic, DiagnosticRelatedInformation, DiagnosticSeverity, Range } from 'vscode-languageserver';
import { ruleDocumentationUrl } from './ruleLinks';
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

/** A message with Markdown code spans (`x`) as plain text: 'x'; a stray backtick is dropped. */
export function plainText(message: string): string {
  return message.replace(/`([^`\n]+)`/g, "'$1'").replace(/`/g, '');
}

export function toDiagnostic(finding: Finding, uriOf: UriOf): Diagnostic {
  const diagnostic = Diagnostic.create(toRange(finding.span), plainText(finding.message), LSP_SEVERITY[finding.severity], finding.rule, SOURCE);
  diagnostic.codeDescription = { href: ruleDocumentationUrl(finding.rule) };
  if (finding.related.length > 0) {
    diagnostic.relatedInformation = finding.related.map((related) => DiagnosticRelatedInformation.create({ uri: uriOf(related.file), range: toRange(related.span) }, plainText(related.message)));
  }
  return diagnostic;
}
