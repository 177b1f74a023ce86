import { z } from 'zod';

/** Identifier of a Latchkey record (UUID v4). */
export const Id = z.uuid().meta({ description: 'Latchkey identifier (UUID).' });

/** ISO-8601 timestamp in UTC. */
export const Timestamp = z.iso.datetime().meta({ description: 'ISO-8601 timestamp (UTC).' });

/** Text that a person typed or a media server sent: trimmed, bounded, no control characters. */
export function text(max: number, min = 1) {
  return z
    .string()
    .trim()
    .min(min)
    .max(max)
    // eslint-disable-next-line no-control-regex -- matching control characters is the point: they forge log lines
    .refine((s) => !/[\u0000-\u001f\u007f]/.test(s), { message: 'must not contain control characters' });
}

export const ErrorResponse = z
  .object({
    error: z.object({
      code: z.string().meta({ description: 'Stable machine-readable code.' }),
      message: z.string(),
      details: z.record(z.string(), z.unknown()).optional(),
      requestId: z.string().optional(),
    }),
  })
  .meta({ id: 'Error' });

export const Empty = z.strictObject({}).meta({ id: 'Empty' });

export const PageQuery = {
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z.string().max(200).optional(),
};
