// One parse tree per open document, re-parsed incrementally: the LSP content changes are applied
// to the text, the text is rewritten (parsing/kernelMacros.ts) and the difference between the old
// and the new rewritten text, which may reach outside the user's edit (typing `"` turns the rest of
// a line into a string, where no macro is rewritten), is mirrored into the old tree with
// tree.edit() before parsing with the old tree.
import type { Parser, Tree } from 'web-tree-sitter';
import { Edit } from 'web-tree-sitter';
import { rewriteKernelMacros } from './kernelMacros';
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
}

/** Offsets of line starts, for line/character ↔ index conversion in UTF-16 units. */
function lineStarts(text: string): number[] {
  const starts = [0];
  for (let index = 0; index < text.length; index++) {
    if (text.charCodeAt(index) === 10) starts.push(index + 1);
  }
  return starts;
}

function offsetAt(starts: number[], text: string, line: number, character: number): number {
  if (line >= starts.length) return text.length;
  const lineEnd = line + 1 < starts.length ? starts[line + 1] : text.length;
  return Math.min(starts[line] + Math.max(character, 0), lineEnd);
}

function pointAt(text: string, index: number): { row: number; column: number } {
  let row = 0;
  let lineStart = 0;
  for (let cursor = text.indexOf('\n'); cursor !== -1 && cursor < index; cursor = text.indexOf('\n', cursor + 1)) {
    row++;
    lineStart = cursor + 1;
  }
  return { row, column: index - lineStart };
}

/** Applies one ranged LSP change to a text. */
function applyChange(text: string, range: NonNullable<TextChange['range']>, inserted: string): string {
  const starts = lineStarts(text);
  const startIndex = offsetAt(starts, text, range.start.line, range.start.character);
  const oldEndIndex = Math.max(startIndex, offsetAt(starts, text, range.end.line, range.end.character));
  return text.slice(0, startIndex) + inserted + text.slice(oldEndIndex);
}

/** The edit that turns `before` into `after`: their common prefix and suffix stay, the middle is replaced. */
export function editBetween(before: string, after: string): Edit {
  const shorter = Math.min(before.length, after.length);
  let prefix = 0;
  while (prefix < shorter && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  while (suffix < shorter - prefix && before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)) suffix++;
  // Never split a surrogate pair: widen the edit to whole characters.
  if (prefix > 0 && isHighSurrogate(before.charCodeAt(prefix - 1))) prefix--;
  if (suffix > 0 && isLowSurrogate(before.charCodeAt(before.length - suffix))) suffix--;
  const oldEndIndex = before.length - suffix;
  const newEndIndex = after.length - suffix;
  return new Edit({
    startIndex: prefix,
    oldEndIndex,
    newEndIndex,
    startPosition: pointAt(before, prefix),
    oldEndPosition: pointAt(before, oldEndIndex),
    newEndPosition: pointAt(after, newEndIndex),
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
    const { tree, rewritten } = parseSourceOrThrow(this.parser, parsed ? text : '');
    const document = { uri, version, text, tree, rewritten: parsed ? rewritten : '', parsed };
    this.documents.set(uri, document);
    return document;
  }

  change(uri: string, version: number, changes: readonly TextChange[]): ParsedDocument | undefined {
    const document = this.documents.get(uri);
    if (!document) return undefined;
    if (!document.parsed) return this.changeUnparsed(document, version, changes);
    let { text } = document;
    for (const change of changes) text = change.range ? applyChange(text, change.range, change.text) : change.text;
    const rewritten = rewriteKernelMacros(text);
    const { tree } = document;
    tree.edit(editBetween(document.rewritten, rewritten));
    const reparsed = parseSourceOrThrow(this.parser, text, tree, rewritten).tree;
    if (reparsed !== tree) tree.delete();
    const updated = { uri, version, text, tree: reparsed, rewritten, parsed: true };
    this.documents.set(uri, updated);
    return updated;
  }

  /** Parses a document kept as text only once `parseable` accepts it (e.g. after a settings change). */
  ensureParsed(uri: string): ParsedDocument | undefined {
    const document = this.documents.get(uri);
    if (!document || document.parsed || !this.parseable(document.text)) return document;
    document.tree.delete();
    const { tree, rewritten } = parseSourceOrThrow(this.parser, document.text);
    const updated = { ...document, tree, rewritten, parsed: true };
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
