// Everything the rules and features need to know about one file, computed once per document
// version: macros, call sites of catalogued APIs, function definitions. Half of real driver files
// contain ERROR nodes from kernel macros; calls are collected from the whole tree regardless, and
// rules that need a sound function body check for errors themselves.
import type { Node, Tree } from 'web-tree-sitter';
import { ModelConfig } from '../model/config';
import { ALLOC_APIS, FREE_APIS } from '../model/apis';
import { CalleeNames, calleeNames, callsNamed, descendantsOfType, functionName } from '../parsing/syntax';
import { TopLevelParts, topLevelParts } from './summaries/fileSummary';
import { AllocationSite, FreeSite, allocationSite, freeSite } from './allocationSites';
import { ConstantScope, MacroDefinition, collectMacros, createScope } from './sizes/constants';

export interface FunctionFacts {
  name: string;
  node: Node;
  body: Node;
}

export interface FileFacts {
  readonly path: string;
  readonly text: string;
  readonly tree: Tree;
  readonly config: ModelConfig;
  readonly macros: ReadonlyMap<string, MacroDefinition>;
  readonly scope: ConstantScope;
  /** Every call of the file, in document order: a walk of the whole tree on first use. */
  readonly calls: Node[];
  /** Calls to some callee names, in document order, found from the text (no walk). */
  callsTo(names: CalleeNames): Node[];
  readonly allocations: readonly AllocationSite[];
  readonly frees: readonly FreeSite[];
  readonly functions: readonly FunctionFacts[];
  /** The definitions and file-scope items `functions` came from (summaries/fileSummary.ts reads them). */
  readonly topLevel: TopLevelParts;
  /** For a view with the scope bound to the folder (withBoundScope): the facts it was made from. */
  readonly base?: FileFacts;
}

/**
 * The same file with its constant scope bound to the driver folder and its allocation sites
 * re-evaluated with it: a new object, `facts` stays as it was (facts are immutable once built).
 */
export function withBoundScope(facts: FileFacts, scope: ConstantScope, allocations: readonly AllocationSite[]): FileFacts {
  const base = facts.base ?? facts;
  return {
    path: base.path,
    text: base.text,
    tree: base.tree,
    config: base.config,
    macros: base.macros,
    scope,
    get calls() {
      return base.calls;
    },
    callsTo: base.callsTo,
    allocations,
    frees: base.frees,
    functions: base.functions,
    topLevel: base.topLevel,
    base,
  };
}

/** Every catalogued allocation and free API name (model/apis.ts), whatever the release. */
const CATALOGUED = calleeNames([...ALLOC_APIS.map((api) => api.name), ...FREE_APIS.map((api) => api.name)]);

const CALLS = new Set(['call_expression']);

export function collectFileFacts(path: string, text: string, tree: Tree, config: ModelConfig): FileFacts {
  const macros = collectMacros(tree.rootNode, undefined, text);
  const scope = createScope(config, macros);
  const allocations: AllocationSite[] = [];
  const frees: FreeSite[] = [];
  // Catalogued calls are found from the text: a walk of every node of a large file costs more
  // than its incremental re-parse, and this runs on every keystroke.
  for (const call of callsNamed(tree.rootNode, text, CATALOGUED)) {
    const allocation = allocationSite(call, scope);
    if (allocation) {
      allocations.push(allocation);
      continue;
    }
    const free = freeSite(call);
    if (free) frees.push(free);
  }
  const functions: FunctionFacts[] = [];
  const topLevel = topLevelParts(tree);
  for (const node of topLevel.functions) {
    const name = functionName(node);
    const body = node.childForFieldName('body');
    if (name && body) functions.push({ name, node, body });
  }
  let calls: Node[] | undefined;
  return {
    path,
    text,
    tree,
    config,
    macros,
    scope,
    get calls() {
      calls ??= descendantsOfType(tree.rootNode, CALLS);
      return calls;
    },
    callsTo: (names) => callsNamed(tree.rootNode, text, names),
    allocations,
    frees,
    functions,
    topLevel,
  };
}
