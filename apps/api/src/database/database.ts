import fs from 'node:fs';
import { DataSource, DataSourceOptions } from 'typeorm';
import type { AppConfig } from '../config/config';
import { AUDIT_ENTITIES } from './audit-entities';
import { CONSOLE_ENTITIES } from './console-entities';
import { DEVICE_ENTITIES } from './device-entities';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

/** An arbitrary constant: the PostgreSQL advisory lock that serialises migrations across instances. */
const MIGRATION_LOCK_ID = 7_271_043_001;

export function dataSourceOptions(config: Pick<AppConfig, 'database' | 'dataDir'>): DataSourceOptions {
  const entities: DataSourceOptions['entities'] = [...ENTITIES, ...AUDIT_ENTITIES, ...DEVICE_ENTITIES, ...CONSOLE_ENTITIES];
  const common = { entities, migrations: MIGRATIONS, synchronize: false, migrationsRun: false, logging: false } as const;
  if (config.database.kind === 'postgres') {
    // JIT compilation pays off for long analytical queries, never for Latchkey's short ones: with it on, a
    // members page whose estimated cost is high (many policies) spent over a second compiling.
    return { ...common, type: 'postgres', url: config.database.url, poolSize: config.database.poolSize, applicationName: 'latchkey', extra: { options: '-c jit=off' } };
  }
  const busy = config.database.busyTimeoutMs ?? 5000;
  return {
    ...common,
    type: 'better-sqlite3',
    database: config.database.file,
    enableWAL: true,
    timeout: busy,
    prepareDatabase: (db: { pragma(s: string): unknown }) => {
      db.pragma(`busy_timeout = ${busy}`);
      db.pragma('foreign_keys = ON');
      db.pragma('synchronous = NORMAL');
    },
  };
}

/** The database cannot be opened at start (read-only or full disk, missing permissions): said plainly. */
export class DatabaseOpenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DatabaseOpenError';
  }
}

/** Opens the database and brings its schema up to date with the migrations. */
export async function openDatabase(config: Pick<AppConfig, 'database' | 'dataDir'>): Promise<DataSource> {
  if (config.database.kind === 'sqlite') {
    const file = config.database.file;
    const advice = `Check that the data directory ${config.dataDir} (LATCHKEY_DATA_DIR) is writable by this user and its disk is not full.`;
    try {
      fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
      fs.accessSync(config.dataDir, fs.constants.W_OK);
    } catch (e) {
      throw new DatabaseOpenError(`The data directory ${config.dataDir} is not writable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}). ${advice}`);
    }
    const ds = new DataSource(dataSourceOptions(config));
    try {
      await ds.initialize();
    } catch (e) {
      throw new DatabaseOpenError(`The database ${file} cannot be opened: ${(e as Error).message} (${String((e as { code?: unknown }).code ?? 'no code')}). ${advice}`);
    }
    return migrated(ds);
  }
  const ds = new DataSource(dataSourceOptions(config));
  await ds.initialize();
  return migrated(ds);
}

async function migrated(ds: DataSource): Promise<DataSource> {
  try {
    await migrate(ds);
  } catch (e) {
    await ds.destroy();
    throw e;
  }
  return ds;
}

async function migrate(ds: DataSource): Promise<void> {
  if (ds.options.type !== 'postgres') {
    await ds.runMigrations({ transaction: 'each' });
    return;
  }
  // Several instances may start at once: only one migrates, the others wait and then find nothing to do.
  const runner = ds.createQueryRunner();
  try {
    await runner.connect();
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    try {
      await ds.runMigrations({ transaction: 'each' });
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]);
    }
  } finally {
    await runner.release();
  }
}
