import type { Decision, DecisionInput } from './types';

/** Decides a login or a library access. (Being written.) */
export function decide(input: DecisionInput): Decision {
  void input;
  throw new Error('not implemented yet');
}
