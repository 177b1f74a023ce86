import { Initial1764000000000 } from './1764000000000-initial';
import { Factors1764100000000 } from './1764100000000-factors';
import { Policies1764200000000 } from './1764200000000-policies';
import { ForwardAuth1764600000000 } from './1764600000000-forward-auth';

/** Every migration, oldest first. A new migration is added here and never edited after it lands. */
export const MIGRATIONS = [Initial1764000000000, Factors1764100000000, Policies1764200000000, ForwardAuth1764600000000];
