import { randomUUID } from 'node:crypto';

export const newId = (): string => randomUUID();

export const iso = (d: Date): string => d.toISOString();
export const isoOrNull = (d: Date | null | undefined): string | null => (d ? d.toISOString() : null);
