// Reverting a historic fix by token edits: each search string must occur exactly once in the file,
// so an edit can never land on the wrong call or apply silently to nothing when the tree changes.

/** One exact search → replace within a file. */
export interface TokenEdit {
  search: string;
  replace: string;
}

export class EditError extends Error {}

/** Occurrences of `needle` in `text`, overlapping ones counted too (`aa` in `aaa` is 2). */
export function occurrences(text: string, needle: string): number {
  if (needle.length === 0) return Infinity;
  let count = 0;
  for (let at = text.indexOf(needle); at >= 0; at = text.indexOf(needle, at + 1)) count++;
  return count;
}

/**
 * Applies the edits in order, each to the text the previous ones left. Throws an EditError naming
 * the edit when a search string is found zero times or more than once.
 */
export function applyEdits(text: string, edits: readonly TokenEdit[], label = 'file'): string {
  let result = text;
  edits.forEach((edit, index) => {
    const count = occurrences(result, edit.search);
    if (count !== 1) {
      const times = count === Infinity ? 'empty' : count === 0 ? 'not found' : `found ${count} times`;
      throw new EditError(`${label}: edit ${index + 1} search ${JSON.stringify(edit.search)} ${times}, needs exactly one`);
    }
    const at = result.indexOf(edit.search);
    result = result.slice(0, at) + edit.replace + result.slice(at + edit.search.length);
  });
  return result;
}

/**
 * The 1-based line on which the one occurrence of `anchor` in `text` ends (so an anchor can carry the
 * lines before it to be unique); throws unless it occurs exactly once.
 */
export function lineOfAnchor(text: string, anchor: string, label = 'file'): number {
  const count = occurrences(text, anchor);
  if (count !== 1) throw new EditError(`${label}: anchor ${JSON.stringify(anchor)} ${count === 0 ? 'not found' : `found ${count} times`}, needs exactly one`);
  const end = text.indexOf(anchor) + anchor.trimEnd().length - 1;
  let line = 1;
  for (let index = 0; index < end; index++) if (text.charCodeAt(index) === 10) line++;
  return line;
}
