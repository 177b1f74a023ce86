import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { LightMyRequestResponse } from 'fastify';
import { Secret, TOTP } from 'otpauth';
import { AdminAuthService } from '../admin-auth/admin-auth.service';
import { createApp } from '../bootstrap';
import { FakeClock } from '../common/clock';
import { AppConfig, Env, loadConfig } from '../config/config';

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  clock: FakeClock;
  dataDir: string;
  request(opts: RequestOpts): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export interface RequestOpts {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';
  url: string;
  body?: unknown;
  payload?: string | Buffer;
  headers?: Record<string, string>;
  bearer?: string;
  admin?: AdminCredentials;
}

export interface AdminCredentials {
  cookie: string;
  csrfToken: string;
}

/** A whole Latchkey on a fresh SQLite data directory, driven in-process (no port), with a fake clock. */
export async function startTestApp(env: Env = {}, opts: { dataDir?: string; clock?: FakeClock } = {}): Promise<TestApp> {
  const dataDir = opts.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'lk-test-'));
  const config = loadConfig({ LATCHKEY_DATA_DIR: dataDir, LATCHKEY_WEB_DIR: path.join(dataDir, 'no-web'), ...env });
  const clock = opts.clock ?? new FakeClock(new Date('2026-03-01T12:00:00Z'));
  const app = await createApp(config, { clock, logLevel: 'silent' });
  await app.getHttpAdapter().getInstance().ready();
  return {
    app,
    config,
    clock,
    dataDir,
    request: (o) => {
      const { headers, payload } = requestParts(o);
      return app.getHttpAdapter().getInstance().inject({ method: o.method, url: o.url, headers, payload });
    },
    close: async () => {
      await app.close();
      if (!opts.dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The headers and payload of a request: bearer token, session cookie with its CSRF token, JSON body. */
export function requestParts(o: RequestOpts): { headers: Record<string, string>; payload: string | Buffer | undefined } {
  const headers: Record<string, string> = { ...(o.headers ?? {}) };
  if (o.bearer) headers['authorization'] = `Bearer ${o.bearer}`;
  if (o.admin) {
    headers['cookie'] = o.admin.cookie;
    headers['x-csrf-token'] = o.admin.csrfToken;
  }
  let payload = o.payload;
  if (o.body !== undefined) {
    payload = JSON.stringify(o.body);
    headers['content-type'] ??= 'application/json';
  }
  return { headers, payload };
}

export const OWNER = { email: 'owner@example.com', displayName: 'Olive Owner', password: 'correct horse battery staple' };

/** The current code of an authenticator app holding `secret`, at the test clock's time. */
export function totpCode(t: TestApp, secret: string): string {
  return new TOTP({ algorithm: 'SHA1', digits: 6, period: 30, secret: Secret.fromBase32(secret) }).generate({ timestamp: t.clock.now().getTime() });
}

/** Secrets of authenticator apps enrolled by the harness, by admin email. */
export const ownerTotpSecrets = new WeakMap<TestApp, string>();

/** Runs first-run setup, enrols an authenticator app for the owner, and returns the verified session. */
export async function setupOwner(t: TestApp): Promise<AdminCredentials> {
  const link = await t.app.get(AdminAuthService).issueSetupLink();
  const token = new URL(link.url).hash.replace('#token=', '');
  const res = await t.request({ method: 'POST', url: '/api/v1/admin/setup', body: { token, ...OWNER } });
  if (res.statusCode !== 201) throw new Error(`setup failed: ${res.statusCode} ${res.body}`);
  const pending = credentialsFrom(res);
  const enrol = await t.request({ method: 'POST', url: '/api/v1/admin/mfa/totp', admin: pending });
  if (enrol.statusCode !== 201) throw new Error(`totp enrol failed: ${enrol.statusCode} ${enrol.body}`);
  const { factorId, secret } = enrol.json();
  ownerTotpSecrets.set(t, secret);
  const confirmed = await t.request({ method: 'POST', url: `/api/v1/admin/mfa/totp/${factorId}/confirm`, admin: pending, body: { code: totpCode(t, secret) } });
  if (confirmed.statusCode !== 200) throw new Error(`totp confirm failed: ${confirmed.statusCode} ${confirmed.body}`);
  return credentialsFrom(confirmed);
}

/** Signs the owner in with password and authenticator app (moving the clock to a fresh time step). */
export async function signInOwner(t: TestApp): Promise<AdminCredentials> {
  const res = await t.request({ method: 'POST', url: '/api/v1/admin/session', body: { email: OWNER.email, password: OWNER.password } });
  if (res.statusCode !== 200) throw new Error(`sign-in failed: ${res.statusCode} ${res.body}`);
  const pending = credentialsFrom(res);
  const challenge = await t.request({ method: 'POST', url: '/api/v1/admin/mfa/challenge', admin: pending });
  t.clock.advance(30_000);
  const verified = await t.request({
    method: 'POST',
    url: `/api/v1/admin/mfa/challenge/${challenge.json().id}/verify`,
    admin: pending,
    body: { method: 'totp', code: totpCode(t, ownerTotpSecrets.get(t) ?? '') },
  });
  if (verified.statusCode !== 200) throw new Error(`second factor failed: ${verified.statusCode} ${verified.body}`);
  return credentialsFrom(verified);
}

/** A response as far as the session helpers need it (in-process or over real HTTP). */
export type SessionResponse = Pick<LightMyRequestResponse, 'json'> & { cookies: { name: string; value: string }[] };

export function credentialsFrom(res: SessionResponse): AdminCredentials {
  const cookie = res.cookies.find((c) => c.name.endsWith('latchkey_admin') || c.name.endsWith('latchkey_member'));
  if (!cookie) throw new Error('no session cookie');
  return { cookie: `${cookie.name}=${cookie.value}`, csrfToken: res.json().csrfToken };
}

/** Registers a media server and returns its id and API key. */
export async function registerServer(t: TestApp, admin: AdminCredentials, name = 'Living room Jellyfin'): Promise<{ id: string; apiKey: string }> {
  const res = await t.request({ method: 'POST', url: '/api/v1/servers', admin, body: { name, kind: 'jellyfin', baseUrl: 'http://jellyfin.lan:8096' } });
  if (res.statusCode !== 201) throw new Error(`register failed: ${res.statusCode} ${res.body}`);
  return { id: res.json().server.id, apiKey: res.json().apiKey };
}

/** Pushes a one-member directory (if needed), mints a link for that member and starts their pages session. */
export async function memberSession(t: TestApp, serverKey: string, externalId = 'm-1', email: string | null = 'member@example.com'): Promise<AdminCredentials> {
  await t.request({ method: 'PATCH', url: '/api/v1/directory', bearer: serverKey, body: { members: [{ externalId, username: `user-${externalId}`, displayName: 'Mia Member', email }] } });
  const link = await t.request({ method: 'POST', url: `/api/v1/directory/members/${externalId}/links`, bearer: serverKey, body: { purpose: 'enrol' } });
  if (link.statusCode !== 201) throw new Error(`link failed: ${link.statusCode} ${link.body}`);
  const token = new URL(link.json().url).hash.slice('#link='.length);
  const res = await t.request({ method: 'POST', url: '/api/v1/portal/session', body: { link: token } });
  if (res.statusCode !== 201) throw new Error(`member session failed: ${res.statusCode} ${res.body}`);
  return credentialsFrom(res);
}
