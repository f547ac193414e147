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

/**
 * Every node type the function analyses ask about (locks/lockRegions.ts, summaries/): one walk of
 * the subtree collects them all, and each question filters that list. A walk per type list cost
 * a marshalling pass of the whole function each.
 */
const INDEXED_TYPES = [
  'call_expression',
  'identifier',
  'field_identifier',
  'if_statement',
  'conditional_expression',
  'while_statement',
  'do_statement',
  'for_statement',
  'switch_statement',
  'goto_statement',
  'return_statement',
  'init_declarator',
  'assignment_expression',
  'initializer_pair',
];
const INDEXED = new Set(INDEXED_TYPES);

export class SyntaxIndex {
  private readonly byTypes = new Map<string, Node[]>();
  private all?: { nodes: Node[]; types: string[] };

  constructor(private readonly root: Node) {}

  private nodes(types: readonly string[]): Node[] {
    const key = types.join(',');
    let nodes = this.byTypes.get(key);
    if (!nodes) {
      if (types.every((type) => INDEXED.has(type))) {
        // tree-sitter walks inside WebAssembly and marshals only the matches, in document order;
        // each node's type is read once (a call into WebAssembly per read).
        if (!this.all) {
          const found = this.root.descendantsOfType(INDEXED_TYPES).filter((node): node is Node => node !== null);
          this.all = { nodes: found, types: found.map((node) => node.type) };
        }
        const wanted = new Set(types);
        const all = this.all;
        nodes = all.nodes.filter((_, index) => wanted.has(all.types[index]));
      } else {
        nodes = this.root.descendantsOfType([...types]).filter((node): node is Node => node !== null);
      }
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
