import path from 'node:path';
import { z } from 'zod';
import { ipInCidrs } from '@latchkey/policy-engine';

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
  LATCHKEY_DB_BUSY_TIMEOUT_MS: intIn(0, 60_000).default(5000),
  LATCHKEY_HOST: z.string().min(1).default('0.0.0.0'),
  LATCHKEY_PORT: intIn(0, 65535).default(8080),
  LATCHKEY_PUBLIC_URL: z
    .url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://mfa.example.com' })
    .optional(),
  LATCHKEY_LOG_LEVEL: LogLevel.default('info'),
  LATCHKEY_BODY_LIMIT: intIn(1024, 100 * 1024 * 1024).default(1024 * 1024),
  LATCHKEY_DIRECTORY_BODY_LIMIT: intIn(1024, 1024 * 1024 * 1024).default(128 * 1024 * 1024),
  LATCHKEY_TRUSTED_PROXIES: z.string().default(''),
  LATCHKEY_REQUEST_TIMEOUT_SECONDS: intIn(1, 3600).default(60),
  LATCHKEY_SETUP_TOKEN_TTL_MINUTES: intIn(1, 60 * 24 * 30).default(60 * 24),
  LATCHKEY_ADMIN_SESSION_IDLE_MINUTES: intIn(1, 60 * 24).default(30),
  LATCHKEY_ADMIN_SESSION_MAX_HOURS: intIn(1, 24 * 30).default(12),
  LATCHKEY_ADMIN_REAUTH_MINUTES: intIn(1, 24 * 60).default(10),
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
  LATCHKEY_TRUST_DAYS: intIn(1, 90).default(30),
  LATCHKEY_PENDING_CHALLENGES_PER_MEMBER: intIn(1, 50).default(5),
  LATCHKEY_MAX_PENDING_CHALLENGES: intIn(10, 10_000_000).default(10_000),
  LATCHKEY_PAIRING_ATTEMPTS_PER_IP_PER_HOUR: intIn(1, 100_000).default(20),
  LATCHKEY_WEBHOOK_ALLOW_HOSTS: z.string().default(''),
  LATCHKEY_WEBHOOK_TIMEOUT_SECONDS: intIn(1, 120).default(10),
  LATCHKEY_NOTIFY_MAX_ATTEMPTS: intIn(1, 30).default(10),
  LATCHKEY_AUDIT_RETENTION_DAYS: intIn(1, 36_500).default(365),
  LATCHKEY_REMINDER_DAYS: z
    .string()
    .regex(/^\s*\d{1,3}\s*(,\s*\d{1,3}\s*){0,9}$/, 'must be up to 10 comma-separated whole numbers of days before the deadline, such as 7,3,1,0')
    .default('7,3,1,0')
    .transform((s) => [...new Set(s.split(',').map(Number))].sort((a, b) => b - a))
    .pipe(z.array(z.number().int().max(365, 'must be at most 365 days'))),
  LATCHKEY_SCHEDULER_TICK_SECONDS: intIn(5, 3600).default(60),
  LATCHKEY_FORWARD_AUTH_COOKIE_DOMAIN: z
    .string()
    .regex(/^\.?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/i, 'must be a domain such as example.com (the protected hosts and Latchkey must share it)')
    .optional(),
  LATCHKEY_FORWARD_AUTH_CACHE_SECONDS: intIn(0, 60).default(5),
});

export type Env = Record<string, string | undefined>;

export interface AppConfig {
  dataDir: string;
  /** SQLite waits `busyTimeoutMs` for a lock held elsewhere, then the request gets 503 (the wait blocks the process). */
  database: { kind: 'sqlite'; file: string; busyTimeoutMs?: number } | { kind: 'postgres'; url: string; poolSize: number };
  host: string;
  port: number;
  /** Where people reach Latchkey; links in the console, e-mails and the setup link start with it. */
  publicUrl: string;
  /** Cookies get `Secure` and the `__Host-` prefix unless the public URL is plain http. */
  secureCookies: boolean;
  logLevel: z.infer<typeof LogLevel>;
  bodyLimit: number;
  directoryBodyLimit: number;
  /** A client must send its whole request (headers and body) within this; a stalled one gets 408. */
  requestTimeoutMs: number;
  /** Addresses/CIDRs of reverse proxies whose X-Forwarded-For is believed. Empty: none. */
  trustedProxies: string[];
  setupTokenTtlMinutes: number;
  /** `reauthMinutes`: how recent a console session's second-factor check must be to change security settings. */
  adminSession: { idleMinutes: number; maxHours: number; reauthMinutes: number };
  /** Folder holding the built admin console (`admin/`) and member pages (`portal/`). */
  webDir: string;
  totpIssuer: string;
  /** Null when no SMTP server is configured: e-mail codes are then unavailable. */
  smtp: { host: string; port: number; security: 'starttls' | 'tls' | 'none'; user?: string; password?: string; from: string } | null;
  webauthn: { rpId: string; rpName: string; origins: string[] };
  verification: { lockoutThreshold: number; lockoutMinutes: number; challengeAttempts: number; ipAttemptsPer15Min: number };
  devices: { trustDays: number; pendingPerMember: number; maxPending: number; pairingAttemptsPerIpPerHour: number };
  notifications: {
    /** Targets the owner allows although they are loopback, private or link-local: host names (exact) and IPs/CIDRs. */
    allow: { hosts: string[]; cidrs: string[] };
    timeoutMs: number;
    /** Attempts per delivery before it is given up. */
    maxAttempts: number;
  };
  /** Audit entries older than this many days are pruned (the chain stays verifiable from a checkpoint). */
  auditRetentionDays: number;
  /** Days before a member's deadline that a reminder goes out, largest first (0 = the day it passes). */
  reminderDays: number[];
  /** How often each instance's scheduler looks for due jobs. */
  schedulerTickSeconds: number;
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
  const allow = parseAllowList(e.LATCHKEY_WEBHOOK_ALLOW_HOSTS);
  const dataDir = path.resolve(cwd, e.LATCHKEY_DATA_DIR);
  const publicUrl = (e.LATCHKEY_PUBLIC_URL ?? `http://localhost:${e.LATCHKEY_PORT}`).replace(/\/+$/, '');
  return {
    dataDir,
    database: e.DATABASE_URL
      ? { kind: 'postgres', url: e.DATABASE_URL, poolSize: e.LATCHKEY_DB_POOL_SIZE }
      : { kind: 'sqlite', file: path.join(dataDir, 'latchkey.db'), busyTimeoutMs: e.LATCHKEY_DB_BUSY_TIMEOUT_MS },
    host: e.LATCHKEY_HOST,
    port: e.LATCHKEY_PORT,
    publicUrl,
    secureCookies: publicUrl.startsWith('https://'),
    logLevel: e.LATCHKEY_LOG_LEVEL,
    bodyLimit: e.LATCHKEY_BODY_LIMIT,
    directoryBodyLimit: e.LATCHKEY_DIRECTORY_BODY_LIMIT,
    requestTimeoutMs: e.LATCHKEY_REQUEST_TIMEOUT_SECONDS * 1000,
    trustedProxies,
    setupTokenTtlMinutes: e.LATCHKEY_SETUP_TOKEN_TTL_MINUTES,
    adminSession: { idleMinutes: e.LATCHKEY_ADMIN_SESSION_IDLE_MINUTES, maxHours: e.LATCHKEY_ADMIN_SESSION_MAX_HOURS, reauthMinutes: e.LATCHKEY_ADMIN_REAUTH_MINUTES },
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
    devices: {
      trustDays: e.LATCHKEY_TRUST_DAYS,
      pendingPerMember: e.LATCHKEY_PENDING_CHALLENGES_PER_MEMBER,
      maxPending: e.LATCHKEY_MAX_PENDING_CHALLENGES,
      pairingAttemptsPerIpPerHour: e.LATCHKEY_PAIRING_ATTEMPTS_PER_IP_PER_HOUR,
    },
    notifications: { allow, timeoutMs: e.LATCHKEY_WEBHOOK_TIMEOUT_SECONDS * 1000, maxAttempts: e.LATCHKEY_NOTIFY_MAX_ATTEMPTS },
    auditRetentionDays: e.LATCHKEY_AUDIT_RETENTION_DAYS,
    reminderDays: e.LATCHKEY_REMINDER_DAYS,
    schedulerTickSeconds: e.LATCHKEY_SCHEDULER_TICK_SECONDS,
    forwardAuth: {
      cookieDomain: e.LATCHKEY_FORWARD_AUTH_COOKIE_DOMAIN?.replace(/^\./, '').toLowerCase() ?? null,
      cacheSeconds: e.LATCHKEY_FORWARD_AUTH_CACHE_SECONDS,
    },
  };
}

const HOST_NAME = /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,62}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,62}[a-z0-9_])?)*$/;
/** An IP address or CIDR range the policy engine's parser reads (its own network address lies in it). */
const isIpOrCidr = (entry: string): boolean => /^[0-9a-f:.]+(\/\d{1,3})?$/.test(entry) && ipInCidrs(entry.split('/')[0] ?? '', [entry]);

/** LATCHKEY_WEBHOOK_ALLOW_HOSTS: comma-separated host names and IP addresses/CIDR ranges. */
function parseAllowList(raw: string): { hosts: string[]; cidrs: string[] } {
  const hosts: string[] = [];
  const cidrs: string[] = [];
  for (const entry of raw.split(',').map((s) => s.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1')).filter(Boolean)) {
    if (isIpOrCidr(entry)) cidrs.push(entry);
    // A name whose last label is all digits would be read as an (invalid) IPv4 address: refused.
    else if (HOST_NAME.test(entry.replace(/\.$/, '')) && !/(^|\.)\d+\.?$/.test(entry)) hosts.push(entry.replace(/\.$/, ''));
    else {
      throw new ConfigError(
        `Invalid configuration:\n  LATCHKEY_WEBHOOK_ALLOW_HOSTS must be a comma-separated list of host names, IP addresses or CIDR ranges (got ${JSON.stringify(truncate(entry))})`,
      );
    }
  }
  return { hosts, cidrs };
}

function truncate(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** Injection token for AppConfig. */
export const APP_CONFIG = Symbol('APP_CONFIG');

/**
 * PostgreSQL server where tests may create and drop throw-away databases (tests only): LATCHKEY_TEST_PG_URL,
 * else DATABASE_URL, else the superuser `postgres` on 127.0.0.1 at LATCHKEY_TEST_PG_PORT (default 5432), where
 * tools/scripts/system-deps.sh starts one when none answers.
 */
export function testPostgresAdminUrl(env: Env = process.env): string {
  const port = Number(env['LATCHKEY_TEST_PG_PORT'] ?? '5432');
  const local = `postgres://postgres@127.0.0.1:${Number.isInteger(port) && port > 0 && port < 65536 ? port : 5432}/postgres`;
  return env['LATCHKEY_TEST_PG_URL'] || env['DATABASE_URL'] || local;
}

/**
 * Whether the PostgreSQL suites must run (tests only): in CI (`CI` set and not "false"/"0"), or with
 * LATCHKEY_TEST_PG_REQUIRED=1, an unreachable server fails them instead of leaving them unrun.
 */
export function testPostgresRequired(env: Env = process.env): boolean {
  const flag = (name: string) => !!env[name] && !['false', '0'].includes(String(env[name]).toLowerCase());
  return flag('CI') || flag('LATCHKEY_TEST_PG_REQUIRED');
}

/** How much the hostile-input suite runs (tests only): `LATCHKEY_HOSTILE_SCALE`, 1 in CI, 10+ for a long local run. */
export function testHostileScale(env: Env = process.env): number {
  const n = Number(env['LATCHKEY_HOSTILE_SCALE'] ?? '1');
  return Number.isFinite(n) && n > 0 ? n : 1;
}

/** Seed of the hostile-input suite's generated cases (tests only): `LATCHKEY_HOSTILE_SEED` replays a run. */
export function testHostileSeed(env: Env = process.env): number {
  const n = Number(env['LATCHKEY_HOSTILE_SEED']);
  return Number.isInteger(n) ? n : Math.floor(Math.random() * 2 ** 31);
}

/**
 * The environment of a service a test spawns: this process's (PATH, DATABASE_URL, …) with the test's own
 * settings on top. Kept here so that environment variables are read in this module only.
 */
export function spawnedServiceEnv(overrides: Record<string, string>, env: Env = process.env): Record<string, string | undefined> {
  return { ...env, ...overrides };
}
