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

export class DocumentStore {
  private readonly documents = new Map<string, ParsedDocument>();

  constructor(private readonly parser: Parser) {}

  get(uri: string): ParsedDocument | undefined {
    return this.documents.get(uri);
  }

  open(uri: string, version: number, text: string): ParsedDocument {
    this.close(uri);
    const document = { uri, version, text, tree: this.parse(text) };
    this.documents.set(uri, document);
    return document;
  }

  change(uri: string, version: number, changes: readonly TextChange[]): ParsedDocument | undefined {
    const document = this.documents.get(uri);
    if (!document) return undefined;
    let { text, tree } = document;
    for (const change of changes) {
      if (!change.range) {
        text = change.text;
        tree.delete();
        tree = this.parse(text);
        continue;
      }
      const starts = lineStarts(text);
      const startIndex = offsetAt(starts, text, change.range.start.line, change.range.start.character);
      const oldEndIndex = Math.max(startIndex, offsetAt(starts, text, change.range.end.line, change.range.end.character));
      const newText = text.slice(0, startIndex) + change.text + text.slice(oldEndIndex);
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
    const updated = { uri, version, text, tree: reparsed };
    this.documents.set(uri, updated);
    return updated;
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
