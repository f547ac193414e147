// alloc-size-overflow: an open-coded multiplication with a non-constant factor in the size
// argument of an allocation. The product can wrap and allocate less than the caller then writes
// (Documentation/process/deprecated.rst, "open-coded arithmetic in allocator arguments";
// checkpatch ALLOC_WITH_MULTIPLY). The counted APIs return NULL on overflow instead.
// A product whose factors are all constants (`sizeof(x) * CONST`) is not reported.
import type { Node } from 'web-tree-sitter';
import type { AllocationSite } from '../analysis/allocationSites';
import { ConstantScope, evaluateText } from '../analysis/sizes/constants';
import { allocApi, argIndex } from '../model/apis';
import { spanOf, unwrapExpression } from '../parsing/syntax';
import { Fix, Rule, RuleFinding } from './rule';

/** Single-size API → the counted API taking (…, n, size, …) in the size argument's place (include/linux/slab.h, vmalloc.h, device.h). */
const COUNTED: Readonly<Record<string, string>> = {
  kmalloc: 'kmalloc_array',
  kzalloc: 'kcalloc',
  kmalloc_node: 'kmalloc_array_node',
  kzalloc_node: 'kcalloc_node',
  kvmalloc: 'kvmalloc_array',
  kvzalloc: 'kvcalloc',
  devm_kmalloc: 'devm_kmalloc_array',
  devm_kzalloc: 'devm_kcalloc',
  vmalloc: 'vmalloc_array',
  vzalloc: 'vcalloc',
  krealloc: 'krealloc_array',
};

function operator(node: Node): string | undefined {
  return node.type === 'binary_expression' ? node.child(1)?.text : undefined;
}

/** The factors of a `*` chain, through parentheses: `a * (b * c)` → a, b, c. */
function factors(node: Node): Node[] {
  const inner = unwrapParens(node);
  if (operator(inner) !== '*') return [inner];
  return [...factors(inner.childForFieldName('left')!), ...factors(inner.childForFieldName('right')!)];
}

function unwrapParens(node: Node): Node {
  let current = node;
  while (current.type === 'parenthesized_expression' && current.namedChildCount === 1) current = current.namedChild(0)!;
  return current;
}

/** The terms of a `+`/`-` chain. */
function terms(node: Node): Node[] {
  const inner = unwrapParens(node);
  const op = operator(inner);
  if (op !== '+' && op !== '-') return [inner];
  return [...terms(inner.childForFieldName('left')!), ...terms(inner.childForFieldName('right')!)];
}

const ALWAYS_CONSTANT = new Set(['ARRAY_SIZE', 'sizeof_field', 'FIELD_SIZEOF', 'offsetof', 'offsetofend', '__alignof__', '_Alignof']);

/** A factor is constant when it evaluates, is a sizeof, or is named like a constant (UPPER_CASE, checkpatch's $Constant). */
function isConstantLike(node: Node, scope: ConstantScope): boolean {
  const inner = unwrapExpression(node);
  if (inner.type === 'sizeof_expression' || inner.type === 'number_literal' || inner.type === 'char_literal') return true;
  if (inner.type === 'identifier' && /^[A-Z][A-Z0-9_]*$/.test(inner.text)) return true;
  // Compile-time constants whatever their argument: ARRAY_SIZE(priv->regs), sizeof_field(T, m).
  if (inner.type === 'call_expression' && ALWAYS_CONSTANT.has(inner.childForFieldName('function')?.text ?? '')) return true;
  if (inner.type === 'call_expression' && /^[A-Z][A-Z0-9_]*$/.test(inner.childForFieldName('function')?.text ?? '')) {
    return inner.childForFieldName('arguments')!.namedChildren.every((arg) => !arg || isConstantLike(arg, scope));
  }
  if (inner.type === 'binary_expression') return isConstantLike(inner.childForFieldName('left')!, scope) && isConstantLike(inner.childForFieldName('right')!, scope);
  return evaluateText(inner.text, scope) !== undefined;
}

function sizeArgument(site: AllocationSite): { node: Node; index: number } | undefined {
  if (site.api.size !== 'size' && site.api.size !== 'size+1') return undefined;
  const index = argIndex(site.api.args.size, site.args.length);
  return index === undefined ? undefined : { node: site.args[index], index };
}

/** Orders two factors as (count, size): the sizeof/constant one is the element size. */
function countAndSize(pair: Node[], scope: ConstantScope): [Node, Node] {
  const [a, b] = pair;
  const sizeLike = (node: Node) => unwrapExpression(node).type === 'sizeof_expression';
  if (sizeLike(a) && !sizeLike(b)) return [b, a];
  if (!sizeLike(b) && isConstantLike(a, scope) && !isConstantLike(b, scope)) return [b, a];
  return [a, b];
}

function fixFor(site: AllocationSite, argument: { node: Node; index: number }, term: Node, product: Node[], scope: ConstantScope, whole: boolean): Fix | undefined {
  const texts = product.map((node) => unwrapParens(node).text);
  if (product.length === 2) {
    const [count, size] = countAndSize(product, scope).map((node) => unwrapParens(node).text);
    const counted = COUNTED[site.api.name];
    if (whole && counted && allocApi(counted, scope.config)) {
      const callee = site.call.childForFieldName('function')!;
      return {
        title: `Use ${counted}(${count}, ${size}, …)`,
        edits: [
          { span: spanOf(callee), newText: counted },
          { span: spanOf(argument.node), newText: `${count}, ${size}` },
        ],
        preferred: true,
      };
    }
    return { title: `Use array_size(${count}, ${size})`, edits: [{ span: spanOf(term), newText: `array_size(${count}, ${size})` }], preferred: whole };
  }
  if (product.length === 3) {
    return { title: 'Use array3_size()', edits: [{ span: spanOf(term), newText: `array3_size(${texts.join(', ')})` }] };
  }
  return undefined;
}

export const allocSizeOverflow: Rule = {
  id: 'alloc-size-overflow',
  defaultSeverity: 'warning',
  docs: {
    summary:
      'An open-coded multiplication with a non-constant factor in an allocation size. The product can overflow and allocate less than the code then uses; kmalloc_array(), kcalloc(), kvmalloc_array(), devm_kcalloc() and array_size() return NULL (or SIZE_MAX) on overflow instead (Documentation/process/deprecated.rst). Products of constants are not reported.',
    bad: 'entries = kmalloc(count * sizeof(*entries), GFP_KERNEL);',
    good: 'entries = kmalloc_array(count, sizeof(*entries), GFP_KERNEL);',
  },
  check({ facts }) {
    const findings: RuleFinding[] = [];
    for (const site of facts.allocations) {
      const argument = sizeArgument(site);
      if (!argument) continue;
      const scope = facts.scope.forNode?.(site.call) ?? facts.scope;
      const top = unwrapParens(unwrapExpression(argument.node));
      // Only the outermost sum's terms: a product hidden inside a function call is that call's business.
      for (const term of terms(top)) {
        if (operator(term) !== '*') continue;
        const product = factors(term);
        if (product.every((factor) => isConstantLike(factor, scope))) continue;
        if (evaluateText(term.text, scope) !== undefined) continue;
        const whole = term.id === top.id;
        const fix = fixFor(site, argument, term, product, scope, whole);
        const advice = whole
          ? `use ${COUNTED[site.api.name] && allocApi(COUNTED[site.api.name], facts.config) ? `${COUNTED[site.api.name]}()` : 'array_size()'}, which fails cleanly on overflow`
          : 'use array_size(), struct_size() or size_add()/size_mul(), which saturate at SIZE_MAX so the allocation fails instead';
        findings.push({
          span: spanOf(term),
          message: `Open-coded multiplication \`${term.text.replace(/\s+/g, ' ')}\` in the size of ${site.api.name}(): if it overflows, a smaller buffer is allocated than the code uses; ${advice} (Documentation/process/deprecated.rst).`,
          related: [],
          fixes: fix ? [fix] : [],
        });
      }
    }
    return findings;
  },
};
