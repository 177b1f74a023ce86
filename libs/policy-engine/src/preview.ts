import type { MemberFacts, Policy, PreviewResult } from './types';

/** What a draft policy would do today to each member. (Being written.) */
export function preview(draft: Policy, members: MemberFacts[], now: Date): PreviewResult {
  void draft;
  void members;
  void now;
  throw new Error('not implemented yet');
}
