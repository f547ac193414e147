// Descendant lists of one subtree (a function definition), built on first use per type list and
// answered by binary search: the lock and guard analyses ask "which calls lie inside this
// statement?" of every statement, and a walk per question was their largest cost. An index is
// owned by whoever analyses the subtree and dropped with its result, so an edit elsewhere in the
// file never makes it walk more than its own function.
import type { Node } from 'web-tree-sitter';

/** Index of the first node starting at or after `start`; pre-order lists never decrease in startIndex. */
function firstAtOrAfter(nodes: readonly Node[], start: number): number {
  let low = 0;
  let high = nodes.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (nodes[middle].startIndex < start) low = middle + 1;
    else high = middle;
  }
  return low;
}

export class SyntaxIndex {
  private readonly byTypes = new Map<string, Node[]>();

  constructor(private readonly root: Node) {}

  private nodes(types: readonly string[]): Node[] {
    const key = types.join(',');
    let nodes = this.byTypes.get(key);
    if (!nodes) {
      // tree-sitter walks inside WebAssembly and marshals only the matches.
      nodes = this.root.descendantsOfType([...types]).filter((node): node is Node => node !== null);
      this.byTypes.set(key, nodes);
    }
    return nodes;
  }

  /** `node.descendantsOfType(types)` (the node itself included) for a node inside the root. */
  within(node: Node, types: readonly string[]): Node[] {
    const nodes = this.nodes(types);
    const end = node.endIndex;
    const found: Node[] = [];
    for (let index = firstAtOrAfter(nodes, node.startIndex); index < nodes.length; index++) {
      const candidate = nodes[index];
      if (candidate.startIndex > end) break;
      // Same start, larger range: an ancestor (`f(x)(y)` around `f(x)`), not a descendant.
      if (candidate.endIndex <= end) found.push(candidate);
    }
    return found;
  }

  /** Whether any node of the types lies inside `node` (itself included). */
  anyWithin(node: Node, types: readonly string[]): boolean {
    const nodes = this.nodes(types);
    const end = node.endIndex;
    for (let index = firstAtOrAfter(nodes, node.startIndex); index < nodes.length; index++) {
      const candidate = nodes[index];
      if (candidate.startIndex > end) return false;
      if (candidate.endIndex <= end) return true;
    }
    return false;
  }
}
