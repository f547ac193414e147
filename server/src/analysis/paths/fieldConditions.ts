// Which tests of a struct field decide whether a point of a function runs: the branches of `if`,
// `?:`, `while` and `for` that enclose it, and early exits before it (`if (p->f) return;`,
// `if (p->f) goto out;` before `out:`). A condition is named structurally, by the struct type
// of the variable it starts from and the field path (`struct foo_priv.use_hrtimer`), so the
// registration in probe() and the test in the callback, written with different variables, name
// the same condition. Answers are data (analysis/paths/contradictions.ts reads them in the
// composition); a field written between the test and the point is not used there: it may have changed.
import type { Node } from 'web-tree-sitter';
import { callArguments, calleeName, namedChildren } from '../../parsing/syntax';
import type { SyntaxIndex } from '../../parsing/syntaxIndex';
import type { FunctionFacts } from '../fileFacts';
import type { PathCondition } from '../summaries/functionSummary';

/** Declared types of a function's parameters and locals: `priv` → `struct foo_priv`; undefined = unknown or declared twice differently. */
function declaredTypes(index: SyntaxIndex, fn: FunctionFacts): Map<string, string | undefined> {
  const types = new Map<string, string | undefined>();
  for (const declaration of index.within(fn.node, ['parameter_declaration', 'declaration'])) {
    const type = declaration.childForFieldName('type');
    let typeName: string | undefined;
    if (type?.type === 'struct_specifier' || type?.type === 'union_specifier') {
      const name = type.childForFieldName('name')?.text;
      typeName = name ? `${type.type === 'struct_specifier' ? 'struct' : 'union'} ${name}` : undefined;
    } else if (type?.type === 'type_identifier') typeName = type.text;
    if (!typeName) continue;
    for (const declarator of declaration.childrenForFieldName('declarator')) {
      let inner: Node | null = declarator;
      while (inner && inner.type !== 'identifier') inner = inner.type === 'init_declarator' || inner.type === 'pointer_declarator' ? inner.childForFieldName('declarator') : null;
      if (!inner) continue;
      const known = types.get(inner.text);
      types.set(inner.text, types.has(inner.text) && known !== typeName ? undefined : typeName);
    }
  }
  return types;
}

/** `(x)`, `likely(x)`, `unlikely(x)`, `!!x` → x. */
function strip(node: Node): Node {
  let current = node;
  for (;;) {
    if (current.type === 'parenthesized_expression' && current.namedChildCount === 1) current = current.namedChild(0)!;
    else if (current.type === 'call_expression' && /^(likely|unlikely)$/.test(calleeName(current) ?? '') && callArguments(current).length === 1) current = callArguments(current)[0];
    else if (current.type === 'unary_expression' && current.childForFieldName('operator')?.text === '!' && stripsDoubleNegation(current))
      current = current.childForFieldName('argument')!.childForFieldName('argument')!;
    else return current;
  }
}

function stripsDoubleNegation(node: Node): boolean {
  const argument = node.childForFieldName('argument');
  return argument?.type === 'unary_expression' && argument.childForFieldName('operator')?.text === '!';
}

/** `priv->cfg.use_hrtimer` → `struct foo_priv.cfg.use_hrtimer` when `priv`'s type is declared here. */
function fieldPath(node: Node, types: ReadonlyMap<string, string | undefined>): string | undefined {
  const fields: string[] = [];
  let current = node;
  while (current.type === 'field_expression') {
    const field = current.childForFieldName('field');
    if (!field) return undefined;
    fields.unshift(field.text);
    current = strip(current.childForFieldName('argument')!);
  }
  if (current.type !== 'identifier' || fields.length === 0) return undefined;
  const type = types.get(current.text);
  return type ? `${type}.${fields.join('.')}` : undefined;
}

/** A constant operand of a bit test: a macro-like name or a number. */
function bitOperand(node: Node): string | undefined {
  const inner = strip(node);
  if (inner.type === 'number_literal') return inner.text;
  if (inner.type === 'identifier' && /^[A-Z][A-Z0-9_]*$/.test(inner.text)) return inner.text;
  if (inner.type === 'call_expression' && calleeName(inner) === 'BIT' && callArguments(inner).length === 1) return `BIT(${callArguments(inner)[0].text})`;
  return undefined;
}

/** The field tests a condition asserts when it is `holds`: `a && b` true asserts both, `a || b` false asserts neither. */
function atomsOf(condition: Node, holds: boolean, types: ReadonlyMap<string, string | undefined>): PathCondition[] {
  const node = strip(condition);
  if (node.type === 'unary_expression' && node.childForFieldName('operator')?.text === '!') return atomsOf(node.childForFieldName('argument')!, !holds, types);
  if (node.type === 'binary_expression') {
    const operator = node.childForFieldName('operator')?.text;
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    if (!left || !right) return [];
    if ((operator === '&&' && holds) || (operator === '||' && !holds)) return [...atomsOf(left, holds, types), ...atomsOf(right, holds, types)];
    if (operator === '&') {
      const path = fieldPath(strip(left), types);
      const bit = bitOperand(right);
      return path && bit ? [{ key: `${path}&${bit}`, holds }] : [];
    }
    return [];
  }
  const path = fieldPath(node, types);
  return path ? [{ key: path, holds }] : [];
}

/** A statement that always leaves: `return …;`, `goto l;`, or a block ending in one. The goto label, if any. */
function exitOf(statement: Node | null): { label?: string } | undefined {
  if (!statement) return undefined;
  if (statement.type === 'return_statement') return {};
  if (statement.type === 'goto_statement') return { label: statement.childForFieldName('label')?.text ?? '' };
  if (statement.type === 'compound_statement') {
    const last = namedChildren(statement)
      .filter((child) => child.type !== 'comment')
      .pop();
    return last ? exitOf(last) : undefined;
  }
  return undefined;
}

/** The conditions that decide whether the points of one function run. */
export interface FieldConditions {
  /** The field tests that hold whenever `node` runs (no duplicates; a contradictory pair drops both). */
  at(node: Node): PathCondition[];
  /** The field a call's result is stored in (`priv->buf = kmalloc(…)` → `struct foo_priv.buf`). */
  assignedField(call: Node): string | undefined;
  /** The structural name of a field expression (`&priv->timer` → `struct foo_priv.timer`). */
  fieldKey(node: Node): string | undefined;
  /** The same for a path written as text (a macro's expansion, locks/macroCalls.ts): a variable of the function and its fields. */
  pathKey(variable: string, fields: readonly string[]): string | undefined;
}

export function fieldConditions(index: SyntaxIndex, fn: FunctionFacts): FieldConditions {
  const types = declaredTypes(index, fn);
  // A field written between the test and the point may have changed on the way: not used there.
  const writes: { path: string; at: number }[] = [];
  for (const assignment of index.within(fn.body, ['assignment_expression', 'update_expression'])) {
    const target = assignment.type === 'assignment_expression' ? assignment.childForFieldName('left') : assignment.childForFieldName('argument');
    const path = target ? fieldPath(strip(target), types) : undefined;
    // The write happens when the assignment completes: a call on its right runs before it.
    if (path) writes.push({ path, at: assignment.endIndex });
  }
  const unwritten = (conditions: PathCondition[], from: number, to: number) =>
    writes.length === 0 ? conditions : conditions.filter((condition) => !writes.some((write) => write.at >= from && write.at < to && write.path === condition.key.replace(/&.*$/, '')));
  const labels = index.within(fn.body, ['labeled_statement']);
  // Early exits at block level: `if (c) return;` makes what follows in the block run only when !c.
  const exits: { after: number; until: number; conditions: PathCondition[]; block: Node }[] = [];
  for (const statement of index.within(fn.body, ['if_statement'])) {
    if (statement.childForFieldName('alternative') || statement.parent?.type !== 'compound_statement') continue;
    const exit = exitOf(statement.childForFieldName('consequence'));
    const condition = statement.childForFieldName('condition');
    if (!exit || !condition) continue;
    let until = statement.parent.endIndex;
    if (exit.label !== undefined) {
      const target = labels.find((label) => label.childForFieldName('label')?.text === exit.label);
      // A backward goto repeats the test: no claim.
      if (!target || target.startIndex < statement.endIndex) continue;
      until = Math.min(until, target.startIndex);
    }
    // Another label between the exit and the point lets some path skip the test.
    const next = labels.find((label) => label.startIndex >= statement.endIndex && label.startIndex < until);
    if (next) until = next.startIndex;
    const conditions = atomsOf(condition, false, types);
    if (conditions.length > 0) exits.push({ after: statement.endIndex, until, conditions, block: statement.parent });
  }

  // A condition's field tests, read once per sense: every call under it asks.
  const atomsRead = new Map<string, PathCondition[]>();
  return {
    pathKey(variable: string, fields: readonly string[]): string | undefined {
      const type = fields.length > 0 ? types.get(variable) : undefined;
      return type ? `${type}.${fields.join('.')}` : undefined;
    },
    fieldKey(node: Node): string | undefined {
      let inner = strip(node);
      if (inner.type === 'pointer_expression' && inner.childForFieldName('operator')?.text === '&') inner = strip(inner.childForFieldName('argument')!);
      return fieldPath(inner, types);
    },
    assignedField(call: Node): string | undefined {
      let value = call;
      for (let parent = index.parent(value); parent && (index.type(parent) === 'parenthesized_expression' || index.type(parent) === 'cast_expression'); parent = index.parent(value)) value = parent;
      const assignment = index.parent(value);
      if (!assignment || index.type(assignment) !== 'assignment_expression') return undefined;
      const operator = index.field(assignment, 'operator');
      if (!operator || index.text(operator) !== '=' || index.field(assignment, 'right')?.id !== value.id) return undefined;
      const left = index.field(assignment, 'left');
      return left ? fieldPath(strip(left), types) : undefined;
    },
    at(node: Node): PathCondition[] {
      const found: PathCondition[] = [];
      // Nodes, fields and end offsets through the index: the calls of one statement share their way up.
      const within = (outer: Node | null) => !!outer && index.contains(outer, node);
      const atoms = (condition: Node, holds: boolean) => {
        const key = `${condition.id}:${holds}`;
        let known = atomsRead.get(key);
        if (!known) atomsRead.set(key, (known = atomsOf(condition, holds, types)));
        return known;
      };
      for (let child = node, parent = index.parent(node); parent && child.id !== fn.body.id; child = parent, parent = index.parent(parent)) {
        const type = index.type(parent);
        if (type === 'if_statement' || type === 'conditional_expression') {
          const condition = index.field(parent, 'condition');
          if (!condition || within(condition)) continue;
          if (within(index.field(parent, 'consequence'))) found.push(...unwritten(atoms(condition, true), index.endOf(condition), node.startIndex));
          else if (within(index.field(parent, 'alternative'))) found.push(...unwritten(atoms(condition, false), index.endOf(condition), node.startIndex));
        } else if (type === 'while_statement' || type === 'for_statement') {
          const condition = index.field(parent, 'condition');
          // The body may write the field for the next test anywhere in it.
          if (condition && within(index.field(parent, 'body'))) found.push(...unwritten(atoms(condition, true), parent.startIndex, index.endOf(parent)));
        }
      }
      for (const exit of exits) if (node.startIndex >= exit.after && index.endOf(node) <= exit.until && within(exit.block)) found.push(...unwritten(exit.conditions, exit.after, node.startIndex));
      const byKey = new Map<string, boolean | 'both'>();
      for (const condition of found) {
        const known = byKey.get(condition.key);
        byKey.set(condition.key, known === undefined || known === condition.holds ? condition.holds : 'both');
      }
      return [...byKey]
        .filter((entry): entry is [string, boolean] => entry[1] !== 'both')
        .map(([key, holds]) => ({ key, holds }))
        .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    },
  };
}
