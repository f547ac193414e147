// Descendant lists of one subtree (a function definition), built on first use per type list and
// answered by binary search: the lock and guard analyses ask "which calls lie inside this
// statement?" of every statement, and a walk per question was their largest cost. An index is
// owned by whoever analyses the subtree and dropped with its result, so an edit elsewhere in the
// file never makes it walk more than its own function.
//
// Every tree-sitter accessor (`type`, `endIndex`, `text`, children) is a call into WebAssembly and
// every node handed out is a new object: the index walks the function once for every structural
// type the analyses ask about (a walk is a pass over the whole subtree inside WebAssembly, the
// larger cost, so one walk per type was slower), reads each end offset once, and marshals names
// only inside the nodes asked about.
import type { Node } from 'web-tree-sitter';
import { callArguments, namedChildren } from './syntax';

/**
 * The structural node types the function analyses ask about (locks/lockRegions.ts, summaries/,
 * paths/): one walk collects them all, each node's type is read once, and each question filters
 * that list. Other types get a walk of their own.
 */
const STRUCTURE_TYPES = [
  'call_expression',
  'compound_statement',
  'if_statement',
  'conditional_expression',
  'while_statement',
  'do_statement',
  'for_statement',
  'switch_statement',
  'goto_statement',
  'return_statement',
  'break_statement',
  'continue_statement',
  'labeled_statement',
  'init_declarator',
  'assignment_expression',
  'update_expression',
  'initializer_pair',
  'parameter_declaration',
  'declaration',
];
const STRUCTURE: ReadonlySet<string> = new Set(STRUCTURE_TYPES);

/**
 * Names are most of a function's nodes, and the analyses ask for them only inside conditions,
 * masks and arguments: those small subtrees are walked on demand (once per node and type) instead
 * of marshalling every identifier of the function.
 */
const NAME_TYPES: ReadonlySet<string> = new Set(['identifier', 'field_identifier']);

const OPEN_PARENTHESIS = '('.charCodeAt(0);

/** Nodes in document order (pre-order), with their end offsets read on demand. */
class NodeList {
  private readonly ends: Int32Array;

  /** `endOf` reads an end offset through the index's own table, shared by every list holding the node. */
  constructor(
    readonly nodes: readonly Node[],
    private readonly endOfNode: (node: Node) => number,
  ) {
    this.ends = new Int32Array(nodes.length).fill(-1);
  }

  endOf(index: number): number {
    let end = this.ends[index];
    if (end < 0) end = this.ends[index] = this.endOfNode(this.nodes[index]);
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

/** The nodes of the types below `root` (itself included): tree-sitter marshals only the matches, in document order. */
function walk(root: Node, types: readonly string[]): Node[] {
  return root.descendantsOfType([...types]).filter((node): node is Node => node !== null);
}

export class SyntaxIndex {
  /** Lists below the root, by type list. */
  private readonly byTypes = new Map<string, NodeList>();
  private readonly byArray = new WeakMap<readonly string[], NodeList>();
  private structure?: { nodes: Node[]; types: string[] };
  /** Names inside a node, by type and node id. */
  private readonly names = new Map<string, NodeList>();
  private readonly endIndexes = new Map<number, number>();
  private readonly callees = new Map<number, { node: Node; type: string } | undefined>();
  private readonly calleeNames = new Map<number, string | undefined>();
  private readonly parents = new Map<number, Node | null>();
  private readonly fields = new Map<string, Node | null>();
  private readonly childLists = new Map<number, Node[]>();
  private readonly namedLists = new Map<number, Node[]>();
  private readonly argumentLists = new Map<number, Node[]>();
  /** `node.type` by node id: every read of it marshals the node into WebAssembly. */
  private readonly types = new Map<number, string>();
  private rootText?: string;

  private readonly endOfNode = (node: Node): number => this.endOf(node);

  constructor(private readonly root: Node) {}

  /** `node.type`, read once per node (the structure walk reads its nodes' types for all of them). */
  type(node: Node): string {
    let type = this.types.get(node.id);
    if (type === undefined) {
      type = node.type;
      this.types.set(node.id, type);
    }
    return type;
  }

  /**
   * unwrapExpression() of parsing/syntax.ts through the index. Parentheses and casts both start
   * with `(`: a node whose text does not is returned without reading its type.
   */
  unwrap(node: Node): Node {
    this.rootText ??= this.root.text;
    const start = this.root.startIndex;
    let current = node;
    for (;;) {
      const offset = current.startIndex - start;
      if (offset >= 0 && offset < this.rootText.length && this.rootText.charCodeAt(offset) !== OPEN_PARENTHESIS) return current;
      const type = this.type(current);
      if (type === 'parenthesized_expression' && current.namedChildCount === 1) {
        current = current.namedChild(0)!;
      } else if (type === 'cast_expression') {
        const value = this.field(current, 'value');
        if (!value) return current;
        current = value;
      } else {
        return current;
      }
    }
  }

  /** `node.text`: for a node inside the root, a slice of the root's text with the end offset read once. */
  text(node: Node): string {
    this.rootText ??= this.root.text;
    const start = this.root.startIndex;
    const end = this.endOf(node);
    if (node.startIndex < start || end > start + this.rootText.length) return node.text;
    return this.rootText.slice(node.startIndex - start, end - start);
  }

  /** A call's `function` child and its type, read once per call. */
  callee(call: Node): { node: Node; type: string } | undefined {
    if (this.callees.has(call.id)) return this.callees.get(call.id);
    const node = call.childForFieldName('function');
    const callee = node ? { node, type: this.type(node) } : undefined;
    this.callees.set(call.id, callee);
    return callee;
  }

  /** calleeName() of parsing/syntax.ts, read once per call. */
  calleeName(call: Node): string | undefined {
    if (this.calleeNames.has(call.id)) return this.calleeNames.get(call.id);
    const callee = this.callee(call);
    const name = callee?.type === 'identifier' ? this.text(callee.node) : undefined;
    this.calleeNames.set(call.id, name);
    return name;
  }

  /**
   * `node.parent`, read once per node: the path analyses walk from every call up to the body, and
   * the calls of one statement share most of that way.
   */
  parent(node: Node): Node | null {
    let parent = this.parents.get(node.id);
    if (parent === undefined) {
      parent = node.parent;
      this.parents.set(node.id, parent);
    }
    return parent;
  }

  /** `node.childForFieldName(field)`, read once per node and field. */
  field(node: Node, field: string): Node | null {
    const key = `${node.id}:${field}`;
    let child = this.fields.get(key);
    if (child === undefined) {
      child = node.childForFieldName(field);
      this.fields.set(key, child);
    }
    return child;
  }

  /**
   * namedChildren() of parsing/syntax.ts (comments left out), read once per node: the lock walk
   * visits a loop's body once per round and the whole body once per goto pass. Do not change the list.
   */
  children(node: Node): readonly Node[] {
    let children = this.childLists.get(node.id);
    if (!children) {
      children = namedChildren(node);
      this.childLists.set(node.id, children);
    }
    return children;
  }

  /** callArguments() of parsing/syntax.ts, read once per call. Do not change the list. */
  arguments(call: Node): readonly Node[] {
    let args = this.argumentLists.get(call.id);
    if (!args) {
      args = callArguments(call);
      this.argumentLists.set(call.id, args);
    }
    return args;
  }

  /** `node.namedChildren` (comments included), read once per node. Do not change the list. */
  namedChildren(node: Node): readonly Node[] {
    let children = this.namedLists.get(node.id);
    if (!children) {
      children = node.namedChildren.filter((child): child is Node => !!child);
      this.namedLists.set(node.id, children);
    }
    return children;
  }

  /** Whether `inner` lies inside `outer` (both inside the root), with each end offset read once. */
  contains(outer: Node, inner: Node): boolean {
    return inner.startIndex >= outer.startIndex && this.endOf(inner) <= this.endOf(outer);
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
    // The lock walk asks with the same constant array at every node it visits.
    const known = this.byArray.get(types);
    if (known) return known;
    const key = types.join(',');
    let list = this.byTypes.get(key);
    if (!list) {
      if (types.every((type) => STRUCTURE.has(type))) {
        if (!this.structure) {
          const nodes = walk(this.root, STRUCTURE_TYPES);
          this.structure = { nodes, types: nodes.map((node) => this.type(node)) };
        }
        const wanted = new Set(types);
        const { nodes, types: typeOf } = this.structure;
        list = new NodeList(
          nodes.filter((_, index) => wanted.has(typeOf[index])),
          this.endOfNode,
        );
      } else {
        list = new NodeList(walk(this.root, types), this.endOfNode);
      }
      this.byTypes.set(key, list);
    }
    this.byArray.set(types, list);
    return list;
  }

  private namesIn(node: Node, types: readonly string[]): NodeList {
    const key = `${types.join(',')}:${node.id}`;
    let list = this.names.get(key);
    if (!list) {
      list = new NodeList(walk(node, types), this.endOfNode);
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
