import { Initial1764000000000 } from './1764000000000-initial';

/** Every migration, oldest first. A new migration is added here and never edited after it lands. */
export const MIGRATIONS = [Initial1764000000000];
