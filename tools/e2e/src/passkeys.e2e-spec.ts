import http from 'node:http';
import net from 'node:net';
import type { Browser } from 'playwright-core';
import { launchChromium } from './browser';
import { memberLink, OWNER, pushMembers, setupToken } from './member-portal';
import { registerServer, setUpOwner } from './owner';
import { RunningService, startService } from './service';
import { BrowserUser, clientData, Json, signCountOf, withClientDataOrigin, withCredentialId, withFlippedSignatureByte } from './webauthn';

/**
 * Passkeys end to end: real headless Chromium with its virtual WebAuthn authenticator (CDP), against the
 * built service. Every WebAuthn call happens in a page on the service's own origin; the member's cookie
 * lives in that browser. Each test is named after the attack it stops (DESIGN.md, "Security promises":
 * challenge stored and consumed once, credential owned by the challenged member, counter persisted,
 * origins and RP ID from config).
 */

const MEMBERS = [
  { externalId: 'alice', username: 'alice', email: 'alice@example.com' },
  { externalId: 'bob', username: 'bob', email: 'bob@example.com' },
  { externalId: 'carol', username: 'carol', email: 'carol@example.com' },
];

interface Factor {
  id: string;
  kind: string;
  phishingResistant: boolean;
  label: string;
}
interface MemberSelf {
  member: { username: string };
  factors: Factor[];
  recentlyVerified: boolean;
  csrfToken: string;
}

/** A member's browser with a member-pages session opened from a link the media server minted. */
async function signIn(browser: Browser, svc: RunningService, apiKey: string, externalId: string): Promise<BrowserUser> {
  const user = await BrowserUser.open(browser, svc.base);
  const started = await user.api<MemberSelf>('POST', '/api/v1/portal/session', {
    link: await memberLink(svc, apiKey, externalId),
  });
  expect(started.status).toBe(201);
  expect(started.body.member.username).toBe(externalId);
  return user;
}

async function registrationFor(user: BrowserUser): Promise<Json> {
  const options = await user.api('POST', '/api/v1/me/factors/passkeys/options');
  expect(options.status).toBe(200);
  return user.create(options.body);
}

const register = (user: BrowserUser, response: Json, label?: string) =>
  user.api<MemberSelf & Json>('POST', '/api/v1/me/factors/passkeys', {
    label,
    response,
  });

/** Starts a step-up challenge and returns its id with the passkey options for it. */
async function challenge(user: BrowserUser): Promise<{ id: string; options: Json }> {
  const created = await user.api<{ id: string; methods: string[] }>('POST', '/api/v1/me/challenges');
  expect(created.status).toBe(201);
  expect(created.body.methods).toContain('passkey');
  const options = await user.api('POST', `/api/v1/me/challenges/${created.body.id}/passkey-options`);
  expect(options.status).toBe(200);
  return { id: created.body.id, options: options.body };
}

const verify = (user: BrowserUser, challengeId: string, assertion: Json) =>
  user.api<Json>('POST', `/api/v1/me/challenges/${challengeId}/verify`, {
    method: 'passkey',
    assertion,
  });

/** Options without allowCredentials: the authenticator picks its own (discoverable) credential for the RP. */
const discoverable = (options: Json): Json => ({
  ...options,
  allowCredentials: [],
});

/** A member proves it is them with the passkey in their own browser. */
async function stepUp(user: BrowserUser): Promise<Json> {
  const c = await challenge(user);
  const assertion = await user.get(c.options);
  const res = await verify(user, c.id, assertion);
  expect(res).toMatchObject({
    status: 200,
    body: { status: 'completed', challengeId: c.id },
  });
  return assertion;
}

/** What a new owner does before any member exists (owner.ts), then the server pushes its members. */
async function ownerWithServer(svc: RunningService, members: typeof MEMBERS): Promise<string> {
  const apiKey = await registerServer(svc, await setUpOwner(svc));
  await pushMembers(svc, apiKey, members);
  return apiKey;
}

const refused = {
  status: 400,
  body: { error: { code: 'verification_failed' } },
};

describe('passkeys in Chromium with a virtual authenticator, against the running service', () => {
  let svc: RunningService;
  let browser: Browser;
  let apiKey: string;
  let alice: BrowserUser;
  let aliceRegistration: Json;

  beforeAll(async () => {
    [svc, browser] = await Promise.all([startService(), launchChromium()]);
    apiKey = await ownerWithServer(svc, MEMBERS);
  });
  afterAll(async () => {
    await browser?.close();
    await svc?.stop();
  });

  it('a member registers a passkey from the browser and answers a step-up challenge with it', async () => {
    alice = await signIn(browser, svc, apiKey, 'alice');
    const csrfBefore = alice.csrf;
    aliceRegistration = await registrationFor(alice);
    expect(clientData(aliceRegistration)).toMatchObject({
      type: 'webauthn.create',
      origin: svc.base,
    });

    const registered = await register(alice, aliceRegistration, 'Phone');
    expect(registered.status).toBe(201);
    expect(registered.body.factors).toEqual([
      expect.objectContaining({
        kind: 'passkey',
        label: 'Phone',
        phishingResistant: true,
      }),
    ]);
    // The session rotated: a new CSRF token (and cookie, kept by the browser) that the next calls use.
    expect(registered.body.csrfToken).not.toBe(csrfBefore);

    const listed = await alice.api<{ items: Factor[] }>('GET', '/api/v1/me/factors');
    expect(listed.body.items).toEqual([expect.objectContaining({ kind: 'passkey', phishingResistant: true })]);
    const [credential] = await alice.credentials();
    expect(credential).toMatchObject({
      rpId: 'localhost',
      isResidentCredential: true,
    });
    expect(credential?.credentialId.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')).toBe(aliceRegistration['id']);

    const c = await challenge(alice);
    expect(c.options).toMatchObject({
      rpId: 'localhost',
      userVerification: 'required',
      allowCredentials: [expect.objectContaining({ id: aliceRegistration['id'] })],
    });
    const csrfBeforeStepUp = alice.csrf;
    const assertion = await alice.get(c.options);
    expect(clientData(assertion)).toMatchObject({
      type: 'webauthn.get',
      origin: svc.base,
      challenge: c.options['challenge'],
    });
    const done = await verify(alice, c.id, assertion);
    expect(done).toMatchObject({
      status: 200,
      body: { status: 'completed', challengeId: c.id },
    });
    expect(alice.csrf).not.toBe(csrfBeforeStepUp);
    await expect(alice.api<MemberSelf>('GET', '/api/v1/me')).resolves.toMatchObject({ status: 200, body: { recentlyVerified: true } });
  });

  it('a forged signature is refused', async () => {
    const c = await challenge(alice);
    const genuine = await alice.get(c.options);
    await expect(verify(alice, c.id, withFlippedSignatureByte(genuine))).resolves.toMatchObject(refused);
  });

  it('an assertion made for another origin is refused, even with a valid signature (phishing relay)', async () => {
    // A look-alike site on another origin with the same RP ID (`localhost`): the browser lets it ask for
    // an assertion over Latchkey's challenge, signs clientDataJSON naming the look-alike's origin, and
    // the site relays the result. Same tab, same authenticator, genuine credential and signature.
    const evil = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>Totally Latchkey</title>'));
    await new Promise<void>((resolve) => evil.listen(0, '127.0.0.1', resolve));
    const evilOrigin = `http://localhost:${(evil.address() as net.AddressInfo).port}`;
    try {
      const c = await challenge(alice);
      await alice.page.goto(`${evilOrigin}/`);
      const relayed = await alice.get(c.options);
      // Back on Latchkey's page (a revisit, answered 304) to send it in Alice's session.
      await alice.page.goto(`${svc.base}/`);
      expect(clientData(relayed)).toMatchObject({
        origin: evilOrigin,
        challenge: c.options['challenge'],
      });
      await expect(verify(alice, c.id, relayed)).resolves.toMatchObject(refused);
    } finally {
      await new Promise((resolve) => evil.close(resolve));
    }
    // And a genuine assertion whose clientDataJSON was rewritten to claim another origin.
    const c2 = await challenge(alice);
    const rewritten = withClientDataOrigin(await alice.get(c2.options), 'http://evil.example');
    await expect(verify(alice, c2.id, rewritten)).resolves.toMatchObject(refused);
  });

  it("another member's credential cannot answer for this member", async () => {
    const bob = await signIn(browser, svc, apiKey, 'bob');
    try {
      await expect(register(bob, await registrationFor(bob), "Bob's phone")).resolves.toMatchObject({ status: 201 });
      // Bob's authenticator signs Alice's genuine challenge with Bob's own (valid, registered) passkey,
      // and the answer is sent in Alice's session.
      const c = await challenge(alice);
      const bobs = await bob.get(discoverable(c.options));
      expect(bobs['id']).not.toBe(aliceRegistration['id']);
      expect(clientData(bobs)).toMatchObject({
        origin: svc.base,
        challenge: c.options['challenge'],
      });
      await expect(verify(alice, c.id, bobs)).resolves.toMatchObject(refused);
      // Nor can Bob spend a WebAuthn challenge that was issued to Alice on a challenge of his own.
      const bobsOwn = await bob.api<{ id: string }>('POST', '/api/v1/me/challenges');
      expect(bobsOwn.status).toBe(201);
      await expect(verify(bob, bobsOwn.body.id, bobs)).resolves.toMatchObject(refused);
      // Claiming to be Alice's credential while signing with Bob's key does not help either.
      const c2 = await challenge(alice);
      const disguised = {
        ...(await bob.get(discoverable(c2.options))),
        id: aliceRegistration['id'],
        rawId: aliceRegistration['id'],
      };
      await expect(verify(alice, c2.id, disguised)).resolves.toMatchObject(refused);
      // Alice's own passkey still answers for her.
      await stepUp(alice);
    } finally {
      await bob.close();
    }
  });

  it('a cloned authenticator (counter regression) is refused', async () => {
    const [snapshot] = await alice.credentials();
    if (!snapshot) throw new Error('alice has no credential');
    // The genuine authenticator is used after the copy was taken: the service now holds a higher counter.
    const genuine = await stepUp(alice);
    expect(signCountOf(genuine)).toBeGreaterThan(snapshot.signCount);

    const thief = await BrowserUser.open(browser, svc.base);
    try {
      await thief.cdp.send('WebAuthn.addCredential', {
        authenticatorId: thief.authenticatorId,
        credential: snapshot,
      });
      const c = await challenge(alice);
      const cloned = await thief.get(c.options);
      expect(cloned['id']).toBe(aliceRegistration['id']);
      expect(signCountOf(cloned)).toBeLessThanOrEqual(signCountOf(genuine));
      await expect(verify(alice, c.id, cloned)).resolves.toMatchObject(refused);
    } finally {
      await thief.close();
    }
    // The real authenticator, whose counter moves forward, is still accepted.
    const next = await stepUp(alice);
    expect(signCountOf(next)).toBeGreaterThan(signCountOf(genuine));
  });

  it('a WebAuthn challenge is single use: a replayed assertion is refused', async () => {
    const spent = await stepUp(alice);
    // The very same (once valid) assertion, against a fresh challenge…
    const c = await challenge(alice);
    await expect(verify(alice, c.id, spent)).resolves.toMatchObject(refused);
    // …and a fresh assertion cannot be spent twice, on two challenges.
    const c1 = await challenge(alice);
    const once = await alice.get(c1.options);
    await expect(verify(alice, c1.id, once)).resolves.toMatchObject({
      status: 200,
    });
    const c2 = await challenge(alice);
    await expect(verify(alice, c2.id, once)).resolves.toMatchObject(refused);

    // A WebAuthn challenge spent on a failed attempt stays spent. Here the counter cannot help: the
    // genuine assertion carries a fresh, higher counter and a valid signature; only its challenge was used.
    const c3 = await challenge(alice);
    const genuine = await alice.get(c3.options);
    expect(signCountOf(genuine)).toBeGreaterThan(signCountOf(once));
    await expect(verify(alice, c3.id, withFlippedSignatureByte(genuine))).resolves.toMatchObject(refused);
    const c4 = await challenge(alice);
    await expect(verify(alice, c4.id, genuine)).resolves.toMatchObject(refused);
    await stepUp(alice);
  });

  it('an assertion obtained for one verification challenge cannot answer another', async () => {
    // Two step-ups open at once: the passkey answer fetched for the first must not complete the second.
    const first = await challenge(alice);
    const second = await challenge(alice);
    const forFirst = await alice.get(first.options);
    await expect(verify(alice, second.id, forFirst)).resolves.toMatchObject(refused);
    await stepUp(alice);
  });

  it('duplicate credential ids are refused', async () => {
    // Alice, freshly verified, replays her first registration against new options.
    await stepUp(alice);
    const options = await alice.api('POST', '/api/v1/me/factors/passkeys/options');
    expect(options.status).toBe(200);
    expect(options.body['excludeCredentials']).toEqual([expect.objectContaining({ id: aliceRegistration['id'] })]);
    const replayed = await register(alice, aliceRegistration);
    expect([400, 409]).toContain(replayed.status);

    // Carol makes a genuine registration for her fresh options, then rewrites its credential id to
    // Alice's (nothing signs a "none" attestation): claiming someone else's credential id is refused.
    const carol = await signIn(browser, svc, apiKey, 'carol');
    try {
      const squatted = withCredentialId(await registrationFor(carol), aliceRegistration['id'] as string);
      const res = await register(carol, squatted);
      expect(res).toMatchObject({
        status: 409,
        body: { error: { code: 'conflict' } },
      });
      await expect(carol.api('GET', '/api/v1/me/factors')).resolves.toMatchObject({ status: 200, body: { items: [] } });
    } finally {
      await carol.close();
    }
    // Alice's own fresh registration (made on another authenticator: hers refuses, as excludeCredentials
    // asks) with her existing credential id swapped in: refused too.
    await stepUp(alice);
    const spare = await BrowserUser.open(browser, svc.base);
    try {
      const fresh = await alice.api('POST', '/api/v1/me/factors/passkeys/options');
      const again = withCredentialId(await spare.create(fresh.body), aliceRegistration['id'] as string);
      await expect(register(alice, again)).resolves.toMatchObject({
        status: 409,
        body: { error: { code: 'conflict' } },
      });
    } finally {
      await spare.close();
    }
    const listed = await alice.api<{ items: Factor[] }>('GET', '/api/v1/me/factors');
    expect(listed.body.items.filter((f) => f.kind === 'passkey')).toHaveLength(1);
    // And the credential still answers for Alice, and only for her.
    await stepUp(alice);
  });

  it('a removed passkey no longer answers', async () => {
    // Alice adds a second passkey on another device, then removes the first one.
    const laptop = await BrowserUser.open(browser, svc.base);
    try {
      await stepUp(alice);
      const options = await alice.api('POST', '/api/v1/me/factors/passkeys/options');
      const laptopRegistration = await laptop.create(options.body);
      const second = await register(alice, laptopRegistration, 'Laptop');
      expect(second.status).toBe(201);
      const first = second.body.factors.find((f) => f.label === 'Phone');
      if (!first) throw new Error('the first passkey is missing');
      await stepUp(alice);
      await expect(alice.api('DELETE', `/api/v1/me/factors/${first.id}`)).resolves.toMatchObject({ status: 204 });

      const c = await challenge(alice);
      expect((c.options['allowCredentials'] as Json[]).map((d) => d['id'])).toEqual([laptopRegistration['id']]);
      const removed = await alice.get(discoverable(c.options));
      expect(removed['id']).toBe(aliceRegistration['id']);
      await expect(verify(alice, c.id, removed)).resolves.toMatchObject(refused);
      // The remaining passkey works.
      const c2 = await challenge(alice);
      await expect(verify(alice, c2.id, await laptop.get(c2.options))).resolves.toMatchObject({ status: 200, body: { status: 'completed' } });
    } finally {
      await laptop.close();
    }
  });
});

describe('passkey origins and RP ID come from config', () => {
  let svc: RunningService;
  let browser: Browser;

  beforeAll(async () => {
    [svc, browser] = await Promise.all([startService({ LATCHKEY_WEBAUTHN_ORIGINS: 'http://localhost:1' }), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await svc?.stop();
  });

  it('a registration made on an origin the service was not configured for is refused', async () => {
    const apiKey = await ownerWithServer(svc, MEMBERS.slice(0, 1));
    const alice = await signIn(browser, svc, apiKey, 'alice');
    const registration = await registrationFor(alice);
    expect(clientData(registration).origin).toBe(svc.base);
    await expect(register(alice, registration)).resolves.toMatchObject(refused);
    await expect(alice.api('GET', '/api/v1/me/factors')).resolves.toMatchObject({ status: 200, body: { items: [] } });
  });
});

describe('an admin can use a passkey as the mandatory second factor', () => {
  let svc: RunningService;
  let browser: Browser;

  beforeAll(async () => {
    [svc, browser] = await Promise.all([startService(), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await svc?.stop();
  });

  it('the owner enrols a passkey instead of an app, then signs in again answering with it', async () => {
    const owner = await BrowserUser.open(browser, svc.base);
    const setup = await owner.api('POST', '/api/v1/admin/setup', {
      token: setupToken(svc),
      ...OWNER,
    });
    expect(setup).toMatchObject({
      status: 201,
      body: { mfa: 'enrol_required' },
    });
    // Without a second factor the console stays closed.
    await expect(
      owner.api('POST', '/api/v1/servers', {
        name: 'Jellyfin',
        kind: 'jellyfin',
        baseUrl: 'http://127.0.0.1:8096',
      }),
    ).resolves.toMatchObject({ status: 403 });

    const options = await owner.api('POST', '/api/v1/admin/mfa/passkeys/options');
    expect(options).toMatchObject({
      status: 200,
      body: { rp: { id: 'localhost' }, user: { name: OWNER.email } },
    });
    const enrolled = await owner.api('POST', '/api/v1/admin/mfa/passkeys', {
      label: 'Security key',
      response: await owner.create(options.body),
    });
    expect(enrolled).toMatchObject({ status: 201, body: { mfa: 'verified' } });
    await expect(
      owner.api('POST', '/api/v1/servers', {
        name: 'Jellyfin',
        kind: 'jellyfin',
        baseUrl: 'http://127.0.0.1:8096',
      }),
    ).resolves.toMatchObject({ status: 201 });

    // A new sign-in needs the passkey again; a forged answer does not pass, the real one does.
    await expect(
      owner.api('POST', '/api/v1/admin/session', {
        email: OWNER.email,
        password: OWNER.password,
      }),
    ).resolves.toMatchObject({ status: 200, body: { mfa: 'required' } });
    await expect(owner.api('GET', '/api/v1/servers')).resolves.toMatchObject({
      status: 403,
    });
    const forgedChallenge = await owner.api<{ id: string }>('POST', '/api/v1/admin/mfa/challenge');
    const forgedOptions = await owner.api('POST', `/api/v1/admin/mfa/challenge/${forgedChallenge.body.id}/passkey-options`);
    const forged = withFlippedSignatureByte(await owner.get(forgedOptions.body));
    await expect(owner.api('POST', `/api/v1/admin/mfa/challenge/${forgedChallenge.body.id}/verify`, { method: 'passkey', assertion: forged })).resolves.toMatchObject(refused);

    const c = await owner.api<{ id: string; methods: string[] }>('POST', '/api/v1/admin/mfa/challenge');
    expect(c).toMatchObject({ status: 201, body: { methods: ['passkey'] } });
    const assertionOptions = await owner.api('POST', `/api/v1/admin/mfa/challenge/${c.body.id}/passkey-options`);
    expect(assertionOptions.status).toBe(200);
    const verified = await owner.api('POST', `/api/v1/admin/mfa/challenge/${c.body.id}/verify`, { method: 'passkey', assertion: await owner.get(assertionOptions.body) });
    expect(verified).toMatchObject({ status: 200, body: { mfa: 'verified' } });
    await expect(owner.api('GET', '/api/v1/servers')).resolves.toMatchObject({
      status: 200,
    });
    await owner.close();
  });
});
