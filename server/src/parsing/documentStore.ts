// One parse tree per open document, re-parsed incrementally: each LSP content change is applied to
// the text and mirrored into the old tree with tree.edit() before parsing with the old tree.
import type { Parser, Tree } from 'web-tree-sitter';
import { Edit } from 'web-tree-sitter';

export interface TextChange {
  /** 0-based; absent for a whole-document replacement. */
  range?: { start: { line: number; character: number }; end: { line: number; character: number } };
  text: string;
}

export interface ParsedDocument {
  uri: string;
  version: number;
  text: string;
  tree: Tree;
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

/** Applies one ranged LSP change to a text: the spliced text and the replaced index range. */
function applyChange(text: string, range: NonNullable<TextChange['range']>, inserted: string): { startIndex: number; oldEndIndex: number; newText: string } {
  const starts = lineStarts(text);
  const startIndex = offsetAt(starts, text, range.start.line, range.start.character);
  const oldEndIndex = Math.max(startIndex, offsetAt(starts, text, range.end.line, range.end.character));
  return { startIndex, oldEndIndex, newText: text.slice(0, startIndex) + inserted + text.slice(oldEndIndex) };
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
    const document = { uri, version, text, tree: this.parse(parsed ? text : ''), parsed };
    this.documents.set(uri, document);
    return document;
  }

  change(uri: string, version: number, changes: readonly TextChange[]): ParsedDocument | undefined {
    const document = this.documents.get(uri);
    if (!document) return undefined;
    let { text, tree } = document;
    if (!document.parsed) return this.changeUnparsed(document, version, changes);
    for (const change of changes) {
      if (!change.range) {
        text = change.text;
        tree.delete();
        tree = this.parse(text);
        continue;
      }
      const { startIndex, oldEndIndex, newText } = applyChange(text, change.range, change.text);
      tree.edit(
        new Edit({
          startIndex,
          oldEndIndex,
          newEndIndex: startIndex + change.text.length,
          startPosition: pointAt(text, startIndex),
          oldEndPosition: pointAt(text, oldEndIndex),
          newEndPosition: pointAt(newText, startIndex + change.text.length),
        }),
      );
      text = newText;
    }
    const reparsed = this.parse(text, tree);
    if (reparsed !== tree) tree.delete();
    const updated = { uri, version, text, tree: reparsed, parsed: true };
    this.documents.set(uri, updated);
    return updated;
  }

  /** Parses a document kept as text only once `parseable` accepts it (e.g. after a settings change). */
  ensureParsed(uri: string): ParsedDocument | undefined {
    const document = this.documents.get(uri);
    if (!document || document.parsed || !this.parseable(document.text)) return document;
    document.tree.delete();
    const updated = { ...document, tree: this.parse(document.text), parsed: true };
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
      text = applyChange(text, change.range, change.text).newText;
    }
    const updated = { ...document, version, text };
    this.documents.set(document.uri, updated);
    return this.ensureParsed(document.uri) ?? updated;
  }

  close(uri: string): void {
    this.documents.get(uri)?.tree.delete();
    this.documents.delete(uri);
  }

  private parse(text: string, oldTree?: Tree): Tree {
    const tree = this.parser.parse(text, oldTree ?? null);
    if (!tree) throw new Error('tree-sitter returned no tree');
    return tree;
  }
}
