// Integer constant evaluation for size and order arguments: literals, operators, ternaries,
// casts, #defines of the file (object-like and simple function-like) and kernel constants from
// the model. Anything it cannot resolve makes the value unknown, and unknown values produce no finding.
import type { Node } from 'web-tree-sitter';
import { ModelConfig } from '../model/config';
import { KERNEL_INTEGER_FUNCTIONS, kernelMacroValues } from '../model/kernelMacros';
import { descendantsOfType } from '../parsing/syntax';
import { Expr, parseExpression, printExpr } from './expressions';

export interface MacroDefinition {
  name: string;
  params?: readonly string[];
  body: string;
  /** 0-based line of the #define, and the file when it is not the analysed one. */
  line: number;
  file?: string;
}

export interface ConstantScope {
  config: ModelConfig;
  macros: ReadonlyMap<string, MacroDefinition>;
  kernelValues: ReadonlyMap<string, number>;
  /** Size of a type name (`struct foo`, `u32`), when a layout engine can tell. */
  sizeofType?: (type: string) => Evaluation | undefined;
  /** Size of an expression's type (`*p`, `buf`), when a layout engine can tell. */
  sizeofExpr?: (expr: Expr) => Evaluation | undefined;
}

export interface Evaluation {
  value: number;
  /** How the value was obtained, one step per macro or sizeof resolved, in evaluation order. */
  steps: string[];
}

const PREPROC_DEFS = new Set(['preproc_def', 'preproc_function_def']);

/** Every #define of a tree, last definition winning (as the preprocessor would, absent #undef). */
export function collectMacros(root: Node, file?: string): Map<string, MacroDefinition> {
  const macros = new Map<string, MacroDefinition>();
  for (const node of descendantsOfType(root, PREPROC_DEFS)) {
    const name = node.childForFieldName('name')?.text;
    if (!name) continue;
    const body = node.childForFieldName('value')?.text.trim() ?? '';
    const parameters = node.childForFieldName('parameters');
    const params = parameters?.namedChildren.filter((child) => child?.type === 'identifier').map((child) => child!.text);
    macros.set(name, { name, params, body, line: node.startPosition.row, file });
  }
  return macros;
}

export function createScope(config: ModelConfig, macros: ReadonlyMap<string, MacroDefinition>): ConstantScope {
  return { config, macros, kernelValues: kernelMacroValues(config) };
}

const MAX_DEPTH = 32;

export function evaluateText(text: string, scope: ConstantScope): Evaluation | undefined {
  const expr = parseExpression(text);
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
      if (macro && !macro.params) {
        const inner = parseExpression(macro.body);
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
        case '-': return -operand;
        case '+': return operand;
        case '!': return operand === 0 ? 1 : 0;
        // ~ on an unsized value is only meaningful as a mask; sizes never need it.
        case '~': return undefined;
        default: return undefined;
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
    case 'cast':
      return recurse(expr.operand);
    case 'call': {
      const macro = scope.macros.get(expr.callee);
      if (macro?.params && macro.params.length === expr.args.length) {
        const expanded = parseExpression(substitute(macro.body, macro.params, expr.args.map(printExpr)));
        const result = expanded && evaluateExpr(expanded, scope, depth + 1);
        if (!result) return undefined;
        steps.push(...result.steps);
        return result.value;
      }
      const builtin = KERNEL_INTEGER_FUNCTIONS[expr.callee];
      if (!builtin) return undefined;
      const args = expr.args.map((arg, index) =>
        (expr.callee === 'max_t' || expr.callee === 'min_t') && index === 0 ? 0 : recurse(arg),
      );
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

function binaryOp(op: string, left: number, right: number): number | undefined {
  switch (op) {
    case '+': return left + right;
    case '-': return left - right;
    case '*': return left * right;
    case '/': return right === 0 ? undefined : Math.trunc(left / right);
    case '%': return right === 0 ? undefined : left % right;
    case '<<': return right < 0 || right > 63 ? undefined : left * 2 ** right;
    case '>>': return right < 0 || right > 63 ? undefined : Math.floor(left / 2 ** right);
    case '&': return left <= 0x7fffffff && right <= 0x7fffffff && left >= 0 && right >= 0 ? left & right : undefined;
    case '|': return left <= 0x7fffffff && right <= 0x7fffffff && left >= 0 && right >= 0 ? left | right : undefined;
    case '^': return left <= 0x7fffffff && right <= 0x7fffffff && left >= 0 && right >= 0 ? left ^ right : undefined;
    case '<': return left < right ? 1 : 0;
    case '>': return left > right ? 1 : 0;
    case '<=': return left <= right ? 1 : 0;
    case '>=': return left >= right ? 1 : 0;
    case '==': return left === right ? 1 : 0;
    case '!=': return left !== right ? 1 : 0;
    case '&&': return left !== 0 && right !== 0 ? 1 : 0;
    case '||': return left !== 0 || right !== 0 ? 1 : 0;
    default: return undefined;
  }
}
