// Code actions. Quick fixes: every fix a finding carries becomes one, and every finding also gets a
// "suppress" action inserting `/* kalloc-ignore: rule-id */` on the line above. Fix all: one source
// action (kind source.fixAll.kernelAllocLens, also what `editor.codeActionsOnSave` asks for) that
// applies each finding's preferred fix in one edit, leaving out any fix whose edits would overlap
// one already taken: those findings stay, and the next "fix all" (or save) takes them.
import { CodeAction, CodeActionKind, TextEdit as LspTextEdit, WorkspaceEdit } from 'vscode-languageserver';
import type { Span } from '../parsing/syntax';
import type { Finding, Fix, TextEdit } from '../rules/rule';
import { UriOf, toDiagnostic, toRange } from './diagnostics';

export const FIX_ALL_KIND = `${CodeActionKind.SourceFixAll}.kernelAllocLens`;
export const FIX_ALL_TITLE = 'Fix all Kernel Alloc Lens problems';

/** The kinds the server offers, for the codeActionProvider capability. */
export const CODE_ACTION_KINDS = [CodeActionKind.QuickFix, FIX_ALL_KIND];

function workspaceEdit(edits: readonly TextEdit[], uriOf: UriOf): WorkspaceEdit {
  const changes: Record<string, LspTextEdit[]> = {};
  for (const edit of edits) {
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
  return { title: edit.title, kind: CodeActionKind.QuickFix, diagnostics: [toDiagnostic(finding, uriOf)], edit: workspaceEdit(edit.edits, uriOf) };
}

/** Whether a client's `only` filter asks for actions of `kind` (absent: every kind). */
export function wants(only: readonly string[] | undefined, kind: string): boolean {
  return !only || only.some((asked) => asked === '' || kind === asked || kind.startsWith(`${asked}.`));
}

/**
 * The code actions for a request: quick fixes for the findings whose span touches the line range,
 * and "fix all" when the client asks for its kind (a Source Action menu, codeActionsOnSave) or,
 * asking for every kind, when the range touches a finding it would fix.
 */
export function codeActionsFor(findings: readonly Finding[], text: string, startLine: number, endLine: number, only: readonly string[] | undefined, uriOf: UriOf): CodeAction[] {
  const touched = findings.filter((finding) => finding.span.endLine >= startLine && finding.span.startLine <= endLine);
  const actions = wants(only, CodeActionKind.QuickFix) ? quickFixes(touched, text, uriOf) : [];
  const offerFixAll = only ? wants(only, FIX_ALL_KIND) : touched.some((finding) => finding.fixes.some((fix) => fix.preferred));
  const fixAll = offerFixAll ? fixAllAction(findings, uriOf) : undefined;
  return fixAll ? [...actions, fixAll] : actions;
}

function quickFixes(findings: readonly Finding[], text: string, uriOf: UriOf): CodeAction[] {
  const actions: CodeAction[] = [];
  for (const finding of findings) {
    const diagnostic = toDiagnostic(finding, uriOf);
    for (const fix of finding.fixes) {
      actions.push({ title: fix.title, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], isPreferred: fix.preferred, edit: workspaceEdit(fix.edits, uriOf) });
    }
    actions.push(suppression(finding, text, uriOf));
  }
  return actions;
}

/** Negative, zero or positive as position (line, column) a comes before, at or after b. */
function compare(aLine: number, aColumn: number, bLine: number, bColumn: number): number {
  return aLine - bLine || aColumn - bColumn;
}

function byStart(a: Span, b: Span): number {
  return compare(a.startLine, a.startColumn, b.startLine, b.startColumn);
}

/**
 * Edits that cannot both be applied as written: their [start, end) ranges intersect, or they start
 * at the same point (two insertions there, or an insertion before a replacement: the order would
 * be a guess).
 */
function overlaps(a: TextEdit, b: TextEdit): boolean {
  if ((a.file ?? '') !== (b.file ?? '')) return false;
  if (byStart(a.span, b.span) === 0) return true;
  const aStartsBeforeBEnds = compare(a.span.startLine, a.span.startColumn, b.span.endLine, b.span.endColumn) < 0;
  const bStartsBeforeAEnds = compare(b.span.startLine, b.span.startColumn, a.span.endLine, a.span.endColumn) < 0;
  return aStartsBeforeBEnds && bStartsBeforeAEnds;
}

/** The "fix all" source action: every finding's preferred fix, in source order, none overlapping; undefined when there is none. */
export function fixAllAction(findings: readonly Finding[], uriOf: UriOf): CodeAction | undefined {
  const taken: TextEdit[] = [];
  const fixed: Finding[] = [];
  for (const finding of [...findings].sort((a, b) => byStart(a.span, b.span))) {
    const fix = finding.fixes.find((candidate) => candidate.preferred);
    if (!fix || fix.edits.length === 0) continue;
    const clashes = fix.edits.some((edit, i) => taken.some((other) => overlaps(edit, other)) || fix.edits.some((other, j) => i !== j && overlaps(edit, other)));
    if (clashes) continue;
    taken.push(...fix.edits);
    fixed.push(finding);
  }
  if (fixed.length === 0) return undefined;
  return { title: FIX_ALL_TITLE, kind: FIX_ALL_KIND, diagnostics: fixed.map((finding) => toDiagnostic(finding, uriOf)), edit: workspaceEdit(taken, uriOf) };
}
