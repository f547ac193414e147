// alloc-size-overflow: an open-coded multiplication with a non-constant factor in the size
// argument of an allocation. The product can wrap and allocate less than the caller then writes
// (Documentation/process/deprecated.rst, "open-coded arithmetic in allocator arguments";
// checkpatch ALLOC_WITH_MULTIPLY). The counted APIs return NULL on overflow instead.
// A product whose factors are all constants (`sizeof(x) * CONST`) is not reported. Whether the
// product (and the sum around it) can wrap is decided from the ranges of analysis/sizes/valueRange.ts,
// and only evidence makes a warning (issue 12, precision sample 4: 0 of 20 findings resting on
// unknown ranges were real): the wrap follows from ranges the analysis knows (constants, checks,
// clamps, assignments, a type narrower than int), or from a product of two unbounded 32-bit
// operands computed before any widening. A count read from user space with no upper bound on the
// way (analysis/sizes/userCounts.ts, model/userSources.ts) is a known range: every value of its type
// is one a process can pass. A wrap that needs an operand of unknown range (any int or
// size_t, a field of a header struct, a layout assumed below 4 GiB, a bound not evaluated) to be
// large or negative is a hint, as is a product the ranges show cannot wrap; both keep the fix.
import type { Node } from 'web-tree-sitter';
import type { AllocationSite } from '../analysis/allocationSites';
import { allocationTarget } from '../analysis/provenance/allocationTarget';
import { ConstantScope, evaluateText } from '../analysis/sizes/constants';
import { parseExpression } from '../analysis/sizes/expressions';
import { OperandRange, RangeSource, SizeRange, WrapPoint, sizeArgumentRange } from '../analysis/sizes/valueRange';
import { allocApi, argIndex } from '../model/apis';
import { pointerLayout } from '../model/ctypes';
import { hasSizeHelper } from '../model/integerHelpers';
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

function fixFor(site: AllocationSite, argument: { node: Node; index: number }, term: Node, product: Node[], scope: ConstantScope, whole: boolean, canWrap: boolean): Fix | undefined {
  const texts = product.map((node) => unwrapParens(node).text);
  if (!whole) return sumFix(site, argument, scope, canWrap);
  if (product.length === 2) {
    const [count, size] = countAndSize(product, scope).map((node) => unwrapParens(node).text);
    const counted = COUNTED[site.api.name];
    if (counted && allocApi(counted, scope.config)) {
      const callee = site.call.childForFieldName('function')!;
      return {
        title: `Use ${counted}(${count}, ${size}, …)`,
        edits: [
          { span: spanOf(callee), newText: counted },
          { span: spanOf(argument.node), newText: `${count}, ${size}` },
        ],
        preferred: canWrap,
      };
    }
    return { title: `Use array_size(${count}, ${size})`, edits: [{ span: spanOf(term), newText: `array_size(${count}, ${size})` }], preferred: canWrap };
  }
  if (product.length === 3) {
    return { title: 'Use array3_size()', edits: [{ span: spanOf(term), newText: `array3_size(${texts.join(', ')})` }] };
  }
  return undefined;
}

const compact = (text: string) => text.replace(/\s+/g, '');

/** The saturating form of a product: array_size(n, s) / array3_size(a, b, c). */
function saturatingProduct(term: Node, scope: ConstantScope): string | undefined {
  const product = factors(term);
  if (product.length === 2)
    return `array_size(${countAndSize(product, scope)
      .map((node) => unwrapParens(node).text)
      .join(', ')})`;
  if (product.length === 3) return `array3_size(${product.map((node) => unwrapParens(node).text).join(', ')})`;
  return undefined;
}

/**
 * A sum with a product inside: `array_size()` alone would still be added with an open-coded `+`,
 * which wraps (include/linux/overflow.h, 6.1: "the result must be used with size_add()"). A struct
 * followed by `n` elements of its flexible array member is struct_size(p, member, n); any other
 * sum of `+` terms is size_add() of them, with each product saturating.
 */
function sumFix(site: AllocationSite, argument: { node: Node; index: number }, scope: ConstantScope, canWrap: boolean): Fix | undefined {
  const top = unwrapParens(unwrapExpression(argument.node));
  if (!onlyAdditions(top)) return undefined;
  const parts = terms(top);
  const structSize = parts.length === 2 && structSizeFix(site, parts, scope);
  if (structSize) return { title: `Use ${structSize}`, edits: [{ span: spanOf(argument.node), newText: structSize }], preferred: canWrap };
  if (!hasSizeHelper('size_add', scope.config)) return undefined;
  const texts: string[] = [];
  for (const part of parts) {
    const text = operator(part) === '*' && !factors(part).every((factor) => isConstantLike(factor, scope)) ? saturatingProduct(part, scope) : unwrapParens(part).text;
    if (!text) return undefined;
    texts.push(text);
  }
  const sum = texts.slice(1).reduce((left, right) => `size_add(${left}, ${right})`, texts[0]);
  return { title: 'Use size_add() and array_size()', edits: [{ span: spanOf(argument.node), newText: sum }], preferred: canWrap };
}

function onlyAdditions(node: Node): boolean {
  const inner = unwrapParens(node);
  const op = operator(inner);
  if (op === '-') return false;
  if (op !== '+') return true;
  return onlyAdditions(inner.childForFieldName('left')!) && onlyAdditions(inner.childForFieldName('right')!);
}

/** `sizeof(*p) + n * sizeof(*p->e)` where `e[]` ends `*p`'s struct: `struct_size(p, e, n)`. */
function structSizeFix(site: AllocationSite, parts: Node[], scope: ConstantScope): string | undefined {
  const target = allocationTarget(site.call);
  const pointer = target?.kind === 'variable' ? target.name : target?.text;
  const expr = pointer && parseExpression(pointer, (name) => !!scope.isTypeName?.(name));
  const member = expr && scope.flexibleArrayOf?.(expr);
  if (!pointer || !member) return undefined;
  const value = (text: string) => evaluateText(text, scope)?.value;
  for (const [head, tail] of [parts, [...parts].reverse()]) {
    if (operator(tail) !== '*' || factors(tail).length !== 2) continue;
    const headText = compact(unwrapParens(head).text);
    const headSize = value(`sizeof(*${pointer})`);
    const isHead = headText === compact(`sizeof(*${pointer})`) || (headSize !== undefined && unwrapExpression(head).type === 'sizeof_expression' && value(unwrapParens(head).text) === headSize);
    if (!isHead) continue;
    const [count, size] = countAndSize(factors(tail), scope);
    const sizeText = compact(unwrapParens(size).text);
    const elementSize = value(`sizeof(${pointer}->${member}[0])`);
    const isElement =
      [`sizeof(*${pointer}->${member})`, `sizeof(${pointer}->${member}[0])`].map(compact).includes(sizeText) ||
      (elementSize !== undefined && unwrapExpression(size).type === 'sizeof_expression' && value(unwrapParens(size).text) === elementSize);
    if (isElement) return `struct_size(${pointer}, ${member}, ${unwrapParens(count).text})`;
  }
  return undefined;
}

/** Width of size_t on the configured data model. */
function sizeArgumentBits(scope: ConstantScope): number {
  return pointerLayout(scope.config).size * 8;
}

const within = (node: Node, outer: Node) => node.startIndex >= outer.startIndex && node.endIndex <= outer.endIndex;

/** Why a term can wrap, or undefined when the ranges found show it cannot. */
type Verdict = { wrap: WrapPoint } | { unknown: Node } | undefined;

function verdictFor(term: Node, argument: Node, range: SizeRange): Verdict {
  // A wrap inside the product, or in the sum around it (a wrapped term makes the sum wrap too).
  const inTerm = range.wraps.find((wrap) => within(wrap.node, term));
  if (inTerm) return { wrap: inTerm };
  if (range.unknown) return { unknown: range.unknown };
  const around = range.wraps.find((wrap) => within(term, wrap.node) && within(wrap.node, argument));
  return around ? { wrap: around } : undefined;
}

/**
 * Whether an operand's range is evidence: a range the analysis found (a constant, a check, a clamp,
 * the assignments) or a type narrower than int (`u8`, `u16`: every value of it is a value the
 * code can meet). The whole range of a 32- or 64-bit type is only what the declaration allows:
 * nothing says the value is ever negative or large, and a bound the analysis could not evaluate
 * leaves it so. A layout assumed below 4 GiB is no evidence either.
 */
function knownRange(operand: OperandRange): boolean {
  if (operand.sources.some((source) => source.kind === 'assumed-sizeof')) return false;
  if (userRead(operand)) return true;
  if (operand.type.bits < 32) return true;
  const limits = typeLimits(operand.type);
  return operand.max < limits.max && (!operand.type.signed || operand.min > limits.min);
}

type UserSource = Extract<RangeSource, { kind: 'user' }>;

/**
 * The user read of an operand with no upper bound on the way to the call (issue 12: a
 * user-controlled count stays a warning): every value of its type is one a process can pass. A
 * check or clamp the analysis read bounds it (the range logic decides again), and so does one whose
 * bound it could not evaluate.
 */
function userRead(operand: OperandRange): UserSource | undefined {
  const read = operand.sources.find((source): source is UserSource => source.kind === 'user');
  if (!read || operand.max !== typeLimits(operand.type).max) return undefined;
  return operand.sources.some((source) => (source.kind === 'unknown-bound' && source.side === 'max') || source.kind === 'compared') ? undefined : read;
}

/** The operation a wrap happens in: the wrapping operation, or for an operand converted to another type, the operation it is converted for. */
function wrapScope(wrap: WrapPoint, argument: Node): Node {
  if (!wrap.conversion || wrap.node.id === argument.id) return wrap.node;
  let parent = wrap.node.parent;
  while (parent && parent.type === 'parenthesized_expression') parent = parent.parent;
  return parent && within(parent, argument) ? parent : wrap.node;
}

/**
 * Whether a wrap is evidence of an overflow (a warning) rather than a possibility that rests on an
 * operand of unknown range (a hint): every operand of the operation has a known range, or the
 * operation is a product of two non-constant operands computed in 32 bits (`u32 * u32`, `int * int`),
 * which wraps with values a few tens of thousands each, before any widening to `size_t`.
 */
function isEvidence(wrap: WrapPoint, argument: Node, range: SizeRange): boolean {
  const scope = wrapScope(wrap, argument);
  if (range.unknown && within(range.unknown, scope)) return false;
  const operands = occurrencesIn(scope, range);
  if (operands.every(knownRange)) return true;
  if (wrap.conversion || wrap.type.bits > 32 || operator(wrap.node) !== '*') return false;
  // A bound not evaluated is a bound all the same: not "unbounded".
  if (operands.some((operand) => !knownRange(operand) && operand.sources.some((source) => source.kind === 'assumed-sizeof' || source.kind === 'unknown-bound'))) return false;
  const left = wrap.node.childForFieldName('left');
  const right = wrap.node.childForFieldName('right');
  return !!left && !!right && [left, right].every((side) => operands.some((operand) => within(operand.node, side)));
}

const quote = (text: string) => `\`${text.replace(/\s+/g, ' ')}\``;

function sourceText(source: RangeSource): string | undefined {
  switch (source.kind) {
    case 'assignments':
      return `every assignment in the function, line${source.lines.length > 1 ? 's' : ''} ${source.lines.map((line) => line + 1).join(', ')}`;
    case 'check':
      return `the check on line ${source.line + 1}`;
    case 'assignment':
      return `the assignment on line ${source.line + 1}`;
    case 'clamp':
      return `${source.callee}()`;
    case 'assumed-sizeof':
      return 'layout unknown: assumed below 4 GiB';
    case 'unknown-bound':
      return `the check on line ${source.line + 1}`;
    case 'user':
      return `read from user space: ${source.what}, line ${source.at.startLine + 1}`;
    case 'compared':
      return `compared with a bound on line ${source.line + 1}`;
    default:
      return undefined;
  }
}

function typeLimits(type: OperandRange['type']): { min: bigint; max: bigint } {
  if (type.bits === 1) return { min: 0n, max: 1n };
  return type.signed ? { min: -(2n ** BigInt(type.bits - 1)), max: 2n ** BigInt(type.bits - 1) - 1n } : { min: 0n, max: 2n ** BigInt(type.bits) - 1n };
}

/** The limit macro of include/linux/limits.h (6.1) a kernel developer would name for a type's maximum. */
function maxName(type: WrapPoint['type'], sizeBits: number): string {
  if (!type.signed && type.bits === sizeBits) return 'SIZE_MAX';
  if (type.bits === 32) return type.signed ? 'INT_MAX' : 'UINT_MAX';
  return type.signed ? 'S64_MAX' : 'U64_MAX';
}

/** "`n` at most 64 (size_t; the check on line 12)", "`n` is any size_t". */
function describeOperand(operand: OperandRange): string {
  const limits = typeLimits(operand.type);
  const typeSource = operand.sources.find((source) => source.kind === 'type');
  const typeName = typeSource?.kind === 'type' ? typeSource.type : undefined;
  const extra = operand.sources.map(sourceText).filter((text): text is string => !!text);
  if (operand.min === limits.min && operand.max === limits.max && typeName && extra.length === 0) return `${quote(operand.text)} is any ${typeName}`;
  // Any value of the type, read from user space (and compared with bounds that leave it so).
  if (
    operand.min === limits.min &&
    operand.max === limits.max &&
    typeName &&
    operand.sources.some((source) => source.kind === 'user') &&
    !operand.sources.some((source) => source.kind === 'unknown-bound')
  )
    return `${quote(operand.text)} is any ${typeName} (${extra.join('; ')})`;
  // A side bounded only by a check the analysis could not evaluate reads as that, not as the type's limit.
  const unevaluated = (side: 'min' | 'max') => operand.sources.some((source) => source.kind === 'unknown-bound' && source.side === side) && operand[side] === limits[side];
  const low = operand.min === 0n || operand.min === limits.min ? undefined : `${operand.min}`;
  let value: string;
  if (unevaluated('max') && unevaluated('min') && operand.type.signed) value = 'between bounds not evaluated here';
  else if (unevaluated('max')) value = low ? `${low} to a bound not evaluated here` : 'at most a bound not evaluated here';
  else if (unevaluated('min') && operand.type.signed) value = `at least a bound not evaluated here, at most ${operand.max}`;
  else value = operand.min === operand.max ? `= ${operand.min}` : low ? `${low} to ${operand.max}` : `at most ${operand.max}`;
  const notes = [...(typeName ? [typeName] : []), ...extra];
  return `${quote(operand.text)} ${value}${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`;
}

/** The operands inside a term, outermost only (a clamp, not the variable it clamps), each once. */
function operandsIn(term: Node, range: SizeRange): OperandRange[] {
  const seen = new Set<string>();
  return occurrencesIn(term, range).filter((operand) => !seen.has(operand.text) && seen.add(operand.text));
}

/** The outermost non-constant operands inside a node, every occurrence (`n * n` has two). */
function occurrencesIn(node: Node, range: SizeRange): OperandRange[] {
  const inside = range.operands.filter((operand) => within(operand.node, node) && !operand.sources.every((source) => source.kind === 'constant'));
  return inside.filter((operand) => !inside.some((other) => other !== operand && other.node.id !== operand.node.id && within(operand.node, other.node)));
}

function whyItCanWrap(verdict: NonNullable<Verdict>, term: Node, range: SizeRange, sizeBits: number): string {
  if ('unknown' in verdict) return `the range of ${quote(verdict.unknown.text)} is not known`;
  const { wrap } = verdict;
  const operands = operandsIn(term, range).map(describeOperand);
  const given = operands.length > 0 ? `: ${operands.join(', ')}` : '';
  if (wrap.conversion) return `${quote(wrap.node.text)} can be negative and wraps when converted to \`${wrap.type.name}\`${given}`;
  const limit = typeLimits(wrap.type);
  const beyond = wrap.max > limit.max ? `can exceed ${maxName(wrap.type, sizeBits)}` : wrap.type.signed ? 'can go below its minimum' : 'can go below 0';
  return `${quote(wrap.node.text)} is computed in \`${wrap.type.name}\` and ${beyond}${given}`;
}

export const allocSizeOverflow: Rule = {
  id: 'alloc-size-overflow',
  defaultSeverity: 'warning',
  docs: {
    summary:
      'An open-coded multiplication with a non-constant factor in an allocation size. The product can overflow and allocate less than the code then uses; kmalloc_array(), kcalloc(), kvmalloc_array(), devm_kcalloc() and array_size() return NULL (or SIZE_MAX) on overflow instead (Documentation/process/deprecated.rst). Products of constants are not reported. It is a warning only where the ranges the analysis knows let the product wrap (constants, checks, clamps, assignments, a `u8`/`u16` type), or where two unbounded 32-bit operands are multiplied in 32 bits before any widening, or where a count read from user space (copy_from_user(), get_user(), memdup_user(), kstrto*() of user text, nla_get_*(), the ioctl argument) reaches the call with no upper bound: the message names the read. Where the wrap would need an operand of unknown range to be large or negative (any `int` or `size_t`, a field of a struct or a function the analysis cannot see, a bound it cannot evaluate), and where the ranges show the product cannot wrap (a `u16` count times a sizeof in a 64-bit `size_t`), the finding is a hint with the same fix.',
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
      let range: SizeRange | undefined;
      // Only the outermost sum's terms: a product hidden inside a function call is that call's business.
      for (const term of terms(top)) {
        if (operator(term) !== '*') continue;
        const product = factors(term);
        if (product.every((factor) => isConstantLike(factor, scope))) continue;
        if (evaluateText(term.text, scope) !== undefined) continue;
        range ??= sizeArgumentRange(argument.node, site.call, scope);
        const verdict = verdictFor(term, argument.node, range);
        // Only a wrap the known ranges make possible is a warning, and only its fix is the one
        // fix-all applies; a wrap through an operand of unknown range is a hint with the same fix.
        const evidence = !!verdict && 'wrap' in verdict && isEvidence(verdict.wrap, argument.node, range);
        const whole = term.id === top.id;
        const fix = fixFor(site, argument, term, product, scope, whole, evidence);
        const counted = COUNTED[site.api.name] && allocApi(COUNTED[site.api.name], facts.config) ? `${COUNTED[site.api.name]}()` : 'array_size()';
        const helper = whole ? counted : fix?.title.startsWith('Use struct_size') ? 'struct_size()' : 'size_add() with array_size()';
        const written = `Open-coded multiplication ${quote(term.text)} in the size of ${site.api.name}()`;
        const sizeBits = sizeArgumentBits(scope);
        if (verdict && evidence) {
          const advice = whole
            ? `use ${counted}, which fails cleanly on overflow`
            : `use ${fix ? helper : 'struct_size() or size_add() with array_size()'}, which saturate at SIZE_MAX so the allocation fails instead`;
          // A count read from user space and not bounded on the way: the caller picks the value that wraps.
          const userCounts = 'wrap' in verdict ? operandsIn(wrapScope(verdict.wrap, argument.node), range).filter((operand) => userRead(operand)) : [];
          const controlled =
            userCounts.length > 0
              ? ` ${userCounts.map((operand) => quote(operand.text)).join(' and ')} ${userCounts.length > 1 ? 'are' : 'is'} user-controlled and not bounded before the allocation;`
              : '';
          findings.push({
            span: spanOf(term),
            message: `${written}: if it overflows, a smaller buffer is allocated than the code uses — ${whyItCanWrap(verdict, term, range, sizeBits)};${controlled} ${advice} (Documentation/process/deprecated.rst).`,
            related: userCounts.map((operand) => {
              const read = userRead(operand)!;
              return { span: read.at, message: `${quote(operand.text)} comes from user space here (${read.what})` };
            }),
            fixes: fix ? [fix] : [],
          });
        } else if (verdict) {
          // An operand whose range is not known (any int, a field of a struct declared in a kernel
          // header, a function declared elsewhere, a bound not evaluated) is no evidence that the
          // product wraps: a hint that says through which operand it could (prefer silence to a guess).
          const unknownOperands = 'unknown' in verdict ? [] : operandsIn(wrapScope(verdict.wrap, argument.node), range).filter((operand) => !knownRange(operand));
          const unseen = 'unknown' in verdict ? verdict.unknown : range.unknown;
          const through = unknownOperands.length > 0 || !unseen ? unknownOperands.map((operand) => quote(operand.text)) : [quote(unseen.text)];
          const intent = whole
            ? `${counted} states the intent and fails cleanly if it ever does`
            : `${fix ? helper : 'struct_size() or size_add() with array_size()'} state the intent and saturate at SIZE_MAX if it ever does`;
          findings.push({
            span: spanOf(term),
            message: `${written} could overflow only through ${through.join(' or ')}, whose range is not known here${'unknown' in verdict ? '' : ` — ${whyItCanWrap(verdict, term, range, sizeBits)}`}; nothing here shows such a value, and ${intent} (Documentation/process/deprecated.rst).`,
            related: [],
            fixes: fix ? [fix] : [],
            atMost: 'hint',
          });
        } else {
          const operands = operandsIn(term, range).map(describeOperand);
          findings.push({
            span: spanOf(term),
            message: `${written} cannot overflow here: ${operands.join(', ')}, so the size is at most ${range.max} bytes${
              range.failsWhenNegative
                ? ` (a negative ${
                    operandsIn(term, range)
                      .filter((operand) => operand.min < 0n)
                      .map((operand) => quote(operand.text))
                      .join(' or ') || 'value'
                  } makes it a request above SIZE_MAX / 2, which fails)`
                : ''
            }; ${helper} still states the intent (Documentation/process/deprecated.rst prefers it to open-coded arithmetic).`,
            related: [],
            fixes: fix ? [fix] : [],
            atMost: 'hint',
          });
        }
      }
    }
    return findings;
  },
};
