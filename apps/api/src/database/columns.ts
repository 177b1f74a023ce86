import { Column, ColumnOptions, ValueTransformer } from 'typeorm';

/**
 * Timestamps are stored as epoch milliseconds in a BIGINT column: the same type, ordering and
 * comparisons on SQLite and PostgreSQL, no time-zone conversions, cheap range scans.
 */
export const epochMs: ValueTransformer = {
  to: (value: Date | null | undefined) => (value instanceof Date ? value.getTime() : value),
  from: (value: string | number | null) => (value === null || value === undefined ? value : new Date(Number(value))),
};

export function TimestampColumn(name: string, options: Pick<ColumnOptions, 'nullable'> = {}): PropertyDecorator {
  return Column({ name, type: 'bigint', transformer: epochMs, nullable: options.nullable ?? false });
}

export function IdColumn(name: string, options: Pick<ColumnOptions, 'nullable'> = {}): PropertyDecorator {
  return Column({ name, type: 'varchar', length: 36, nullable: options.nullable ?? false });
}

/** A boolean kept as 0/1 in an INTEGER column (same on SQLite and PostgreSQL, easy to default). */
export const intBool: ValueTransformer = {
  to: (v: boolean | undefined) => (v === undefined ? undefined : v ? 1 : 0),
  from: (v: number | boolean | null) => v === 1 || v === true,
};

/** A list of strings stored as JSON text. */
export const jsonList: ValueTransformer = {
  to: (v: string[] | null | undefined) => (v === undefined ? undefined : JSON.stringify(v ?? [])),
  from: (v: string | null) => (v ? (JSON.parse(v) as string[]) : []),
};
