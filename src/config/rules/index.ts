// The rules across fields that the schema cannot state (eta_min < eta_max, a holdout smaller than the
// training split, a search stage that names an earlier one…), each a named entry with its message.
// resolve.ts runs each list on its subjects through applyRules; adding a rule is adding an entry.
import * as trial from './trial.ts';
import * as experiment from './experiment.ts';
import type { Rule } from './rule.ts';

export { applyRules, ruleOf, type Rule } from './rule.ts';
export { FROM_RULES, TRIAL_RULES, type FromSubject } from './trial.ts';
export {
  FINAL_RULES,
  GRADIENT_CHECK_RULES,
  isSetting,
  OVERRIDE_IS_SETTING,
  STAGE_RULES,
  VARIANT_ENTRY_RULES,
  VARIANT_RULES,
} from './experiment.ts';

const isRule = (x: unknown): x is Rule<never> => typeof x === 'object' && x !== null && 'name' in x && 'find' in x;

/** Every rule the two modules export, alone or in a list: for the test that each has a case that triggers it. */
export const ALL_RULES: Rule<never>[] = ([...Object.values(trial), ...Object.values(experiment)] as unknown[])
  .flatMap((x) => (Array.isArray(x) ? x : [x]))
  .filter(isRule);
