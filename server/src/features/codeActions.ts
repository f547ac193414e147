// Code actions. Quick fixes: every fix a finding carries becomes one, and every finding also gets a
// "suppress" action inserting `/* kalloc-ignore: rule-id */` on the line above. Fix all: one source
// action (kind source.fixAll.kernelAllocLens, also what `editor.codeActionsOnSave` asks for) that
// applies each finding's preferred fix in one edit, leaving out any fix whose edits would overlap
// one already taken: those findings stay, and the next "fix all" (or save) takes them.
//
// Lazily (the client resolves `edit`, as VS Code does): the actions carry `data` naming the
// document version, the finding (rule and range) and the fix, and no edit; codeAction/resolve
// finds the finding again in the analysis of that version and builds the edit. An action for
// another version, or a finding no longer there, resolves to itself: no edit is better than one
// computed against text the user no longer has.
import { CodeAction, CodeActionKind, Range, TextEdit as LspTextEdit, WorkspaceEdit } from 'vscode-languageserver';
import type { Span } from '../parsing/syntax';
import type { Finding, TextEdit } from '../rules/rule';
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

/** Where a lazily resolved action's edit comes from: the document version it was offered for, and what it does. */
export type CodeActionData =
  | { uri: string; version: number; action: 'fix'; rule: string; range: Range; fix: number }
  | { uri: string; version: number; action: 'suppress'; rule: string; range: Range }
  | { uri: string; version: number; action: 'fixAll' };

/** The document and version a code action answer is for, when the client resolves edits lazily. */
export interface LazyEdits {
  uri: string;
  version: number;
}

function suppressionTitle(finding: Finding): string {
  return `Suppress ${finding.rule} on this line`;
}

function suppressionEdit(finding: Finding, text: string, uriOf: UriOf): WorkspaceEdit {
  const lineText = text.split('\n')[finding.span.startLine] ?? '';
  const indent = /^\s*/.exec(lineText)?.[0] ?? '';
  const line = finding.span.startLine;
  return workspaceEdit([{ span: { startLine: line, startColumn: 0, endLine: line, endColumn: 0 }, newText: `${indent}/* kalloc-ignore: ${finding.rule} */\n` }], uriOf);
}

/** Whether a client's `only` filter asks for actions of `kind` (absent: every kind). */
export function wants(only: readonly string[] | undefined, kind: string): boolean {
  return !only || only.some((asked) => asked === '' || kind === asked || kind.startsWith(`${asked}.`));
}

/**
 * The code actions for a request: quick fixes for the findings whose span touches the line range,
 * and "fix all" when the client asks for its kind (a Source Action menu, codeActionsOnSave) or,
 * asking for every kind, when the range touches a finding it would fix. With `lazy`, the actions
 * carry CodeActionData instead of their edit (resolveCodeAction() adds it).
 */
export function codeActionsFor(findings: readonly Finding[], text: string, startLine: number, endLine: number, only: readonly string[] | undefined, uriOf: UriOf, lazy?: LazyEdits): CodeAction[] {
  const touched = findings.filter((finding) => finding.span.endLine >= startLine && finding.span.startLine <= endLine);
  const actions = wants(only, CodeActionKind.QuickFix) ? quickFixes(touched, text, uriOf, lazy) : [];
  const offerFixAll = only ? wants(only, FIX_ALL_KIND) : touched.some((finding) => finding.fixes.some((fix) => fix.preferred));
  const fixAll = offerFixAll ? fixAllAction(findings, uriOf, lazy) : undefined;
  return fixAll ? [...actions, fixAll] : actions;
}

function quickFixes(findings: readonly Finding[], text: string, uriOf: UriOf, lazy: LazyEdits | undefined): CodeAction[] {
  const actions: CodeAction[] = [];
  for (const finding of findings) {
    const diagnostic = toDiagnostic(finding, uriOf);
    finding.fixes.forEach((fix, index) => {
      const action: CodeAction = { title: fix.title, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], isPreferred: fix.preferred };
      if (lazy) action.data = { ...lazy, action: 'fix', rule: finding.rule, range: diagnostic.range, fix: index } satisfies CodeActionData;
      else action.edit = workspaceEdit(fix.edits, uriOf);
      actions.push(action);
    });
    const suppress: CodeAction = { title: suppressionTitle(finding), kind: CodeActionKind.QuickFix, diagnostics: [diagnostic] };
    if (lazy) suppress.data = { ...lazy, action: 'suppress', rule: finding.rule, range: diagnostic.range } satisfies CodeActionData;
    else suppress.edit = suppressionEdit(finding, text, uriOf);
    actions.push(suppress);
  }
  return actions;
}

/** The analysis of a document version that lazily offered actions are resolved against. */
export interface ResolveState {
  findings: readonly Finding[];
  text: string;
  uriOf: UriOf;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;
const isPosition = (value: unknown): boolean => isRecord(value) && Number.isInteger(value.line) && Number.isInteger(value.character);

/** The data of an action this server offered lazily, or undefined for anything else a client sends. */
export function codeActionDataOf(action: unknown): CodeActionData | undefined {
  const data = isRecord(action) ? action.data : undefined;
  if (!isRecord(data) || typeof data.uri !== 'string' || !Number.isInteger(data.version)) return undefined;
  if (data.action === 'fixAll') return data as CodeActionData;
  if (typeof data.rule !== 'string' || !isRecord(data.range) || !isPosition(data.range.start) || !isPosition(data.range.end)) return undefined;
  if (data.action === 'suppress' || (data.action === 'fix' && Number.isInteger(data.fix))) return data as CodeActionData;
  return undefined;
}

function sameRange(a: Range, b: Range): boolean {
  return a.start.line === b.start.line && a.start.character === b.start.character && a.end.line === b.end.line && a.end.character === b.end.character;
}

/**
 * codeAction/resolve: the action with its edit, computed from the analysis `stateOf` gives for
 * the document version the action names. The action comes back unchanged (no edit) when it is not
 * one of ours, when `stateOf` has no analysis of that version (stale, closed, unknown), or when
 * the finding or fix it names is not in it (the title must match too).
 */
export function resolveCodeAction(action: CodeAction, stateOf: (uri: string, version: number) => ResolveState | undefined): CodeAction {
  const data = codeActionDataOf(action);
  const state = data ? stateOf(data.uri, data.version) : undefined;
  if (!data || !state) return action;
  if (data.action === 'fixAll') {
    const fixAll = fixAllAction(state.findings, state.uriOf);
    return fixAll?.edit ? { ...action, edit: fixAll.edit } : action;
  }
  // Two findings of one rule may share a range; the title tells their fixes apart.
  const candidates = state.findings.filter((candidate) => candidate.rule === data.rule && sameRange(toRange(candidate.span), data.range));
  if (data.action === 'suppress') {
    const finding = candidates.find((candidate) => suppressionTitle(candidate) === action.title);
    return finding ? { ...action, edit: suppressionEdit(finding, state.text, state.uriOf) } : action;
  }
  const fix = candidates.map((candidate) => candidate.fixes[data.fix]).find((candidate) => candidate?.title === action.title);
  return fix ? { ...action, edit: workspaceEdit(fix.edits, state.uriOf) } : action;
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

/**
 * The "fix all" source action: every finding's preferred fix, in source order, none overlapping;
 * undefined when there is none. With `lazy`, the fixed findings are listed and the edit is left to
 * resolveCodeAction(), which takes the same fixes from the same version.
 */
export function fixAllAction(findings: readonly Finding[], uriOf: UriOf, lazy?: LazyEdits): CodeAction | undefined {
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
  const action: CodeAction = { title: FIX_ALL_TITLE, kind: FIX_ALL_KIND, diagnostics: fixed.map((finding) => toDiagnostic(finding, uriOf)) };
  if (lazy) action.data = { ...lazy, action: 'fixAll' } satisfies CodeActionData;
  else action.edit = workspaceEdit(taken, uriOf);
  return action;
}
