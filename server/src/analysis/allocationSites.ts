// Finds every call to a catalogued allocation or free API and evaluates what the model needs:
// the size or order when constant, and the GFP mask when it is a constant expression.
import type { Node } from 'web-tree-sitter';
import { AllocApi, FreeApi, allocApi, argIndex, freeApi } from '../model/apis';
import { ModelConfig } from '../model/config';
import { GfpValue } from '../model/gfp';
import { callArguments, calleeName, unwrapExpression } from '../parsing/syntax';
import { ConstantScope, Evaluation, MacroDefinition, evaluateText } from './sizes/constants';
import { evaluateGfpText } from './gfpMask';

export interface EvaluatedArgument {
  node: Node;
  text: string;
  value?: Evaluation;
}

export interface GfpArgument {
  /** Absent when the API implies its mask (vmalloc) or the optional argument was left out. */
  node?: Node;
  text: string;
  value?: GfpValue;
}

export interface AllocationSite {
  call: Node;
  api: AllocApi;
  args: Node[];
  size?: EvaluatedArgument;
  count?: EvaluatedArgument;
  order?: EvaluatedArgument;
  /** The byte count the formula gives, when every part is known. */
  requestedBytes?: Evaluation;
  gfp?: GfpArgument;
}

export interface FreeSite {
  call: Node;
  api: FreeApi;
  args: Node[];
}

function evaluated(node: Node | undefined, scope: ConstantScope): EvaluatedArgument | undefined {
  if (!node) return undefined;
  return { node, text: node.text, value: evaluateText(unwrapExpression(node).text, scope) };
}

export function gfpArgument(api: AllocApi, args: Node[], config: ModelConfig, macros: ReadonlyMap<string, MacroDefinition>): GfpArgument | undefined {
  const index = argIndex(api.args.gfp, args.length);
  const node = index === undefined ? undefined : args[index];
  const base = node ? { node, text: node.text, value: evaluateGfpText(node.text, config, macros) } : undefined;
  const fallback = api.defaultGfp ? { text: api.defaultGfp, value: evaluateGfpText(api.defaultGfp, config, macros) } : undefined;
  const mask = base ?? fallback;
  if (!mask) return undefined;
  if (!mask.value || !api.addsGfp) return mask;
  return { ...mask, value: { bits: new Set([...mask.value.bits, ...api.addsGfp]), uncertainty: mask.value.uncertainty } };
}

function requestedBytes(api: AllocApi, site: AllocationSite, config: ModelConfig): Evaluation | undefined {
  const size = site.size?.value;
  const count = site.count?.value;
  const order = site.order?.value;
  switch (api.size) {
    case 'size':
      return size;
    case 'size+1':
      return size && { value: size.value + 1, steps: size.steps };
    case 'count*size':
      return size && count && { value: size.value * count.value, steps: [...count.steps, ...size.steps, `${count.value} × ${size.value} = ${size.value * count.value}`] };
    case 'page':
      return { value: config.pageSize, steps: [`PAGE_SIZE = ${config.pageSize}`] };
    case 'pages<<order':
      return order && { value: config.pageSize * 2 ** order.value, steps: [...order.steps] };
    case 'count*page':
      return count && { value: count.value * config.pageSize, steps: count.steps };
    default:
      return undefined;
  }
}

export function allocationSite(call: Node, scope: ConstantScope): AllocationSite | undefined {
  const name = calleeName(call);
  const api = name ? allocApi(name, scope.config) : undefined;
  if (!api) return undefined;
  const args = callArguments(call);
  // sizeof(*p) needs the declarations of the function around the call.
  const local = scope.forNode?.(call) ?? scope;
  const at = (index: number | undefined) => {
    const resolved = argIndex(index, args.length);
    return resolved === undefined ? undefined : args[resolved];
  };
  const site: AllocationSite = {
    call,
    api,
    args,
    size: evaluated(at(api.args.size), local),
    count: evaluated(at(api.args.count), local),
    order: evaluated(at(api.args.order), local),
    gfp: gfpArgument(api, args, scope.config, scope.macros),
  };
  site.requestedBytes = requestedBytes(api, site, scope.config);
  return site;
}

export function freeSite(call: Node): FreeSite | undefined {
  const name = calleeName(call);
  const api = name ? freeApi(name) : undefined;
  return api ? { call, api, args: callArguments(call) } : undefined;
}
