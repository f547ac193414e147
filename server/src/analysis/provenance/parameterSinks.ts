// A file's parameter flows toward DMA sinks (analysis/index/provenanceIndex.ts composes them over a
// folder or a kernel tree): per function, the parameters whose memory a contiguous-memory sink of
// its own body receives (usb_control_msg()'s data, dma_map_single()'s address, `urb->transfer_buffer
// = p`), and the calls that hand a parameter on to another function. Made while the tree is there.
//
// Conservative by construction: a parameter counts only where the sink's (or the call's) argument
// points into it on every path (FileProvenance.parameterOf()), so a helper that copies the caller's
// buffer into a kmalloc()'d bounce buffer before the sink passes nothing on. A function that tests
// where its memory lives (is_vmalloc_addr(), object_is_on_stack(), virt_addr_valid()) chooses at
// run time and gives no flows.
import type { Node } from 'web-tree-sitter';
import type { DmaBufferFlows, DmaBufferFunction } from '../index/provenanceIndex';
import { contiguousSink } from '../../model/contiguousSinks';
import { callArguments, calleeName, descendantsOfType } from '../../parsing/syntax';
import type { ContiguousUse } from './contiguousUses';
import type { FileProvenance } from './provenance';

const CALLS = new Set(['call_expression']);
const MEMORY_TESTS = /\b(?:is_vmalloc_addr|object_is_on_stack|virt_addr_valid)\s*\(/;

/** The struct an owner's declared type names, without qualifiers and pointers. */
function plainType(type: string | undefined): string | undefined {
  const cleaned = type
    ?.replace(/\b(const|volatile)\b/g, '')
    .replace(/[*\s]+$/g, '')
    .replace(/\s+/g, ' ')
    .trim();
  return cleaned || undefined;
}

/** Whether a field use is one whatever the folder's types say: its field name alone is catalogued, and a known owner type matches. */
function fieldSinkStands(use: Extract<ContiguousUse, { kind: 'field' }>): boolean {
  if (use.field.ownerRequired) return false;
  const owner = use.owner && use.owner.members.length === 0 ? plainType(use.owner.type) : undefined;
  return !owner || owner === use.field.owner;
}

/**
 * The flows of a file: `uses` are its contiguous-memory uses (contiguousUses() without the
 * folder's types). Undefined when no function has one.
 */
export function dmaBufferFlowsOf(engine: FileProvenance, uses: readonly ContiguousUse[]): DmaBufferFlows | undefined {
  const facts = engine.facts;
  const strings: string[] = [];
  const stringIndex = new Map<string, number>();
  const intern = (text: string) => {
    let index = stringIndex.get(text);
    if (index === undefined) {
      index = strings.length;
      strings.push(text);
      stringIndex.set(text, index);
    }
    return index;
  };
  const decides = (fn: number) => MEMORY_TESTS.test(facts.functions[fn].node.text);
  const sinks = new Map<number, number[]>();
  const seenSinks = new Set<string>();
  for (const use of uses) {
    if (use.kind === 'field' && !fieldSinkStands(use)) continue;
    const fn = engine.functionIndexOf(use.at);
    if (fn === undefined || decides(fn)) continue;
    const parameter = engine.parameterOf(use.buffer, fn);
    if (parameter === undefined) continue;
    const sink = intern(use.kind === 'call' ? use.name : `.${use.field.field}`);
    const seen = `${fn}:${parameter}:${sink}`;
    if (seenSinks.has(seen)) continue;
    seenSinks.add(seen);
    sinks.set(fn, [...(sinks.get(fn) ?? []), parameter, sink, use.at.startPosition.row + 1]);
  }
  const functions: DmaBufferFunction[] = [];
  facts.functions.forEach((definition, fn) => {
    if (decides(fn)) return;
    const passes: number[] = [];
    const seen = new Set<string>();
    for (const call of descendantsOfType(definition.body, CALLS)) {
      const name = calleeName(call);
      // A sink's arguments are its uses above; its other arguments (a length, a device) are not buffers.
      if (!name || contiguousSink(name)) continue;
      callArguments(call).forEach((argument: Node, position) => {
        if (!/[A-Za-z_]/.test(argument.text)) return;
        const parameter = engine.parameterOf(argument, fn);
        if (parameter === undefined) return;
        const key = `${parameter}:${name}:${position}`;
        if (seen.has(key)) return;
        seen.add(key);
        passes.push(parameter, intern(name), position, call.startPosition.row + 1);
      });
    }
    const own = sinks.get(fn) ?? [];
    if (own.length > 0 || passes.length > 0) functions.push({ name: definition.name, isStatic: engine.isStatic(fn), sinks: own, passes });
  });
  return functions.length > 0 ? { strings, functions } : undefined;
}
