import fs from 'node:fs';
import { DataSource, DataSourceOptions } from 'typeorm';
import type { AppConfig } from '../config/config';
import { CONSOLE_ENTITIES } from './console-entities';
import { DEVICE_ENTITIES } from './device-entities';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

/** An arbitrary constant: the PostgreSQL advisory lock that serialises migrations across instances. */
const MIGRATION_LOCK_ID = 7_271_043_001;

export function dataSourceOptions(config: Pick<AppConfig, 'database' | 'dataDir'>): DataSourceOptions {
  const entities = [...ENTITIES, ...DEVICE_ENTITIES, ...CONSOLE_ENTITIES];
  const common = { entities, migrations: MIGRATIONS, synchronize: false, migrationsRun: false, logging: false } as const;
  if (config.database.kind === 'postgres') {
    // JIT compilation pays off for long analytical queries, never for Latchkey's short ones: with it on, a
    // members page whose estimated cost is high (many policies) spent over a second compiling.
    return { ...common, type: 'postgres', url: config.database.url, poolSize: config.database.poolSize, applicationName: 'latchkey', extra: { options: '-c jit=off' } };
  }
  return {
    ...common,
    type: 'better-sqlite3',
    database: config.database.file,
    enableWAL: true,
    timeout: 5000,
    prepareDatabase: (db: { pragma(s: string): unknown }) => {
      db.pragma('busy_timeout = 5000');
      db.pragma('foreign_keys = ON');
      db.pragma('synchronous = NORMAL');
    },
  };
}

/** Opens the database and brings its schema up to date with the migrations. */
export async function openDatabase(config: Pick<AppConfig, 'database' | 'dataDir'>): Promise<DataSource> {
  if (config.database.kind === 'sqlite') fs.mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  const ds = new DataSource(dataSourceOptions(config));
  await ds.initialize();
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
