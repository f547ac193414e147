// Small helpers over tree-sitter nodes, shared by every analysis.
import type { Node, Tree } from 'web-tree-sitter';

/** A 0-based range in UTF-16 units, the unit web-tree-sitter and LSP share for JS strings. */
export interface Span {
  startLine: number;
  startColumn: number;
  endLine: number;
  endColumn: number;
}

export function spanOf(node: Node): Span {
  // endPosition is a call into WebAssembly and a new object: read once.
  const end = node.endPosition;
  return { startLine: node.startPosition.row, startColumn: node.startPosition.column, endLine: end.row, endColumn: end.column };
}

export function containsPosition(span: Span, line: number, column: number): boolean {
  if (line < span.startLine || line > span.endLine) return false;
  if (line === span.startLine && column < span.startColumn) return false;
  if (line === span.endLine && column > span.endColumn) return false;
  return true;
}

const SLASH = '/'.charCodeAt(0);

/**
 * Named children without comments. A comment is the only named node of C that starts with `/`,
 * so only children starting with one have their type read (a call into WebAssembly per child).
 */
export function namedChildren(node: Node): Node[] {
  const children = node.namedChildren;
  if (children.length === 0) return [];
  const text = node.text;
  const start = node.startIndex;
  return children.filter((child): child is Node => child !== null && (text.charCodeAt(child.startIndex - start) !== SLASH || child.type !== 'comment'));
}

/**
 * Every node of the given types at or below `root`, in document order, without recursion limits.
 * web-tree-sitter walks the tree inside WebAssembly and marshals only the matches: about 3x faster
 * than a TreeCursor walk from JavaScript. Nothing is memoised: the repeated questions cost under
 * 1% of a folder's analysis (intel/e1000e + igb: 59 ms, 2026-12-01), and the analyses that ask
 * many questions of one function use a parsing/syntaxIndex.ts SyntaxIndex, owned by the caller.
 */
export function descendantsOfType(root: Node, types: ReadonlySet<string>): Node[] {
  return root.descendantsOfType([...types]).filter((node): node is Node => node !== null);
}

/** Strips redundant parentheses and casts: `((gfp_t)(X))` → `X`. */
export function unwrapExpression(node: Node): Node {
  // Each accessor is a call into WebAssembly: the type is read once per level.
  let current = node;
  for (;;) {
    const type = current.type;
    if (type === 'parenthesized_expression' && current.namedChildCount === 1) {
      current = current.namedChild(0)!;
    } else if (type === 'cast_expression') {
      const value = current.childForFieldName('value');
      if (!value) return current;
      current = value;
    } else {
      return current;
    }
  }
}

/** The name of a called function when the callee is a plain identifier. */
export function calleeName(call: Node): string | undefined {
  const callee = call.childForFieldName('function');
  return callee?.type === 'identifier' ? callee.text : undefined;
}

/** Arguments of a call expression, without the punctuation. */
export function callArguments(call: Node): Node[] {
  const list = call.childForFieldName('arguments');
  return list ? namedChildren(list) : [];
}

export function enclosingFunction(node: Node): Node | undefined {
  for (let current = node.parent; current; current = current.parent) {
    if (current.type === 'function_definition') return current;
  }
  return undefined;
}

/** The identifier a function definition declares, through pointer and attribute wrappers. */
export function functionName(definition: Node): string | undefined {
  let declarator = definition.childForFieldName('declarator');
  while (declarator && declarator.type !== 'function_declarator') {
    declarator = declarator.childForFieldName('declarator');
  }
  const name = declarator?.childForFieldName('declarator');
  return name?.type === 'identifier' ? name.text : undefined;
}

export function hasErrorInside(node: Node): boolean {
  return node.hasError;
}

/**
 * Deeper syntax than any driver has (linux-6.1 drivers/: e1000e/netdev.c reaches 18 levels) makes
 * recursive analyses overflow the stack or go quadratic: 10,000 brace-less nested `if`s pass a
 * bracket count but not this. A full walk costs tens of milliseconds on a large file, too much per
 * keystroke, so the tree is probed: a cursor descends towards evenly spaced offsets, each probe
 * O(depth). A deep region of any useful size holds several probes.
 */
// Four syntax levels per bracket level of the text gate (MAX_NESTING = 256 in
// workspace/sourceText.ts): a braced `if` is two nodes per brace, and every text the text gate
// accepts must pass here too.
export const MAX_SYNTAX_DEPTH = 1024;
const PROBE_SPACING = 2048;
const MAX_PROBES = 512;

export function syntaxDepthReason(tree: Tree): string | undefined {
  const length = tree.rootNode.endIndex;
  const probes = Math.min(MAX_PROBES, Math.max(1, Math.ceil(length / PROBE_SPACING)));
  const cursor = tree.walk();
  try {
    for (let probe = 0; probe < probes; probe++) {
      const index = Math.floor(((probe + 0.5) * length) / probes);
      cursor.reset(tree.rootNode);
      let depth = 0;
      while (cursor.gotoFirstChildForIndex(index)) {
        if (++depth > MAX_SYNTAX_DEPTH) return `syntax nests deeper than ${MAX_SYNTAX_DEPTH} levels`;
      }
    }
    return undefined;
  } finally {
    cursor.delete();
  }
}

/** Callee names to find by text: the set and one regex over the text that finds their calls. */
export interface CalleeNames {
  readonly names: ReadonlySet<string>;
  readonly pattern: RegExp;
}

export function calleeNames(names: Iterable<string>): CalleeNames {
  const set = new Set(names);
  // Longest first, so an alternation never stops at a name that prefixes another.
  const alternatives = [...set].sort((a, b) => b.length - a.length).map((name) => name.replace(/[^\w]/g, ''));
  return { names: set, pattern: new RegExp(`\\b(?:${alternatives.join('|')})\\s*\\(`, 'g') };
}

/**
 * Calls of a tree whose callee is one of `wanted`, in document order, located from the text and
 * checked against the tree: a name in a comment, a string or a #define body is no call node and is
 * passed over. One regex scan and a few node look-ups instead of a walk of every node.
 */
export function callsNamed(root: Node, text: string, wanted: CalleeNames): Node[] {
  const calls: Node[] = [];
  for (const match of text.matchAll(wanted.pattern)) {
    const identifier = root.descendantForIndex(match.index!);
    const call = identifier?.parent;
    if (!identifier || identifier.type !== 'identifier' || call?.type !== 'call_expression') continue;
    if (call.childForFieldName('function')?.id !== identifier.id || !wanted.names.has(identifier.text)) continue;
    calls.push(call);
  }
  return calls;
}
