import { z } from 'zod';
import { Id } from './common';

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
