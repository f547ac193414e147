// The rule registry: adding a rule is one new module and one line here.
import { kmallocTooLarge } from './kmallocTooLarge';
import { kmallocCostlyOrder } from './kmallocCostlyOrder';
import { kmallocSlabWaste } from './kmallocSlabWaste';
import { allocSizeOverflow } from './allocSizeOverflow';
import { kzallocOpenCoded } from './kzallocOpenCoded';
import { noncontiguousDma } from './noncontiguousDma';
import { freeMismatch } from './freeMismatch';
import { gfpSleepInAtomic } from './gfpSleepInAtomic';
import { sleepInAtomic } from './sleepInAtomic';
import { Rule } from './rule';

export const RULES: readonly Rule[] = [kmallocTooLarge, kmallocCostlyOrder, kmallocSlabWaste, allocSizeOverflow, kzallocOpenCoded, noncontiguousDma, freeMismatch, gfpSleepInAtomic, sleepInAtomic];

export function ruleById(id: string): Rule | undefined {
  return RULES.find((rule) => rule.id === id);
}
