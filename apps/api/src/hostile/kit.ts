import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { ErrorCodes } from '@latchkey/contracts';
import { FEATURE_MODULES } from '../app.module';
import { AuthRequirement } from '../common/endpoint';
import { testHostileScale, testHostileSeed } from '../config/config';
import { buildOpenApi, collectRoutes, RouteInfo } from '../openapi/openapi';
import { VERSION } from '../version';
import { AdminCredentials, credentialsFrom, memberSession, OWNER, registerServer, setupOwner, signInOwner, startTestApp, TestApp, totpCode } from '../testing/harness';

/**
 * Shared pieces of the hostile-input suite: how big a run is, a Latchkey with every kind of caller signed
 * in, requests with a deadline, the one error shape every refusal must have, and the route tables the
 * tests walk (so a route added tomorrow is fuzzed and guarded without anyone touching these files).
 */

/** `LATCHKEY_HOSTILE_SCALE` (default 1): how many generated cases, samples and crash loops to run. */
export const SCALE = testHostileScale();
/** fast-check seed (`LATCHKEY_HOSTILE_SEED` replays a failing run; it is printed with every failure). */
export const SEED = testHostileSeed();

/** Any request slower than this is a hang. */
export const REQUEST_DEADLINE_MS = 10_000;

const KNOWN_CODES = new Set<string>(Object.values(ErrorCodes));

/** The ways a caller can present itself. */
export type CredKind =
  | 'none'
  | 'admin'
  | 'adminNoCsrf'
  | 'adminPending'
  | 'adminToken'
  | 'server'
  | 'member'
  | 'memberNoCsrf'
  | 'serverKeyAsCookie'
  | 'memberTokenAsAdminCookie'
  | 'adminTokenAsServer'
  | 'garbage';
export const CRED_KINDS: CredKind[] = ['none', 'admin', 'adminNoCsrf', 'adminPending', 'adminToken', 'server', 'member', 'memberNoCsrf', 'serverKeyAsCookie', 'memberTokenAsAdminCookie', 'adminTokenAsServer', 'garbage'];

export interface World {
  t: TestApp;
  admin: AdminCredentials;
  adminPending: AdminCredentials;
  adminToken: string;
  serverId: string;
  serverKey: string;
  member: AdminCredentials;
  /** Real ids, so generated paths also reach rows that exist. */
  ids: string[];
  externalIds: string[];
  /** Signs everyone in again if a generated request ended a session or rotated a key. */
  refresh(): Promise<void>;
  headersFor(kind: CredKind, method: string): Record<string, string>;
}

/** A Latchkey with an owner (verified and password-only sessions, an admin token), a server and a member. */
export async function startWorld(env: Record<string, string> = {}): Promise<World> {
  const t = await startTestApp(env);
  const admin = await setupOwner(t);
  const server = await registerServer(t, admin);
  const w: World = {
    t,
    admin,
    adminPending: admin,
    adminToken: '',
    serverId: server.id,
    serverKey: server.apiKey,
    member: await memberSession(t, server.apiKey),
    ids: [server.id],
    externalIds: ['m-1'],
    refresh: async () => {
      const ok = async (o: Parameters<TestApp['request']>[0]) => (await t.request(o)).statusCode === 200;
      if (!(await ok({ method: 'GET', url: '/api/v1/servers', admin: w.admin }))) w.admin = await signInOwner(t);
      if (!(await ok({ method: 'GET', url: '/api/v1/servers/self', bearer: w.serverKey }))) {
        const rotated = await t.request({ method: 'POST', url: `/api/v1/servers/${w.serverId}/api-key`, admin: w.admin });
        w.serverKey = rotated.json().apiKey;
      }
      if (!(await ok({ method: 'GET', url: '/api/v1/me', admin: w.member }))) w.member = await memberSession(t, w.serverKey);
      if (!w.adminToken || !(await ok({ method: 'GET', url: '/api/v1/servers', bearer: w.adminToken }))) w.adminToken = await newAdminToken(t, w.admin);
      if (w.adminPending === w.admin || !(await ok({ method: 'GET', url: '/api/v1/admin/session', admin: w.adminPending }))) {
        const pending = await t.request({ method: 'POST', url: '/api/v1/admin/session', body: { email: OWNER.email, password: OWNER.password } });
        w.adminPending = credentialsFrom(pending);
      }
    },
    headersFor: (kind, method) => credentialHeaders(w, kind, method),
  };
  await w.refresh();
  // A few rows to aim at: a policy, an exemption, a challenge, a factor.
  const policy = await t.request({ method: 'POST', url: '/api/v1/policies', admin: w.admin, body: { name: 'Everyone', enabled: true, gracePeriodDays: 7 } });
  const memberRow = (await t.request({ method: 'GET', url: '/api/v1/members', admin: w.admin })).json().items[0];
  const exemption = await t.request({ method: 'POST', url: '/api/v1/exemptions', admin: w.admin, body: { memberId: memberRow.id, reason: 'travelling' } });
  const challenge = await t.request({ method: 'POST', url: '/api/v1/me/challenges', admin: w.member });
  const totp = await t.request({ method: 'POST', url: '/api/v1/me/factors/totp', admin: w.member });
  w.ids.push(...[policy.json().id, memberRow.id, exemption.json().id, challenge.json().id, totp.json().factorId].filter((x): x is string => typeof x === 'string'));
  return w;
}

async function newAdminToken(t: TestApp, admin: AdminCredentials): Promise<string> {
  const res = await t.request({ method: 'POST', url: '/api/v1/admin/tokens', admin, body: { name: 'hostile' } });
  if (res.statusCode !== 201) throw new Error(`admin token: ${res.statusCode} ${res.body}`);
  return res.json().secret;
}

function cookieValue(c: AdminCredentials): string {
  return c.cookie.slice(c.cookie.indexOf('=') + 1);
}

function credentialHeaders(w: World, kind: CredKind, _method: string): Record<string, string> {
  switch (kind) {
    case 'none':
      return {};
    case 'admin':
      return { cookie: w.admin.cookie, 'x-csrf-token': w.admin.csrfToken };
    case 'adminNoCsrf':
      return { cookie: w.admin.cookie };
    case 'adminPending':
      return { cookie: w.adminPending.cookie, 'x-csrf-token': w.adminPending.csrfToken };
    case 'adminToken':
      return { authorization: `Bearer ${w.adminToken}` };
    case 'server':
      return { authorization: `Bearer ${w.serverKey}` };
    case 'member':
      return { cookie: w.member.cookie, 'x-csrf-token': w.member.csrfToken };
    case 'memberNoCsrf':
      return { cookie: w.member.cookie };
    case 'serverKeyAsCookie':
      return { cookie: `latchkey_admin=${w.serverKey}; latchkey_member=${w.serverKey}`, 'x-csrf-token': w.admin.csrfToken };
    case 'memberTokenAsAdminCookie':
      return { cookie: `latchkey_admin=${cookieValue(w.member)}`, 'x-csrf-token': w.member.csrfToken, authorization: `Bearer ${cookieValue(w.member)}` };
    case 'adminTokenAsServer':
      return { authorization: `Bearer ${w.adminToken.replace(/^lk_adm_/, 'lk_srv_')}` };
    case 'garbage':
      return { cookie: 'latchkey_admin=%ff%fe%00; latchkey_member=' + 'A'.repeat(43), authorization: 'Bearer lk_srv_' + 'A'.repeat(43), 'x-csrf-token': 'x' };
  }
}

/** Whether a caller presenting `kind` should get past the guard of a route needing `auth`. */
export function mayPass(auth: AuthRequirement | undefined, kind: CredKind, method: string): boolean {
  const safe = method === 'GET' || method === 'HEAD' || method === 'OPTIONS';
  switch (auth?.kind) {
    case 'public':
      return true;
    case 'server':
      return kind === 'server';
    case 'member':
      return kind === 'member' || (kind === 'memberNoCsrf' && safe);
    case 'admin':
      if (kind === 'adminPending') return !!auth.mfaPending;
      return kind === 'admin' || kind === 'adminToken' || (kind === 'adminNoCsrf' && safe);
    default:
      return false;
  }
}

// ---- counting -------------------------------------------------------------------------------

export interface Tally {
  requests: number;
  /** Unexpected server errors (a deliberate 503 for a database or mail server that is down is not one). */
  status5xx: number;
  hangs: number;
  byStatus: Record<string, number>;
}

export function newTally(): Tally {
  return { requests: 0, status5xx: 0, hangs: 0, byStatus: {} };
}

/** Writes what a suite counted to tmp/hostile/<name>.json (the README quotes these). */
export function report(name: string, data: Record<string, unknown>): void {
  const dir = path.resolve(__dirname, '../../../../tmp/hostile');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${name}.json`), JSON.stringify({ at: new Date().toISOString(), scale: SCALE, ...data }, null, 2) + '\n');
}

// ---- requests -------------------------------------------------------------------------------

export class Hang extends Error {}

/** In-process request with a deadline: a request that does not answer in time fails the test as a hang. */
export async function inject(t: TestApp, opts: InjectOptions, tally?: Tally): Promise<LightMyRequestResponse> {
  const fastify = t.app.getHttpAdapter().getInstance();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Hang(`${opts.method} ${String(opts.url).slice(0, 120)} did not answer within ${REQUEST_DEADLINE_MS} ms`)), REQUEST_DEADLINE_MS);
  });
  try {
    const res = await Promise.race([fastify.inject(opts), deadline]);
    if (tally) {
      tally.requests++;
      tally.byStatus[res.statusCode] = (tally.byStatus[res.statusCode] ?? 0) + 1;
      if (res.statusCode >= 500 && res.statusCode !== 503) tally.status5xx++;
    }
    return res;
  } catch (e) {
    if (tally && e instanceof Hang) tally.hangs++;
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * What is wrong with a refusal, or null when it is a proper one: a 4xx (or a deliberate 503) in the one
 * error shape (`{ error: { code, message, details?, requestId } }`, JSON, a known code, no stack trace or SQL).
 */
export function errorShapeProblem(res: Pick<LightMyRequestResponse, 'statusCode' | 'headers' | 'body'>): string | null {
  if (res.statusCode >= 500 && res.statusCode !== 503) return `status ${res.statusCode}`;
  if (res.statusCode < 400) return `status ${res.statusCode} is not a refusal`;
  if (!/^application\/json/.test(String(res.headers['content-type'] ?? ''))) return `content-type ${String(res.headers['content-type'])}`;
  let body: unknown;
  try {
    body = JSON.parse(res.body);
  } catch {
    return 'body is not JSON';
  }
  const e = (body as { error?: Record<string, unknown> } | null)?.error;
  if (!e || typeof e !== 'object') return 'no error object';
  const extra = Object.keys(body as object).filter((k) => k !== 'error');
  if (extra.length) return `unexpected top-level keys ${extra.join(',')}`;
  if (typeof e['code'] !== 'string' || !KNOWN_CODES.has(e['code'])) return `unknown code ${String(e['code'])}`;
  if (typeof e['message'] !== 'string' || e['message'].length === 0) return 'no message';
  if (typeof e['requestId'] !== 'string') return 'no requestId';
  const unknownKeys = Object.keys(e).filter((k) => !['code', 'message', 'details', 'requestId'].includes(k));
  if (unknownKeys.length) return `unexpected error keys ${unknownKeys.join(',')}`;
  if (/\bat [^\s]+ \(.*:\d+:\d+\)|\.(ts|js):\d+|QueryFailedError|SQLITE_|node_modules/.test(res.body)) return 'leaks internals';
  return null;
}

/** Security headers every response carries (HTML responses are checked more closely elsewhere). */
export function headerProblem(res: Pick<LightMyRequestResponse, 'statusCode' | 'headers'>): string | null {
  if (res.headers['x-content-type-options'] !== 'nosniff') return 'no nosniff';
  if (res.headers['referrer-policy'] !== 'no-referrer') return 'no referrer-policy';
  if (res.statusCode !== 304 && !/frame-ancestors 'none'/.test(String(res.headers['content-security-policy'] ?? ''))) return "no frame-ancestors 'none'";
  const location = res.headers['location'];
  if (location !== undefined && !/^\/(?![/\\])/.test(String(location))) return `redirects off-site to ${String(location)}`;
  return null;
}

// ---- route tables ---------------------------------------------------------------------------

export interface RegisteredRoute {
  method: string;
  path: string;
}

/** Every route Fastify actually serves (not just the ones Nest knows about), from its route tree. */
export function registeredRoutes(t: TestApp): RegisteredRoute[] {
  const tree = t.app.getHttpAdapter().getInstance().printRoutes({ commonPrefix: false });
  const stack: string[] = [];
  const out: RegisteredRoute[] = [];
  for (const line of tree.split('\n')) {
    const m = /^((?:│ {3}| {4})*)(?:├── |└── )(\S+)(?: \(([^)]+)\))?/.exec(line);
    if (!m) continue;
    const depth = (m[1] ?? '').length / 4;
    stack.length = depth;
    stack.push(m[2] ?? '');
    const full = stack.join('');
    for (const method of (m[3] ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
      // Fastify adds HEAD for every GET by itself.
      if (method !== 'HEAD') out.push({ method, path: full });
    }
  }
  return out;
}

/** Nest's view of the routes: who may call each, and what it takes. */
/** Paths that answer every HTTP method alike, by design (forward-auth: nginx passes the original method on). */
export const ANY_METHOD_PATHS = ['/api/v1/forward-auth'];

export function nestRoutes(): RouteInfo[] {
  return collectRoutes(FEATURE_MODULES);
}

export type JsonSchema = Record<string, unknown>;

export interface Operation {
  method: string;
  /** With Fastify's `:param` placeholders. */
  path: string;
  pathParams: { name: string; schema: JsonSchema }[];
  queryParams: { name: string; schema: JsonSchema; required: boolean }[];
  body: JsonSchema | null;
  auth: AuthRequirement | undefined;
}

/**
 * The OpenAPI document the service publishes at /api/docs/openapi.json (built from the same modules, so
 * available before any app starts and test names can name routes), and its operations with their auth.
 */
export function openApi(): { doc: JsonSchema; ops: Operation[] } {
  const doc = buildOpenApi(FEATURE_MODULES, VERSION);
  const auth = new Map(nestRoutes().map((r) => [`${r.method} ${r.path}`, r.auth]));
  const ops: Operation[] = [];
  for (const [oaPath, methods] of Object.entries(doc['paths'] as Record<string, Record<string, JsonSchema>>)) {
    for (const [method, op] of Object.entries(methods)) {
      const path = oaPath.replace(/\{(\w+)\}/g, ':$1');
      const params = (op['parameters'] as { name: string; in: string; schema: JsonSchema; required?: boolean }[] | undefined) ?? [];
      const content = (op['requestBody'] as { content?: Record<string, { schema: JsonSchema }> } | undefined)?.content;
      ops.push({
        method: method.toUpperCase(),
        path,
        pathParams: params.filter((p) => p.in === 'path').map((p) => ({ name: p.name, schema: p.schema })),
        queryParams: params.filter((p) => p.in === 'query').map((p) => ({ name: p.name, schema: p.schema, required: !!p.required })),
        body: content?.['application/json']?.schema ?? null,
        auth: auth.get(`${method.toUpperCase()} ${path}`),
      });
    }
  }
  return { doc, ops };
}

/** Follows `$ref`s into the document's components. */
export function deref(doc: JsonSchema, s: JsonSchema | undefined): JsonSchema {
  let cur = s ?? {};
  for (let i = 0; i < 20 && typeof cur['$ref'] === 'string'; i++) {
    const parts = (cur['$ref'] as string).replace(/^#\//, '').split('/');
    cur = parts.reduce<JsonSchema>((o, k) => (o[k] ?? {}) as JsonSchema, doc);
  }
  return cur;
}

// ---- people ---------------------------------------------------------------------------------

/** Follows a session rotation: the response carrying a new member cookie becomes the session. */
export function followMember(current: AdminCredentials, res: LightMyRequestResponse): AdminCredentials {
  const c = res.cookies.find((x) => x.name.endsWith('latchkey_member'));
  return c ? { cookie: `${c.name}=${c.value}`, csrfToken: res.json().csrfToken ?? current.csrfToken } : current;
}

/** Enrols an authenticator app for a member session; returns its secret and the (rotated) session. */
export async function enrolMemberTotp(t: TestApp, member: AdminCredentials): Promise<{ secret: string; member: AdminCredentials }> {
  const start = await t.request({ method: 'POST', url: '/api/v1/me/factors/totp', admin: member });
  if (start.statusCode !== 201) throw new Error(`totp start: ${start.statusCode} ${start.body}`);
  const { factorId, secret } = start.json();
  const done = await t.request({ method: 'POST', url: `/api/v1/me/factors/totp/${factorId}/confirm`, admin: member, body: { code: totpCode(t, secret) } });
  if (done.statusCode !== 200) throw new Error(`totp confirm: ${done.statusCode} ${done.body}`);
  return { secret, member: followMember(member, done) };
}

/** A folder with stand-ins for the built console and member pages, so HTML routes exist in-process. */
export function fakeWebDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-web-'));
  for (const app of ['admin', 'portal']) {
    const root = path.join(dir, app, 'browser');
    fs.mkdirSync(root, { recursive: true });
    fs.writeFileSync(path.join(root, 'index.html'), `<!doctype html><html><head><title>${app}</title></head><body><script src="main-ABCDEFGH.js"></script></body></html>`);
    fs.writeFileSync(path.join(root, 'main-ABCDEFGH.js'), 'console.log(1);');
  }
  return dir;
}
