// A helper's allocation whose mask the helper picks from a flags parameter
// (summaries: CallFact.maskChoice), against one caller's constant argument
// (CallFact.argumentConstants): the caller's call allocates with the mask that constant selects.
// Only the direct caller's constant decides; a flag passed on from further up stays unknown.
import { allocApi } from '../../model/apis';
import type { ModelConfig } from '../../model/config';
import { gfpAllowsBlocking } from '../../model/gfp';
import { runsForCaller } from '../paths/guardVerdict';
import type { CallFact, MaskChoice, MaskFact } from '../summaries/functionSummary';
import type { ComposedFiles, FunctionRef } from './atomicEntry';

export interface FlagChosenMask {
  kind: 'flag-mask';
  call: CallFact;
  /** The caller's argument that chose the mask. */
  argument: number;
  constant: { value: number; text: string };
  helper: FunctionRef;
  allocation: { fn: FunctionRef; call: number };
  choice: MaskChoice;
  mask: MaskFact;
}

/** Which mask a choice takes for a flag value. */
export function chosenMask(choice: MaskChoice, value: number): MaskFact {
  const set = choice.bits === undefined ? value !== 0 : (value & choice.bits) !== 0;
  return set ? choice.whenSet : choice.whenClear;
}

/** A call of a folder helper whose own allocation, with this call's constant flags, may sleep. */
export function flagChosenMaskAt(view: ComposedFiles, ref: FunctionRef, call: CallFact, config: ModelConfig): FlagChosenMask | undefined {
  if (!call.name || !call.argumentConstants) return undefined;
  const helper = view.composition.resolve(ref.file, call.name);
  if (!helper) return undefined;
  const summary = view.files[helper.file].functions[helper.fn].summary;
  if (!summary.understood || summary.queriesContext) return undefined;
  for (let index = 0; index < summary.calls.length; index++) {
    const allocation = summary.calls[index];
    const choice = allocation.maskChoice;
    const constant = choice ? call.argumentConstants[choice.parameter] : undefined;
    if (!choice || !constant || !allocation.held || allocation.flagGuarded || !runsForCaller(allocation, call)) continue;
    const mask = chosenMask(choice, constant.value);
    const adds = allocApi(choice.api, config)?.addsGfp;
    const bits = adds ? { ...mask.value, bits: new Set([...mask.value.bits, ...adds]) } : mask.value;
    if (gfpAllowsBlocking(bits)) return { kind: 'flag-mask', call, argument: choice.parameter, constant, helper, allocation: { fn: helper, call: index }, choice, mask };
  }
  return undefined;
}
