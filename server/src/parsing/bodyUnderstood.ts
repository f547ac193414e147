// Which function bodies the engine understands: one definition, read by the lock walk
// (analysis/locks/lockRegions.ts gives no facts for a body it does not understand) and by the
// statistics of `kalloc check --stats`, so the figures count exactly what the engine skips.
import type { Node, Tree } from 'web-tree-sitter';
import { calleeName } from './syntax';

const STATEMENT_TYPES = new Set([
  'compound_statement',
  'expression_statement',
  'declaration',
  'if_statement',
  'switch_statement',
  'while_statement',
  'do_statement',
  'for_statement',
  'return_statement',
  'break_statement',
  'continue_statement',
  'goto_statement',
  'labeled_statement',
  'case_statement',
  'attributed_statement',
]);

/** The first node that makes a body not understood: an ERROR node or a missing token. */
export function bodyFailure(body: Node): Node | undefined {
  if (!body.hasError) return undefined;
  const stack: Node[] = [body];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.type === 'ERROR') {
      // A type passed to a macro (`container_of(p, struct foo, node)`) hides no call and no flow.
      // Same for an annotated cast (`(void __iomem *)p`).
      if ((node.parent?.type === 'argument_list' || node.parent?.type === 'cast_expression') && /^[\w\s*]+$/.test(node.text)) continue;
      return node;
    }
    if (node.isMissing) {
      // The `;` tree-sitter invents after `macro(args)` followed by a block, or inside a
      // declaration with an annotation it does not know (`void __iomem *base = …`): the calls
      // keep their order either way.
      const statement = node.parent;
      if (node.type !== ';') return node;
      if (statement?.type === 'declaration') continue;
      // A label right before a block's `}` (`out:\n}`, valid since C23): an empty statement.
      if (statement?.type === 'expression_statement' && statement.childCount === 1 && statement.parent?.type === 'labeled_statement') continue;
      if (statement?.type !== 'expression_statement' || !iteratorHead(statement)) return node;
      continue;
    }
    if (!node.hasError && !node.isMissing) continue;
    // Children pushed last are popped first: visit them in reverse so the first failure in
    // document order is the one reported.
    for (let index = node.childCount - 1; index >= 0; index--) {
      const child = node.child(index);
      if (child) stack.push(child);
    }
  }
  return undefined;
}

/** Whether the body parses into statements this analysis understands. */
export function bodyUnderstood(body: Node): boolean {
  return bodyFailure(body) === undefined;
}

/** For `macro(args) <missing ;>` followed by a statement: the macro call; else undefined. */
export function iteratorHead(statement: Node): Node | undefined {
  const last = statement.lastChild;
  if (!last?.isMissing) return undefined;
  const expression = statement.namedChild(0);
  if (expression?.type !== 'call_expression' || !calleeName(expression)) return undefined;
  const next = statement.nextNamedSibling;
  return next && STATEMENT_TYPES.has(next.type) ? expression : undefined;
}

/** Why a body is not understood, or why a body has no definition around it, for `--stats`. */
export type SkipReason =
  | 'string-macro'
  | 'annotation'
  | 'iterator-macro'
  | 'scoped-guard'
  | 'case-range'
  | 'preprocessor'
  | 'statement-as-macro-argument'
  | 'macro-without-semicolon'
  | 'offsetof'
  | 'lost-definition'
  | 'other';

/** How a definition's body fared: understood, or the reason it was skipped. */
export interface BodyCensus {
  /** Function definitions the tree has, plus bodies with no definition around them. */
  functions: number;
  understood: number;
  /** By reason; `lost-definition`: a body opened by `{` in column 0 that is no top-level definition of the tree. */
  skipped: Partial<Record<SkipReason, number>>;
}

function lineAt(text: string, index: number): string {
  const start = text.lastIndexOf('\n', index - 1) + 1;
  const end = text.indexOf('\n', index);
  return text.slice(start, end === -1 ? text.length : end);
}

function previousLine(text: string, index: number): string {
  const start = text.lastIndexOf('\n', index - 1);
  return start <= 0 ? '' : lineAt(text, start - 1);
}

/**
 * A best reading of which construct made the parser fail at `failure`, from the user's text
 * around it (the construct, not the tree, is what a maintainer can act on).
 */
export function skipReason(failure: Node, text: string): SkipReason {
  const line = lineAt(text, failure.startIndex);
  const previous = previousLine(text, failure.startIndex);
  const near = failure.isMissing ? `${previous}\n${line}` : `${line}\n${failure.text.slice(0, 200)}`;
  const before = text
    .slice(Math.max(0, failure.startIndex - 600), failure.startIndex)
    .split('\n')
    .slice(-8);
  if (/^\s*#/.test(line) || failure.text.startsWith('#') || failure.type.startsWith('#') || before.some((earlier) => /^\s*#\s*(?:if|else|elif|endif)/.test(earlier))) return 'preprocessor';
  if (/\bcase\b[^:]*\.\.\./.test(near)) return 'case-range';
  if (/\bscoped_guard\s*\(/.test(`${previous}\n${line}`)) return 'scoped-guard';
  if (/(?:^|_)for_each(?:_\w*)?\s*\(/m.test(`${previous}\n${line}`)) return 'iterator-macro';
  if (/\boffsetof\s*\(/.test(near)) return 'offsetof';
  if (/\b[A-Za-z_]\w*\s*"|"\s*[A-Za-z_]\w*\b(?!\s*\()/.test(line.replace(/"(?:[^"\\]|\\.)*"/g, '"'))) return 'string-macro';
  if (/\b__\w+/.test(near)) return 'annotation';
  if (/\breturn\b[^;]*;\s*\)|;\s*\)\s*;/.test(near)) return 'statement-as-macro-argument';
  if (failure.isMissing && failure.type === ';' && /\)\s*$/.test(previous)) return 'macro-without-semicolon';
  return 'other';
}

/**
 * The census of a file's bodies. `definitions` are the top-level function definitions the
 * analyses see (FileFacts.functions); a body opened by `{` in column 0 that is none of theirs is a
 * function the parser lost, counted as seen and skipped.
 */
export function bodyCensus(tree: Tree, definitions: readonly { body: Node }[], text: string): BodyCensus {
  const census: BodyCensus = { functions: 0, understood: 0, skipped: {} };
  const skip = (reason: SkipReason) => (census.skipped[reason] = (census.skipped[reason] ?? 0) + 1);
  const bodies = new Set<number>();
  for (const { body } of definitions) {
    bodies.add(body.startIndex);
    census.functions++;
    const failure = bodyFailure(body);
    if (failure) skip(skipReason(failure, text));
    else census.understood++;
  }
  for (const match of text.matchAll(/^\{/gm)) {
    if (bodies.has(match.index)) continue;
    const brace = tree.rootNode.descendantForIndex(match.index, match.index + 1);
    if (brace?.type !== '{' || brace.parent?.type !== 'compound_statement') continue;
    census.functions++;
    skip('lost-definition');
  }
  return census;
}
