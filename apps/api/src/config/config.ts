import path from 'node:path';
import { z } from 'zod';

/**
 * Every environment variable Latchkey reads, in one place. `process.env` is read nowhere else.
 * Each variable is documented in the README ("Configuration").
 */
const LogLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

const intIn = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `must be a whole number between ${min} and ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const EnvSchema = z.object({
  LATCHKEY_DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL (leave it unset to use the embedded SQLite database)')
    .optional(),
  LATCHKEY_DB_POOL_SIZE: intIn(1, 200).default(10),
  LATCHKEY_HOST: z.string().min(1).default('0.0.0.0'),
  LATCHKEY_PORT: intIn(0, 65535).default(8080),
  LATCHKEY_PUBLIC_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://mfa.example.com' })
    .optional(),
  LATCHKEY_LOG_LEVEL: LogLevel.default('info'),
  LATCHKEY_BODY_LIMIT: intIn(1024, 100 * 1024 * 1024).default(1024 * 1024),
  LATCHKEY_DIRECTORY_BODY_LIMIT: intIn(1024, 1024 * 1024 * 1024).default(128 * 1024 * 1024),
  LATCHKEY_TRUSTED_PROXIES: z.string().default(''),
  LATCHKEY_SETUP_TOKEN_TTL_MINUTES: intIn(1, 60 * 24 * 30).default(60 * 24),
  LATCHKEY_ADMIN_SESSION_IDLE_MINUTES: intIn(1, 60 * 24).default(30),
  LATCHKEY_ADMIN_SESSION_MAX_HOURS: intIn(1, 24 * 30).default(12),
  LATCHKEY_WEB_DIR: z.string().min(1).optional(),
  LATCHKEY_TOTP_ISSUER: z.string().min(1).max(64).default('Latchkey'),
  LATCHKEY_SMTP_HOST: z.string().min(1).optional(),
  LATCHKEY_SMTP_PORT: intIn(1, 65535).optional(),
  LATCHKEY_SMTP_SECURITY: z.enum(['starttls', 'tls', 'none']).default('starttls'),
  LATCHKEY_SMTP_USER: z.string().min(1).optional(),
  LATCHKEY_SMTP_PASSWORD: z.string().min(1).optional(),
  LATCHKEY_SMTP_FROM: z.string().min(3).default('Latchkey <latchkey@localhost>'),
  LATCHKEY_WEBAUTHN_RP_ID: z.string().min(1).optional(),
  LATCHKEY_WEBAUTHN_RP_NAME: z.string().min(1).default('Latchkey'),
  LATCHKEY_WEBAUTHN_ORIGINS: z.string().optional(),
  LATCHKEY_LOCKOUT_THRESHOLD: intIn(3, 100).default(10),
  LATCHKEY_LOCKOUT_MINUTES: intIn(1, 24 * 60).default(15),
  LATCHKEY_CHALLENGE_ATTEMPTS: intIn(1, 20).default(5),
  LATCHKEY_IP_ATTEMPTS_PER_15_MIN: intIn(5, 100_000).default(100),
  LATCHKEY_FORWARD_AUTH_COOKIE_DOMAIN: z
    .string()
    .regex(/^\.?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/i, 'must be a domain such as example.com (the protected hosts and Latchkey must share it)')
    .optional(),
  LATCHKEY_FORWARD_AUTH_CACHE_SECONDS: intIn(0, 60).default(5),
});

export type Env = Record<string, string | undefined>;

export interface AppConfig {
  dataDir: string;
  database: { kind: 'sqlite'; file: string } | { kind: 'postgres'; url: string; poolSize: number };
  host: string;
  port: number;
  /** Where people reach Latchkey; links in the console, e-mails and the setup link start with it. */
  publicUrl: string;
  /** Cookies get `Secure` and the `__Host-` prefix unless the public URL is plain http. */
  secureCookies: boolean;
  logLevel: z.infer<typeof LogLevel>;
  bodyLimit: number;
  directoryBodyLimit: number;
  /** Addresses/CIDRs of reverse proxies whose X-Forwarded-For is believed. Empty: none. */
  trustedProxies: string[];
  setupTokenTtlMinutes: number;
  adminSession: { idleMinutes: number; maxHours: number };
  /** Folder holding the built admin console (`admin/`) and member pages (`portal/`). */
  webDir: string;
  totpIssuer: string;
  /** Null when no SMTP server is configured: e-mail codes are then unavailable. */
  smtp: { host: string; port: number; security: 'starttls' | 'tls' | 'none'; user?: string; password?: string; from: string } | null;
  webauthn: { rpId: string; rpName: string; origins: string[] };
  verification: { lockoutThreshold: number; lockoutMinutes: number; challengeAttempts: number; ipAttemptsPer15Min: number };
  forwardAuth: {
    /** Domain of the forward-auth session cookie (shared by Latchkey and the protected hosts); null = host-only. */
    cookieDomain: string | null;
    /** How long a session's answer is remembered in memory (0 = never); any database write forgets all answers. */
    cacheSeconds: number;
  };
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

const CIDR = /^(\d{1,3}(\.\d{1,3}){3}(\/\d{1,2})?|[0-9a-f:]+(\/\d{1,3})?|loopback|linklocal|uniquelocal)$/i;

/** Reads and validates the configuration; throws ConfigError naming every bad variable. */
export function loadConfig(env: Env = process.env, cwd = process.cwd()): AppConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const name = String(i.path[0]);
      const got = env[name];
      return `  ${name} ${i.message}${got === undefined ? '' : ` (got ${JSON.stringify(truncate(got))})`}`;
    });
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const trustedProxies = e.LATCHKEY_TRUSTED_PROXIES.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const badProxy = trustedProxies.find((p) => !CIDR.test(p));
  if (badProxy) {
    throw new ConfigError(
      `Invalid configuration:\n  LATCHKEY_TRUSTED_PROXIES must be a comma-separated list of IP addresses or CIDR ranges (got ${JSON.stringify(truncate(badProxy))})`,
    );
  }
  const dataDir = path.resolve(cwd, e.LATCHKEY_DATA_DIR);
  const publicUrl = (e.LATCHKEY_PUBLIC_URL ?? `http://localhost:${e.LATCHKEY_PORT}`).replace(/\/+$/, '');
  return {
    dataDir,
    database: e.DATABASE_URL
      ? { kind: 'postgres', url: e.DATABASE_URL, poolSize: e.LATCHKEY_DB_POOL_SIZE }
      : { kind: 'sqlite', file: path.join(dataDir, 'latchkey.db') },
    host: e.LATCHKEY_HOST,
    port: e.LATCHKEY_PORT,
    publicUrl,
    secureCookies: publicUrl.startsWith('https://'),
    logLevel: e.LATCHKEY_LOG_LEVEL,
    bodyLimit: e.LATCHKEY_BODY_LIMIT,
    directoryBodyLimit: e.LATCHKEY_DIRECTORY_BODY_LIMIT,
    trustedProxies,
    setupTokenTtlMinutes: e.LATCHKEY_SETUP_TOKEN_TTL_MINUTES,
    adminSession: { idleMinutes: e.LATCHKEY_ADMIN_SESSION_IDLE_MINUTES, maxHours: e.LATCHKEY_ADMIN_SESSION_MAX_HOURS },
    webDir: path.resolve(cwd, e.LATCHKEY_WEB_DIR ?? 'dist/apps'),
    totpIssuer: e.LATCHKEY_TOTP_ISSUER,
    smtp: e.LATCHKEY_SMTP_HOST
      ? {
          host: e.LATCHKEY_SMTP_HOST,
          port: e.LATCHKEY_SMTP_PORT ?? (e.LATCHKEY_SMTP_SECURITY === 'tls' ? 465 : 587),
          security: e.LATCHKEY_SMTP_SECURITY,
          user: e.LATCHKEY_SMTP_USER,
          password: e.LATCHKEY_SMTP_PASSWORD,
          from: e.LATCHKEY_SMTP_FROM,
        }
      : null,
    webauthn: {
      rpId: e.LATCHKEY_WEBAUTHN_RP_ID ?? new URL(publicUrl).hostname,
      rpName: e.LATCHKEY_WEBAUTHN_RP_NAME,
      origins: (e.LATCHKEY_WEBAUTHN_ORIGINS ?? new URL(publicUrl).origin)
        .split(',')
        .map((o) => o.trim().replace(/\/+$/, ''))
        .filter(Boolean),
    },
    verification: {
      lockoutThreshold: e.LATCHKEY_LOCKOUT_THRESHOLD,
      lockoutMinutes: e.LATCHKEY_LOCKOUT_MINUTES,
      challengeAttempts: e.LATCHKEY_CHALLENGE_ATTEMPTS,
      ipAttemptsPer15Min: e.LATCHKEY_IP_ATTEMPTS_PER_15_MIN,
    },
    forwardAuth: {
      cookieDomain: e.LATCHKEY_FORWARD_AUTH_COOKIE_DOMAIN?.replace(/^\./, '').toLowerCase() ?? null,
      cacheSeconds: e.LATCHKEY_FORWARD_AUTH_CACHE_SECONDS,
    },
  };
}

function truncate(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** Injection token for AppConfig. */
export const APP_CONFIG = Symbol('APP_CONFIG');

/** PostgreSQL server where tests may create and drop throw-away databases (tests only). */
export function testPostgresAdminUrl(env: Env = process.env): string {
  return env['LATCHKEY_TEST_PG_URL'] ?? env['DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}
