// Quick fixes: every fix a finding carries becomes a code action; every finding also gets a
// "suppress" action inserting `/* kalloc-ignore: rule-id */` on the line above.
import { CodeAction, CodeActionKind, TextEdit as LspTextEdit, WorkspaceEdit } from 'vscode-languageserver';
import type { Finding, Fix } from '../rules/rule';
import { UriOf, toDiagnostic, toRange } from './diagnostics';

function workspaceEdit(fix: Fix, uriOf: UriOf): WorkspaceEdit {
  const changes: Record<string, LspTextEdit[]> = {};
  for (const edit of fix.edits) {
    const uri = uriOf(edit.file);
    (changes[uri] ??= []).push(LspTextEdit.replace(toRange(edit.span), edit.newText));
  }
  return { changes };
}

function suppression(finding: Finding, text: string, uriOf: UriOf): CodeAction {
  const lineText = text.split('\n')[finding.span.startLine] ?? '';
  const indent = /^\s*/.exec(lineText)?.[0] ?? '';
  const edit: Fix = {
    title: `Suppress ${finding.rule} on this line`,
    edits: [{ span: { startLine: finding.span.startLine, startColumn: 0, endLine: finding.span.startLine, endColumn: 0 }, newText: `${indent}/* kalloc-ignore: ${finding.rule} */\n` }],
  };
  return { title: edit.title, kind: CodeActionKind.QuickFix, diagnostics: [toDiagnostic(finding, uriOf)], edit: workspaceEdit(edit, uriOf) };
}

/** Code actions for the findings whose span touches the requested line range. */
export function codeActionsFor(findings: readonly Finding[], text: string, startLine: number, endLine: number, uriOf: UriOf): CodeAction[] {
  const actions: CodeAction[] = [];
  for (const finding of findings) {
    if (finding.span.endLine < startLine || finding.span.startLine > endLine) continue;
    const diagnostic = toDiagnostic(finding, uriOf);
    for (const fix of finding.fixes) {
      actions.push({ title: fix.title, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], isPreferred: fix.preferred, edit: workspaceEdit(fix, uriOf) });
    }
    actions.push(suppression(finding, text, uriOf));
  }
  return actions;
}
