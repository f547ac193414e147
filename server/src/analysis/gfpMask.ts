// Evaluates a GFP argument to its set of bits for the configured kernel: flag names, #defines of
// the file, `|`, `&`, `~`, parentheses and casts. Variables, ternaries and calls are unknown here;
// unknown masks produce no finding.
import { ModelConfig } from '../model/config';
import { GfpValue, allGfpBits, expandGfpName } from '../model/gfp';
import { MacroDefinition } from './sizes/constants';
import { Expr, parseExpression } from './sizes/expressions';

// `(gfp_t)` and `(__force gfp_t)` casts are common in masks built from numbers and macros.
const isGfpType = (name: string): boolean => name === 'gfp_t' || name === '__force';

export function evaluateGfpText(text: string, config: ModelConfig, macros: ReadonlyMap<string, MacroDefinition>): GfpValue | undefined {
  const expr = parseExpression(text, isGfpType);
  return expr ? evaluateGfpExpr(expr, config, macros, 0) : undefined;
}

function evaluateGfpExpr(expr: Expr, config: ModelConfig, macros: ReadonlyMap<string, MacroDefinition>, depth: number): GfpValue | undefined {
  if (depth > 16) return undefined;
  const recurse = (inner: Expr) => evaluateGfpExpr(inner, config, macros, depth + 1);
  switch (expr.kind) {
    case 'number':
      return expr.value === 0 ? { bits: new Set(), uncertainty: [] } : undefined;
    case 'name': {
      const known = expandGfpName(expr.name, config);
      if (known) return known;
      const macro = macros.get(expr.name);
      // Defined differently under #if branches: which body applies is not known here.
      if (!macro || macro.params || macro.conflicting) return undefined;
      const body = parseExpression(macro.body, isGfpType);
      return body ? recurse(body) : undefined;
    }
    case 'cast':
      return recurse(expr.operand);
    case 'unary': {
      if (expr.op !== '~') return undefined;
      const operand = recurse(expr.operand);
      if (!operand) return undefined;
      const bits = allGfpBits(config);
      operand.bits.forEach((bit) => bits.delete(bit));
      return { bits, uncertainty: operand.uncertainty };
    }
    case 'binary': {
      if (expr.op !== '|' && expr.op !== '&') return undefined;
      const left = recurse(expr.left);
      const right = left && recurse(expr.right);
      if (!left || !right) return undefined;
      const bits = expr.op === '|' ? new Set([...left.bits, ...right.bits]) : new Set([...left.bits].filter((bit) => right.bits.has(bit)));
      return { bits, uncertainty: [...left.uncertainty, ...right.uncertainty] };
    }
    default:
      return undefined;
  }
}
