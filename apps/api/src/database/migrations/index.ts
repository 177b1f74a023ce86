import { Initial1764000000000 } from './1764000000000-initial';
import { Factors1764100000000 } from './1764100000000-factors';
import { Policies1764200000000 } from './1764200000000-policies';
import { AuditReminders1764300000000 } from './1764300000000-audit-reminders';
import { Devices1764400000000 } from './1764400000000-devices';
import { Notifications1764500000000 } from './1764500000000-notifications';
import { ForwardAuth1764600000000 } from './1764600000000-forward-auth';
import { Console1764700000001 } from './1764700000001-console';
import { ReturnUrls1764800000000 } from './1764800000000-return-urls';
import { AppSettings1764810000000 } from './1764810000000-app-settings';
import { MembersSearch1764820000000 } from './1764820000000-members-search';

/** Every migration, oldest first. A new migration is added here and never edited after it lands. */
export const MIGRATIONS = [Initial1764000000000, Factors1764100000000, Policies1764200000000, AuditReminders1764300000000, Devices1764400000000, Notifications1764500000000, ForwardAuth1764600000000, Console1764700000001, ReturnUrls1764800000000, AppSettings1764810000000, MembersSearch1764820000000];
