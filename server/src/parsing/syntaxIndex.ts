// Descendant lists of one subtree (a function definition), built on first use per type list and
// answered by binary search: the lock and guard analyses ask "which calls lie inside this
// statement?" of every statement, and a walk per question was their largest cost. An index is
// owned by whoever analyses the subtree and dropped with its result, so an edit elsewhere in the
// file never makes it walk more than its own function.
//
// Every tree-sitter accessor (`type`, `endIndex`, `text`, children) is a call into WebAssembly and
// every node handed out is a new object: the index walks one type at a time (so it never reads a
// type back), reads each end offset once, and marshals names only inside the nodes asked about.
import type { Node } from 'web-tree-sitter';

/**
 * Names are most of a function's nodes, and the analyses ask for them only inside conditions,
 * masks and arguments: those small subtrees are walked on demand (once per node and type) instead
 * of marshalling every identifier of the function.
 */
const NAME_TYPES: ReadonlySet<string> = new Set(['identifier', 'field_identifier']);

/** Nodes in document order (pre-order), with their end offsets read on demand. */
class NodeList {
  private readonly ends: Int32Array;

  constructor(readonly nodes: readonly Node[]) {
    this.ends = new Int32Array(nodes.length).fill(-1);
  }

  endOf(index: number): number {
    let end = this.ends[index];
    if (end < 0) end = this.ends[index] = this.nodes[index].endIndex;
    return end;
  }

  /** Index of the first node starting at or after `start`; pre-order lists never decrease in startIndex. */
  firstAtOrAfter(start: number): number {
    const nodes = this.nodes;
    let low = 0;
    let high = nodes.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (nodes[middle].startIndex < start) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

/**
 * The nodes of one type below `root`. tree-sitter walks inside WebAssembly and marshals only the
 * matches, in document order; one type per walk, so no node's type has to be read back.
 */
function walk(root: Node, type: string): Node[] {
  return root.descendantsOfType(type).filter((node): node is Node => node !== null);
}

/** Pre-order lists of different types merged into one pre-order list (an ancestor first at equal starts). */
function merged(lists: readonly NodeList[]): NodeList {
  if (lists.length === 1) return lists[0];
  const entries: { node: Node; end: () => number }[] = [];
  for (const list of lists) list.nodes.forEach((node, index) => entries.push({ node, end: () => list.endOf(index) }));
  entries.sort((a, b) => a.node.startIndex - b.node.startIndex || b.end() - a.end());
  return new NodeList(entries.map((entry) => entry.node));
}

export class SyntaxIndex {
  /** Lists below the root, by type list. */
  private readonly byTypes = new Map<string, NodeList>();
  /** Names inside a node, by type and node id. */
  private readonly names = new Map<string, NodeList>();
  private readonly endIndexes = new Map<number, number>();
  private readonly callees = new Map<number, { node: Node; type: string } | undefined>();
  private readonly calleeNames = new Map<number, string | undefined>();

  constructor(private readonly root: Node) {}

  /** A call's `function` child and its type, read once per call. */
  callee(call: Node): { node: Node; type: string } | undefined {
    if (this.callees.has(call.id)) return this.callees.get(call.id);
    const node = call.childForFieldName('function');
    const callee = node ? { node, type: node.type } : undefined;
    this.callees.set(call.id, callee);
    return callee;
  }

  /** calleeName() of parsing/syntax.ts, read once per call. */
  calleeName(call: Node): string | undefined {
    if (this.calleeNames.has(call.id)) return this.calleeNames.get(call.id);
    const callee = this.callee(call);
    const name = callee?.type === 'identifier' ? callee.node.text : undefined;
    this.calleeNames.set(call.id, name);
    return name;
  }

  /** `node.endIndex`, read once per node. */
  endOf(node: Node): number {
    let end = this.endIndexes.get(node.id);
    if (end === undefined) {
      end = node.endIndex;
      this.endIndexes.set(node.id, end);
    }
    return end;
  }

  private list(types: readonly string[]): NodeList {
    const key = types.join(',');
    let list = this.byTypes.get(key);
    if (!list) {
      list = types.length === 1 ? new NodeList(walk(this.root, types[0])) : merged(types.map((type) => this.list([type])));
      this.byTypes.set(key, list);
    }
    return list;
  }

  private namesIn(node: Node, types: readonly string[]): NodeList {
    const key = `${types.join(',')}:${node.id}`;
    let list = this.names.get(key);
    if (!list) {
      list = types.length === 1 ? new NodeList(walk(node, types[0])) : merged(types.map((type) => this.namesIn(node, [type])));
      this.names.set(key, list);
    }
    return list;
  }

  /** `node.descendantsOfType(types)` (the node itself included) for a node inside the root. */
  within(node: Node, types: readonly string[]): Node[] {
    if (types.length > 0 && types.every((type) => NAME_TYPES.has(type))) return this.namesIn(node, types).nodes.slice();
    const list = this.list(types);
    const end = this.endOf(node);
    const found: Node[] = [];
    for (let index = list.firstAtOrAfter(node.startIndex); index < list.nodes.length; index++) {
      const candidate = list.nodes[index];
      if (candidate.startIndex > end) break;
      // Same start, larger range: an ancestor (`f(x)(y)` around `f(x)`), not a descendant.
      if (list.endOf(index) <= end) found.push(candidate);
    }
    return found;
  }

  /** Whether any node of the types lies inside `node` (itself included). */
  anyWithin(node: Node, types: readonly string[]): boolean {
    if (types.length > 0 && types.every((type) => NAME_TYPES.has(type))) return this.namesIn(node, types).nodes.length > 0;
    const list = this.list(types);
    const end = this.endOf(node);
    for (let index = list.firstAtOrAfter(node.startIndex); index < list.nodes.length; index++) {
      const candidate = list.nodes[index];
      if (candidate.startIndex > end) return false;
      if (list.endOf(index) <= end) return true;
    }
    return false;
  }
}
