// One parse tree per open document, re-parsed incrementally. Each LSP content change is applied
// to the text and to its kernel-macro rewrite (parsing/kernelMacros.ts) between the cut points
// around it, which may reach outside the user's edit (typing `"` turns the rest of a line into a
// string, where no macro is rewritten); the difference of the rewritten texts there is mirrored
// into the old tree with tree.edit() before parsing with the old tree. Nothing on a keystroke
// reads the whole text but tree-sitter itself (and the splicing of the strings).
import type { Parser, Tree } from 'web-tree-sitter';
import { Edit } from 'web-tree-sitter';
import { RewrittenText, rewriteChange, rewriteWithCuts } from './kernelMacros';
import { parseSourceOrThrow } from './parseSource';

export interface TextChange {
  /** 0-based; absent for a whole-document replacement. */
  range?: { start: { line: number; character: number }; end: { line: number; character: number } };
  text: string;
}

export interface ParsedDocument {
  uri: string;
  version: number;
  /** The user's text: what node.text, facts, messages and fixes read. */
  text: string;
  tree: Tree;
  /** The text tree-sitter parsed (same length and line breaks as `text`). */
  rewritten: string;
  /** False while the text is one the owner said not to parse (too large, binary): `tree` is empty. */
  parsed: boolean;
  /** Where the rewrite can be redone from (RewrittenText.cuts); empty while not parsed. */
  cuts: readonly number[];
}

/** The start of `line`, counted on from a known line start (`fromLine` at `fromStart`); undefined past the text. */
function lineStartOf(text: string, line: number, fromLine = 0, fromStart = 0): number | undefined {
  let lineStart = fromStart;
  for (let row = fromLine; row < line; row++) {
    const newline = text.indexOf('\n', lineStart);
    if (newline === -1) return undefined;
    lineStart = newline + 1;
  }
  return lineStart;
}

/** The UTF-16 offset of a position on the line starting at `lineStart` (clamped to the line). */
function offsetOnLine(text: string, lineStart: number | undefined, character: number): number {
  if (lineStart === undefined) return text.length;
  const newline = text.indexOf('\n', lineStart);
  const lineEnd = newline === -1 ? text.length : newline + 1;
  return Math.min(lineStart + Math.max(character, 0), lineEnd);
}

/** The tree-sitter point of `index` in `text`, counted on from a known point at offset `from`. */
function pointAfter(text: string, from: number, point: { row: number; column: number }, index: number): { row: number; column: number } {
  let { row } = point;
  let lineStart = from - point.column;
  for (let cursor = text.indexOf('\n', from); cursor !== -1 && cursor < index; cursor = text.indexOf('\n', cursor + 1)) {
    row++;
    lineStart = cursor + 1;
  }
  return { row, column: index - lineStart };
}

function pointAt(text: string, index: number): { row: number; column: number } {
  return pointAfter(text, 0, { row: 0, column: 0 }, index);
}

/** The offsets an LSP range covers in `text`. */
export function rangeOffsets(text: string, range: NonNullable<TextChange['range']>): { start: number; end: number } {
  const startLine = lineStartOf(text, range.start.line);
  const start = offsetOnLine(text, startLine, range.start.character);
  // The end's line is counted on from the start's: one scan of the text up to the change.
  const endLine = startLine === undefined || range.end.line < range.start.line ? lineStartOf(text, range.end.line) : lineStartOf(text, range.end.line, range.start.line, startLine);
  return { start, end: Math.max(start, offsetOnLine(text, endLine, range.end.character)) };
}

/** Applies one ranged LSP change to a text. */
function applyChange(text: string, range: NonNullable<TextChange['range']>, inserted: string): string {
  const { start, end } = rangeOffsets(text, range);
  return text.slice(0, start) + inserted + text.slice(end);
}

/**
 * The edit that turns `before` into `after`: their common prefix and suffix stay, the middle is
 * replaced. With `within`, the two are the windows [from, oldTo) and [from, newTo) of texts equal
 * outside them, and only the windows are compared.
 */
export function editBetween(before: string, after: string, within?: { from: number; oldTo: number; newTo: number }): Edit {
  const from = within?.from ?? 0;
  const oldTo = within?.oldTo ?? before.length;
  const newTo = within?.newTo ?? after.length;
  let prefix = from;
  while (prefix < oldTo && prefix < newTo && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  while (suffix < oldTo - prefix && suffix < newTo - prefix && before.charCodeAt(oldTo - 1 - suffix) === after.charCodeAt(newTo - 1 - suffix)) suffix++;
  // Never split a surrogate pair: widen the edit to whole characters.
  if (prefix > 0 && isHighSurrogate(before.charCodeAt(prefix - 1))) prefix--;
  if (suffix > 0 && isLowSurrogate(before.charCodeAt(oldTo - suffix))) suffix--;
  const oldEndIndex = oldTo - suffix;
  const newEndIndex = newTo - suffix;
  // Rows are counted from the window's start, a line start (or the text's start).
  const fromPoint = within ? pointAt(before, from) : { row: 0, column: 0 };
  const startPosition = pointAfter(before, from, fromPoint, prefix);
  return new Edit({
    startIndex: prefix,
    oldEndIndex,
    newEndIndex,
    startPosition,
    oldEndPosition: pointAfter(before, prefix, startPosition, oldEndIndex),
    newEndPosition: pointAfter(after, prefix, startPosition, newEndIndex),
  });
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

export class DocumentStore {
  private readonly documents = new Map<string, ParsedDocument>();

  /**
   * `parseable` says whether a text is worth parsing at all: a 50 MB or binary document is kept as
   * text only (its tree would take seconds and hundreds of MB) until an edit makes it parseable.
   */
  constructor(
    private readonly parser: Parser,
    private readonly parseable: (text: string) => boolean = () => true,
  ) {}

  get(uri: string): ParsedDocument | undefined {
    return this.documents.get(uri);
  }

  open(uri: string, version: number, text: string): ParsedDocument {
    this.close(uri);
    const parsed = this.parseable(text);
    const rewrite = rewriteWithCuts(parsed ? text : '');
    const { tree } = parseSourceOrThrow(this.parser, rewrite.text, null, rewrite.rewritten);
    const document = { uri, version, text, tree, rewritten: rewrite.rewritten, parsed, cuts: rewrite.cuts };
    this.documents.set(uri, document);
    return document;
  }

  change(uri: string, version: number, changes: readonly TextChange[]): ParsedDocument | undefined {
    const document = this.documents.get(uri);
    if (!document) return undefined;
    if (!document.parsed) return this.changeUnparsed(document, version, changes);
    const { tree } = document;
    let current: RewrittenText = document;
    for (const change of changes) {
      if (!change.range) {
        const whole = rewriteWithCuts(change.text);
        tree.edit(editBetween(current.rewritten, whole.rewritten));
        current = whole;
        continue;
      }
      const { start, end } = rangeOffsets(current.text, change.range);
      const next = rewriteChange(current, start, end, change.text);
      tree.edit(editBetween(current.rewritten, next.rewritten, next.window));
      current = next;
    }
    const { text, rewritten, cuts } = current;
    const reparsed = parseSourceOrThrow(this.parser, text, tree, rewritten).tree;
    if (reparsed !== tree) tree.delete();
    const updated = { uri, version, text, tree: reparsed, rewritten, parsed: true, cuts };
    this.documents.set(uri, updated);
    return updated;
  }

  /** Parses a document kept as text only once `parseable` accepts it (e.g. after a settings change). */
  ensureParsed(uri: string): ParsedDocument | undefined {
    const document = this.documents.get(uri);
    if (!document || document.parsed || !this.parseable(document.text)) return document;
    document.tree.delete();
    const { rewritten, cuts } = rewriteWithCuts(document.text);
    const { tree } = parseSourceOrThrow(this.parser, document.text, null, rewritten);
    const updated = { ...document, tree, rewritten, parsed: true, cuts };
    this.documents.set(uri, updated);
    return updated;
  }

  /** Text-only edits of an unparsed document; parsed in full when it becomes parseable. */
  private changeUnparsed(document: ParsedDocument, version: number, changes: readonly TextChange[]): ParsedDocument {
    let { text } = document;
    for (const change of changes) {
      if (!change.range) {
        text = change.text;
        continue;
      }
      text = applyChange(text, change.range, change.text);
    }
    const updated = { ...document, version, text };
    this.documents.set(document.uri, updated);
    return this.ensureParsed(document.uri) ?? updated;
  }

  close(uri: string): void {
    this.documents.get(uri)?.tree.delete();
    this.documents.delete(uri);
  }
}
