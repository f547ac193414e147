// Reference-count puts on one function's paths: whether a get of the same object comes right
// before a put on every path to it (`kref_get(&x->ref); …; kref_put(&x->ref, x_release);`), which
// means this put cannot be the last one, so a driver's own put helper that frees through a
// sleeping call is not entered from there. (kref_put()'s release callback itself is never
// followed: whether a put is the last one is state the analysis cannot see.) Pairs come from model/refcounts.ts, and a driver's own
// `foo_get()`/`foo_put()` (or `foo_hold()`/`foo_put()`) pair by name. Answers are data.
import type { Node } from 'web-tree-sitter';
import { refcountPut } from '../../model/refcounts';
import { callArguments, unwrapExpression } from '../../parsing/syntax';
import type { SyntaxIndex } from '../../parsing/syntaxIndex';
import type { FunctionFacts } from '../fileFacts';

export interface RefcountPaths {
  /** A put of an object a get of the same object precedes on every path to it. */
  afterGet(call: Node): boolean;
}

const DRIVER_PUT = /^(\w+_)?put(_\w+)?$/;

/** What a call puts: the gets that pair with it and the object argument. */
function putOf(name: string): { gets: readonly string[]; object: number } | undefined {
  const row = refcountPut(name);
  if (row) return row;
  // A driver's foo_put()/put_foo(), paired with foo_get()/foo_hold()/get_foo().
  if (!DRIVER_PUT.test(name)) return undefined;
  return { gets: [name.replace(/(^|_)put(_|$)/, '$1get$2'), name.replace(/(^|_)put(_|$)/, '$1hold$2')], object: 0 };
}

function objectText(node: Node | undefined): string | undefined {
  return node ? unwrapExpression(node).text.replace(/\s+/g, '') : undefined;
}

/** The statement a call is evaluated in unconditionally (not under `?:`, `&&`, `||` or a condition), if any. */
function unconditionalStatement(call: Node): Node | undefined {
  let child = call;
  for (let parent = call.parent; parent; child = parent, parent = parent.parent) {
    if (parent.type === 'expression_statement' || parent.type === 'declaration') return parent;
    if (parent.type === 'conditional_expression') return undefined;
    if (parent.type === 'binary_expression' && /^(&&|\|\|)$/.test(parent.childForFieldName('operator')?.text ?? '') && child.id !== parent.childForFieldName('left')?.id) return undefined;
    if (!/^(assignment_expression|init_declarator|parenthesized_expression|cast_expression|binary_expression|comma_expression)$/.test(parent.type)) return undefined;
  }
  return undefined;
}

/** Where a get's result goes (`dev = get_device(d)`, `struct device *dev = get_device(d)`). */
function resultTarget(statement: Node, call: Node): string | undefined {
  const parent = call.parent;
  if (parent?.type === 'assignment_expression' && parent.childForFieldName('right')?.id === call.id) return objectText(parent.childForFieldName('left') ?? undefined);
  if (parent?.type === 'init_declarator' && statement.type === 'declaration') {
    let declarator = parent.childForFieldName('declarator');
    while (declarator && declarator.type !== 'identifier') declarator = declarator.childForFieldName('declarator');
    return declarator?.text;
  }
  return undefined;
}

export function refcountPaths(index: SyntaxIndex, fn: FunctionFacts, calls: readonly Node[]): RefcountPaths {
  const labels = index.within(fn.body, ['labeled_statement']);
  // Callee names through the index: the summary has read them already, and every put scans the calls before it.
  return {
    afterGet(call: Node): boolean {
      const name = index.calleeName(call);
      const put = name ? putOf(name) : undefined;
      const object = put ? objectText(callArguments(call)[put.object]) : undefined;
      if (!put || !object) return false;
      for (let position = calls.length - 1; position >= 0; position--) {
        const get = calls[position];
        if (get.startIndex >= call.startIndex) continue;
        const getName = index.calleeName(get);
        if (!getName || !put.gets.includes(getName)) continue;
        const statement = unconditionalStatement(get);
        const block = statement?.parent;
        if (!statement || block?.type !== 'compound_statement' || call.startIndex < statement.endIndex || call.endIndex > block.endIndex) continue;
        if (objectText(callArguments(get)[put.object]) !== object && resultTarget(statement, get) !== object) continue;
        // A label between lets a path skip the get; another put of the object between may drop the reference it took.
        if (labels.some((label) => label.startIndex > statement.endIndex && label.startIndex < call.startIndex)) return false;
        const between = calls.filter((other) => other.startIndex > statement.endIndex && other.startIndex < call.startIndex && index.calleeName(other) === name);
        if (between.some((other) => objectText(callArguments(other)[put.object]) === object)) return false;
        return true;
      }
      return false;
    },
  };
}
