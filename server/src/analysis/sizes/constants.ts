// Integer constant evaluation for size and order arguments: literals, operators, ternaries,
// casts, #defines of the file (object-like and simple function-like) and kernel constants from
// the model. Anything it cannot resolve makes the value unknown, and unknown values produce no finding.
import type { Node } from 'web-tree-sitter';
import { ModelConfig } from '../../model/config';
import { integerType, isKnownTypeWord } from '../../model/ctypes';
import { KERNEL_INTEGER_FUNCTIONS, kernelIntegerFunctions, kernelMacroValues } from '../../model/kernelMacros';
import { kernelLimit } from '../../model/limits';
import { descendantsOfType } from '../../parsing/syntax';
import type { TypeRef } from '../../parsing/typeDeclarations';
import { Expr, parseExpression, printExpr } from './expressions';

export interface MacroDefinition {
  name: string;
  params?: readonly string[];
  body: string;
  /** 0-based line of the #define, and the file when it is not the analysed one. */
  line: number;
  file?: string;
  /**
   * Defined more than once with different bodies, usually in #if/#else branches
   * (`#if PAGE_SHIFT < 12 … #else …`): which one applies depends on the configuration, so the
   * value is unknown.
   */
  conflicting?: boolean;
}

export interface ConstantScope {
  config: ModelConfig;
  macros: ReadonlyMap<string, MacroDefinition>;
  kernelValues: ReadonlyMap<string, number>;
  /** Size of a type name (`struct foo`, `u32`), when a layout engine can tell. */
  sizeofType?: (type: string) => Evaluation | undefined;
  /** Size of an expression's type (`*p`, `buf`), when a layout engine can tell. */
  sizeofExpr?: (expr: Expr) => Evaluation | undefined;
  /** Element count of an expression of array type (ARRAY_SIZE), undefined for anything else. */
  arrayLength?: (expr: Expr) => Evaluation | undefined;
  /** Names that are types here (typedefs of the file and folder), so `(u32)x` parses as a cast. */
  isTypeName?: (name: string) => boolean;
  /** The scope at a node: adds the enclosing function's local declarations for sizeof(*p). */
  forNode?: (node: Node) => ConstantScope;
  /** The declared type of an expression (a variable, `p->field`, a cast), typedefs expanded. */
  typeOfExpr?: (expr: Expr) => TypeRef | undefined;
  /** The flexible array member that ends the struct `pointer` points to (`struct t { …; u32 e[]; }`). */
  flexibleArrayOf?: (pointer: Expr) => string | undefined;
}

export interface Evaluation {
  value: number;
  /** How the value was obtained, one step per macro or sizeof resolved, in evaluation order. */
  steps: string[];
}

const PREPROC_DEFS = new Set(['preproc_def', 'preproc_function_def']);

/**
 * The #define nodes of a tree in document order, located from the text (`#` … `define` at a line
 * start) instead of a walk of the whole tree: this runs on every keystroke. A match inside a
 * comment or string has no define node around it and is passed over.
 */
function defineNodes(root: Node, text: string): Node[] {
  const found: Node[] = [];
  const seen = new Set<number>();
  for (const match of text.matchAll(/^[ \t]*#[ \t]*define\b/gm)) {
    let node: Node | null = root.descendantForIndex(match.index! + match[0].indexOf('#'));
    for (let depth = 0; node && depth < 3 && !PREPROC_DEFS.has(node.type); depth++) node = node.parent;
    if (!node || !PREPROC_DEFS.has(node.type) || seen.has(node.id)) continue;
    seen.add(node.id);
    found.push(node);
  }
  return found;
}

/**
 * Every #define of a tree, last definition winning (as the preprocessor would, absent #undef).
 * With the tree's text the nodes are found from it; without, by walking the tree.
 */
export function collectMacros(root: Node, file?: string, text?: string): Map<string, MacroDefinition> {
  const macros = new Map<string, MacroDefinition>();
  for (const node of text === undefined ? descendantsOfType(root, PREPROC_DEFS) : defineNodes(root, text)) {
    const name = node.childForFieldName('name')?.text;
    if (!name) continue;
    const body = node.childForFieldName('value')?.text.trim() ?? '';
    const parameters = node.childForFieldName('parameters');
    const params = parameters?.namedChildren.filter((child) => child?.type === 'identifier').map((child) => child!.text);
    const previous = macros.get(name);
    const conflicting = previous !== undefined && (previous.conflicting || !sameDefinition(previous, { params, body }));
    macros.set(name, { name, params, body, line: node.startPosition.row, file, ...(conflicting ? { conflicting } : {}) });
  }
  return macros;
}

export function sameDefinition(a: Pick<MacroDefinition, 'params' | 'body'>, b: Pick<MacroDefinition, 'params' | 'body'>): boolean {
  return a.body.replace(/\s+/g, ' ') === b.body.replace(/\s+/g, ' ') && (a.params ?? []).join(',') === (b.params ?? []).join(',') && !a.params === !b.params;
}

export function createScope(config: ModelConfig, macros: ReadonlyMap<string, MacroDefinition>): ConstantScope {
  return { config, macros, kernelValues: kernelMacroValues(config) };
}

const MAX_DEPTH = 32;

/** Kernel typedefs are always types; the file's own typedefs come from the scope. */
function typeNames(scope: ConstantScope): (name: string) => boolean {
  return (name) => isKnownTypeWord(name) || !!scope.isTypeName?.(name);
}

export function evaluateText(text: string, scope: ConstantScope): Evaluation | undefined {
  const expr = parseExpression(text, typeNames(scope));
  return expr ? evaluateExpr(expr, scope) : undefined;
}

export function evaluateExpr(expr: Expr, scope: ConstantScope, depth = 0): Evaluation | undefined {
  if (depth > MAX_DEPTH) return undefined;
  const steps: string[] = [];
  const value = evaluate(expr, scope, depth, steps);
  return value === undefined || !Number.isSafeInteger(value) ? undefined : { value, steps };
}

function substitute(body: string, params: readonly string[], args: string[]): string {
  return body.replace(/[A-Za-z_]\w*/g, (word) => {
    const index = params.indexOf(word);
    return index >= 0 ? `(${args[index]})` : word;
  });
}

function evaluate(expr: Expr, scope: ConstantScope, depth: number, steps: string[]): number | undefined {
  const recurse = (inner: Expr) => evaluate(inner, scope, depth, steps);
  switch (expr.kind) {
    case 'number':
      return expr.value;
    case 'name': {
      const macro = scope.macros.get(expr.name);
      if (macro?.conflicting) return undefined;
      if (macro && !macro.params) {
        const inner = parseExpression(macro.body, typeNames(scope));
        const result = inner && evaluateExpr(inner, scope, depth + 1);
        if (!result) return undefined;
        steps.push(...result.steps, `${expr.name} = ${result.value}${macro.file ? ` (${macro.file})` : ''}`);
        return result.value;
      }
      const known = scope.kernelValues.get(expr.name);
      if (known !== undefined) {
        steps.push(`${expr.name} = ${known}`);
        return known;
      }
      return undefined;
    }
    case 'unary': {
      const operand = recurse(expr.operand);
      if (operand === undefined) return undefined;
      switch (expr.op) {
        case '-':
          return -operand;
        case '+':
          return operand;
        case '!':
          return operand === 0 ? 1 : 0;
        // ~ depends on the operand's width: only evaluated when its C type is known.
        case '~': {
          const type = integerTypeOf(expr.operand, scope, depth);
          if (!type || !Number.isSafeInteger(operand)) return undefined;
          return wrap(BigInt(-operand - 1), type);
        }
        default:
          return undefined;
      }
    }
    case 'binary': {
      const left = recurse(expr.left);
      if (left === undefined) return undefined;
      if (expr.op === '&&' && left === 0) return 0;
      if (expr.op === '||' && left !== 0) return 1;
      const right = recurse(expr.right);
      if (right === undefined) return undefined;
      return binaryOp(expr.op, left, right);
    }
    case 'ternary': {
      const condition = recurse(expr.condition);
      if (condition === undefined) return undefined;
      return recurse(condition !== 0 ? expr.then : expr.otherwise);
    }
    case 'cast': {
      const operand = recurse(expr.operand);
      if (operand === undefined) return undefined;
      if (expr.type.includes('*')) return operand;
      const type = integerType(expr.type, scope.config);
      // A cast to a type whose width is unknown (a driver typedef, plain char) could truncate.
      if (!type) return /^(size_t|unsigned long|long|ssize_t|u64|s64|unsigned long long|long long|int|unsigned int|u32|s32)$/.test(expr.type) ? operand : undefined;
      return Number.isSafeInteger(operand) ? wrap(BigInt(operand), type) : undefined;
    }
    case 'call': {
      const macro = scope.macros.get(expr.callee);
      if (macro?.conflicting) return undefined;
      if (macro?.params && macro.params.length === expr.args.length) {
        const expanded = parseExpression(substitute(macro.body, macro.params, expr.args.map(printExpr)), typeNames(scope));
        const result = expanded && evaluateExpr(expanded, scope, depth + 1);
        if (!result) return undefined;
        steps.push(...result.steps);
        return result.value;
      }
      const sized = sizeHelper(expr, scope, steps);
      if (sized !== 'not-a-helper') return sized;
      const builtin = KERNEL_INTEGER_FUNCTIONS[expr.callee] ?? kernelIntegerFunctions(scope.config)[expr.callee];
      if (!builtin) return undefined;
      const args = expr.args.map((arg, index) => ((expr.callee === 'max_t' || expr.callee === 'min_t') && index === 0 ? 0 : recurse(arg)));
      if (args.some((arg) => arg === undefined)) return undefined;
      return builtin(args as number[]);
    }
    case 'sizeof': {
      const result = expr.type !== undefined ? scope.sizeofType?.(expr.type) : scope.sizeofExpr?.(expr.operand!);
      if (!result) return undefined;
      steps.push(...result.steps);
      return result.value;
    }
    default:
      return undefined;
  }
}

/** Truncates a value to an integer type, as a conversion in C does (two's complement). */
function wrap(value: bigint, type: { bits: number; signed: boolean }): number | undefined {
  const bits = BigInt(type.bits);
  let result = BigInt.asUintN(type.bits, value);
  if (type.signed) result = BigInt.asIntN(type.bits, value);
  const number = Number(result);
  return Number.isSafeInteger(number) && BigInt(number) === result && bits > 0n ? number : undefined;
}

type IntegerType = { bits: number; signed: boolean };

/** The C type of a constant expression's text when it follows from literals, casts, sizeof and macros. */
export function constantIntegerType(text: string, scope: ConstantScope): IntegerType | undefined {
  const expr = parseExpression(text, typeNames(scope));
  return expr ? integerTypeOf(expr, scope, 0) : undefined;
}

/** The C type of an integer expression when it follows from literals and casts alone. */
function integerTypeOf(expr: Expr, scope: ConstantScope, depth: number): IntegerType | undefined {
  const long = integerType('long', scope.config)!.bits;
  if (depth > MAX_DEPTH) return undefined;
  switch (expr.kind) {
    case 'number': {
      if (expr.text.startsWith("'")) return { bits: 32, signed: true };
      const suffix = /[uUlL]*$/.exec(expr.text)![0].toLowerCase();
      const unsigned = suffix.includes('u');
      const longs = (suffix.match(/l/g) ?? []).length;
      const decimal = !/^0/.test(expr.text) || expr.text === '0' || /^0[uUlL]*$/.test(expr.text);
      const ranks = [32, long, 64].slice(longs === 0 ? 0 : longs === 1 ? 1 : 2);
      for (const bits of ranks) {
        const candidates = unsigned ? [false] : decimal ? [true] : [true, false];
        for (const signed of candidates) {
          const max = 2 ** (signed ? bits - 1 : bits);
          if (expr.value < max) return { bits, signed };
        }
      }
      return undefined;
    }
    case 'cast':
      return integerType(expr.type, scope.config);
    case 'sizeof':
      return { bits: long, signed: false };
    case 'unary':
      if (expr.op === '!') return { bits: 32, signed: true };
      return promote(integerTypeOf(expr.operand, scope, depth + 1));
    case 'binary': {
      const left = promote(integerTypeOf(expr.left, scope, depth + 1));
      if (['<<', '>>'].includes(expr.op)) return left;
      if (['<', '>', '<=', '>=', '==', '!=', '&&', '||'].includes(expr.op)) return { bits: 32, signed: true };
      const right = promote(integerTypeOf(expr.right, scope, depth + 1));
      if (!left || !right) return undefined;
      if (left.bits !== right.bits) return left.bits > right.bits ? left : right;
      return { bits: left.bits, signed: left.signed && right.signed };
    }
    case 'name': {
      const macro = scope.macros.get(expr.name);
      const inner = macro && !macro.params ? parseExpression(macro.body, typeNames(scope)) : undefined;
      if (!macro) {
        // INT_MAX, U16_MAX, SIZE_MAX…: the type of the limit (model/limits.ts).
        const limit = kernelLimit(expr.name, scope.config);
        return limit && integerType(limit.type, scope.config);
      }
      return inner ? integerTypeOf(inner, scope, depth + 1) : undefined;
    }
    default:
      return undefined;
  }
}

/** Integer promotion: anything narrower than int becomes int. */
function promote(type: IntegerType | undefined): IntegerType | undefined {
  return type && type.bits < 32 ? { bits: 32, signed: true } : type;
}

/**
 * Kernel size helpers that need types, not just numbers (include/linux/overflow.h,
 * include/linux/array_size.h, include/linux/stddef.h, 6.1): ARRAY_SIZE, struct_size,
 * struct_size_t, flex_array_size, sizeof_field. A file's own #define of the name wins (checked before).
 */
function sizeHelper(expr: Extract<Expr, { kind: 'call' }>, scope: ConstantScope, steps: string[]): number | undefined | 'not-a-helper' {
  const { callee, args } = expr;
  const sizeofOf = (operand: Expr) => scope.sizeofExpr?.(operand);
  const element = (object: Expr, member: string): Expr => ({ kind: 'index', object: { kind: 'member', object, member, arrow: true }, index: { kind: 'number', value: 0, text: '0' } });
  const count = (arg: Expr) => evaluateExpr(arg, scope);
  const memberName = (arg: Expr) => (arg.kind === 'name' ? arg.name : undefined);
  const finish = (value: number, parts: (Evaluation | undefined)[], summary: string) => {
    for (const part of parts) steps.push(...(part?.steps ?? []));
    steps.push(summary);
    return value;
  };
  switch (callee) {
    case 'ARRAY_SIZE': {
      if (args.length !== 1) return undefined;
      const length = scope.arrayLength?.(args[0]);
      return length ? finish(length.value, [length], `ARRAY_SIZE(${printExpr(args[0])}) = ${length.value}`) : undefined;
    }
    case 'struct_size':
    case 'flex_array_size': {
      const member = memberName(args[1] ?? { kind: 'number', value: 0, text: '' });
      if (args.length !== 3 || !member) return undefined;
      const base = callee === 'struct_size' ? sizeofOf({ kind: 'unary', op: '*', operand: args[0] }) : { value: 0, steps: [] };
      const each = sizeofOf(element(args[0], member));
      const n = count(args[2]);
      if (!base || !each || !n) return undefined;
      const value = base.value + n.value * each.value;
      const head = callee === 'struct_size' ? `sizeof(*${printExpr(args[0])}) ${base.value} + ` : '';
      return finish(value, [base, n], `${callee}(…) = ${head}${n.value} × ${each.value} (${member}[]) = ${value}`);
    }
    case 'struct_size_t': {
      const member = memberName(args[1] ?? { kind: 'number', value: 0, text: '' });
      const typeName = args[0]?.kind === 'name' ? args[0].name : undefined;
      if (args.length !== 3 || !member || !typeName) return undefined;
      const base = scope.sizeofType?.(typeName);
      const each = sizeofOf(element({ kind: 'cast', type: `${typeName}*`, operand: { kind: 'number', value: 0, text: '0' } }, member));
      const n = count(args[2]);
      if (!base || !each || !n) return undefined;
      const value = base.value + n.value * each.value;
      return finish(value, [base, n], `struct_size_t(…) = ${base.value} + ${n.value} × ${each.value} (${member}[]) = ${value}`);
    }
    case 'sizeof_field': {
      const member = memberName(args[1] ?? { kind: 'number', value: 0, text: '' });
      const typeName = args[0]?.kind === 'name' ? args[0].name : undefined;
      if (args.length !== 2 || !member || !typeName) return undefined;
      const size = sizeofOf({ kind: 'member', object: { kind: 'cast', type: `${typeName}*`, operand: { kind: 'number', value: 0, text: '0' } }, member, arrow: true });
      return size ? finish(size.value, [size], `sizeof_field(${typeName}, ${member}) = ${size.value}`) : undefined;
    }
    default:
      return 'not-a-helper';
  }
}

function bitwise(op: string, left: number, right: number): number | undefined {
  if (!Number.isSafeInteger(left) || !Number.isSafeInteger(right)) return undefined;
  const a = BigInt(left);
  const b = BigInt(right);
  const result = op === '&' ? a & b : op === '|' ? a | b : a ^ b;
  const number = Number(result);
  return Number.isSafeInteger(number) ? number : undefined;
}

function binaryOp(op: string, left: number, right: number): number | undefined {
  switch (op) {
    case '+':
      return left + right;
    case '-':
      return left - right;
    case '*':
      return left * right;
    case '/':
      return right === 0 ? undefined : Math.trunc(left / right);
    case '%':
      return right === 0 ? undefined : left % right;
    case '<<':
      return right < 0 || right > 63 ? undefined : left * 2 ** right;
    case '>>':
      return right < 0 || right > 63 ? undefined : Math.floor(left / 2 ** right);
    case '&':
    case '|':
    case '^':
      return bitwise(op, left, right);
    case '<':
      return left < right ? 1 : 0;
    case '>':
      return left > right ? 1 : 0;
    case '<=':
      return left <= right ? 1 : 0;
    case '>=':
      return left >= right ? 1 : 0;
    case '==':
      return left === right ? 1 : 0;
    case '!=':
      return left !== right ? 1 : 0;
    case '&&':
      return left !== 0 && right !== 0 ? 1 : 0;
    case '||':
      return left !== 0 || right !== 0 ? 1 : 0;
    default:
      return undefined;
  }
}
