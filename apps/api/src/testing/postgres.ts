import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { testPostgresAdminUrl } from '../config/config';

/**
 * PostgreSQL for tests: `DATABASE_URL` if set, else the local server on 127.0.0.1:5432. Each caller gets
 * a fresh database, dropped afterwards. Returns null when no PostgreSQL is reachable, so the suites
 * that need it report themselves as not run rather than failing on a machine without it.
 */
export const TEST_PG_ADMIN_URL = testPostgresAdminUrl();

export async function postgresReachable(): Promise<boolean> {
  const c = new Client({ connectionString: TEST_PG_ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `latchkey_test_${randomBytes(6).toString('hex')}`;
  const admin = new Client({ connectionString: TEST_PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(TEST_PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new Client({ connectionString: TEST_PG_ADMIN_URL });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
