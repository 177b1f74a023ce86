import { z } from 'zod';
import { Timestamp } from './common';

export const Health = z
  .object({ status: z.enum(['ok', 'unavailable']), checks: z.record(z.string(), z.enum(['ok', 'failed'])).optional() })
  .meta({ id: 'Health' });
export type Health = z.infer<typeof Health>;

export const AuditChainCheck = z
  .object({
    ok: z.boolean(),
    checked: z.number().int().meta({ description: 'Entries verified.' }),
    firstBreak: z
      .object({ seq: z.number().int(), id: z.string().nullable(), reason: z.string() })
      .nullable()
      .meta({ description: 'The first entry that was changed, removed or moved; null when the chain is intact.' }),
    checkpoint: z
      .object({ throughSeq: z.number().int(), hash: z.string(), prunedEntries: z.number().int(), prunedAt: Timestamp })
      .nullable()
      .meta({ description: 'Where verification started: entries up to `throughSeq` were pruned by retention; their last hash is kept.' }),
  })
  .meta({ id: 'AuditChainCheck' });
export type AuditChainCheck = z.infer<typeof AuditChainCheck>;
