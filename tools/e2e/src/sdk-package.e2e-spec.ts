import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { registerServer, setUpOwner } from './owner';
import { asServer } from './portal-flows';
import { RunningService, startService } from './service';

const ROOT = path.resolve(__dirname, '../../..');
const PACKAGE = path.join(ROOT, 'dist/libs/client');

/** What both consumer scripts do with the installed package, against the running service. */
const SCRIPT = (load: string) => `
${load}
const vector = { secret: 'whsec_5b1d2c8e', t: 1700000000, body: '{"type":"challenge.completed","data":{"challengeId":"c-1"}}', v1: '258690fdf94e985b27ea8d5f15adfa7f040a8e23865b90512513d5be0c94a03d' };
(async () => {
  const out = {};
  const client = new sdk.LatchkeyClient({ baseUrl: process.env.LATCHKEY_URL, apiKey: process.env.LATCHKEY_KEY, userAgent: 'sdk-package-test/1.0' });
  out.self = await client.self();
  out.login = (await client.login({ member: { externalId: 'pkg-1', username: 'pkg' }, device: { id: 'd-1' }, client: { name: 'Package test' } })).decision;
  out.access = (await client.access({ member: { externalId: 'pkg-1' }, library: { externalId: 'movies' }, device: { id: 'd-1' } })).decision;
  out.link = (await client.enrolmentLink('pkg-1')).url.replace(/#.*/, '#…');
  const bad = await new sdk.LatchkeyClient({ baseUrl: process.env.LATCHKEY_URL, apiKey: 'lk_srv_wrong' }).self().catch((e) => e);
  out.badKey = { auth: bad instanceof sdk.LatchkeyAuthError, base: bad instanceof sdk.LatchkeyError, code: bad.code, status: bad.status };
  const missing = await client.challenge('00000000-0000-4000-8000-000000000000').catch((e) => e);
  out.missing = { notFound: missing instanceof sdk.LatchkeyNotFoundError, is: missing.is('challenge_not_found') };
  const invalid = await client.replaceDirectory({ members: [{ externalId: 'x', username: 'x', groups: ['nope'] }] }).catch((e) => e);
  out.invalid = { validation: invalid instanceof sdk.LatchkeyValidationError, code: invalid.code };
  out.webhook = sdk.verifyWebhookSignature({ secret: vector.secret, signature: 't=' + vector.t + ',v1=' + vector.v1, body: vector.body, now: vector.t });
  out.allowed = sdk.isAllowed({ decision: 'allow_in_grace' });
  console.log(JSON.stringify(out));
})().catch((e) => { console.error(e); process.exit(1); });
`;

/** Type-checks code written against the installed package, as a plugin author's compiler would. */
const TYPED = `
import { LatchkeyClient, LatchkeyError, verifyWebhookSignature, type DecisionResponse, type ChallengeStatus } from '@latchkey/client';
const client = new LatchkeyClient({ baseUrl: 'http://localhost:8080', apiKey: 'lk_srv_x' });
export async function check(): Promise<string> {
  const d: DecisionResponse = await client.login({ member: { externalId: 'a' }, device: { id: 'd' }, client: { name: 'c' } });
  if (d.decision === 'challenge' && d.challenge) {
    const done: ChallengeStatus = await client.waitForChallenge(d.challenge);
    return done.completion?.token ?? done.status;
  }
  const v = verifyWebhookSignature({ secret: 's', signature: 't=1,v1=x', body: '' });
  try { await client.self(); } catch (e) { if (e instanceof LatchkeyError && e.is('unauthenticated')) return e.requestId ?? ''; }
  // @ts-expect-error an unknown decision is a type error: the types come from the API's schemas
  const never: DecisionResponse['decision'] = 'maybe';
  return String(v.valid) + never;
}
`;

// Real processes and real waiting (a challenge is polled every 5 s): the root Jest run ignores the e2e project's testTimeout.
jest.setTimeout(120_000);

describe('the SDK as an npm package: installed from its tarball, used with import and require', () => {
  let svc: RunningService;
  let dir: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    if (!fs.existsSync(path.join(PACKAGE, 'package.json'))) throw new Error(`${PACKAGE} is missing: build it first (npx nx run client:build)`);
    svc = await startService();
    const apiKey = await registerServer(svc, await setUpOwner(svc), 'Package Jellyfin');
    const sync = await asServer(svc, apiKey, 'PUT', '/api/v1/directory', { libraries: [{ externalId: 'movies', name: 'Movies' }], members: [] });
    expect(sync.status).toBe(200);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-sdk-'));
    const tarball = execFileSync('npm', ['pack', PACKAGE, '--pack-destination', dir, '--silent'], { encoding: 'utf8', cwd: dir }).trim().split('\n').pop()!;
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'plugin', private: true }));
    execFileSync('npm', ['install', path.join(dir, tarball), '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--silent'], { cwd: dir, stdio: 'pipe' });
    env = { ...process.env, LATCHKEY_URL: svc.base, LATCHKEY_KEY: apiKey };
  });
  afterAll(async () => {
    await svc?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('installs with no dependencies of its own', () => {
    const installed = JSON.parse(fs.readFileSync(path.join(dir, 'node_modules/@latchkey/client/package.json'), 'utf8'));
    expect(installed.dependencies ?? {}).toEqual({});
    expect(Object.keys(installed.exports['.'])).toEqual(['import', 'require']);
    expect(fs.readdirSync(path.join(dir, 'node_modules')).filter((n) => !n.startsWith('.'))).toEqual(['@latchkey']);
  });

  it.each([
    ['import (ES module)', 'check.mjs', "import * as sdk from '@latchkey/client';"],
    ['require (CommonJS)', 'check.cjs', "const sdk = require('@latchkey/client');"],
  ])('works through %s against the running API', (_label, file, load) => {
    fs.writeFileSync(path.join(dir, file), SCRIPT(load));
    const out = JSON.parse(execFileSync(process.execPath, [file], { cwd: dir, env, encoding: 'utf8' }));
    expect(out).toEqual({
      self: { id: expect.any(String), name: 'Package Jellyfin', kind: 'jellyfin' },
      login: 'allow',
      access: 'allow',
      link: `${svc.base}/enrol#…`,
      badKey: { auth: true, base: true, code: 'unauthenticated', status: 401 },
      missing: { notFound: true, is: true },
      invalid: { validation: true, code: 'directory_unknown_reference' },
      webhook: { valid: true, timestamp: 1700000000 },
      allowed: true,
    });
  });

  it.each([
    ['an ES module', 'consumer.mts'],
    ['CommonJS', 'consumer.cts'],
  ])('type-checks in %s (strict, nodenext) without @latchkey/contracts', (_label, file) => {
    fs.writeFileSync(path.join(dir, file), TYPED);
    const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
    const args = [tsc, '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--types', 'node', '--typeRoots', path.join(ROOT, 'node_modules/@types'), file];
    expect(() => execFileSync(process.execPath, args, { cwd: dir, encoding: 'utf8', stdio: 'pipe' })).not.toThrow();
  });
});
