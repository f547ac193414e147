// noncontiguous-dma: memory that is (or may be) vmalloc memory, or a stack buffer, handed to an
// API that needs physically contiguous, linearly mapped memory (model/contiguousSinks.ts).
// vmalloc memory is only virtually contiguous: its order-0 pages are scattered and live outside
// the linear map, so virt_to_page()/virt_to_phys() on it are meaningless and dma_map_single()
// rejects it (include/linux/dma-mapping.h, 6.1).
import type { Node } from 'web-tree-sitter';
import type { FileFacts } from '../analysis/fileFacts';
import type { FolderProvenance } from '../analysis/provenance/folderProvenance';
import { describeSource, fieldRead, mayBeVmalloc, underVmallocCheck } from '../analysis/provenance/provenance';
import type { PointerSource, Provenance } from '../analysis/provenance/provenanceFacts';
import type { DmaReach } from '../analysis/index/provenanceIndex';
import { ModelConfig, kernelConstants } from '../model/config';
import { contiguousField, contiguousReplacement, contiguousSink } from '../model/contiguousSinks';
import { getOrder } from '../model/slab';
import { Span, spanOf } from '../parsing/syntax';
import { Fix, RelatedLocation, Rule, RuleContext, RuleFinding, TextEdit } from './rule';

const STACK_WHY = 'a stack buffer is not DMA-able (Documentation/core-api/dma-api-howto.rst; with CONFIG_VMAP_STACK, default y on x86_64 and arm64, the stack itself is vmalloc memory)';

interface SinkUse {
  /** The call or assignment reported. */
  at: Node;
  /** The expression that must point at linear-map memory. */
  buffer: Node;
  what: string;
  consequence: string;
  instead: string;
  rejectsVmalloc: boolean;
  rejectsStack: boolean;
  /** A helper call: the chain from the helper down to the sink (FolderProvenance.helperSinkCalls()). */
  chain?: DmaReach;
}

function sinkUses(analysis: FolderProvenance): SinkUse[] {
  return analysis.contiguousUses().map((use) =>
    use.kind === 'call'
      ? { at: use.at, buffer: use.buffer, what: `${use.name}()`, consequence: use.sink.consequence, instead: use.sink.instead, rejectsVmalloc: true, rejectsStack: use.sink.rejectsStack }
      : {
          at: use.at,
          buffer: use.buffer,
          what: `${use.field.owner} .${use.field.field}`,
          consequence: use.field.consequence,
          instead: use.field.instead,
          rejectsVmalloc: use.field.rejectsVmalloc,
          rejectsStack: use.field.rejectsStack,
        },
  );
}

/** `` `usb_control_msg()` ``, `` `struct urb .transfer_buffer` ``: a chain's sink as the message names it. */
function sinkText(sink: string): string {
  if (!sink.startsWith('.')) return `\`${sink}()\``;
  const field = contiguousField(sink.slice(1));
  return `\`${field ? `${field.owner} ` : ''}${sink}\``;
}

/**
 * Calls handing memory to a helper (in the folder or the kernel tree) whose parameter reaches a
 * sink: one use per chain, worded with the sink's model row. "uvc_query_ctrl(), which passes it
 * to `usb_control_msg()` at uvc_video.c:2050 via __uvc_query_ctrl()".
 */
function helperUses(analysis: FolderProvenance, db: RuleContext['db']): SinkUse[] {
  const uses: SinkUse[] = [];
  for (const call of analysis.helperSinkCalls(db.kernelDmaBuffers())) {
    const { stack, vmalloc } = call.reach;
    const chains =
      stack && vmalloc && stack.sink === vmalloc.sink && stack.chain.length === vmalloc.chain.length
        ? [{ chain: stack, both: true }]
        : [stack, vmalloc].filter((chain): chain is DmaReach => !!chain).map((chain) => ({ chain, both: false }));
    for (const { chain, both } of chains) {
      const row = chain.sink.startsWith('.') ? contiguousField(chain.sink.slice(1)) : contiguousSink(chain.sink);
      if (!row) continue;
      const last = chain.chain[chain.chain.length - 1];
      const via = chain.chain.slice(1).map((hop) => `${hop.fn}()`);
      uses.push({
        at: call.at,
        buffer: call.buffer,
        what: `${call.callee}(), which passes it to ${sinkText(chain.sink)} at ${last.place}:${last.line}${via.length > 0 ? ` via ${via.join(' → ')}` : ''}`,
        consequence: row.consequence,
        instead: row.instead,
        rejectsStack: both || chain === stack,
        rejectsVmalloc: both || chain === vmalloc,
        chain,
      });
    }
  }
  return uses;
}

/** The calls of a helper chain, each where its file has it. */
function chainRelated(chain: DmaReach, facts: FileFacts): RelatedLocation[] {
  return chain.chain.map((hop, index) => ({
    file: hop.file === facts.path ? undefined : hop.file,
    span: { startLine: hop.line - 1, startColumn: 0, endLine: hop.line - 1, endColumn: 0 },
    message: index === chain.chain.length - 1 ? `${sinkText(chain.sink)} receives the buffer here, in ${hop.fn}()` : `${chain.chain[index + 1].fn}() gets the buffer here, from ${hop.fn}()`,
  }));
}

function offending(use: SinkUse, provenance: Provenance, config: ModelConfig): PointerSource[] {
  return provenance.sources.filter((source) => (use.rejectsVmalloc && mayBeVmalloc(source, config)) || (use.rejectsStack && source.origin === 'stack'));
}

/**
 * vmalloc and linear-map allocations mixed behind a helper, field or parameter: such code picks
 * the allocator at run time and keeps track of it (dm-bufio's data_mode, a size threshold), which
 * the analysis cannot see. Reported only when the choice is made in the function of the use.
 */
function mixedElsewhere(bad: readonly PointerSource[], provenance: Provenance, use: SinkUse, file: string): boolean {
  // No run-time choice makes a stack buffer DMA-able: a caller that passes one is wrong whatever
  // the other callers pass (USB: iuu_phoenix "fix DMA from stack", uvc "don't do DMA on stack").
  if (bad.some((source) => source.origin === 'stack')) return false;
  const others = provenance.sources.filter((source) => !bad.includes(source));
  if (others.length === 0) return false;
  let fn: Node | null = use.at;
  while (fn && fn.type !== 'function_definition') fn = fn.parent;
  const span = fn ? spanOf(fn) : undefined;
  const local = (source: PointerSource) => source.via.length === 0 && !!span && source.file === file && within(span, source.span);
  return !provenance.sources.every(local);
}

function relatedOf(sources: readonly PointerSource[], facts: FileFacts): RelatedLocation[] {
  return sources.flatMap((source) => [
    {
      file: source.file === facts.path ? undefined : source.file,
      span: source.span,
      message:
        source.origin === 'stack' ? 'stack buffer declared here' : `${source.api?.name}() allocates it here (${source.origin}${source.origin === 'kvmalloc' ? ': may fall back to vmalloc' : ''})`,
    },
    // Outermost first: where the caller hands it on, down to the helper with the sink.
    ...[...(source.passedAt ?? [])].reverse().map((at) => ({
      file: at.file === facts.path ? undefined : at.file,
      span: { startLine: at.line, startColumn: 0, endLine: at.line, endColumn: 0 },
      message: `passed to ${at.callee}() here`,
    })),
  ]);
}

function message(use: SinkUse, bad: readonly PointerSource[], provenance: Provenance, facts: FileFacts): string {
  const buffer = use.buffer.text.length > 40 ? 'the buffer' : `\`${use.buffer.text}\``;
  const stack = bad.filter((source) => source.origin === 'stack');
  const vmalloc = bad.filter((source) => source.origin !== 'stack');
  const certain = !provenance.unknown && bad.length === provenance.sources.length && vmalloc.every((source) => source.origin !== 'kvmalloc');
  const verb = certain ? 'is' : 'may be';
  const parts: string[] = [];
  if (vmalloc.length > 0) {
    const from = vmalloc.map((source) => describeSource(source, facts.path)).join('; ');
    parts.push(
      `${buffer} ${verb} vmalloc memory (from ${from}) passed to ${use.what}: ${use.consequence}. vmalloc memory is only virtually contiguous — its pages are scattered and outside the linear map.`,
    );
  }
  if (stack.length > 0) {
    const from = stack.map((source) => describeSource(source, facts.path)).join('; ');
    parts.push(`${buffer} ${verb} stack memory (${from}) passed to ${use.what}, and ${STACK_WHY}${vmalloc.length === 0 ? `: ${use.consequence}.` : '.'}`);
  }
  parts.push(`Use instead: ${use.instead}.`);
  return parts.join(' ');
}

/** Whether `inner` lies inside `outer` (document positions of one file). */
function within(outer: Span, inner: Span): boolean {
  const before = (a: { line: number; column: number }, b: { line: number; column: number }) => a.line < b.line || (a.line === b.line && a.column <= b.column);
  return (
    before({ line: outer.startLine, column: outer.startColumn }, { line: inner.startLine, column: inner.startColumn }) &&
    before({ line: inner.endLine, column: inner.endColumn }, { line: outer.endLine, column: outer.endColumn })
  );
}

/** Every free call of the folder whose pointer may be the memory `source` allocated. */
function freesOf(source: PointerSource, analysis: FolderProvenance) {
  const frees = [];
  for (const { file, free } of analysis.frees()) {
    if (!free.pointer) continue;
    const provenance = analysis.resolve(free.pointer.provenance);
    if (provenance.sources.some((candidate) => candidate.key === source.key)) frees.push({ free, file, provenance });
  }
  return frees;
}

/**
 * Switch a vmalloc/kvmalloc allocation to kmalloc and its frees to kfree — only when the size is
 * known to fit a non-costly order (kmalloc of it is served without heroics, mm/page_alloc.c),
 * every free is found, and nothing else needs vmalloc memory.
 */
function contiguousFix(source: PointerSource, analysis: FolderProvenance, facts: FileFacts): Fix | undefined {
  const site = source.site;
  if (!site || !source.api || (source.origin !== 'vmalloc' && source.origin !== 'kvmalloc')) return undefined;
  const replacement = contiguousReplacement(source.api.name);
  const size = site.requestedBytes;
  if (!replacement || size === undefined || size <= 0) return undefined;
  const constants = kernelConstants(facts.config);
  if (size > constants.kmallocMaxCacheSize && getOrder(size, constants.pageShift) > constants.costlyOrder) return undefined;
  const stored = site.destination;
  const mayBeThis = (text: string, provenance: Provenance) => provenance.sources.some((candidate) => candidate.key === source.key) || (provenance.unknown && (!stored || text.endsWith(stored)));
  // Another use that needs vmalloc memory (remap_vmalloc_range, vmalloc_to_page, …) forbids the switch.
  for (const argument of analysis.vmallocOnlyUses()) {
    if (mayBeThis(argument.text, analysis.resolve(argument.provenance))) return undefined;
  }
  const frees = freesOf(source, analysis);
  // A vfree of something the analysis cannot name, under the same name, may be this memory.
  for (const { file, free } of analysis.frees()) {
    if (free.api !== 'vfree' && free.api !== 'kvfree') continue;
    const argument = free.first;
    if (!argument || frees.some((known) => known.free.key === free.key && known.file === file)) continue;
    if (mayBeThis(argument.text, analysis.resolve(argument.provenance))) return undefined;
  }
  const edits: TextEdit[] = [];
  const file = source.file === facts.path ? undefined : source.file;
  edits.push({ file, span: site.calleeSpan, newText: replacement.to });
  if ('addGfp' in replacement) {
    edits.push({ file, span: { ...site.closeSpan, endColumn: site.closeSpan.startColumn }, newText: `, ${replacement.addGfp}` });
  }
  for (const { free, file: freeFile, provenance } of frees) {
    // A kfree() of this memory (today a free-mismatch) is the right free once it comes from kmalloc.
    if (free.api === 'kfree') continue;
    if (free.api !== 'vfree' && free.api !== 'kvfree') return undefined;
    // kvfree() also frees kmalloc memory; a vfree() shared with other allocations becomes kvfree().
    const onlyThis = !provenance.unknown && provenance.sources.length === 1;
    const name = onlyThis ? 'kfree' : 'kvfree';
    if (name === free.api) continue;
    edits.push({ file: freeFile === facts.path ? undefined : freeFile, span: free.calleeSpan, newText: name });
  }
  const args = replacement.to === 'kmalloc' || replacement.to === 'kzalloc' ? 'size' : 'n, size';
  return { title: `Allocate with ${replacement.to}(${args}${'addGfp' in replacement ? ', GFP_KERNEL' : ', gfp'}) and free with kfree() (${size} bytes, physically contiguous)`, edits };
}

export const noncontiguousDma: Rule = {
  id: 'noncontiguous-dma',
  defaultSeverity: 'warning',
  docs: {
    summary:
      'vmalloc memory (or memory kvmalloc may have taken from vmalloc), or a stack buffer, passed to an API that needs physically contiguous, linearly mapped memory: dma_map_single(), virt_to_phys(), virt_to_page(), sg_set_buf(), USB transfer buffers, remap_pfn_range() of virt_to_phys(). vmalloc memory is only virtually contiguous.',
    bad: 'buf = vzalloc(4096);\ndma = dma_map_single(dev, buf, 4096, DMA_TO_DEVICE);',
    good: 'buf = kzalloc(4096, GFP_KERNEL);\ndma = dma_map_single(dev, buf, 4096, DMA_TO_DEVICE);',
  },
  check({ facts, folder, db }) {
    const findings: RuleFinding[] = [];
    const analysis = db.provenance(facts, folder);
    const checked = analysis.vmallocCheckedNames();
    for (const use of [...sinkUses(analysis), ...helperUses(analysis, db)]) {
      if (underVmallocCheck(use.at)) continue;
      const name = fieldRead(use.buffer);
      if (name && checked.has(name)) continue;
      const provenance = analysis.of(use.buffer);
      if (provenance.sources.some((source) => source.underVmallocCheck)) continue;
      const bad = offending(use, provenance, facts.config);
      if (bad.length === 0 || mixedElsewhere(bad, provenance, use, facts.path)) continue;
      const fix = bad.length === 1 && bad[0].origin !== 'stack' ? contiguousFix(bad[0], analysis, facts) : undefined;
      findings.push({
        span: spanOf(use.at),
        message: message(use, bad, provenance, facts),
        related: [...relatedOf(bad, facts), ...(use.chain ? chainRelated(use.chain, facts) : [])],
        fixes: fix ? [fix] : [],
      });
    }
    return findings;
  },
};
