// The provenance summary of a file version (provenanceFacts.ts ProvenanceSummary): what its
// folder's other files read of it, made while its tree is there. Built per function and reused
// like analysis/summaries/fileSummary.ts: a definition whose text (and start column) is unchanged,
// whose answers read nothing outside it (FileProvenance.outsideReads), in a file whose macros and
// model configuration are unchanged, keeps its entry, moved to its new rows.
import type { Node } from 'web-tree-sitter';
import type { Span } from '../../parsing/syntax';
import { spanOf } from '../../parsing/syntax';
import type { TypeDeclarations } from '../../parsing/typeDeclarations';
import type { DmaBufferFlows } from '../index/provenanceIndex';
import { hashText } from '../summaries/fileSummary';
import { contiguousUses, rejectsVmalloc } from './contiguousUses';
import { dmaBufferFlowsOf } from './parameterSinks';
import { FileProvenance, preprocessorBranchesOf, vmallocCheckedNamesOf, vmallocOnlyArgument, vmallocOnlyCalls } from './provenance';
import type {
  ArgumentFact,
  FreeFact,
  FunctionProvenance,
  FunctionProvenanceEntry,
  PointerSource,
  ProvenanceSummary,
  ProvenanceTerm,
  RejectingUseFact,
  StoredWrite,
  SymbolicProvenance,
} from './provenanceFacts';

function positionOf(node: Node): string {
  return `${node.startPosition.row}:${node.startPosition.column}`;
}

function compareAt(a: string, b: string): number {
  const [rowA, columnA] = a.split(':').map(Number);
  const [rowB, columnB] = b.split(':').map(Number);
  return rowA - rowB || columnA - columnB;
}

function argumentFact(engine: FileProvenance, node: Node | undefined): ArgumentFact | undefined {
  return node ? { text: node.text, provenance: engine.of(node) } : undefined;
}

/** What the summary's answers depend on besides the definitions' texts. */
function contextKeyOf(engine: FileProvenance): string {
  const facts = engine.facts;
  return hashText(JSON.stringify([facts.config, [...facts.macros.values()]]));
}

/**
 * The provenance summary of a file version: the returns of every function, every field write with
 * the provenance of the stored value, its frees, its uses that need vmalloc memory and those that
 * reject it, and the fields it tests with is_vmalloc_addr(). `types` is the file's type
 * declarations (text scan); `previous` the summary of the path's previous version, if any.
 */
export function summarizeProvenance(engine: FileProvenance, types: TypeDeclarations, previous?: ProvenanceSummary): ProvenanceSummary {
  const facts = engine.facts;
  const contextKey = contextKeyOf(engine);
  const reusable = new Map<string, FunctionProvenanceEntry>();
  if (previous && previous.contextKey === contextKey) for (const entry of previous.entries) if (entry.selfContained) reusable.set(entry.key, entry);

  // The file's frees and uses by function (undefined: outside any definition), found once.
  const byFunction = <T>(items: readonly T[], nodeOf: (item: T) => Node) => {
    const groups = new Map<number | undefined, T[]>();
    for (const item of items) {
      const index = engine.functionIndexOf(nodeOf(item));
      const list = groups.get(index);
      if (list) list.push(item);
      else groups.set(index, [item]);
    }
    return groups;
  };
  const frees = byFunction(facts.frees, (free) => free.call);
  const vmallocOnly = byFunction(vmallocOnlyCalls(facts), (call) => call);
  const allUses = contiguousUses(facts, engine);
  const uses = byFunction(allUses.filter(rejectsVmalloc), (use) => use.at);
  const assignments = byFunction(
    [...engine.fieldAssignments().entries()].flatMap(([field, nodes]) => nodes.map((node) => ({ field, node }))),
    (assignment) => assignment.node,
  );

  const build = (index: number | undefined, key: string, startRow: number): FunctionProvenanceEntry => {
    const before = engine.outsideReads;
    const writes = (assignments.get(index) ?? []).map(({ field, node }) => {
      const write = engine.writesOf(field).find((candidate) => candidate.node.id === node.id)!;
      const left = node.childForFieldName('left')!;
      return { field, write: { key: write.key, owner: engine.ownerRef(left.childForFieldName('argument')!), fn: write.fn, text: write.text, value: engine.writeValue(write) } };
    });
    const freeFacts = (frees.get(index) ?? []).map((free): FreeFact => {
      const pointer = free.api.args.pointer;
      return {
        key: positionOf(free.call),
        api: free.api.name,
        calleeSpan: spanOf(free.call.childForFieldName('function') ?? free.call),
        pointer: argumentFact(engine, pointer === undefined ? undefined : free.args[pointer]),
        first: free.api.name === 'vfree' || free.api.name === 'kvfree' ? argumentFact(engine, free.args[0]) : undefined,
      };
    });
    const onlyUses: { at: string; use: ArgumentFact }[] = [];
    for (const call of vmallocOnly.get(index) ?? []) {
      const use = argumentFact(engine, vmallocOnlyArgument(call));
      if (use) onlyUses.push({ at: positionOf(call), use });
    }
    const rejecting = (uses.get(index) ?? []).map((use) => {
      const owner = use.kind === 'field' ? engine.ownerRef(use.at.childForFieldName('left')!.childForFieldName('argument')!) : undefined;
      const fact: RejectingUseFact = {
        sink: use.kind === 'call' ? { kind: 'call', name: use.name } : { kind: 'field', owner: use.field.owner, field: use.field.field },
        line: use.at.startPosition.row,
        buffer: engine.of(use.buffer),
        owner,
        ownerRequired: use.kind === 'field' && use.field.ownerRequired,
      };
      return { at: positionOf(use.at), kind: use.kind, use: fact };
    });
    const returns = index === undefined ? null : engine.returnsOf(index);
    return { key, startRow, index: index ?? -1, selfContained: engine.outsideReads === before, returns, writes, frees: freeFacts, vmallocOnlyUses: onlyUses, rejectingUses: rejecting };
  };

  const entries = facts.functions.map((fn, index) => {
    const key = `${fn.node.startPosition.column}:${fn.node.text}`;
    const startRow = fn.node.startPosition.row;
    const old = reusable.get(key);
    return old ? moved(old, startRow, index) : build(index, key, startRow);
  });
  const fileScope = build(undefined, '', 0);

  const parts = [...entries, fileScope];
  const writes = new Map<string, StoredWrite[]>();
  for (const { field, write } of parts.flatMap((entry) => entry.writes).sort((a, b) => compareAt(a.write.key, b.write.key))) {
    const list = writes.get(field);
    if (list) list.push(write);
    else writes.set(field, [write]);
  }
  const functions: FunctionProvenance[] = facts.functions.map((fn, index) => ({
    name: fn.name,
    isStatic: engine.isStatic(index),
    branches: preprocessorBranchesOf(fn.node),
    returns: entries[index].returns,
  }));
  const rejecting = parts.flatMap((entry) => entry.rejectingUses);
  // Sink calls in document order, then field assignments in document order (contiguousUses()).
  const ordered = (kind: 'call' | 'field') =>
    rejecting
      .filter((use) => use.kind === kind)
      .sort((a, b) => compareAt(a.at, b.at))
      .map((use) => use.use);
  return {
    path: facts.path,
    contextKey,
    types,
    functions,
    writes,
    frees: parts.flatMap((entry) => entry.frees).sort((a, b) => compareAt(a.key, b.key)),
    vmallocOnlyUses: parts
      .flatMap((entry) => entry.vmallocOnlyUses)
      .sort((a, b) => compareAt(a.at, b.at))
      .map((use) => use.use),
    rejectingUses: [...ordered('call'), ...ordered('field')],
    vmallocCheckedNames: [...vmallocCheckedNamesOf(facts)],
    ...dmaBufferFlowsField(dmaBufferFlowsOf(engine, allUses)),
    entries,
  };
}

function dmaBufferFlowsField(flows: DmaBufferFlows | undefined): { dmaBufferFlows?: DmaBufferFlows } {
  return flows ? { dmaBufferFlows: flows } : {};
}

/** A reused entry at its definition's new rows and index (every position in it lies in the definition). */
function moved(entry: FunctionProvenanceEntry, startRow: number, index: number): FunctionProvenanceEntry {
  const delta = startRow - entry.startRow;
  if (delta === 0 && index === entry.index) return entry;
  const fnOf = (fn: number | undefined) => (fn === undefined ? undefined : index);
  const at = (position: string) => {
    if (delta === 0) return position;
    const [row, column] = position.split(':');
    return `${Number(row) + delta}:${column}`;
  };
  const span = (value: Span): Span => (delta === 0 ? value : { ...value, startLine: value.startLine + delta, endLine: value.endLine + delta });
  const source = (value: PointerSource): PointerSource => {
    const key = value.key.slice(0, value.key.length - `${value.span.startLine}:${value.span.startColumn}`.length) + at(`${value.span.startLine}:${value.span.startColumn}`);
    return {
      ...value,
      key,
      span: span(value.span),
      functionSpan: value.functionSpan && span(value.functionSpan),
      site: value.site && { ...value.site, calleeSpan: span(value.site.calleeSpan), closeSpan: span(value.site.closeSpan) },
    };
  };
  const term = (value: ProvenanceTerm): ProvenanceTerm => {
    if (value.kind === 'source') return { kind: 'source', source: source(value.source) };
    if (value.kind === 'helper') return value;
    return { ...value, read: { ...value.read, key: at(value.read.key), fn: fnOf(value.read.fn), local: value.read.local.map((write) => ({ ...write, write: at(write.write) })) } };
  };
  const provenance = (value: SymbolicProvenance): SymbolicProvenance => ({ ...value, terms: value.terms.map(term) });
  const argument = (value: ArgumentFact | undefined) => value && { ...value, provenance: provenance(value.provenance) };
  return {
    ...entry,
    startRow,
    index,
    returns: entry.returns && provenance(entry.returns),
    writes: entry.writes.map(({ field, write }) => ({ field, write: { ...write, key: at(write.key), fn: fnOf(write.fn), value: provenance(write.value) } })),
    frees: entry.frees.map((free) => ({ ...free, key: at(free.key), calleeSpan: span(free.calleeSpan), pointer: argument(free.pointer), first: argument(free.first) })),
    vmallocOnlyUses: entry.vmallocOnlyUses.map((use) => ({ at: at(use.at), use: argument(use.use)! })),
    rejectingUses: entry.rejectingUses.map((use) => ({ ...use, at: at(use.at), use: { ...use.use, line: use.use.line + delta, buffer: provenance(use.use.buffer) } })),
  };
}
