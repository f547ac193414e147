// Value ranges of an allocation's size argument, to tell a product that can wrap from one that
// cannot. A small interval analysis over the argument's syntax tree, evaluated in C's types for the
// configured data model: operands get the range of their declared type (locals, parameters, struct
// fields, casts; sizeof is size_t), narrowed by what the enclosing function establishes before the
// call — every assignment of a local being a constant (a switch setting the count), checks that
// leave (`if (n > MAX) return …;`, `goto`), an enclosing `if`, and the clamping macros. Each
// operation is computed in the type C's usual arithmetic conversions give it (`int * int` in int,
// `u32 * u32` in unsigned int, `size_t` arithmetic in unsigned long); an exact result outside that
// type is a wrap point. Anything not understood makes the range unknown: callers treat unknown as
// "can overflow", so the analysis only ever removes a warning it can prove needless.
import type { Node } from 'web-tree-sitter';
import { allocApi } from '../../model/apis';
import { integerType } from '../../model/ctypes';
import { ASSUMED_MAX_TYPE_SIZE, CLAMPS, CONDITION_WRAPPERS, FIXED_RESULT_TYPES, KERNEL_CONSTANT_TYPES, isAssigningMacro } from '../../model/integerHelpers';
import { kernelLimit } from '../../model/limits';
import { Span, calleeName, callArguments, descendantsOfType, enclosingFunction, spanOf } from '../../parsing/syntax';
import { ConstantScope, constantIntegerType, evaluateText } from './constants';
import { parseExpression } from './expressions';
import { userReadOf, userValueType } from './userCounts';

export interface IntegerType {
  bits: number;
  signed: boolean;
  /** How the type is spelled in messages (`u16`, `int`, `size_t`). */
  name: string;
}

/** Why an operand has the range it has. */
export type RangeSource =
  | { kind: 'constant' }
  | { kind: 'type'; type: string }
  /** sizeof of a type whose layout is unknown: at most ASSUMED_MAX_TYPE_SIZE. */
  | { kind: 'assumed-sizeof' }
  /** Every assignment of the local in the function is in range (0-based lines). */
  | { kind: 'assignments'; lines: number[] }
  /** A check before the call, or the `if` around it (0-based line). */
  | { kind: 'check'; line: number }
  /** The last assignment before the call (`n = min(n, MAX);`, 0-based line). */
  | { kind: 'assignment'; line: number }
  | { kind: 'clamp'; callee: string }
  /**
   * A check before the call bounds the value by an expression the analysis cannot evaluate
   * (`if (n > dev->max) return …;`): bounded on that side, the bound not known (0-based line).
   */
  | { kind: 'unknown-bound'; line: number; side: 'min' | 'max' }
  /**
   * The value was read from user space (model/userSources.ts) and reaches the call unchanged
   * (analysis/sizes/userCounts.ts): every value of its range is one a process can choose.
   */
  | { kind: 'user'; what: string; at: Span }
  /**
   * A check before the call compares the value with an upper bound that leaves its range as it was
   * (`if (n > dev->limit)` with a u32 `limit`): no range, but the value is bounded by something.
   */
  | { kind: 'compared'; line: number };

export interface OperandRange {
  node: Node;
  text: string;
  min: bigint;
  max: bigint;
  type: IntegerType;
  sources: RangeSource[];
}

/** An operation whose exact result can leave the type it is computed in. */
export interface WrapPoint {
  node: Node;
  /** The type the operation is computed in (for the final conversion: size_t). */
  type: IntegerType;
  /** The exact range before wrapping. */
  min: bigint;
  max: bigint;
  conversion: boolean;
}

export interface SizeRange {
  /** Absent when some operand is not understood. */
  min?: bigint;
  max?: bigint;
  operands: OperandRange[];
  wraps: WrapPoint[];
  /** The first operand the analysis did not understand. */
  unknown?: Node;
  /** A negative operand makes the request at least SIZE_MAX / 2, which fails; min/max are the rest. */
  failsWhenNegative?: boolean;
}

interface Value {
  min: bigint;
  max: bigint;
  type: IntegerType;
  /** A possibly negative value was added to or subtracted from: a negative count can end up a small size. */
  mixed?: boolean;
}

interface Context {
  scope: ConstantScope;
  call: Node;
  fn: Node | undefined;
  operands: OperandRange[];
  wraps: WrapPoint[];
  unknown?: Node;
  /** Flow narrowing nests (a local assigned from another local) only this deep. */
  depth: number;
}

const MAX_DEPTH = 3;

function bounds(type: IntegerType): { min: bigint; max: bigint } {
  if (type.bits === 1) return { min: 0n, max: 1n };
  return type.signed ? { min: -(1n << BigInt(type.bits - 1)), max: (1n << BigInt(type.bits - 1)) - 1n } : { min: 0n, max: (1n << BigInt(type.bits)) - 1n };
}

function typeNamed(name: string, scope: ConstantScope): IntegerType | undefined {
  const type = integerType(name, scope.config);
  return type && { ...type, name: name.replace(/\s+/g, ' ').trim() };
}

function sizeT(scope: ConstantScope): IntegerType {
  return { ...integerType('size_t', scope.config)!, name: 'size_t' };
}

function intType(): IntegerType {
  return { bits: 32, signed: true, name: 'int' };
}

/** Integer promotion (C11 6.3.1.1): types narrower than int become int. */
function promote(type: IntegerType): IntegerType {
  return type.bits < 32 ? intType() : type;
}

/** The usual arithmetic conversions (C11 6.3.1.8) for two integer types. */
export function commonType(a: IntegerType, b: IntegerType): IntegerType {
  const left = promote(a);
  const right = promote(b);
  if (left.signed === right.signed) return left.bits >= right.bits ? left : right;
  const [unsigned, signed] = left.signed ? [right, left] : [left, right];
  if (unsigned.bits >= signed.bits) return unsigned;
  return signed;
}

function fits(value: { min: bigint; max: bigint }, type: IntegerType): boolean {
  const limits = bounds(type);
  return value.min >= limits.min && value.max <= limits.max;
}

function full(type: IntegerType): Value {
  return { ...bounds(type), type };
}

/** A conversion to `type`: exact when the range fits, else the whole type (a wrap). */
function convert(value: Value, type: IntegerType): Value {
  return { ...(fits(value, type) ? { min: value.min, max: value.max, type } : full(type)), ...(value.mixed ? { mixed: true } : {}) };
}

function unwrap(node: Node): Node {
  let current = node;
  while (current.type === 'parenthesized_expression' && current.namedChildCount === 1) current = current.namedChild(0)!;
  return current;
}

const normalized = (text: string) => text.replace(/\s+/g, '');

/** The size argument's range, its operands and the operations that can wrap. */
export function sizeArgumentRange(argument: Node, call: Node, scope: ConstantScope): SizeRange {
  const context: Context = { scope, call, fn: enclosingFunction(call), operands: [], wraps: [], depth: 0 };
  const value = evaluateNode(argument, context);
  if (!value) return { operands: context.operands, wraps: context.wraps, unknown: context.unknown ?? argument };
  // The argument is converted to the size_t parameter: a negative value down to -SIZE_MAX/2 becomes
  // a request of at least SIZE_MAX / 2, which fails (kmalloc above KMALLOC_MAX_SIZE, vmalloc above
  // the vmalloc space); anything else outside size_t is a wrap.
  const size = sizeT(scope);
  const half = 1n << BigInt(size.bits - 1);
  const failsWhenNegative = value.min < 0n && value.min >= -half && value.max <= bounds(size).max && !value.mixed;
  if (!fits(value, size) && !failsWhenNegative) context.wraps.push({ node: argument, type: size, min: value.min, max: value.max, conversion: true });
  if (failsWhenNegative) return { min: 0n, max: value.max < 0n ? 0n : value.max, operands: context.operands, wraps: context.wraps, failsWhenNegative };
  const converted = convert(value, size);
  return { min: converted.min, max: converted.max, operands: context.operands, wraps: context.wraps };
}

function unknown(node: Node, context: Context): undefined {
  context.unknown ??= node;
  return undefined;
}

function evaluateNode(raw: Node, context: Context): Value | undefined {
  const node = unwrap(raw);
  const { scope } = context;
  const constant = constantValue(node, context);
  if (constant) return constant;
  switch (node.type) {
    case 'binary_expression':
      return binary(node, context);
    case 'conditional_expression': {
      const then = node.childForFieldName('consequence');
      const otherwise = node.childForFieldName('alternative');
      const a = then && evaluateNode(then, context);
      const b = otherwise && evaluateNode(otherwise, context);
      if (!a || !b) return unknown(node, context);
      const type = commonType(a.type, b.type);
      const left = convert(a, type);
      const right = convert(b, type);
      return { min: left.min < right.min ? left.min : right.min, max: left.max > right.max ? left.max : right.max, type, ...(a.mixed || b.mixed ? { mixed: true } : {}) };
    }
    case 'sizeof_expression':
      return assumedSizeof(node, context);
    case 'cast_expression': {
      const type = typeNamed(node.childForFieldName('type')?.text ?? '', scope);
      const operandNode = node.childForFieldName('value');
      if (!type || !operandNode) return unknown(node, context);
      // A cast bounds its value whatever the operand: `(u16)anything` is in [0, 65535].
      const inner = forked(context);
      const operand = evaluateNode(operandNode, inner);
      if (operand && !inner.unknown) {
        adopt(context, inner);
        return convert(operand, type);
      }
      return record(node, full(type), [{ kind: 'type', type: type.name }], context);
    }
    case 'call_expression':
      return callValue(node, context);
    case 'identifier':
    case 'field_expression':
    case 'subscript_expression':
      return variable(node, context);
    default:
      return unknown(node, context);
  }
}

function forked(context: Context): Context {
  return { ...context, operands: [], wraps: [], unknown: undefined };
}

function adopt(context: Context, inner: Context): void {
  context.operands.push(...inner.operands);
  context.wraps.push(...inner.wraps);
}

function record(node: Node, value: Value, sources: RangeSource[], context: Context): Value {
  context.operands.push({ node, text: node.text.replace(/\s+/g, ' '), min: value.min, max: value.max, type: value.type, sources });
  return value;
}

/** A constant (literal, macro, enum constant, sizeof with a known layout), typed as C types it. */
function constantValue(node: Node, context: Context): Value | undefined {
  if (!['number_literal', 'char_literal', 'identifier', 'sizeof_expression', 'call_expression', 'binary_expression', 'cast_expression'].includes(node.type)) return undefined;
  // INT_MAX, SIZE_MAX…: exact in bigint, with the limit's own type (model/limits.ts).
  const limit = node.type === 'identifier' && !context.scope.macros.has(node.text) ? kernelLimit(node.text, context.scope.config) : undefined;
  const limitType = limit && typeNamed(limit.type, context.scope);
  if (limit && limitType) return record(node, { min: limit.value, max: limit.value, type: limitType }, [{ kind: 'constant' }], context);
  const evaluation = evaluateText(node.text, context.scope);
  if (!evaluation) return undefined;
  const value = BigInt(evaluation.value);
  const kernelType = node.type === 'identifier' && !context.scope.macros.has(node.text) ? KERNEL_CONSTANT_TYPES[node.text] : undefined;
  const typed = kernelType ? integerType(kernelType, context.scope.config) : constantIntegerType(node.text, context.scope);
  let type: IntegerType;
  const size = sizeT(context.scope);
  if (typed) type = { ...typed, name: !typed.signed && typed.bits === size.bits ? 'size_t' : `${typed.signed ? '' : 'unsigned '}${typed.bits === 32 ? 'int' : 'long long'}` };
  else if (node.type === 'sizeof_expression' || ['ARRAY_SIZE', 'offsetof', 'sizeof_field', 'struct_size', 'flex_array_size'].includes(calleeName(node) ?? '')) type = size;
  // An enum constant is an int (C11 6.4.4.3); a macro whose type is unknown is taken as int
  // when it fits, the narrowest type a product can be computed in.
  else type = fits({ min: value, max: value }, intType()) ? intType() : { bits: 64, signed: true, name: 'long long' };
  if (!fits({ min: value, max: value }, type)) return undefined;
  if (node.type !== 'number_literal' && node.type !== 'char_literal') record(node, { min: value, max: value, type }, [{ kind: 'constant' }], context);
  return { min: value, max: value, type };
}

/** sizeof of a type whose layout the model cannot compute: size_t, at most the assumed bound. */
function assumedSizeof(node: Node, context: Context): Value {
  return record(node, { min: 0n, max: BigInt(ASSUMED_MAX_TYPE_SIZE), type: sizeT(context.scope) }, [{ kind: 'assumed-sizeof' }], context);
}

function binary(node: Node, context: Context): Value | undefined {
  const op = node.child(1)?.text ?? '';
  const leftNode = node.childForFieldName('left');
  const rightNode = node.childForFieldName('right');
  if (!leftNode || !rightNode) return unknown(node, context);
  const left = evaluateNode(leftNode, context);
  const right = evaluateNode(rightNode, context);
  if (!left || !right) return undefined;
  const result = arithmetic(node, op, left, right, leftNode, rightNode, context);
  const mixed = left.mixed || right.mixed || ((op === '+' || op === '-') && (left.min < 0n || right.min < 0n));
  return result && mixed ? { ...result, mixed: true } : result;
}

function arithmetic(node: Node, op: string, left: Value, right: Value, leftNode: Node, rightNode: Node, context: Context): Value | undefined {
  if (['<', '>', '<=', '>=', '==', '!=', '&&', '||'].includes(op)) return { min: 0n, max: 1n, type: intType() };
  if (op === '<<' || op === '>>') {
    const type = promote(left.type);
    const a = convert(left, type);
    if (a.min < 0n || right.min < 0n || right.max >= BigInt(type.bits)) return unknown(node, context);
    const exact = op === '<<' ? { min: a.min << right.min, max: a.max << right.max } : { min: a.min >> right.max, max: a.max >> right.min };
    return checked(node, exact, type, context);
  }
  const type = commonType(left.type, right.type);
  if (op === '*') {
    const product = negativeTimesCount(left, right, type, context);
    if (product) return product;
  }
  const a = convert(left, type);
  const b = convert(right, type);
  for (const [side, sideNode] of [
    [left, leftNode],
    [right, rightNode],
  ] as const) {
    if (!fits(side, type)) context.wraps.push({ node: sideNode, type, min: side.min, max: side.max, conversion: true });
  }
  switch (op) {
    case '+':
      return checked(node, { min: a.min + b.min, max: a.max + b.max }, type, context);
    case '-':
      return checked(node, { min: a.min - b.max, max: a.max - b.min }, type, context);
    case '*': {
      const corners = [a.min * b.min, a.min * b.max, a.max * b.min, a.max * b.max];
      return checked(node, { min: corners.reduce((x, y) => (y < x ? y : x)), max: corners.reduce((x, y) => (y > x ? y : x)) }, type, context);
    }
    case '/':
      if (a.min < 0n || b.min <= 0n) return unknown(node, context);
      return { min: a.min / b.max, max: a.max / b.min, type };
    case '%':
      if (a.min < 0n || b.min <= 0n) return unknown(node, context);
      return { min: 0n, max: a.max < b.max - 1n ? a.max : b.max - 1n, type };
    case '&': {
      const nonNegative = [a, b].filter((side) => side.min >= 0n);
      if (nonNegative.length === 0) return unknown(node, context);
      return { min: 0n, max: nonNegative.map((side) => side.max).reduce((x, y) => (y < x ? y : x)), type };
    }
    case '|':
    case '^': {
      if (a.min < 0n || b.min < 0n) return unknown(node, context);
      const top = a.max > b.max ? a.max : b.max;
      return { min: 0n, max: (1n << BigInt(top.toString(2).length)) - 1n, type };
    }
    default:
      return unknown(node, context);
  }
}

/**
 * `n * sizeof(x)` with a signed `n` that may be negative, computed in size_t: the negative `n`
 * converts to 2^N + n and the product is congruent to n * sizeof(x), so while that stays within
 * -2^(N-1) the result is a request of at least SIZE_MAX / 2, which every allocator refuses —
 * never a smaller buffer. The value is kept as its negative representative; an addition or a
 * narrower type makes it a wrap again (convert() sees it does not fit).
 */
function negativeTimesCount(left: Value, right: Value, type: IntegerType, context: Context): Value | undefined {
  if (type.signed || type.bits !== sizeT(context.scope).bits) return undefined;
  const half = 1n << BigInt(type.bits - 1);
  const limits = bounds(type);
  const [negative, count] = left.min < 0n ? [left, right] : [right, left];
  if (negative.min >= 0n || negative.min < -half || negative.max > limits.max || count.min < 0n || !fits(count, type)) return undefined;
  const corners = [negative.min * count.min, negative.min * count.max, negative.max * count.min, negative.max * count.max];
  const min = corners.reduce((x, y) => (y < x ? y : x));
  const max = corners.reduce((x, y) => (y > x ? y : x));
  // Below -half the value is no longer a huge request: every later use sees it does not fit.
  if (max > limits.max) return undefined;
  return { min, max, type };
}

/** The result of an operation in its type: exact when it fits, else a wrap point and the whole type. */
function checked(node: Node, exact: { min: bigint; max: bigint }, type: IntegerType, context: Context): Value {
  if (fits(exact, type)) return { ...exact, type };
  context.wraps.push({ node, type, ...exact, conversion: false });
  return full(type);
}

function callValue(node: Node, context: Context): Value | undefined {
  const callee = calleeName(node) ?? '';
  const args = callArguments(node);
  const { scope } = context;
  if (callee in FIXED_RESULT_TYPES) {
    const type = typeNamed(FIXED_RESULT_TYPES[callee as keyof typeof FIXED_RESULT_TYPES], scope)!;
    // `le32_to_cpu(req.count)`: the conversion of a value read from user space is one too.
    const user = args.length === 1 ? userSourceOf(args[0], [], context) : [];
    return record(node, full(type), [{ kind: 'type', type: type.name }, ...user], context);
  }
  // nla_get_u32(attr): an attribute of a netlink message, any value of the getter's type.
  const userType = userValueType(node);
  const attributeType = userType && typeNamed(userType, scope);
  if (attributeType)
    return record(
      node,
      full(attributeType),
      [
        { kind: 'type', type: attributeType.name },
        { kind: 'user', what: `${callee}()`, at: spanOf(node) },
      ],
      context,
    );
  if (callee in CLAMPS) return clampValue(node, callee as keyof typeof CLAMPS, args, context);
  if (['ARRAY_SIZE', 'offsetof', 'offsetofend', 'sizeof_field', 'FIELD_SIZEOF'].includes(callee)) return assumedSizeof(node, context);
  return unknown(node, context);
}

/** min()/min_t()/clamp()/clamp_val()…: the result is bounded by the bounds' ranges (include/linux/minmax.h, 6.1). */
function clampValue(node: Node, callee: keyof typeof CLAMPS, args: Node[], context: Context): Value | undefined {
  const { typed, shape } = CLAMPS[callee];
  const { scope } = context;
  const operands = typed ? args.slice(1) : args;
  if (operands.length !== (shape === 'clamp' ? 3 : 2)) return unknown(node, context);
  const declared = typed ? typeNamed(args[0].text, scope) : undefined;
  if (typed && !declared) return unknown(node, context);
  // Each operand on its own: an operand not understood stays unknown without making the result so.
  const values = operands.map((operand) => {
    const inner = forked(context);
    const value = evaluateNode(operand, inner);
    if (!value || inner.unknown) return undefined;
    adopt(context, inner);
    return value;
  });
  // clamp_val() casts lo and hi to the type of val; min()/clamp() type-check their operands as equal.
  const known = values.filter((value): value is Value => !!value);
  const type = declared ?? (callee === 'clamp_val' ? values[0]?.type : known.length > 0 ? known.map((value) => value.type).reduce(commonType) : undefined);
  if (!type) return unknown(node, context);
  const as = (value: Value | undefined) => (value ? convert(value, type) : full(type));
  const limits = full(type);
  let result: Value;
  if (shape === 'min') {
    const [a, b] = values.map(as);
    result = { min: a.min < b.min ? a.min : b.min, max: a.max < b.max ? a.max : b.max, type };
  } else if (shape === 'max') {
    if (values.some((value) => !value)) return unknown(node, context);
    const [a, b] = values.map(as);
    result = { min: a.min > b.min ? a.min : b.min, max: a.max > b.max ? a.max : b.max, type };
  } else {
    const lo = as(values[1]);
    const hi = as(values[2]);
    if (!values[1] && !values[2]) return unknown(node, context);
    result = { min: values[1] ? lo.min : limits.min, max: values[2] ? hi.max : limits.max, type };
    if (result.min > result.max) return unknown(node, context);
  }
  if (known.some((value) => value.mixed)) result.mixed = true;
  return record(node, result, [{ kind: 'clamp', callee }], context);
}

/** A variable or field: its declared type's range, narrowed by what the function does before the call. */
function variable(node: Node, context: Context): Value | undefined {
  const { scope } = context;
  const expr = parseExpression(node.text, (name) => !!scope.isTypeName?.(name));
  const declared = expr && scope.typeOfExpr?.(expr);
  if (!declared || declared.pointers > 0 || declared.dims.length > 0 || declared.record) return unknown(node, context);
  const type = typeNamed(declared.base, scope);
  if (!type) return unknown(node, context);
  let value = full(type);
  const sources: RangeSource[] = [{ kind: 'type', type: type.name }];
  // Flow facts only for names and plain field paths (`req->hdr.count`): an element `a[i]` or a
  // path through one can be written under another spelling.
  let held: Node[] = [];
  if (context.fn && context.depth < MAX_DEPTH && /^[A-Za-z_]\w*((->|\.)[A-Za-z_]\w*)*$/.test(normalized(node.text))) {
    const narrowed = narrow(node, value, context);
    value = narrowed.value;
    sources.push(...narrowed.sources);
    held = narrowed.held;
  }
  sources.push(...userSourceOf(node, held, context));
  return record(node, value, sources, context);
}

/**
 * The user read an operand's value comes from (analysis/sizes/userCounts.ts), for the operands of
 * the size itself (not the values a flow fact is evaluated from). A use of it in a check that
 * holds at the call (`allowed`, from narrow()) is accounted for by the check's bound; a use in any
 * other condition, one narrow() dropped (a call between a field's check and the allocation), may
 * bound it unseen.
 */
function userSourceOf(node: Node, allowed: readonly Node[], context: Context): RangeSource[] {
  if (!context.fn || context.depth !== 0) return [];
  const read = userReadOf(unwrap(node), context.call, context.fn, allowed, (name) => !!allocApi(name, context.scope.config));
  return read ? [{ kind: 'user', what: read.what, at: read.at }] : [];
}

interface Write {
  node: Node;
  /** The assigned expression of a plain `=` or an initializer; absent for `+=`, `++`, macros. */
  value?: Node;
}

interface Accesses {
  writes: Write[];
  /** `&n` taken: the variable can change behind the analysis' back. */
  addressTaken: Node[];
  /** Declared in the function (a local), not a parameter or global. */
  local: boolean;
  parameter: boolean;
}

const WRITE_PARENTS = new Set(['assignment_expression', 'update_expression']);

/** Where the function writes `key` (a plain name or a field path like `req->count`). */
function accesses(key: string, isName: boolean, fn: Node): Accesses | undefined {
  const body = fn.childForFieldName('body');
  if (!body) return undefined;
  const result: Accesses = { writes: [], addressTaken: [], local: false, parameter: false };
  const declarator = fn.childForFieldName('declarator');
  const parameters = declarator ? descendantsOfType(declarator, new Set(['parameter_declaration'])) : [];
  if (isName && parameters.some((parameter) => declaredName(parameter) === key)) result.parameter = true;
  const base = /^[A-Za-z_]\w*/.exec(key)?.[0] ?? key;
  const kinds = new Set(isName ? ['identifier'] : ['identifier', 'field_expression']);
  for (const occurrence of descendantsOfType(body, kinds)) {
    const text = normalized(occurrence.text);
    if (text !== key && text !== base) continue;
    const parent = occurrence.parent;
    if (!parent) continue;
    if (parent.type === 'init_declarator' && parent.childForFieldName('declarator')?.id === occurrence.id) {
      if (text !== key) continue;
      if (result.local || result.parameter) return undefined; // declared twice in the function: shadowing, give up
      result.local = true;
      const value = parent.childForFieldName('value');
      if (value) result.writes.push({ node: parent, value });
      continue;
    }
    if (parent.type === 'declaration' && text === key && isName) {
      if (result.local || result.parameter) return undefined;
      result.local = true;
      continue;
    }
    if (WRITE_PARENTS.has(parent.type) && (parent.childForFieldName('left')?.id === occurrence.id || parent.childForFieldName('argument')?.id === occurrence.id)) {
      const plain = parent.type === 'assignment_expression' && parent.child(1)?.text === '=';
      result.writes.push({ node: parent, value: plain && text === key ? (parent.childForFieldName('right') ?? undefined) : undefined });
      continue;
    }
    if (parent.type === 'pointer_expression' && parent.child(0)?.text === '&') {
      result.addressTaken.push(parent);
      continue;
    }
    if (parent.type === 'argument_list' && isAssigningMacro(calleeName(parent.parent!) ?? '')) result.writes.push({ node: parent.parent! });
  }
  if (!isName) {
    // Another pointer to the same struct writes the field under another spelling: any write of a
    // field of that name counts (`other->len = …` may be `h->len`).
    const field = /(\w+)$/.exec(key)?.[1];
    for (const write of field ? descendantsOfType(body, WRITE_PARENTS) : []) {
      const target = write.childForFieldName('left') ?? write.childForFieldName('argument');
      if (target?.type === 'field_expression' && target.childForFieldName('field')?.text === field && normalized(target.text) !== key) result.writes.push({ node: write });
    }
  }
  return result;
}

function declaredName(declaration: Node): string | undefined {
  let node: Node | null = declaration.childForFieldName('declarator');
  while (node && node.type !== 'identifier') node = node.childForFieldName('declarator');
  return node?.text;
}

const LOOPS = new Set(['for_statement', 'while_statement', 'do_statement']);
const JUMPS = new Set(['return_statement', 'goto_statement']);

/** A statement every path through which leaves: `return …;`, `goto out;`, or a block ending in one (with no break/continue inside). */
function leaves(statement: Node | null): boolean {
  if (!statement) return false;
  if (JUMPS.has(statement.type)) return true;
  if (statement.type === 'expression_statement') {
    const call = statement.namedChild(0);
    // BUG() and panic() never return (include/asm-generic/bug.h, kernel/panic.c, 6.1).
    return call?.type === 'call_expression' && ['BUG', 'panic'].includes(calleeName(call) ?? '');
  }
  if (statement.type !== 'compound_statement') return false;
  const children = statement.namedChildren.filter((child): child is Node => !!child && child.type !== 'comment');
  if (descendantsOfType(statement, new Set(['break_statement', 'continue_statement'])).length > 0) return false;
  return children.length > 0 && leaves(children[children.length - 1]);
}

/** `n = MAX;` or `{ n = MAX; }` as the whole consequence of an `if`. */
function soleAssignment(statement: Node | null): { target: Node; value: Node } | undefined {
  let current = statement;
  if (current?.type === 'compound_statement') {
    const children = current.namedChildren.filter((child): child is Node => !!child && child.type !== 'comment');
    current = children.length === 1 ? children[0] : null;
  }
  const assignment = current?.type === 'expression_statement' ? current.namedChild(0) : null;
  if (assignment?.type !== 'assignment_expression' || assignment.child(1)?.text !== '=') return undefined;
  const target = assignment.childForFieldName('left');
  const value = assignment.childForFieldName('right');
  return target && value ? { target, value } : undefined;
}

interface Check {
  /** A condition, or for `n = min(n, MAX);` the assigned value (then `truth` is unused). */
  condition: Node;
  assigned?: { target: Node };
  /** `if (n > MAX) n = MAX;`: the condition is false on one way, `n` is assigned this on the other. */
  clampedTo?: { target: Node; value: Node };
  /** The value the condition has on the way to the call. */
  truth: boolean;
  /** Where the check is decided: facts hold from here to the call unless something writes. */
  end: number;
}

/** Checks on the way to the call: earlier `if (…) return;` statements and `if`s around it. */
function checksBefore(call: Node, fn: Node): Check[] {
  const checks: Check[] = [];
  for (let node: Node = call; node.parent && node.id !== fn.id; node = node.parent) {
    const parent = node.parent;
    if (parent.type === 'if_statement') {
      const condition = parent.childForFieldName('condition');
      if (!condition) continue;
      if (parent.childForFieldName('consequence')?.id === node.id) checks.push({ condition, truth: true, end: condition.endIndex });
      else if (parent.childForFieldName('alternative')?.id === node.id) checks.push({ condition, truth: false, end: condition.endIndex });
    } else if (parent.type === 'else_clause' && parent.parent?.type === 'if_statement') {
      const condition = parent.parent.childForFieldName('condition');
      if (condition) checks.push({ condition, truth: false, end: condition.endIndex });
    } else if (parent.type === 'compound_statement' || parent.type === 'case_statement') {
      for (const sibling of parent.namedChildren) {
        if (!sibling || sibling.startIndex >= node.startIndex) break;
        const assignment = sibling.type === 'expression_statement' ? sibling.namedChild(0) : null;
        // BUG_ON(cond) does not return when cond holds (include/asm-generic/bug.h, 6.1).
        if (assignment?.type === 'call_expression' && calleeName(assignment) === 'BUG_ON' && callArguments(assignment).length === 1) {
          checks.push({ condition: callArguments(assignment)[0], truth: false, end: sibling.endIndex });
          continue;
        }
        if (assignment?.type === 'assignment_expression' && assignment.child(1)?.text === '=') {
          const value = assignment.childForFieldName('right');
          if (value) checks.push({ condition: value, truth: true, end: sibling.endIndex, assigned: { target: assignment.childForFieldName('left')! } });
          continue;
        }
        if (sibling.type !== 'if_statement' || sibling.childForFieldName('alternative')) continue;
        const condition = sibling.childForFieldName('condition');
        if (!condition) continue;
        const consequence = sibling.childForFieldName('consequence');
        if (leaves(consequence)) checks.push({ condition, truth: false, end: sibling.endIndex });
        const clamp = soleAssignment(consequence);
        if (clamp) checks.push({ condition, truth: false, end: sibling.endIndex, clampedTo: clamp });
      }
    }
  }
  return checks;
}

/** Whether a fact about `key` established at `end` still holds at the call. */
function holdsAtCall(check: Check, found: Accesses, isName: boolean, call: Node, fn: Node): boolean {
  const between = (node: Node) => node.startIndex >= check.end && node.startIndex < call.startIndex;
  const loopsAround = ancestorsOf(call, fn).filter((node) => LOOPS.has(node.type) && node.startIndex >= check.end);
  const inLoop = (node: Node) => loopsAround.some((loop) => node.startIndex >= loop.startIndex && node.endIndex <= loop.endIndex);
  if (found.writes.some((write) => between(write.node) || inLoop(write.node))) return false;
  if (found.addressTaken.some((taken) => taken.startIndex >= check.end)) return false;
  const body = fn.childForFieldName('body')!;
  // A label between the check and the call is a way in that skips the check; so is a case label
  // of a switch the check is inside (a case of a switch after the check is reached through it).
  for (const label of descendantsOfType(body, new Set(['labeled_statement', 'case_statement']))) {
    if (!between(label)) continue;
    if (label.type === 'labeled_statement') return false;
    const owner = ancestorsOf(label, fn).find((node) => node.type === 'switch_statement');
    if (!owner || owner.startIndex < check.end) return false;
  }
  if (!isName) {
    // A field can change in any function called on the way (or by the loop around the call).
    const calls = descendantsOfType(body, new Set(['call_expression'])).filter(
      (other) =>
        other.id !== call.id &&
        (between(other) || inLoop(other)) &&
        !(calleeName(other) ?? '').match(/^(likely|unlikely|WARN_ON|WARN_ON_ONCE|min|max|min_t|max_t|clamp|clamp_t|clamp_val|[bl]e(16|32|64)_to_cpu)$/),
    );
    if (calls.length > 0) return false;
  }
  return true;
}

function ancestorsOf(node: Node, fn: Node): Node[] {
  const found: Node[] = [];
  for (let current = node.parent; current && current.id !== fn.id; current = current.parent) found.push(current);
  return found;
}

/** `unknownMin`/`unknownMax`: the value is bounded on that side by something not evaluated. */
type Bound = { min?: bigint; max?: bigint; unknownMin?: true; unknownMax?: true };

/** What a condition with the given truth value says about `key` of type `type`. */
function boundsFrom(condition: Node, truth: boolean, key: string, type: IntegerType, context: Context): Bound {
  const node = unwrap(condition);
  if (node.type === 'unary_expression' && node.child(0)?.text === '!') return boundsFrom(node.namedChild(0)!, !truth, key, type, context);
  if (node.type === 'call_expression' && CONDITION_WRAPPERS.has(calleeName(node) ?? '')) {
    const first = callArguments(node)[0];
    return first ? boundsFrom(first, truth, key, type, context) : {};
  }
  if (normalized(node.text) === key) return truth ? (type.signed ? {} : { min: 1n }) : { min: 0n, max: 0n };
  if (node.type !== 'binary_expression') return {};
  const op = node.child(1)?.text ?? '';
  const left = node.childForFieldName('left')!;
  const right = node.childForFieldName('right')!;
  if ((op === '||' && !truth) || (op === '&&' && truth)) return meet(boundsFrom(left, truth, key, type, context), boundsFrom(right, truth, key, type, context));
  const mirrored: Record<string, string> = { '<': '>', '>': '<', '<=': '>=', '>=': '<=', '==': '==', '!=': '!=' };
  if (!(op in mirrored)) return {};
  let relation = op;
  let other: Node;
  if (normalized(unwrap(left).text) === key) other = right;
  else if (normalized(unwrap(right).text) === key) {
    other = left;
    relation = mirrored[op];
  } else return {};
  if (!truth) relation = { '<': '>=', '>': '<=', '<=': '>', '>=': '<', '==': '!=', '!=': '==' }[relation]!;
  // The other side's range, without flow narrowing (a constant, a typed field).
  const inner: Context = { ...forked(context), depth: MAX_DEPTH };
  const limit = evaluateNode(other, inner);
  // Bounded by what the analysis cannot evaluate: bounded on that side all the same, never "unbounded".
  if (!limit || inner.unknown) return relation === '!=' ? {} : flags(relation !== '<' && relation !== '<=', relation !== '>' && relation !== '>=');
  const compared = commonType(type, limit.type);
  // The comparison is done in the common type: converting the other side must not change it.
  if (!fits(limit, compared)) return {};
  let bound: Bound;
  switch (relation) {
    case '<':
      bound = { max: limit.max - 1n };
      break;
    case '<=':
      bound = { max: limit.max };
      break;
    case '>':
      bound = { min: limit.min + 1n };
      break;
    case '>=':
      bound = { min: limit.min };
      break;
    case '==':
      bound = { min: limit.min, max: limit.max };
      break;
    default:
      return {};
  }
  if (type.signed && !compared.signed) {
    // A signed value compared as unsigned: a negative one is huge, so an upper bound below the
    // signed maximum also excludes negatives; a lower bound says nothing.
    if (bound.max === undefined || bound.max > bounds(type).max) return {};
    return { min: 0n, max: bound.max };
  }
  return bound;
}

/** `n = min_t(u32, n, MAX);`: the value stored, evaluated without flow facts (they are about the old value). */
function assignedBound(value: Node, type: IntegerType, context: Context): Bound {
  const inner: Context = { ...forked(context), depth: MAX_DEPTH };
  const assigned = evaluateNode(value, inner);
  if (!assigned || inner.unknown) return {};
  const stored = convert(assigned, type);
  return { min: stored.min, max: stored.max };
}

/** Either bound holds (one way or the other): the weaker of each side. */
function join(a: Bound, b: Bound): Bound {
  const min = a.min !== undefined && b.min !== undefined ? (a.min < b.min ? a.min : b.min) : undefined;
  const max = a.max !== undefined && b.max !== undefined ? (a.max > b.max ? a.max : b.max) : undefined;
  // Bounded either way, by a bound not evaluated on at least one of them.
  const unknownMin = (a.unknownMin || b.unknownMin) && (a.unknownMin || a.min !== undefined) && (b.unknownMin || b.min !== undefined);
  const unknownMax = (a.unknownMax || b.unknownMax) && (a.unknownMax || a.max !== undefined) && (b.unknownMax || b.max !== undefined);
  return { ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}), ...flags(!!unknownMin, !!unknownMax) };
}

function flags(unknownMin: boolean, unknownMax: boolean): Pick<Bound, 'unknownMin' | 'unknownMax'> {
  return { ...(unknownMin ? { unknownMin: true as const } : {}), ...(unknownMax ? { unknownMax: true as const } : {}) };
}

function meet(a: Bound, b: Bound): Bound {
  const min = a.min === undefined ? b.min : b.min === undefined ? a.min : a.min > b.min ? a.min : b.min;
  const max = a.max === undefined ? b.max : b.max === undefined ? a.max : a.max < b.max ? a.max : b.max;
  return { ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}), ...flags(!!(a.unknownMin || b.unknownMin), !!(a.unknownMax || b.unknownMax)) };
}

/** Narrows a variable's type range by the function's assignments and checks before the call. */
/** `held`: the conditions of the checks that hold at the call (whether or not their bound narrowed the value). */
function narrow(node: Node, value: Value, context: Context): { value: Value; sources: RangeSource[]; held: Node[] } {
  const fn = context.fn!;
  const key = normalized(node.text);
  const isName = node.type === 'identifier';
  const found = accesses(key, isName, fn);
  if (!found || (isName && !found.local && !found.parameter)) return { value, sources: [], held: [] };
  const sources: RangeSource[] = [];
  const held: Node[] = [];
  let current = value;
  // A local whose every assignment is in range (a switch setting constants) has the union of them.
  if (isName && found.local && found.addressTaken.length === 0 && found.writes.length > 0 && found.writes.every((write) => write.value)) {
    let union: { min: bigint; max: bigint } | undefined;
    for (const write of found.writes) {
      const inner: Context = { ...forked(context), depth: context.depth + 1 };
      const assigned = evaluateNode(write.value!, inner);
      if (!assigned || inner.unknown) {
        union = undefined;
        break;
      }
      const stored = convert(assigned, value.type);
      union = union ? { min: union.min < stored.min ? union.min : stored.min, max: union.max > stored.max ? union.max : stored.max } : stored;
    }
    if (union && (union.min > current.min || union.max < current.max)) {
      current = { ...union, type: value.type };
      sources.push({ kind: 'assignments', lines: found.writes.map((write) => write.node.startPosition.row) });
    }
  }
  for (const check of checksBefore(context.call, fn)) {
    if (check.assigned && normalized(check.assigned.target.text) !== key) continue;
    if (check.clampedTo && normalized(check.clampedTo.target.text) !== key) continue;
    if (!holdsAtCall(check, found, isName, context.call, fn)) continue;
    if (!check.assigned && !check.clampedTo) held.push(check.condition);
    let bound: Bound;
    if (check.assigned) bound = assignedBound(check.condition, value.type, context);
    else if (check.clampedTo) {
      // `if (n > lim) n = lim;` with `lim` not evaluated: n is bounded by it either way.
      const assigned = assignedBound(check.clampedTo.value, value.type, context);
      const same = assigned.min === undefined && assigned.max === undefined && normalized(check.condition.text).includes(normalized(check.clampedTo.value.text));
      bound = join(boundsFrom(check.condition, false, key, value.type, context), same ? { unknownMin: true, unknownMax: true } : assigned);
    } else bound = boundsFrom(check.condition, check.truth, key, value.type, context);
    const line = check.condition.startPosition.row;
    for (const side of ['min', 'max'] as const) {
      if (bound[side === 'min' ? 'unknownMin' : 'unknownMax'] && !sources.some((source) => source.kind === 'unknown-bound' && source.side === side))
        sources.push({ kind: 'unknown-bound', line, side });
    }
    const min = bound.min !== undefined && bound.min > current.min ? bound.min : current.min;
    const max = bound.max !== undefined && bound.max < current.max ? bound.max : current.max;
    if (!check.assigned && bound.max !== undefined && max === current.max && !sources.some((source) => source.kind === 'compared')) sources.push({ kind: 'compared', line });
    if (min > max || (min === current.min && max === current.max)) continue;
    current = { min, max, type: value.type };
    sources.push({ kind: check.assigned ? 'assignment' : 'check', line });
  }
  return { value: current, sources, held };
}
