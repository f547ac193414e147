// The rule registry: adding a rule is one new module and one line here.
import { kmallocTooLarge } from './kmallocTooLarge';
import { noncontiguousDma } from './noncontiguousDma';
import { freeMismatch } from './freeMismatch';
import { gfpSleepInAtomic } from './gfpSleepInAtomic';
import { sleepInAtomic } from './sleepInAtomic';
import { Rule } from './rule';

export const RULES: readonly Rule[] = [kmallocTooLarge, noncontiguousDma, freeMismatch, gfpSleepInAtomic, sleepInAtomic];

export function ruleById(id: string): Rule | undefined {
  return RULES.find((rule) => rule.id === id);
}
