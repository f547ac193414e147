// `/* kalloc-ignore: rule-id[, rule-id] */` on the line of a finding or the line above silences it;
// `kalloc-ignore` with no list silences every rule there.
import type { Node, Tree } from 'web-tree-sitter';

const MARKER = /kalloc-ignore(?::\s*([\w\s,-]+))?/;

/** Rule ids suppressed per 0-based line; '*' means every rule. */
export type Suppressions = Map<number, Set<string>>;

/**
 * The comments holding a marker, found from the text (one indexOf per marker, no tree walk: this
 * runs on every keystroke, and almost no file has one).
 */
function markedComments(tree: Tree, text: string): Node[] {
  const comments: Node[] = [];
  const seen = new Set<number>();
  for (let index = text.indexOf('kalloc-ignore'); index !== -1; index = text.indexOf('kalloc-ignore', index + 1)) {
    const node = tree.rootNode.descendantForIndex(index);
    if (node?.type !== 'comment' || seen.has(node.id)) continue;
    seen.add(node.id);
    comments.push(node);
  }
  return comments;
}

export function collectSuppressions(tree: Tree, text: string): Suppressions {
  const suppressions: Suppressions = new Map();
  for (const comment of markedComments(tree, text)) {
    const match = MARKER.exec(comment.text);
    if (!match) continue;
    const ids = match[1] ? match[1].split(/[\s,]+/).filter((id) => /^[a-z][a-z0-9-]*$/.test(id)) : ['*'];
    for (const line of [comment.endPosition.row, comment.endPosition.row + 1]) {
      const set = suppressions.get(line) ?? new Set<string>();
      ids.forEach((id) => set.add(id));
      suppressions.set(line, set);
    }
  }
  return suppressions;
}

export function isSuppressed(suppressions: Suppressions, rule: string, line: number): boolean {
  const ids = suppressions.get(line);
  return !!ids && (ids.has(rule) || ids.has('*'));
}
