// Buffers followed through helpers to DMA sinks, across files: which parameters of a function
// reach an argument of a contiguous-memory sink (model/contiguousSinks.ts), transitively through
// calls of other functions, with the chain of calls down to the sink. Two stages, plain data:
//
// - per file (provenance/parameterSinks.ts, while its tree is there): DmaBufferFlows, per function
//   the parameters that reach a sink in its own body and the calls that pass a parameter on. A
//   parameter copied into a bounce buffer before the sink does not reach it: the sink's buffer
//   then points at the bounce buffer, not at the parameter (FileProvenance.parameterOf()).
// - over a set of files (a driver folder's, or a whole kernel tree's in deriveKernelFacts()): the
//   fixpoint, breadth first from the sinks, so each parameter keeps the shortest chain. A static
//   function resolves in its file; a name defined non-static in several files (arch variants,
//   config alternatives) reaches only if every definition does, and a name defined twice in one
//   file never does: silence over a guess. Catalogued names (the sinks themselves, allocators,
//   frees) are never followed: a model row wins over a derived fact.
//
// Stack memory and vmalloc memory are followed separately: virt_to_phys() rejects vmalloc
// memory but not the stack, an SPI transfer buffer the stack but not vmalloc memory.
import { allocApi, freeApi } from '../../model/apis';
import type { ModelConfig } from '../../model/config';
import { VMALLOC_ONLY_USES, contiguousField, contiguousSink } from '../../model/contiguousSinks';
import type { WitnessHop } from './kernelFacts';

export interface DmaBufferFunction {
  name: string;
  isStatic: boolean;
  /** Triples: parameter, sink (index into DmaBufferFlows.strings: `usb_control_msg`, `.transfer_buffer` for a field), 1-based line. */
  sinks: readonly number[];
  /** Quads: parameter, callee (index into strings), argument position, 1-based line. */
  passes: readonly number[];
}

/** A file's parameter flows: only the functions that have some, names shared in `strings`. */
export interface DmaBufferFlows {
  strings: readonly string[];
  functions: readonly DmaBufferFunction[];
}

/** What derivation reads of a file: an IndexedFile of the kernel index, or a ProvenanceSummary of the folder. */
export interface DmaBufferSource {
  path: string;
  /** Every definition of the file (a name without flows reaches nothing). */
  functions: readonly { name: string; isStatic: boolean }[];
  dmaBufferFlows?: DmaBufferFlows;
}

export type DmaMemory = 'stack' | 'vmalloc';

/** One step of a chain: in `fn`, at `line` of `file`, the call that passes the buffer on (the last: the sink). */
export interface DmaHop {
  fn: string;
  /** The file, for related locations: the folder's path, or the tree's file under its root. */
  file: string;
  /** How the message names it: `uvc_video.c`, `drivers/usb/core/message.c`. */
  place: string;
  line: number;
}

export interface DmaReach {
  /** The sink: a call's name, or `.field` for a field assignment. */
  sink: string;
  /** From the function called down to the sink (the last hop). */
  chain: readonly DmaHop[];
}

/** What a parameter reaches, per kind of memory: absent where no sink on its way rejects that kind. */
export interface DmaParameterReach {
  stack?: DmaReach;
  vmalloc?: DmaReach;
}

/** A tree function's parameter that reaches a sink: KernelFacts.dmaBuffers, stored in the index. */
export interface DerivedDmaBuffer {
  name: string;
  parameter: number;
  /** The memory kinds the chain's sink rejects (both: one chain serves both). */
  rejects: DmaMemory | 'both';
  sink: string;
  chain: readonly WitnessHop[];
}

export interface DmaBufferFacts {
  /** Paths (relative to the tree's root) the chains cite. */
  files: readonly string[];
  /** Sorted by name, then parameter, then `rejects`. */
  parameters: readonly DerivedDmaBuffer[];
}

const MEMORY: readonly DmaMemory[] = ['stack', 'vmalloc'];

/** What a sink rejects, from the model's row. */
export function sinkRejects(sink: string): Record<DmaMemory, boolean> | undefined {
  if (sink.startsWith('.')) {
    const field = contiguousField(sink.slice(1));
    return field && { stack: field.rejectsStack, vmalloc: field.rejectsVmalloc };
  }
  const row = contiguousSink(sink);
  return row && { stack: row.rejectsStack, vmalloc: true };
}

/** Names the model catalogues: never followed into the tree's definitions, never given derived facts. */
export function cataloguedForDma(name: string, config: ModelConfig): boolean {
  return !!contiguousSink(name) || !!allocApi(name, config) || !!freeApi(name) || VMALLOC_ONLY_USES.includes(name);
}

/** A file's definitions of one name. */
interface Node {
  file: number;
  name: string;
  isStatic: boolean;
  /** Absent when the name is defined more than once in the file, or has no flows. */
  flows?: DmaBufferFunction;
}

interface State {
  line: number;
  depth: number;
  /** Reached in its own body. */
  sink?: string;
  /** Reached through a call the set does not define: the outside's chain (the folder's callees in the tree). */
  outside?: DmaReach;
  /** Reached through a call: its definitions (every one reaches), and the argument position there. */
  via?: { targets: readonly number[]; argument: number };
}

/** The definitions of a set of files by name: a static one resolves in its file, else the non-static ones of the set. */
function nodeTable(files: readonly DmaBufferSource[]) {
  const nodes: Node[] = [];
  const local: Map<string, number>[] = [];
  const exported = new Map<string, number[]>();
  files.forEach((file, fileIndex) => {
    const counts = new Map<string, { count: number; isStatic: boolean }>();
    for (const fn of file.functions) {
      const known = counts.get(fn.name);
      counts.set(fn.name, { count: (known?.count ?? 0) + 1, isStatic: known ? known.isStatic : fn.isStatic });
    }
    const flowsByName = new Map<string, DmaBufferFunction>();
    for (const fn of file.dmaBufferFlows?.functions ?? []) flowsByName.set(fn.name, fn);
    const names = new Map<string, number>();
    local.push(names);
    for (const [name, { count, isStatic }] of counts) {
      const id = nodes.length;
      nodes.push({ file: fileIndex, name, isStatic, flows: count === 1 ? flowsByName.get(name) : undefined });
      names.set(name, id);
      if (!isStatic) exported.set(name, [...(exported.get(name) ?? []), id]);
    }
  });
  const strings = (node: Node): readonly string[] => files[node.file].dmaBufferFlows!.strings;
  const resolve = (node: Node, name: string): readonly number[] | undefined => {
    const own = local[node.file].get(name);
    return own !== undefined ? [own] : exported.get(name);
  };

  return { nodes, strings, resolve, exported };
}

export interface DmaDerivation {
  /** Non-static names of the set and what their parameters reach. */
  reachOf(name: string, parameter: number): DmaParameterReach | undefined;
  /** The non-static names with some parameter that reaches a sink. */
  names(): readonly string[];
  /** Every parameter of those names that reaches, with the node chain (for the index). */
  entries(): { name: string; parameter: number; reach: DmaParameterReach }[];
}

/**
 * The fixpoint over a set of files. `outside(name, argument)` answers for callees the set does not
 * define (a folder's calls into the kernel tree); `place(path)` names a file in messages.
 */
export function deriveDmaBuffers(
  files: readonly DmaBufferSource[],
  config: ModelConfig,
  place: (path: string) => string,
  outside?: (name: string, argument: number) => DmaParameterReach | undefined,
): DmaDerivation {
  const { nodes, strings, resolve, exported } = nodeTable(files);

  const states: Record<DmaMemory, Map<string, State>> = { stack: new Map(), vmalloc: new Map() };
  const key = (id: number, parameter: number) => `${id}:${parameter}`;
  // Caller edges: the passes that may lead to a definition.
  const callers = new Map<number, { caller: number; pass: number }[]>();
  nodes.forEach((node, id) => {
    const passes = node.flows?.passes ?? [];
    for (let at = 0; at < passes.length; at += 4) {
      const callee = strings(node)[passes[at + 1]];
      if (cataloguedForDma(callee, config)) continue;
      for (const target of resolve(node, callee) ?? []) {
        if (target === id) continue;
        callers.set(target, [...(callers.get(target) ?? []), { caller: id, pass: at }]);
      }
    }
  });

  const parametersOf = new Map<number, Set<number>>();
  for (const memory of MEMORY) {
    const reached = states[memory];
    // Processed by depth: sinks in the functions' own bodies are 0, callees outside the set the length of their chains.
    const buckets: { id: number; parameter: number; state: State }[][] = [];
    const push = (id: number, parameter: number, state: State) => (buckets[state.depth] ??= []).push({ id, parameter, state });
    nodes.forEach((node, id) => {
      const flows = node.flows;
      if (!flows) return;
      for (let at = 0; at < flows.sinks.length; at += 3) {
        const sink = strings(node)[flows.sinks[at + 1]];
        if (sinkRejects(sink)?.[memory]) push(id, flows.sinks[at], { line: flows.sinks[at + 2], depth: 0, sink });
      }
      if (!outside) return;
      for (let at = 0; at < flows.passes.length; at += 4) {
        const callee = strings(node)[flows.passes[at + 1]];
        if (cataloguedForDma(callee, config) || resolve(node, callee)) continue;
        const reach = outside(callee, flows.passes[at + 2])?.[memory];
        if (reach) push(id, flows.passes[at], { line: flows.passes[at + 3], depth: reach.chain.length, outside: reach });
      }
    });
    for (let depth = 0; depth < buckets.length; depth++) {
      for (const { id, parameter, state } of buckets[depth] ?? []) {
        if (reached.has(key(id, parameter))) continue;
        reached.set(key(id, parameter), state);
        let parameters = parametersOf.get(id);
        if (!parameters) parametersOf.set(id, (parameters = new Set()));
        parameters.add(parameter);
        for (const { caller, pass } of callers.get(id) ?? []) {
          const node = nodes[caller];
          const passes = node.flows!.passes;
          if (passes[pass + 2] !== parameter || reached.has(key(caller, passes[pass]))) continue;
          const targets = resolve(node, strings(node)[passes[pass + 1]])!;
          if (targets.every((target) => reached.has(key(target, parameter)))) push(caller, passes[pass], { line: passes[pass + 3], depth: depth + 1, via: { targets, argument: parameter } });
        }
      }
    }
  }

  const chainOf = (memory: DmaMemory, start: number, parameter: number): DmaReach | undefined => {
    const chain: DmaHop[] = [];
    let id = start;
    let position = parameter;
    for (let guard = 0; guard < 64; guard++) {
      const state = states[memory].get(key(id, position));
      if (!state) return undefined;
      const node = nodes[id];
      const path = files[node.file].path;
      chain.push({ fn: node.name, file: path, place: place(path), line: state.line });
      if (state.sink) return { sink: state.sink, chain };
      if (state.outside) return { sink: state.outside.sink, chain: [...chain, ...state.outside.chain] };
      const via = state.via!;
      const best = via.targets.reduce((a, b) => (states[memory].get(key(b, via.argument))!.depth < states[memory].get(key(a, via.argument))!.depth ? b : a));
      id = best;
      position = via.argument;
    }
    return undefined;
  };
  const reachOf = (name: string, parameter: number): DmaParameterReach | undefined => {
    const ids = exported.get(name);
    if (!ids || cataloguedForDma(name, config)) return undefined;
    const reach: DmaParameterReach = {};
    for (const memory of MEMORY) {
      const found = ids.map((id) => states[memory].get(key(id, parameter)));
      if (found.some((state) => !state)) continue;
      const best = ids[found.reduce((bestAt, state, at) => (state!.depth < found[bestAt]!.depth ? at : bestAt), 0)];
      const chain = chainOf(memory, best, parameter);
      if (chain) reach[memory] = chain;
    }
    return reach.stack || reach.vmalloc ? reach : undefined;
  };
  const reachedParameters = (name: string): number[] => {
    const parameters = new Set<number>();
    for (const id of exported.get(name) ?? []) parametersOf.get(id)?.forEach((parameter) => parameters.add(parameter));
    return [...parameters].sort((a, b) => a - b);
  };
  const names = () => [...exported.keys()].filter((name) => reachedParameters(name).some((parameter) => reachOf(name, parameter))).sort();
  return {
    reachOf,
    names,
    entries: () =>
      names().flatMap((name) =>
        reachedParameters(name).flatMap((parameter) => {
          const reach = reachOf(name, parameter);
          return reach ? [{ name, parameter, reach }] : [];
        }),
      ),
  };
}

function sameChain(a: DmaReach, b: DmaReach): boolean {
  return a.sink === b.sink && a.chain.length === b.chain.length && a.chain.every((hop, index) => hop.file === b.chain[index].file && hop.line === b.chain[index].line && hop.fn === b.chain[index].fn);
}

/** The derived facts of a whole tree, for KernelFacts.dmaBuffers; undefined when no file has flows. */
export function deriveTreeDmaBuffers(files: readonly DmaBufferSource[], config: ModelConfig): DmaBufferFacts | undefined {
  if (!files.some((file) => file.dmaBufferFlows && file.dmaBufferFlows.functions.length > 0)) return undefined;
  const derivation = deriveDmaBuffers(files, config, (path) => path);
  const cited = new Map<string, number>();
  const citedFiles: string[] = [];
  const cite = (path: string) => {
    let index = cited.get(path);
    if (index === undefined) {
      index = citedFiles.length;
      citedFiles.push(path);
      cited.set(path, index);
    }
    return index;
  };
  const stored = (reach: DmaReach): WitnessHop[] => reach.chain.map((hop) => ({ fn: hop.fn, file: cite(hop.file), line: hop.line }));
  const parameters: DerivedDmaBuffer[] = [];
  for (const { name, parameter, reach } of derivation.entries()) {
    if (reach.stack && reach.vmalloc && sameChain(reach.stack, reach.vmalloc)) parameters.push({ name, parameter, rejects: 'both', sink: reach.stack.sink, chain: stored(reach.stack) });
    else
      for (const memory of MEMORY) {
        const one = reach[memory];
        if (one) parameters.push({ name, parameter, rejects: memory, sink: one.sink, chain: stored(one) });
      }
  }
  return { files: citedFiles, parameters };
}

/** The tree's facts by name and parameter, hops under the tree's root. */
export interface DmaBufferLookup {
  /** Some parameter of the name reaches a sink. */
  has(name: string): boolean;
  reach(name: string, parameter: number): DmaParameterReach | undefined;
}

export function dmaBufferLookup(facts: DmaBufferFacts, root: string): DmaBufferLookup {
  const base = root.replace(/[\\/]+$/, '');
  const byKey = new Map<string, DmaParameterReach>();
  const names = new Set<string>();
  for (const derived of facts.parameters) {
    const reach: DmaReach = {
      sink: derived.sink,
      chain: derived.chain.map((hop) => ({ fn: hop.fn, file: `${base}/${facts.files[hop.file]}`, place: facts.files[hop.file], line: hop.line })),
    };
    const entryKey = `${derived.name}:${derived.parameter}`;
    const known = byKey.get(entryKey) ?? {};
    byKey.set(entryKey, derived.rejects === 'both' ? { stack: reach, vmalloc: reach } : { ...known, [derived.rejects]: reach });
    names.add(derived.name);
  }
  return { has: (name) => names.has(name), reach: (name, parameter) => byKey.get(`${name}:${parameter}`) };
}

/**
 * A file's flows for its IndexedFile (the index worker): from its provenance summary, which the
 * folder's preparation has usually built already. A summary that fails leaves the file without
 * flows (its functions then reach nothing), never the index without the file.
 */
export function indexedDmaBufferFlows(summary: () => { dmaBufferFlows?: DmaBufferFlows }): { dmaBufferFlows?: DmaBufferFlows } {
  try {
    const flows = summary().dmaBufferFlows;
    return flows ? { dmaBufferFlows: flows } : {};
  } catch {
    return {};
  }
}

/**
 * What the parameters of a folder's functions reach, asked per name: a breadth-first walk from
 * the function down its passes, so only what the asked calls lead to is explored (the folder's
 * composition runs per analysed file; a fixpoint over the whole folder each time would cost the
 * folder's size squared). A name the folder defines non-static more than once, or calls that
 * may mean several definitions, are not followed: silence. Callees the folder does not define
 * are answered by `outside` (the kernel tree's facts).
 */
export function folderDmaReach(
  files: readonly DmaBufferSource[],
  config: ModelConfig,
  place: (path: string) => string,
  outside?: (name: string, argument: number) => DmaParameterReach | undefined,
): { reachOf(name: string, parameter: number): DmaParameterReach | undefined; mayReach(name: string): boolean } {
  const { nodes, strings, resolve, exported } = nodeTable(files);
  const memo = new Map<string, DmaParameterReach | undefined>();
  const single = (name: string): number | undefined => {
    const ids = exported.get(name);
    return ids?.length === 1 && !cataloguedForDma(name, config) ? ids[0] : undefined;
  };
  const hopOf = (id: number, line: number): DmaHop => {
    const path = files[nodes[id].file].path;
    return { fn: nodes[id].name, file: path, place: place(path), line };
  };
  const walk = (start: number, parameter: number, memory: DmaMemory): DmaReach | undefined => {
    const key = (id: number, at: number) => `${id}:${at}`;
    const parents = new Map<string, { from?: string; id: number; parameter: number; line: number }>();
    const chainTo = (stateKey: string, last: DmaHop): DmaHop[] => {
      const hops = [last];
      for (let at = parents.get(stateKey)!; at.from !== undefined;) {
        const previous = parents.get(at.from)!;
        hops.unshift(hopOf(previous.id, at.line));
        at = previous;
      }
      return hops;
    };
    const queue: string[] = [key(start, parameter)];
    parents.set(queue[0], { id: start, parameter, line: 0 });
    for (let index = 0; index < queue.length && index < 4096; index++) {
      const { id, parameter: at } = parents.get(queue[index])!;
      const node = nodes[id];
      const flows = node.flows;
      if (!flows) continue;
      for (let sink = 0; sink < flows.sinks.length; sink += 3) {
        const name = strings(node)[flows.sinks[sink + 1]];
        if (flows.sinks[sink] === at && sinkRejects(name)?.[memory]) return { sink: name, chain: chainTo(queue[index], hopOf(id, flows.sinks[sink + 2])) };
      }
      for (let pass = 0; pass < flows.passes.length; pass += 4) {
        if (flows.passes[pass] !== at) continue;
        const callee = strings(node)[flows.passes[pass + 1]];
        if (cataloguedForDma(callee, config) || resolve(node, callee)) continue;
        const reach = outside?.(callee, flows.passes[pass + 2])?.[memory];
        if (reach) return { sink: reach.sink, chain: [...chainTo(queue[index], hopOf(id, flows.passes[pass + 3])), ...reach.chain] };
      }
      for (let pass = 0; pass < flows.passes.length; pass += 4) {
        if (flows.passes[pass] !== at) continue;
        const targets = resolve(node, strings(node)[flows.passes[pass + 1]]);
        if (!targets || targets.length !== 1 || targets[0] === id) continue;
        const next = key(targets[0], flows.passes[pass + 2]);
        if (parents.has(next)) continue;
        parents.set(next, { from: queue[index], id: targets[0], parameter: flows.passes[pass + 2], line: flows.passes[pass + 3] });
        queue.push(next);
      }
    }
    return undefined;
  };
  return {
    mayReach: (name) => {
      const id = single(name);
      return id !== undefined && !!nodes[id].flows;
    },
    reachOf(name, parameter) {
      const memoKey = `${name}:${parameter}`;
      if (memo.has(memoKey)) return memo.get(memoKey);
      const id = single(name);
      let reach: DmaParameterReach | undefined;
      if (id !== undefined) {
        const stack = walk(id, parameter, 'stack');
        const vmalloc = walk(id, parameter, 'vmalloc');
        if (stack || vmalloc) reach = { ...(stack ? { stack } : {}), ...(vmalloc ? { vmalloc } : {}) };
      }
      memo.set(memoKey, reach);
      return reach;
    },
  };
}
