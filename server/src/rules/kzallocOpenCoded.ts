// kzalloc-open-coded: an allocation immediately zeroed with memset(p, 0, <same size>), as
// scripts/coccinelle/api/alloc/zalloc-simple.cocci finds. The zeroing variant does the same in
// one call (and for kvzalloc/vzalloc without touching fresh vmalloc pages twice).
import type { Node } from 'web-tree-sitter';
import type { AllocationSite } from '../analysis/allocationSites';
import { allocationTarget } from '../analysis/provenance/allocationTarget';
import { evaluateText } from '../analysis/sizes/constants';
import { allocApi, argIndex } from '../model/apis';
import { callArguments, calleeName, namedChildren, spanOf } from '../parsing/syntax';
import { Rule, RuleFinding, TextEdit } from './rule';

/** Allocator → its zeroing twin with the same arguments (include/linux/slab.h, vmalloc.h, device.h). */
const ZEROING: Readonly<Record<string, string>> = {
  kmalloc: 'kzalloc',
  kmalloc_node: 'kzalloc_node',
  kmalloc_array: 'kcalloc',
  kmalloc_array_node: 'kcalloc_node',
  kvmalloc: 'kvzalloc',
  kvmalloc_node: 'kvzalloc_node',
  kvmalloc_array: 'kvcalloc',
  devm_kmalloc: 'devm_kzalloc',
  devm_kmalloc_array: 'devm_kcalloc',
  vmalloc: 'vzalloc',
  vmalloc_node: 'vzalloc_node',
};

const normalize = (text: string) => text.replace(/\s+/g, '').replace(/^\((.*)\)$/, '$1');

/** The statement holding the allocation: `p = kmalloc(…);` or `u8 *p = kmalloc(…);`. */
function statementOf(call: Node): Node | undefined {
  for (let node = call.parent; node; node = node.parent) {
    if (node.type === 'expression_statement' || node.type === 'declaration') return node.parent?.type === 'compound_statement' ? node : undefined;
    if (!['assignment_expression', 'init_declarator', 'parenthesized_expression', 'cast_expression'].includes(node.type)) return undefined;
  }
  return undefined;
}

/** `if (!p) …` / `if (p == NULL) …` / `if (unlikely(!p)) …` that only leaves on failure. */
function isNullCheck(statement: Node, target: string): boolean {
  if (statement.type !== 'if_statement' || statement.childForFieldName('alternative')) return false;
  const condition = statement.childForFieldName('condition')?.text.replace(/\s+/g, '') ?? '';
  const tests = [`(!${target})`, `(${target}==NULL)`, `(NULL==${target})`, `(unlikely(!${target}))`, `(!(${target}))`];
  if (!tests.includes(condition.replace(/\s+/g, ''))) return false;
  const body = statement.childForFieldName('consequence');
  const text = body?.text ?? '';
  // The failure branch leaves and does not touch the pointer.
  return /\b(return|goto)\b/.test(text) && !text.includes(target);
}

function sizeText(site: AllocationSite): { text: string; alternatives: string[] } | undefined {
  const size = argIndex(site.api.args.size, site.args.length);
  if (size === undefined) return undefined;
  const sizeArg = site.args[size].text;
  if (site.api.size === 'size') return { text: sizeArg, alternatives: [normalize(sizeArg)] };
  if (site.api.size !== 'count*size') return undefined;
  const count = argIndex(site.api.args.count, site.args.length);
  if (count === undefined) return undefined;
  const countArg = site.args[count].text;
  return {
    text: `${countArg} * ${sizeArg}`,
    alternatives: [
      normalize(`${countArg}*${sizeArg}`),
      normalize(`${sizeArg}*${countArg}`),
      normalize(`(${countArg})*(${sizeArg})`),
      normalize(`array_size(${countArg},${sizeArg})`),
      normalize(`array_size(${sizeArg},${countArg})`),
    ],
  };
}

/** The whole line(s) of a statement when nothing else is on them, else just the statement. */
function deletion(statement: Node, text: string): TextEdit {
  const start = statement.startIndex;
  const lineStart = text.lastIndexOf('\n', start - 1) + 1;
  const lineEnd = text.indexOf('\n', statement.endIndex);
  const before = text.slice(lineStart, start);
  const after = text.slice(statement.endIndex, lineEnd < 0 ? text.length : lineEnd);
  if (/^\s*$/.test(before) && /^\s*$/.test(after) && lineEnd >= 0) {
    const startLine = statement.startPosition.row;
    const endLine = statement.endPosition.row + 1;
    return { span: { startLine, startColumn: 0, endLine, endColumn: 0 }, newText: '' };
  }
  return { span: spanOf(statement), newText: '' };
}

export const kzallocOpenCoded: Rule = {
  id: 'kzalloc-open-coded',
  defaultSeverity: 'hint',
  docs: {
    summary:
      'An allocation followed by memset(p, 0, <the same size>): the zeroing allocator (kzalloc, kcalloc, kvzalloc, devm_kzalloc, vzalloc, …) does both in one call (scripts/coccinelle/api/alloc/zalloc-simple.cocci).',
    bad: 'p = kmalloc(sizeof(*p), GFP_KERNEL);\nif (!p)\n\treturn -ENOMEM;\nmemset(p, 0, sizeof(*p));',
    good: 'p = kzalloc(sizeof(*p), GFP_KERNEL);\nif (!p)\n\treturn -ENOMEM;',
  },
  check({ facts }) {
    const findings: RuleFinding[] = [];
    for (const site of facts.allocations) {
      const zeroing = ZEROING[site.api.name];
      if (!zeroing || !allocApi(zeroing, facts.config)) continue;
      const target = allocationTarget(site.call);
      if (!target) continue;
      const targetText = target.kind === 'variable' ? target.name : target.text;
      const statement = statementOf(site.call);
      const size = sizeText(site);
      if (!statement || !size) continue;
      const siblings = namedChildren(statement.parent!);
      let index = siblings.findIndex((node) => node.id === statement.id) + 1;
      if (siblings[index] && isNullCheck(siblings[index], targetText)) index++;
      const next = siblings[index];
      const call = next?.type === 'expression_statement' ? next.namedChild(0) : undefined;
      if (!call || call.type !== 'call_expression' || calleeName(call) !== 'memset') continue;
      const [pointer, value, length] = callArguments(call);
      if (!pointer || !length || normalize(pointer.text) !== normalize(targetText) || !['0', "'\\0'", '0x0', '0x00'].includes(value.text)) continue;
      const scope = facts.scope.forNode?.(site.call) ?? facts.scope;
      const sameText = size.alternatives.includes(normalize(length.text));
      const lengthValue = evaluateText(length.text, scope)?.value;
      const sameValue = lengthValue !== undefined && site.requestedBytes !== undefined && lengthValue === site.requestedBytes.value;
      if (!sameText && !sameValue) continue;
      const callee = site.call.childForFieldName('function')!;
      findings.push({
        span: spanOf(site.call),
        message: `${site.api.name}() followed by memset(${targetText}, 0, ${length.text.replace(/\s+/g, ' ')}): ${zeroing}() allocates zeroed memory in one call (zalloc-simple.cocci).`,
        related: [{ span: spanOf(call), message: 'the memset that zeroes the whole allocation' }],
        fixes: [{ title: `Use ${zeroing}() and drop the memset()`, edits: [{ span: spanOf(callee), newText: zeroing }, deletion(next!, facts.text)], preferred: true }],
      });
    }
    return findings;
  },
};
