// `/* kalloc-ignore: rule-id[, rule-id] */` on the line of a finding or the line above silences it;
// `kalloc-ignore` with no list silences every rule there.
import type { Tree } from 'web-tree-sitter';
import { descendantsOfType } from '../parsing/syntax';

const COMMENTS = new Set(['comment']);
const MARKER = /kalloc-ignore(?::\s*([\w\s,-]+))?/;

/** Rule ids suppressed per 0-based line; '*' means every rule. */
export type Suppressions = Map<number, Set<string>>;

export function collectSuppressions(tree: Tree): Suppressions {
  const suppressions: Suppressions = new Map();
  for (const comment of descendantsOfType(tree.rootNode, COMMENTS)) {
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
