// Whether an operand of an allocation size holds a value read from user space (model/userSources.ts),
// for alloc-size-overflow: a count a process chose, multiplied unchecked, is what a user makes wrap.
// Followed within the function: the last write of the operand before the allocation is a user read
// (`copy_from_user(&req, …)` for `req.count`, `get_user(n, …)`, `kstrtouint(buf, 0, &n)` of a store
// handler's text, `n = nla_get_u32(…)`, `req = memdup_user(…)` for `req->count`), or an assignment
// from such a value (`n = req.count;`, through casts and le32_to_cpu()), and that write runs on every
// way to the call. Anything else between the read and the call that could bound or change the value
// — a condition the range analysis does not read as a check, the value or its struct passed to a
// function, a loop that writes it again — makes the answer "not known", never "user-controlled".
import type { Node } from 'web-tree-sitter';
import { FIXED_RESULT_TYPES } from '../../model/integerHelpers';
import { USER_HANDLERS, UserSource, userSource } from '../../model/userSources';
import { Span, calleeName, callArguments, descendantsOfType, spanOf } from '../../parsing/syntax';

export interface UserRead {
  /** The read: the call, or the handler's parameter. */
  at: Span;
  /** How it was read, for messages: `copy_from_user()`, `the ioctl argument`. */
  what: string;
}

/** An access path: `req->hdr.count` is ['req', '*', '.hdr', '.count']. */
type Path = string[];

const MAX_CHAIN = 3;
const LOOPS = new Set(['for_statement', 'while_statement', 'do_statement']);
// Calls a value can be passed to without being checked or changed: printing, byte-order conversion.
const HARMLESS_CALLS =
  /^(likely|unlikely|WARN_ON|WARN_ON_ONCE|IS_ERR|IS_ERR_OR_NULL|PTR_ERR|pr_(debug|info|notice|warn|err)|dev_(dbg|info|notice|warn|err)|printk|[bl]e(16|32|64)_to_cpu|cpu_to_[bl]e(16|32|64))$/;

function unwrap(node: Node): Node {
  let current = node;
  while (current.type === 'parenthesized_expression' && current.namedChildCount === 1) current = current.namedChild(0)!;
  return current;
}

/** The value an expression passes on: through parentheses, casts and the byte-order conversions. */
function carried(node: Node): Node {
  let current = unwrap(node);
  for (;;) {
    if (current.type === 'cast_expression' && current.childForFieldName('value')) current = unwrap(current.childForFieldName('value')!);
    else if (current.type === 'call_expression' && (calleeName(current) ?? '') in FIXED_RESULT_TYPES && callArguments(current).length === 1) current = unwrap(callArguments(current)[0]);
    else return current;
  }
}

/** The access path of a name, field path or dereference; undefined for anything else (`a[i]`, calls). */
function pathOf(raw: Node): Path | undefined {
  const node = unwrap(raw);
  if (node.type === 'identifier') return [node.text];
  if (node.type === 'field_expression') {
    const base = node.childForFieldName('argument');
    const field = node.childForFieldName('field');
    const inner = base && pathOf(base);
    if (!inner || !field) return undefined;
    return node.child(1)?.text === '->' ? [...inner, '*', `.${field.text}`] : [...inner, `.${field.text}`];
  }
  if (node.type === 'pointer_expression' && node.child(0)?.text === '*') {
    const inner = node.childForFieldName('argument');
    const path = inner ? pathOf(inner) : undefined;
    return path && [...path, '*'];
  }
  return undefined;
}

/** The object a destination argument points to: `&req` is req, `req` is *req (a buffer, or an array's elements). */
function pointee(argument: Node): Path | undefined {
  const node = carried(argument);
  if (node.type === 'pointer_expression' && node.child(0)?.text === '&') {
    const inner = node.childForFieldName('argument');
    const path = inner && pathOf(inner);
    if (!path) return undefined;
    return path[path.length - 1] === '*' ? path.slice(0, -1) : path;
  }
  const path = pathOf(node);
  return path && [...path, '*'];
}

const isPrefix = (prefix: Path, path: Path) => prefix.length <= path.length && prefix.every((step, index) => path[index] === step);
const related = (a: Path, b: Path) => isPrefix(a, b) || isPrefix(b, a);

/** The outermost access path around an identifier (`req` in `req->hdr.count`), and the node spelling it. */
function accessAround(identifier: Node): { node: Node; path: Path } | undefined {
  let node = identifier;
  for (;;) {
    const parent = node.parent;
    if (!parent) break;
    if (parent.type === 'parenthesized_expression') node = parent;
    else if (parent.type === 'field_expression' && parent.childForFieldName('argument')?.id === node.id) node = parent;
    else if (parent.type === 'pointer_expression' && parent.child(0)?.text === '*') node = parent;
    else break;
  }
  const path = pathOf(node);
  return path && { node, path };
}

type Event = { kind: 'user'; node: Node; call: Node; source: UserSource } | { kind: 'assign'; node: Node; target: Path; value: Node } | { kind: 'write'; node: Node } | { kind: 'use'; node: Node };

/** What one mention of a path related to the key does. */
function eventOf(access: { node: Node; path: Path }, key: Path): Event {
  const { node, path } = access;
  const parent = node.parent;
  if (parent?.type === 'assignment_expression' && parent.childForFieldName('left')?.id === node.id) {
    const value = parent.childForFieldName('right');
    if (parent.child(1)?.text === '=' && value && isPrefix(path, key)) return { kind: 'assign', node: parent, target: path, value };
    return { kind: 'write', node: parent };
  }
  // `struct req *req = memdup_user(…);`: through the pointer declarators to the init declarator.
  let declarator: Node = node;
  while (declarator.parent?.type === 'pointer_declarator') declarator = declarator.parent;
  const declaration = declarator.parent;
  if (declaration?.type === 'init_declarator' && declaration.childForFieldName('declarator')?.id === declarator.id) {
    const value = declaration.childForFieldName('value');
    return value ? { kind: 'assign', node: declaration, target: path, value } : { kind: 'write', node: declaration };
  }
  if (parent?.type === 'update_expression') return { kind: 'write', node: parent };
  // `&x` or `x` as an argument: a user read into it, or a call that may write it.
  let argument: Node = node;
  let address = false;
  if (parent?.type === 'pointer_expression' && parent.child(0)?.text === '&') {
    argument = parent;
    address = true;
  }
  while (argument.parent && (argument.parent.type === 'cast_expression' || argument.parent.type === 'parenthesized_expression')) argument = argument.parent;
  const list = argument.parent;
  const call = list?.type === 'argument_list' ? list.parent : null;
  if (call?.type === 'call_expression') {
    const source = userSource(calleeName(call) ?? '');
    const args = callArguments(call);
    const index = args.findIndex((arg) => arg.id === argument.id);
    if (source && (source.kind === 'copy' || source.kind === 'assign' || source.kind === 'parse') && index === source.destination) {
      const written = source.kind === 'assign' ? pathOf(argument) : pointee(argument);
      if (written && isPrefix(written, key)) return { kind: 'user', node: call, call, source };
      return { kind: 'write', node: call };
    }
    if (address || (source && source.kind === 'assign')) return { kind: 'write', node: call };
  }
  return { kind: 'use', node };
}

function statementOf(node: Node): { statement: Node; conditional: boolean } | undefined {
  let conditional = false;
  for (let current = node; current.parent; current = current.parent) {
    const parent = current.parent;
    if (parent.type === 'compound_statement' || parent.type === 'case_statement') return { statement: current, conditional };
    if (parent.type === 'if_statement' || parent.type === 'switch_statement') {
      if (parent.childForFieldName('condition')?.id === current.id) {
        current = parent;
        if (!current.parent) return undefined;
        if (current.parent.type === 'compound_statement' || current.parent.type === 'case_statement') return { statement: current, conditional };
        return undefined;
      }
      return undefined;
    }
    if (parent.type === 'conditional_expression' || (parent.type === 'binary_expression' && ['&&', '||'].includes(parent.child(1)?.text ?? ''))) conditional = true;
    if (LOOPS.has(parent.type) || parent.type === 'function_definition') return undefined;
  }
  return undefined;
}

/** Whether `write` runs on every way to `call`: its statement is in a block around the call, before it, with no condition skipping it. */
function dominates(write: Node, call: Node): boolean {
  const found = statementOf(write);
  if (!found || found.conditional) return false;
  const block = found.statement.parent!;
  if (!(call.startIndex >= block.startIndex && call.endIndex <= block.endIndex)) return false;
  // A label after the write is a way in that skips it.
  for (const label of descendantsOfType(block, new Set(['labeled_statement', 'case_statement']))) {
    if (label.startIndex > found.statement.startIndex && label.startIndex < call.startIndex && label.id !== block.id) return false;
  }
  return found.statement.startIndex <= call.startIndex;
}

const within = (node: Node, outer: Node) => node.startIndex >= outer.startIndex && node.endIndex <= outer.endIndex;

const COMPARISONS = new Set(['<', '>', '<=', '>=', '==', '!=', '&&', '||']);
const STATEMENTS = new Set(['if_statement', 'while_statement', 'for_statement', 'do_statement', 'switch_statement', 'return_statement', 'compound_statement', 'case_statement', 'function_definition']);

/**
 * A use between the read and the call that can neither bound nor change the value: inside the
 * allocation itself, a comparison in a condition the range analysis reads as a check (its bound is
 * applied there), printing, or an assignment to something else. A comparison anywhere else (a flag,
 * a loop) and any other call it is passed to may bound it without the analysis seeing how.
 */
function harmless(use: Node, pointer: boolean, allowed: readonly Node[], search: Search): boolean {
  if (within(use, search.call)) return true;
  let compared = false;
  for (let current = use.parent; current; current = current.parent) {
    if (allowed.some((condition) => condition.id === current!.id)) return true;
    // An allocation sized by the value does not bound it.
    const callee = current.type === 'call_expression' ? (calleeName(current) ?? '') : undefined;
    if (callee !== undefined && !HARMLESS_CALLS.test(callee) && !search.isAllocation(callee)) return false;
    // Comparing the pointer to the struct (`if (!req)`) says nothing of what it points to.
    if (!pointer && ((current.type === 'binary_expression' && COMPARISONS.has(current.child(1)?.text ?? '')) || current.type === 'conditional_expression')) compared = true;
    if (current.type === 'expression_statement' || current.type === 'declaration') return !compared;
    // A way that returns does not reach the call; a condition on the pointer bounds nothing it points to.
    if (current.type === 'return_statement' || (pointer && STATEMENTS.has(current.type))) return true;
    if (STATEMENTS.has(current.type)) return false;
  }
  return false;
}

function parameterTypes(fn: Node): { names: string[]; types: string[] } | undefined {
  let declarator = fn.childForFieldName('declarator');
  while (declarator && declarator.type !== 'function_declarator') declarator = declarator.childForFieldName('declarator');
  const list = declarator?.childForFieldName('parameters');
  if (!list) return undefined;
  const names: string[] = [];
  const types: string[] = [];
  for (const parameter of list.namedChildren) {
    if (!parameter || parameter.type !== 'parameter_declaration') continue;
    let stars = '';
    let inner = parameter.childForFieldName('declarator');
    while (inner && inner.type === 'pointer_declarator') {
      stars += '*';
      inner = inner.childForFieldName('declarator');
    }
    if (inner?.type !== 'identifier') return undefined;
    const base = parameter.text.slice(0, parameter.childForFieldName('declarator')!.startIndex - parameter.startIndex);
    names.push(inner.text);
    types.push(
      `${base
        .replace(/\b__user\b/g, '')
        .replace(/\s+/g, ' ')
        .trim()}${stars ? ` ${stars}` : ''}`,
    );
  }
  return { names, types };
}

/** The handler parameter `name` is, when the function has a handler signature of model/userSources.ts. */
function handlerParameter(fn: Node, name: string): { what: string; node: Node } | undefined {
  const parameters = parameterTypes(fn);
  if (!parameters) return undefined;
  const handler = USER_HANDLERS.find((candidate) => candidate.parameters.length === parameters.types.length && candidate.parameters.every((type, index) => type === parameters.types[index]));
  if (!handler || parameters.names[handler.user] !== name) return undefined;
  const list = descendantsOfType(fn.childForFieldName('declarator')!, new Set(['parameter_declaration']));
  const node = list[handler.user];
  return node ? { what: handler.what, node } : undefined;
}

interface Search {
  fn: Node;
  /** The allocation: everything between the read and it is looked at. */
  call: Node;
  /** Conditions the range analysis reads as checks of the operand (their bounds apply there). */
  allowed: readonly Node[];
  /** Whether a callee is an allocation API of the model. */
  isAllocation: (name: string) => boolean;
}

/** The user read the value of `key` at `before` comes from, through assignments of the function. */
function readOf(key: Path, before: Node, search: Search, depth: number, text: boolean): UserRead | undefined {
  if (depth > MAX_CHAIN) return undefined;
  const body = search.fn.childForFieldName('body');
  if (!body) return undefined;
  const events: (Event & { pointer: boolean })[] = [];
  for (const identifier of descendantsOfType(body, new Set(['identifier']))) {
    if (identifier.text !== key[0]) continue;
    const access = accessAround(identifier);
    if (!access || !related(access.path, key)) continue;
    events.push({ ...eventOf(access, key), pointer: access.path.length < key.length && key[access.path.length] === '*' });
  }
  const defs = events.filter((event) => event.kind !== 'use' && event.node.endIndex <= before.startIndex);
  const last = defs.reduce<(typeof events)[number] | undefined>((latest, event) => (!latest || event.node.startIndex > latest.node.startIndex ? event : latest), undefined);
  if (!text) {
    // Nothing between the read and the call may check, pass on or write the value; nor a loop around the call write it again.
    const from = last ? last.node.endIndex : body.startIndex;
    const loops: Node[] = [];
    for (let current = search.call.parent; current && current.id !== search.fn.id; current = current.parent) if (LOOPS.has(current.type) && current.startIndex > from) loops.push(current);
    for (const event of events) {
      if (event === last || (last && within(event.node, last.node))) continue;
      const between = event.node.startIndex >= from && event.node.startIndex < search.call.startIndex;
      const inLoop = loops.some((loop) => within(event.node, loop));
      if (!between && !inLoop) continue;
      if (event.kind !== 'use' || !harmless(event.node, event.pointer, depth === 0 ? search.allowed : [], search)) return undefined;
    }
  }
  if (!last) {
    // A handler's parameter: the ioctl argument as a value, a sysfs store's `buf` as the text it points to.
    const parameter = key.length === (text ? 2 : 1) && (!text || key[1] === '*') ? handlerParameter(search.fn, key[0]) : undefined;
    if (!parameter) return undefined;
    // A sysfs store's text is user data only as text; the ioctl argument is a value.
    if (text !== parameter.what.includes('text')) return undefined;
    return { at: spanOf(parameter.node), what: parameter.what };
  }
  if (!dominates(last.node, search.call)) return undefined;
  if (last.kind === 'user') {
    const name = calleeName(last.call)!;
    if (last.source.kind === 'parse' && last.source.string !== undefined) {
      const string = callArguments(last.call)[last.source.string];
      const stringPath = string && pathOf(carried(string));
      if (!stringPath || !readOf([...stringPath, '*'], last.call, { ...search, call: last.call }, depth + 1, true)) return undefined;
    }
    return { at: spanOf(last.call), what: `${name}()` };
  }
  if (last.kind !== 'assign') return undefined;
  const value = carried(last.value);
  const call = value.type === 'call_expression' ? value : undefined;
  const source = call && userSource(calleeName(call) ?? '');
  if (last.target.length === key.length) {
    if (source?.kind === 'value' && !text) return { at: spanOf(call!), what: `${calleeName(call!)}()` };
    const from = pathOf(value);
    return from ? readOf([...from, ...key.slice(last.target.length)], last.node, search, depth + 1, text) : undefined;
  }
  // `req = memdup_user(…)`: what the new buffer holds is user data.
  if (source?.kind === 'buffer' && key[last.target.length] === '*') return { at: spanOf(call!), what: `${calleeName(call!)}()` };
  const from = pathOf(value);
  return from ? readOf([...from, ...key.slice(last.target.length)], last.node, search, depth + 1, text) : undefined;
}

/**
 * The user read an operand's value comes from at an allocation call, or undefined when the
 * function does not show one for certain. `allowed` are the conditions the range analysis reads
 * as checks of this operand: a use there is accounted for by its bound.
 */
export function userReadOf(operand: Node, call: Node, fn: Node, allowed: readonly Node[], isAllocation: (name: string) => boolean): UserRead | undefined {
  const key = pathOf(operand);
  if (!key) return undefined;
  return readOf(key, call, { fn, call, allowed, isAllocation }, 0, false);
}

/** A netlink attribute getter's result type (model/userSources.ts), when `call` is one. */
export function userValueType(call: Node): string | undefined {
  const source = userSource(calleeName(call) ?? '');
  return source?.kind === 'value' ? source.type : undefined;
}
