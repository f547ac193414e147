// What a kernel tree's derived facts (index/kernelFacts.ts) say about one call of the checked
// code: the callee may sleep (with its chain), or hands the mask it is given to an allocation.
// Asked only for calls the checked file and its folder do not answer: a name they define is
// theirs (the code being edited is newer than the tree's copy), and a name the model catalogues
// is its row (model/apis.ts, model/sleepers.ts). A sleep the tree makes conditional on an argument
// counts only when this call's constant argument passes the test (paths/guardVerdict.ts).
import { allocApi, freeApi } from '../../model/apis';
import { DEFAULT_CONFIG, ModelConfig, parseKernelVersion } from '../../model/config';
import { gfpAllowsBlocking } from '../../model/gfp';
import { gfpTaker, sleeper } from '../../model/sleepers';
import { guardVerdict } from '../paths/guardVerdict';
import type { CallFact, MaskFact } from '../summaries/functionSummary';
import type { DerivedMask, DerivedSleep, KernelFacts } from './kernelFacts';
import type { DerivedOpsContext } from './opsContexts';

/** A tree's facts by name, built once when the database receives them. */
export interface KernelLookup {
  readonly facts: KernelFacts;
  /** The model configuration of the tree's release. */
  readonly config: ModelConfig;
  sleep(name: string): DerivedSleep | undefined;
  masks(name: string): readonly DerivedMask[];
  /** The tree's atomic context of a struct field (`struct fx_ops.start`), when every call of it is atomic (index/opsContexts.ts). */
  opsContext(slot: string): DerivedOpsContext | undefined;
}

/** The tree's facts as one checked file's analysis sees them: names its file and folder define are theirs. */
export interface KernelView {
  readonly lookup: KernelLookup;
  readonly definedHere: ReadonlySet<string>;
}

export function kernelLookup(facts: KernelFacts): KernelLookup {
  const sleeps = new Map<string, DerivedSleep>();
  for (const fact of facts.sleeps) sleeps.set(fact.name, fact);
  const masks = new Map<string, DerivedMask[]>();
  for (const fact of facts.masks) masks.set(fact.name, [...(masks.get(fact.name) ?? []), fact]);
  const opsContexts = new Map<string, DerivedOpsContext>((facts.opsContexts ?? []).map((fact) => [fact.slot, fact]));
  const kernel = parseKernelVersion(facts.version);
  return {
    facts,
    config: kernel ? { ...DEFAULT_CONFIG, kernel } : DEFAULT_CONFIG,
    sleep: (name) => sleeps.get(name),
    masks: (name) => masks.get(name) ?? [],
    opsContext: (slot) => opsContexts.get(slot),
  };
}

/** A call the tree's facts may answer: a plain name, not sleeping by itself, defined neither here nor in the model. */
function treeCallee(kernel: KernelView | undefined, call: CallFact): string | undefined {
  const name = call.name;
  if (!kernel || !name || call.sleep || kernel.definedHere.has(name)) return undefined;
  if (allocApi(name, kernel.lookup.config) || freeApi(name) || sleeper(name) || gfpTaker(name)) return undefined;
  return name;
}

/** The derived sleep of a call's callee, when it holds for this call's arguments. */
export function kernelSleepAt(kernel: KernelView | undefined, call: CallFact): DerivedSleep | undefined {
  const name = treeCallee(kernel, call);
  const fact = name ? kernel!.lookup.sleep(name) : undefined;
  if (!fact) return undefined;
  if (!fact.when) return fact;
  // The tree's guard is exact (complete): it decides with the caller's constants, else silence.
  const guarded = { calleeText: name!, span: call.span, parameterGuarded: true, flagGuarded: false, parameterGuard: { requires: fact.when, complete: true } } satisfies CallFact;
  return guardVerdict(guarded, call) === 'live' ? fact : undefined;
}

/** The derived sleep of a call's callee with its condition, for the hover (which says the condition). */
export function kernelSleepOf(kernel: KernelView | undefined, call: CallFact): DerivedSleep | undefined {
  const name = treeCallee(kernel, call);
  return name ? kernel!.lookup.sleep(name) : undefined;
}

/** A tree API that allocates with the mask this call gives it, when that mask may sleep. */
export function kernelMaskAt(kernel: KernelView | undefined, call: CallFact): { derived: DerivedMask; argument: number; mask: MaskFact } | undefined {
  const name = treeCallee(kernel, call);
  if (!name || !call.argumentMasks) return undefined;
  for (const derived of kernel!.lookup.masks(name)) {
    const mask = call.argumentMasks[derived.parameter];
    if (!mask) continue;
    const adds = allocApi(derived.api, kernel!.lookup.config)?.addsGfp;
    const bits = adds ? { ...mask.value, bits: new Set([...mask.value.bits, ...adds]) } : mask.value;
    if (gfpAllowsBlocking(bits)) return { derived, argument: derived.parameter, mask };
  }
  return undefined;
}
