// Hover section: where the memory a free call releases, or a pointer handed to a DMA or
// physical-address API, comes from — the allocating API, its location, its family and whether it
// is physically contiguous. Only what the provenance analysis can name is shown.
import type { Node } from 'web-tree-sitter';
import type { PointerSource, Provenance } from '../analysis/provenance/provenanceFacts';
import { argIndex } from '../model/apis';
import { ModelConfig } from '../model/config';
import { contiguousField, contiguousSink } from '../model/contiguousSinks';
import { callArguments, calleeName } from '../parsing/syntax';
import type { HoverSection, HoverTarget } from './hover';

function contiguity(source: PointerSource, config: ModelConfig): string {
  if (source.origin === 'stack') return 'stack memory — not DMA-able; with CONFIG_VMAP_STACK (default y) the stack is vmalloc memory';
  const api = source.api;
  if (!api) return 'unknown';
  if (source.origin === 'kvmalloc') {
    const size = source.site?.requestedBytes;
    if (size !== undefined && size <= config.pageSize) return `physically contiguous: ${size} bytes ≤ PAGE_SIZE, so kvmalloc() never falls back to vmalloc (mm/util.c, 6.1)`;
    return 'physically contiguous only when kmalloc served it — above PAGE_SIZE kvmalloc() falls back to vmalloc (mm/util.c, 6.1)';
  }
  if (api.contiguous === 'yes') return 'physically contiguous, in the linear map';
  if (api.contiguous === 'no') return '**not** physically contiguous (vmalloc area: scattered order-0 pages)';
  if (source.origin === 'dma_coherent' || source.origin === 'dma_coherent_managed' || source.origin === 'dma_noncoherent') {
    return 'contiguous for the device; the CPU address may be a remapping (IOMMU, DMA_DIRECT_REMAP), so never pass it to virt_to_page()/virt_to_phys()';
  }
  return 'depends on how the pool or cache was created';
}

function location(source: PointerSource, target: HoverTarget): string {
  const file = source.file === target.facts.path ? '' : `${source.file.split('/').pop()}:`;
  return `${file ? file : 'line '}${source.span.startLine + 1}`;
}

function card(title: string, provenance: Provenance, target: HoverTarget): string | undefined {
  if (provenance.sources.length === 0) return undefined;
  const lines = [`**${title}**`, ''];
  for (const source of provenance.sources) {
    const what = source.origin === 'stack' ? `stack variable \`${source.declaration ?? ''}\`` : `\`${source.api?.name}()\``;
    const via = source.via.length > 0 ? ` (${source.via.join(', ')})` : '';
    const frees = source.api ? ` · freed by ${source.api.frees.map((name) => `\`${name}()\``).join(' or ')}` : '';
    lines.push(`- ${what} at ${location(source, target)}${via} — family \`${source.origin}\`: ${contiguity(source, target.facts.config)}${frees}`);
  }
  if (provenance.unknown) lines.push('- other paths the analysis cannot follow (a parameter, an unknown call, an out-parameter)');
  return lines.join('\n');
}

/** The argument of a DMA or physical-address API (or the right side of `urb->transfer_buffer =`) containing `node`. */
function sinkArgument(node: Node): { expression: Node; api: string } | undefined {
  let child: Node = node;
  for (let current = node.parent; current; child = current, current = current.parent) {
    if (current.type === 'argument_list') {
      const call = current.parent;
      const name = call ? calleeName(call) : undefined;
      const sink = name ? contiguousSink(name) : undefined;
      if (!sink) return undefined;
      const index = callArguments(call!).findIndex((argument) => argument.id === child.id);
      return index === sink.arg || sink.moreArgs?.includes(index) ? { expression: child, api: `${name}()` } : undefined;
    }
    if (current.type === 'assignment_expression' && current.childForFieldName('right')?.id === child.id) {
      const left = current.childForFieldName('left');
      const field = left?.type === 'field_expression' ? contiguousField(left.childForFieldName('field')?.text ?? '') : undefined;
      return field ? { expression: child, api: `${field.owner} .${field.field}` } : undefined;
    }
    if (current.type === 'expression_statement' || current.type === 'compound_statement') return undefined;
  }
  return undefined;
}

export const provenanceSection: HoverSection = (target) => {
  const { facts, folder, db, node, call } = target;
  const analysis = db.provenance(facts, folder);
  if (call) {
    const free = facts.frees.find((site) => site.call.id === call.id);
    const index = free ? argIndex(free.api.args.pointer, free.args.length) : undefined;
    if (!free || index === undefined) return undefined;
    return card(`${free.api.name}() releases memory from`, analysis.of(free.args[index]), target);
  }
  if (node.type !== 'identifier') return undefined;
  const sink = sinkArgument(node);
  if (!sink) return undefined;
  return card(`Memory passed to ${sink.api} comes from`, analysis.of(sink.expression), target);
};
