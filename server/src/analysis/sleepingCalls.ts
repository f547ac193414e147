// Which calls may sleep, and why: allocations whose mask (or API) allows direct reclaim, the §5
// sleepers, and calls that hand a blocking mask to a helper which allocates with it. A mask held
// in a local variable is followed through its single assignment; a mask that arrives as a
// parameter belongs to the caller, so the helper itself is never reported for it.
import type { Node } from 'web-tree-sitter';
import { AllocApi, FreeApi } from '../model/apis';
import { GfpValue, gfpAllowsBlocking } from '../model/gfp';
import { GfpTaker, Sleeper, gfpTaker, sleeper } from '../model/sleepers';
import { calleeName, callArguments, unwrapExpression } from '../parsing/syntax';
import type { AllocationSite } from './allocationSites';
import type { AtomicAnalysis, FunctionNode } from './callGraph';
import type { FileFacts } from './fileFacts';
import { evaluateGfpText } from './gfpMask';
import { parametersOf } from './lockRegions';

/** Where a mask's flag tokens are written, and its value. */
export interface MaskSource {
  value: GfpValue;
  /** The expression holding the flags: the argument itself or the variable's initializer. */
  node: Node;
  /** The variable the argument names, when it came through one. */
  variable?: string;
}

export type SleepingCall =
  | { kind: 'allocation'; call: Node; api: AllocApi; mask?: MaskSource }
  | { kind: 'free'; call: Node; api: FreeApi; outsideInterruptOnly: boolean }
  | { kind: 'sleeper'; call: Node; sleeper: Sleeper }
  | { kind: 'gfp-call'; call: Node; taker: GfpTaker; mask: MaskSource }
  | { kind: 'helper-mask'; call: Node; argument: Node; helper: FunctionNode; allocation: AllocationSite; mask: MaskSource };

/** Frees that may sleep in any atomic context (apis.ts `sleeps: 'always'`); the dma_free_* family only warns with IRQs disabled (kernel/dma/mapping.c, 6.1) and is left out. */
const SLEEPING_FREES = new Set(['vunmap', 'kmem_cache_destroy', 'dma_pool_destroy', 'dmam_pool_destroy', 'cma_release']);

/** regmap I/O entry points (include/linux/regmap.h, 6.1). */
const REGMAP_IO = /^regmap_(read|write|update_bits|update_bits_base|update_bits_check|write_bits|set_bits|clear_bits|test_bits|bulk_read|bulk_write|raw_read|raw_write|noinc_read|noinc_write|multi_reg_write|field_read|field_write|field_update_bits|fields_read|fields_write|fields_update_bits|read_poll_timeout)$/;

const allocationIndex = new WeakMap<FileFacts, Map<number, AllocationSite>>();
function allocationAt(facts: FileFacts, call: Node): AllocationSite | undefined {
  let index = allocationIndex.get(facts);
  if (!index) {
    index = new Map(facts.allocations.map((site) => [site.call.id, site]));
    allocationIndex.set(facts, index);
  }
  return index.get(call.id);
}

const freeIndex = new WeakMap<FileFacts, Map<number, FreeApi>>();
function freeAt(facts: FileFacts, call: Node): FreeApi | undefined {
  let index = freeIndex.get(facts);
  if (!index) {
    index = new Map(facts.frees.map((site) => [site.call.id, site.api]));
    freeIndex.set(facts, index);
  }
  return index.get(call.id);
}

export function parameterNames(fn: FunctionNode): string[] {
  return parametersOf(fn.fn).map((parameter) => parameter.name);
}

/** Every definition of a local variable in a body: initializers and plain or compound assignments. */
function definitionsOf(fn: FunctionNode, name: string): Node[] {
  const found: Node[] = [];
  for (const declarator of fn.fn.body.descendantsOfType('init_declarator')) {
    if (declarator?.childForFieldName('declarator')?.text === name) found.push(declarator.childForFieldName('value')!);
  }
  for (const assignment of fn.fn.body.descendantsOfType('assignment_expression')) {
    if (assignment?.childForFieldName('left')?.text !== name) continue;
    // `gfp |= __GFP_NOWARN` and friends make the value path-dependent: report nothing.
    found.push(assignment.childForFieldName('operator')?.text === '=' ? assignment.childForFieldName('right')! : assignment);
  }
  return found;
}

/** The mask an expression stands for: a constant, or a local variable assigned exactly once. */
export function maskOf(fn: FunctionNode, node: Node): MaskSource | { parameter: number } | undefined {
  const expression = unwrapExpression(node);
  const config = fn.facts.config;
  if (expression.type === 'identifier') {
    const direct = evaluateGfpText(expression.text, config, fn.facts.macros);
    if (direct) return { value: direct, node: expression };
    const parameter = parameterNames(fn).indexOf(expression.text);
    if (parameter >= 0) return { parameter };
    const definitions = definitionsOf(fn, expression.text);
    if (definitions.length !== 1 || definitions[0].type === 'assignment_expression') return undefined;
    const value = evaluateGfpText(definitions[0].text, config, fn.facts.macros);
    return value ? { value, node: definitions[0], variable: expression.text } : undefined;
  }
  const value = evaluateGfpText(expression.text, config, fn.facts.macros);
  return value ? { value, node: expression } : undefined;
}

const helperMaskCache = new WeakMap<FunctionNode, Map<number, AllocationSite>>();

/**
 * Parameters of a helper that reach an allocation's GFP argument (directly or through further
 * helpers): `static void *get_buf(struct p *p, gfp_t gfp) { return kmalloc(64, gfp); }` → {1}.
 */
export function maskParameters(analysis: AtomicAnalysis, fn: FunctionNode, visiting = new Set<FunctionNode>()): Map<number, AllocationSite> {
  const cached = helperMaskCache.get(fn);
  if (cached) return cached;
  const result = new Map<number, AllocationSite>();
  if (visiting.has(fn) || visiting.size > 8 || !/\bgfp_t\b/.test(fn.fn.node.text.slice(0, fn.fn.body.startIndex - fn.fn.node.startIndex))) return result;
  visiting.add(fn);
  const names = parameterNames(fn);
  for (const call of fn.calls) {
    const site = allocationAt(fn.facts, call);
    if (site?.gfp?.node) {
      const index = names.indexOf(unwrapExpression(site.gfp.node).text);
      if (index >= 0 && !result.has(index)) result.set(index, site);
      continue;
    }
    const name = calleeName(call);
    const callee = name ? analysis.resolve(fn.facts, name) : undefined;
    if (!callee || callee === fn) continue;
    const inner = maskParameters(analysis, callee, visiting);
    if (inner.size === 0) continue;
    callArguments(call).forEach((argument, position) => {
      const index = names.indexOf(unwrapExpression(argument).text);
      const allocation = inner.get(position);
      if (index >= 0 && allocation && !result.has(index)) result.set(index, allocation);
    });
  }
  visiting.delete(fn);
  helperMaskCache.set(fn, result);
  return result;
}

/** What may sleep about this call, or undefined when it cannot (or the mask is unknown). */
export function sleepingCall(analysis: AtomicAnalysis, fn: FunctionNode, call: Node): SleepingCall | undefined {
  const site = allocationAt(fn.facts, call);
  if (site) {
    if (site.api.sleeps === 'always') return { kind: 'allocation', call, api: site.api };
    if (site.api.sleeps !== 'gfp' || !site.gfp) return undefined;
    if (!site.gfp.node) return site.gfp.value && gfpAllowsBlocking(site.gfp.value) ? { kind: 'allocation', call, api: site.api } : undefined;
    const mask = maskOf(fn, site.gfp.node);
    if (!mask || 'parameter' in mask) return undefined;
    const bits = site.api.addsGfp ? { ...mask.value, bits: new Set([...mask.value.bits, ...site.api.addsGfp]) } : mask.value;
    return gfpAllowsBlocking(bits) ? { kind: 'allocation', call, api: site.api, mask } : undefined;
  }
  const free = freeAt(fn.facts, call);
  if (free) {
    if (SLEEPING_FREES.has(free.name)) return { kind: 'free', call, api: free, outsideInterruptOnly: false };
    if (free.name === 'vfree') return { kind: 'free', call, api: free, outsideInterruptOnly: true };
    return undefined;
  }
  const name = calleeName(call);
  if (!name) return undefined;
  const known = sleeper(name);
  if (known) return { kind: 'sleeper', call, sleeper: known };
  const taker = gfpTaker(name);
  if (taker) {
    const argument = callArguments(call)[taker.gfpArg];
    const mask = argument ? maskOf(fn, argument) : undefined;
    return mask && !('parameter' in mask) && gfpAllowsBlocking(mask.value) ? { kind: 'gfp-call', call, taker, mask } : undefined;
  }
  const regmap = analysis.sleepingRegmap;
  if (regmap && REGMAP_IO.test(name)) {
    const where = regmap.facts === analysis.facts ? `line ${regmap.init.startPosition.row + 1}` : `line ${regmap.init.startPosition.row + 1} of ${regmap.facts.path.split(/[\\/]/).pop()}`;
    return {
      kind: 'sleeper',
      call,
      sleeper: { name, reason: `takes the regmap mutex and waits for the bus transfer: this driver's regmap comes from ${calleeName(regmap.init)}() at ${where}, a bus without fast_io`, source: 'drivers/base/regmap/regmap.c (6.1)' },
    };
  }
  const helper = analysis.resolve(fn.facts, name);
  if (!helper) return undefined;
  const parameters = maskParameters(analysis, helper);
  const args = callArguments(call);
  for (const [index, allocation] of parameters) {
    const argument = args[index];
    const mask = argument ? maskOf(fn, argument) : undefined;
    if (!argument || !mask || 'parameter' in mask) continue;
    const bits = allocation.api.addsGfp ? { ...mask.value, bits: new Set([...mask.value.bits, ...allocation.api.addsGfp]) } : mask.value;
    if (gfpAllowsBlocking(bits)) return { kind: 'helper-mask', call, argument, helper, allocation, mask };
  }
  return undefined;
}
