import { z } from 'zod';
import { Id, Timestamp } from './common';

const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/).meta({ description: 'A UTC day, YYYY-MM-DD.' });

export const DashboardQuery = z.strictObject({
  days: z.coerce.number().int().min(1).max(400).default(30).meta({ description: 'How many days back, today included.' }),
});
export type DashboardQuery = z.infer<typeof DashboardQuery>;

export const AdoptionPoint = z
  .object({
    day: Day,
    compliant: z.number().int(),
    inGrace: z.number().int(),
    overdue: z.number().int().meta({ description: 'Past their deadline and not compliant.' }),
    exempt: z.number().int(),
  })
  .meta({ id: 'AdoptionPoint' });
export type AdoptionPoint = z.infer<typeof AdoptionPoint>;

export const AdoptionTrend = z
  .object({
    from: Day,
    to: Day,
    policies: z.array(
      z.object({
        policyId: Id,
        name: z.string().meta({ description: 'The name at the latest snapshot.' }),
        points: z.array(AdoptionPoint).meta({ description: 'One per day a snapshot was taken, oldest first.' }),
      }),
    ),
  })
  .meta({ id: 'AdoptionTrend' });
export type AdoptionTrend = z.infer<typeof AdoptionTrend>;

export const EventCounts = z
  .object({
    from: Day,
    to: Day,
    items: z.array(z.object({ day: Day, type: z.string(), outcome: z.string(), count: z.number().int() })).meta({ description: 'Oldest day first.' }),
  })
  .meta({ id: 'EventCounts' });
export type EventCounts = z.infer<typeof EventCounts>;

const Standing = z.object({
  inScope: z.number().int().meta({
    description: 'Live members under this policy (or any policy, overall), exempt ones included.',
  }),
  compliant: z.number().int(),
  inGrace: z.number().int(),
  overdue: z.number().int().meta({ description: 'Past their deadline and not compliant.' }),
  exempt: z.number().int(),
  share: z.number().meta({
    description: 'compliant / (inScope − exempt), 0 to 1; 1 when nobody needs to comply.',
  }),
});

export const AdoptionSummary = z
  .object({
    computedAt: Timestamp.meta({
      description: 'When these figures were computed (they are cached for a short while and refreshed in the background).',
    }),
    members: z.number().int().meta({ description: 'Live members.' }),
    overall: Standing.meta({
      description: 'Per member across every enforced policy: overdue or in grace under any policy wins, then exempt, then compliant.',
    }),
    policies: z.array(Standing.extend({ policyId: Id, name: z.string() })),
    groups: z.array(Standing.extend({ groupId: z.string(), name: z.string() })).meta({
      description: 'Members in scope per directory group (overall standing); at most 50 groups, largest first.',
    }),
    libraries: z
      .array(Standing.extend({ libraryId: z.string(), name: z.string() }))
      .meta({ description: 'Each library a policy guards: the members in scope of the policies guarding it (worst standing among them).' }),
    deadlines: z.array(z.object({ day: Day, count: z.number().int() })).meta({
      description: 'Members in grace whose deadline falls on each of the next 30 days (today first), all 30 days listed.',
    }),
    factors: z
      .object({
        passkey: z.number().int(),
        totp: z.number().int(),
        email: z.number().int(),
        none: z.number().int(),
      })
      .meta({
        description: 'Live members with at least one active factor of each kind (a member can count in several); none = no factor at all.',
      }),
    overdueMembers: z
      .array(
        z.object({
          memberId: Id,
          username: z.string(),
          policyId: Id,
          deadline: Timestamp,
        }),
      )
      .meta({
        description: 'Members past their deadline, longest overdue first; at most 50.',
      }),
    recent: z
      .object({
        days: z.number().int(),
        lockouts: z.number().int(),
        failedVerifications: z.number().int(),
      })
      .meta({
        description: 'From the daily event counts: decisions that denied or required enrolment (lockouts) and failed verifications, over the last `days` days.',
      }),
  })
  .meta({ id: 'AdoptionSummary' });
export type AdoptionSummary = z.infer<typeof AdoptionSummary>;
