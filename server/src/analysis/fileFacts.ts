// Everything the rules and features need to know about one file, computed once per document
// version: macros, call sites of catalogued APIs, function definitions. Half of real driver files
// contain ERROR nodes from kernel macros; calls are collected from the whole tree regardless, and
// rules that need a sound function body check for errors themselves.
import type { Node, Tree } from 'web-tree-sitter';
import { ModelConfig } from '../model/config';
import { descendantsOfType, functionName } from '../parsing/syntax';
import { AllocationSite, FreeSite, allocationSite, freeSite } from './allocationSites';
import { ConstantScope, MacroDefinition, collectMacros, createScope } from './constants';

export interface FunctionFacts {
  name: string;
  node: Node;
  body: Node;
}

export interface FileFacts {
  path: string;
  text: string;
  tree: Tree;
  config: ModelConfig;
  macros: Map<string, MacroDefinition>;
  scope: ConstantScope;
  calls: Node[];
  allocations: AllocationSite[];
  frees: FreeSite[];
  functions: FunctionFacts[];
}

const CALLS_AND_FUNCTIONS = new Set(['call_expression', 'function_definition']);

export function collectFileFacts(path: string, text: string, tree: Tree, config: ModelConfig): FileFacts {
  const macros = collectMacros(tree.rootNode);
  const scope = createScope(config, macros);
  // One walk for both kinds of node: each walk of a large file costs milliseconds.
  const nodes = descendantsOfType(tree.rootNode, CALLS_AND_FUNCTIONS);
  const calls = nodes.filter((node) => node.type === 'call_expression');
  const allocations: AllocationSite[] = [];
  const frees: FreeSite[] = [];
  for (const call of calls) {
    const allocation = allocationSite(call, scope);
    if (allocation) {
      allocations.push(allocation);
      continue;
    }
    const free = freeSite(call);
    if (free) frees.push(free);
  }
  const functions: FunctionFacts[] = [];
  for (const node of nodes) {
    if (node.type !== 'function_definition') continue;
    const name = functionName(node);
    const body = node.childForFieldName('body');
    if (name && body) functions.push({ name, node, body });
  }
  return { path, text, tree, config, macros, scope, calls, allocations, frees, functions };
}
