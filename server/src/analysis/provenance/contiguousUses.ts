// Where a file hands memory to an API or struct field that needs physically contiguous, linearly
// mapped memory (model/contiguousSinks.ts): the calls and field assignments, each with the
// expression that must point at such memory. noncontiguous-dma checks what those expressions
// point to; the size rules ask whether an allocation reaches one before advising kvmalloc().
import type { Node } from 'web-tree-sitter';
import { ContiguousField, ContiguousSink, CONTIGUOUS_SINKS, contiguousField, contiguousSink } from '../../model/contiguousSinks';
import { callArguments, calleeName, calleeNames, descendantsOfType, unwrapExpression } from '../../parsing/syntax';
import type { FileFacts } from '../fileFacts';
import { evaluateText } from '../sizes/constants';
import type { FileProvenance } from './provenance';
import type { OwnerRef } from './provenanceFacts';

/** One place that needs linear-map memory: a sink call's buffer argument or a field assignment. */
export type ContiguousUse =
  | { kind: 'call'; at: Node; buffer: Node; name: string; sink: ContiguousSink }
  /** `owner`: the base's type as written, when the folder's types have not told it yet. */
  | { kind: 'field'; at: Node; buffer: Node; field: ContiguousField; owner?: OwnerRef };

/** `virt_to_page(buf)` → buf; `virt_to_phys(buf) >> PAGE_SHIFT` → buf. */
function throughArgument(node: Node, through: string): Node | undefined {
  let current = unwrapExpression(node);
  if (current.type === 'binary_expression' && current.childForFieldName('operator')?.text === '>>') {
    current = unwrapExpression(current.childForFieldName('left')!);
  }
  if (current.type !== 'call_expression' || calleeName(current) !== through) return undefined;
  return callArguments(current)[0];
}

function callsInFunction(node: Node): string[] {
  let fn: Node | null = node;
  while (fn && fn.type !== 'function_definition') fn = fn.parent;
  return fn ? descendantsOfType(fn, new Set(['call_expression'])).map((call) => calleeName(call) ?? '') : [];
}

/** The contiguous-memory sinks' names, to find their calls from the text. */
const SINK_CALLEES = calleeNames(CONTIGUOUS_SINKS.map((sink) => sink.name));

/**
 * Every contiguous-memory use of a file: sink calls in order, then field assignments in order.
 * `ownerType` tells the struct type of a field assignment's base with the folder's types
 * (folderProvenance.ts); without it a field use keeps its owner as written, for the folder
 * composition to check (a provenance summary).
 */
export function contiguousUses(facts: FileFacts, engine: FileProvenance, ownerType?: (owner: OwnerRef | undefined) => string | undefined): ContiguousUse[] {
  const uses: ContiguousUse[] = [];
  const consumed = new Set<number>();
  for (const call of facts.callsTo(SINK_CALLEES)) {
    const name = calleeName(call);
    const sink = name ? contiguousSink(name) : undefined;
    if (!name || !sink) continue;
    const args = callArguments(call);
    for (const index of [sink.arg, ...(sink.moreArgs ?? [])]) {
      const argument = args[index];
      if (!argument) continue;
      let buffer: Node | undefined = argument;
      if (sink.through) {
        buffer = throughArgument(argument, sink.through);
        if (buffer) consumed.add(buffer.parent!.parent!.id);
      }
      if (!buffer) continue;
      const length = index === sink.arg && sink.lengthArg !== undefined ? args[sink.lengthArg] : undefined;
      if (length && evaluateText(unwrapExpression(length).text, facts.scope)?.value === 0) continue;
      uses.push({ kind: 'call', at: call, buffer, name, sink });
    }
  }
  // Only assignments of the catalogued field names are looked at (the file's field-assignment
  // index, by name), not every assignment of the file: this runs on every edit.
  const fieldUses: ContiguousUse[] = [];
  for (const [name, assignments] of engine.fieldAssignments()) {
    const field = contiguousField(name);
    if (!field) continue;
    for (const assignment of assignments) {
      if (assignment.childForFieldName('operator')?.text !== '=') continue;
      const left = assignment.childForFieldName('left')!;
      const right = assignment.childForFieldName('right')!;
      const ref = engine.ownerRef(left.childForFieldName('argument')!);
      if (ownerType) {
        const owner = ownerType(ref);
        if (owner ? owner !== field.owner : field.ownerRequired) continue;
      }
      if (field.submittedBy && !callsInFunction(assignment).some((called) => field.submittedBy!.includes(called))) continue;
      fieldUses.push(ownerType ? { kind: 'field', at: assignment, buffer: right, field } : { kind: 'field', at: assignment, buffer: right, field, owner: ref });
    }
  }
  uses.push(...fieldUses.sort((a, b) => a.at.startIndex - b.at.startIndex));
  // The inner virt_to_page()/virt_to_phys() of dma_map_page(…, virt_to_page(buf), …) is reported once, at the outer call.
  return uses.filter((use) => !consumed.has(use.at.id));
}

/** Whether the use rejects vmalloc memory (SPI transfer fields map it page by page). */
export function rejectsVmalloc(use: ContiguousUse): boolean {
  return use.kind === 'call' || use.field.rejectsVmalloc;
}
