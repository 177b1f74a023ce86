import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { testPostgresAdminUrl, testPostgresRequired } from '../config/config';

/**
 * PostgreSQL for tests: `LATCHKEY_TEST_PG_URL` or `DATABASE_URL` if set, else the local server on
 * 127.0.0.1 (port `LATCHKEY_TEST_PG_PORT`, default 5432; `npm test` starts one when none answers). Each
 * caller gets a fresh database, dropped afterwards.
 */
export const TEST_PG_ADMIN_URL = testPostgresAdminUrl();

/**
 * Whether PostgreSQL is reachable. When it is not, the suites that need it report themselves as not run
 * on a developer's machine — but in CI (or with LATCHKEY_TEST_PG_REQUIRED=1) this throws, so that they
 * fail instead of passing without having run.
 */
export async function postgresReachable(): Promise<boolean> {
  const c = new Client({ connectionString: TEST_PG_ADMIN_URL, connectionTimeoutMillis: 2000 });
  let failure: unknown = null;
  try {
    await c.connect();
    await c.query('SELECT 1');
  } catch (e) {
    failure = e;
  } finally {
    await c.end().catch(() => undefined);
  }
  if (failure === null) return true;
  if (testPostgresRequired()) {
    const where = new URL(TEST_PG_ADMIN_URL);
    where.password = '';
    throw new Error(
      `PostgreSQL is required here (CI or LATCHKEY_TEST_PG_REQUIRED) but ${where.host} did not answer as ${where.username || 'the default user'}: ${(failure as Error).message}. ` +
        'Run tools/scripts/system-deps.sh (npm test does) or set LATCHKEY_TEST_PG_URL.',
    );
  }
  return false;
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
