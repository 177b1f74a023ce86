/**
 * Latchkey's policy engine: pure functions, no I/O. Given policies, a member, a resource and a context,
 * it decides `allow`, `allow_in_grace`, `challenge`, `enrol_required` or `deny`, and explains why.
 */
export * from './factors';
export * from './types';
export * from './engine';
export * from './ip';
export * from './preview';
export * from './status';
