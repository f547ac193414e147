// The rule registry: adding a rule is one new module and one line here.
import { kmallocTooLarge } from './kmallocTooLarge';
import { Rule } from './rule';

export const RULES: readonly Rule[] = [kmallocTooLarge];

export function ruleById(id: string): Rule | undefined {
  return RULES.find((rule) => rule.id === id);
}
