import { verifyWebhookSignature } from '@latchkey/contracts';
import { Db } from '../database/db';
import { AuditEventEntity } from '../database/entities';
import { AdminCredentials, memberSession, registerServer, setupOwner, signInOwner, startTestApp, TestApp, totpCode } from '../testing/harness';
import { Receiver, startReceiver } from '../testing/receiver';
import { startSmtp } from '../testing/smtp';
import { NotificationWorker } from './notification-worker';
import { NotificationsService } from './notifications.service';

/**
 * Owner notifications end to end: channels through the admin API, events emitted where they happen,
 * the outbox worker delivering to loopback receivers (webhook, ntfy, Gotify) and a real SMTP server,
 * retries on the test clock. Only loopback traffic, allow-listed.
 */
describe('owner notifications and webhooks', () => {
  let t: TestApp;
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let hooks: Receiver;
  let admin: AdminCredentials;
  const worker = () => t.app.get(NotificationWorker);
  const emit = () => t.app.get(NotificationsService);
  const api = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown) => t.request({ method, url: `/api/v1${url}`, body, admin });
  const audit = async (type: string) =>
    (await t.app.get(Db).manager.find(AuditEventEntity, { where: { type }, order: { seq: 'ASC' } })).map((e): Record<string, unknown> => ({ outcome: e.outcome, ...(JSON.parse(e.details ?? '{}') as Record<string, unknown>) }));

  async function webhook(path: string, events: string[] = ['policy.changed']): Promise<{ id: string; secret: string }> {
    const res = await api('POST', '/notifications/channels', { kind: 'webhook', name: `hook ${path}`, url: `${hooks.url}${path}`, events });
    expect(res.statusCode).toBe(201);
    return { id: res.json().channel.id, secret: res.json().secret };
  }

  beforeEach(async () => {
    smtp = await startSmtp();
    hooks = await startReceiver();
    t = await startTestApp({
      LATCHKEY_SMTP_HOST: '127.0.0.1',
      LATCHKEY_SMTP_PORT: String(smtp.port),
      LATCHKEY_SMTP_SECURITY: 'none',
      LATCHKEY_WEBHOOK_ALLOW_HOSTS: '127.0.0.1,::1,localhost',
      LATCHKEY_NOTIFY_MAX_ATTEMPTS: '4',
      LATCHKEY_LOCKOUT_THRESHOLD: '3',
      LATCHKEY_CHALLENGE_ATTEMPTS: '20',
    });
    admin = await setupOwner(t);
  });
  afterEach(async () => {
    await t.close();
    await hooks.close();
    await smtp.close();
  });

  describe('channels API', () => {
    it('shows a webhook secret once and never returns secrets or tokens afterwards', async () => {
      const hook = await webhook('/a');
      expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
      const ntfy = await api('POST', '/notifications/channels', { kind: 'ntfy', name: 'phone', serverUrl: hooks.url, topic: 'lk-alerts', token: 'tk_secret_token', events: ['lockout', 'lockout'] });
      expect(ntfy.statusCode).toBe(201);
      expect(ntfy.json()).toEqual({ channel: expect.objectContaining({ kind: 'ntfy', topic: 'lk-alerts', events: ['lockout'], hasToken: true, enabled: true }) });
      const list = await api('GET', '/notifications/channels');
      expect(list.statusCode).toBe(200);
      expect(list.json().items).toHaveLength(2);
      expect(list.body).not.toContain(hook.secret);
      expect(list.body).not.toContain('tk_secret_token');
      expect((await api('GET', `/notifications/channels/${hook.id}`)).json()).toEqual(expect.objectContaining({ kind: 'webhook', url: `${hooks.url}/a`, hasToken: true }));
      // Stored encrypted: neither appears in the database file's rows.
      const stored = await t.app.get(Db).manager.query('SELECT secret FROM notification_channels');
      expect(JSON.stringify(stored)).not.toMatch(/whsec_|tk_secret_token/);
      expect(JSON.stringify(await audit('notification_channel.created'))).not.toMatch(/whsec_|tk_secret|127\.0\.0\.1/);
    });

    it('changes a channel, rotates a webhook secret (shown once), refuses fields of another kind, deletes', async () => {
      const hook = await webhook('/b');
      const renamed = await api('PATCH', `/notifications/channels/${hook.id}`, { name: 'Renamed', events: ['lockout', 'policy.changed'], enabled: false });
      expect(renamed.statusCode).toBe(200);
      expect(renamed.json()).toEqual({ channel: expect.objectContaining({ name: 'Renamed', events: ['lockout', 'policy.changed'], enabled: false }) });
      const rotated = await api('PATCH', `/notifications/channels/${hook.id}`, { rotateSecret: true });
      expect(rotated.json().secret).toMatch(/^whsec_/);
      expect(rotated.json().secret).not.toBe(hook.secret);
      const wrong = await api('PATCH', `/notifications/channels/${hook.id}`, { topic: 'x' });
      expect({ status: wrong.statusCode, code: wrong.json().error.code, path: wrong.json().error.details.issues[0].path }).toEqual({ status: 400, code: 'validation_failed', path: 'topic' });
      expect((await api('DELETE', `/notifications/channels/${hook.id}`)).statusCode).toBe(204);
      const gone = await api('GET', `/notifications/channels/${hook.id}`);
      expect({ status: gone.statusCode, code: gone.json().error.code }).toEqual({ status: 404, code: 'channel_not_found' });
      expect((await audit('notification_channel.updated')).map((a) => a['changed'])).toEqual([['name', 'events', 'enabled'], ['rotateSecret']]);
    });

    it.each([
      ['http://10.0.0.1/hook', 'url'],
      ['http://192.168.1.1:8123/api/webhook/x', 'url'],
      ['http://169.254.169.254/latest/meta-data/', 'url'],
      ['http://[fd00::1]/hook', 'url'],
      ['http://[::ffff:169.254.169.254]/', 'url'],
      ['http://127.0.0.2/not-allow-listed', 'url'],
    ])('refuses a webhook to %s (private, link-local, local) unless allow-listed', async (url) => {
      const res = await api('POST', '/notifications/channels', { kind: 'webhook', name: 'bad', url, events: ['lockout'] });
      expect({ status: res.statusCode, code: res.json().error.code }).toEqual({ status: 400, code: 'target_refused' });
      expect((await api('GET', '/notifications/channels')).json().items).toEqual([]);
    });

    it('refuses bad input with 400s: other schemes, credentials in URLs, unknown kinds and fields, no events', async () => {
      for (const body of [
        { kind: 'webhook', name: 'x', url: 'file:///etc/passwd', events: ['lockout'] },
        { kind: 'webhook', name: 'x', url: 'http://user:pw@127.0.0.1/', events: ['lockout'] },
        { kind: 'webhook', name: 'x', url: 'http://127.0.0.1/', events: [] },
        { kind: 'webhook', name: 'x', url: 'http://127.0.0.1/', events: ['nope'] },
        { kind: 'webhook', name: 'x', url: 'http://127.0.0.1/', events: ['lockout'], secret: 'mine' },
        { kind: 'sms', name: 'x', events: ['lockout'] },
        { kind: 'gotify', name: 'x', serverUrl: 'http://127.0.0.1/', events: ['lockout'] },
        { kind: 'ntfy', name: 'x', topic: 'has space', events: ['lockout'] },
      ]) {
        const res = await api('POST', '/notifications/channels', body);
        expect({ body, status: res.statusCode, code: res.json().error.code }).toEqual({ body, status: 400, code: 'validation_failed' });
      }
    });

    it('answers nobody without an admin session', async () => {
      for (const [method, url] of [['GET', '/api/v1/notifications/channels'], ['POST', '/api/v1/notifications/channels'], ['GET', '/api/v1/notifications/deliveries']] as const) {
        expect((await t.request({ method, url, body: method === 'POST' ? {} : undefined })).statusCode).toBe(401);
      }
    });
  });

  it('delivers a policy change to a webhook, signed so the receiver can verify it with the secret', async () => {
    const hook = await webhook('/policy');
    const created = await api('POST', '/policies', { name: 'Everyone', enabled: true });
    expect(created.statusCode).toBe(201);
    expect(hooks.received).toEqual([]); // queued, not sent inline
    await expect(worker().drain()).resolves.toBe(1);
    expect(hooks.received).toHaveLength(1);
    const got = hooks.received[0]!;
    const now = Math.floor(t.clock.now().getTime() / 1000);
    expect(got.method).toBe('POST');
    expect(got.headers['content-type']).toBe('application/json');
    expect(verifyWebhookSignature(hook.secret, got.headers['latchkey-signature'] as string, got.rawBody, now)).toBe(true);
    expect(verifyWebhookSignature(hook.secret, got.headers['latchkey-signature'] as string, got.rawBody, now + 301)).toBe(false);
    expect(verifyWebhookSignature('whsec_wrong', got.headers['latchkey-signature'] as string, got.rawBody, now)).toBe(false);
    expect(got.headers['latchkey-signature']).toMatch(new RegExp(`^t=${now},v1=[0-9a-f]{64}$`));
    expect(got.headers['latchkey-event']).toBe('policy.changed');
    expect(got.headers['latchkey-delivery']).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(got.rawBody)).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      type: 'policy.changed',
      createdAt: t.clock.now().toISOString(),
      data: {
        policyId: created.json().id,
        policyName: 'Everyone',
        change: 'created',
        adminId: expect.any(String),
        admin: { id: expect.any(String), email: 'owner@example.com', displayName: 'Olive Owner' },
      },
    });
    const deliveries = (await api('GET', `/notifications/deliveries?channelId=${hook.id}`)).json().items;
    expect(deliveries).toEqual([expect.objectContaining({ id: got.headers['latchkey-delivery'], status: 'delivered', attempts: 1, lastStatus: 200, nextAttemptAt: null })]);
    expect(await audit('notification.delivery')).toEqual([expect.objectContaining({ outcome: 'success', channelId: hook.id, eventType: 'policy.changed', attempt: 1, status: 200 })]);
    // Nothing left to do; another round sends nothing again.
    await expect(worker().drain()).resolves.toBe(0);
    expect(hooks.received).toHaveLength(1);
  });

  it('sends only to enabled channels subscribed to the event type', async () => {
    await webhook('/lockouts-only', ['lockout']);
    const off = await webhook('/disabled', ['policy.changed']);
    await api('PATCH', `/notifications/channels/${off.id}`, { enabled: false });
    await webhook('/on', ['policy.changed', 'lockout']);
    await emit().emit('policy.changed', { policyId: '7d1f4d2e-35c4-4c47-9a83-3c5b3c3b1a01', policyName: 'P', change: 'updated', adminId: null });
    await worker().drain();
    expect(hooks.received.map((r) => r.path)).toEqual(['/on']);
  });

  it('retries with exponential backoff on the clock, then gives up after the configured attempts, auditing each outcome', async () => {
    await webhook('/down');
    hooks.answer('/down', 503);
    await emit().emit('policy.changed', { policyId: '7d1f4d2e-35c4-4c47-9a83-3c5b3c3b1a01', policyName: 'P', change: 'disabled', adminId: null });
    const attempts = () => hooks.received.length;

    await worker().drain();
    expect(attempts()).toBe(1);
    await worker().drain();
    expect(attempts()).toBe(1); // not due yet
    t.clock.advance(29_999);
    await worker().drain();
    expect(attempts()).toBe(1);
    t.clock.advance(1);
    await worker().drain();
    expect(attempts()).toBe(2); // 30 s after the first
    t.clock.advance(59_999);
    await worker().drain();
    expect(attempts()).toBe(2);
    t.clock.advance(1);
    await worker().drain();
    expect(attempts()).toBe(3); // 60 s after the second
    t.clock.advance(120_000);
    await worker().drain();
    expect(attempts()).toBe(4); // 120 s after the third; 4 is the configured maximum
    t.clock.advance(86_400_000);
    await worker().drain();
    expect(attempts()).toBe(4);

    admin = await signInOwner(t); // the clock moved past the session's lifetime
    const failed = await api('GET', '/notifications/deliveries?status=failed');
    expect(failed.statusCode).toBe(200);
    const items = failed.json().items;
    expect(items).toEqual([expect.objectContaining({ status: 'failed', attempts: 4, lastStatus: 503, lastError: 'answered HTTP 503', nextAttemptAt: null })]);
    expect((await audit('notification.delivery')).map((a) => [a['outcome'], a['attempt'], a['gaveUp'], a['nextAttemptAt'] ?? null])).toEqual([
      ['failure', 1, false, '2026-03-01T12:00:30.000Z'],
      ['failure', 2, false, '2026-03-01T12:01:30.000Z'],
      ['failure', 3, false, '2026-03-01T12:03:30.000Z'],
      ['failure', 4, true, null],
    ]);
    // Every attempt was signed afresh with the time it was sent.
    const stamps = hooks.received.map((r) => Number(/t=(\d+)/.exec(r.headers['latchkey-signature'] as string)?.[1]));
    expect(stamps.map((s) => s - stamps[0]!)).toEqual([0, 30, 90, 210]);
  });

  it('recovers after a failure: the next attempt succeeds, with the same event id and body', async () => {
    await webhook('/flaky');
    hooks.answer('/flaky', 500);
    await emit().emit('policy.changed', { policyId: '7d1f4d2e-35c4-4c47-9a83-3c5b3c3b1a01', policyName: 'P', change: 'enabled', adminId: null });
    await worker().drain();
    hooks.answer('/flaky', 204);
    t.clock.advance(30_000);
    await worker().drain();
    expect(hooks.received.map((r) => r.rawBody)).toEqual([hooks.received[0]!.rawBody, hooks.received[0]!.rawBody]);
    expect(new Set(hooks.received.map((r) => r.headers['latchkey-delivery'])).size).toBe(1);
    expect((await audit('notification.delivery')).map((a) => a['outcome'])).toEqual(['failure', 'success']);
  });

  it('refuses, without retrying, a redirect to a loopback address that is not allow-listed', async () => {
    const inside = await startReceiver('::1');
    try {
      // [::1] is allow-listed in this app, 127.0.0.2 is not: the receiver redirects there.
      await webhook('/redirect');
      hooks.answer('/redirect', 307, `http://127.0.0.2:${hooks.port}/inside`);
      await emit().emit('policy.changed', { policyId: '7d1f4d2e-35c4-4c47-9a83-3c5b3c3b1a01', policyName: 'P', change: 'deleted', adminId: null });
      await worker().drain();
      t.clock.advance(86_400_000);
      await worker().drain();
      expect(hooks.received.map((r) => r.path)).toEqual(['/redirect']);
      expect((await audit('notification.delivery')).map((a) => [a['outcome'], a['error'], a['gaveUp']])).toEqual([['denied', 'refused: 127.0.0.2 is a loopback address', true]]);
      // An allowed redirect (to [::1]) is followed.
      hooks.answer('/redirect', 307, `${inside.url}/inside`);
      await emit().emit('policy.changed', { policyId: '7d1f4d2e-35c4-4c47-9a83-3c5b3c3b1a01', policyName: 'P', change: 'deleted', adminId: null });
      await worker().drain();
      expect(inside.received.map((r) => [r.method, r.path, r.headers['latchkey-event']])).toEqual([['POST', '/inside', 'policy.changed']]);
    } finally {
      await inside.close();
    }
  });

  it('pushes to ntfy (JSON publish with the topic, bearer token) and Gotify (message with the app token header)', async () => {
    const ntfy = await api('POST', '/notifications/channels', { kind: 'ntfy', name: 'phone', serverUrl: `${hooks.url}/ntfy/`, topic: 'lk-alerts', token: 'tk_abc', events: ['policy.changed'] });
    const gotify = await api('POST', '/notifications/channels', { kind: 'gotify', name: 'gotify', serverUrl: `http://localhost:${hooks.port}/gotify`, token: 'AppTokenXYZ', events: ['policy.changed'] });
    expect([ntfy.statusCode, gotify.statusCode]).toEqual([201, 201]);
    expect(ntfy.json().secret).toBeUndefined();
    await api('POST', '/policies', { name: 'Kids', enabled: false });
    await worker().drain();
    const byPath = Object.fromEntries(hooks.received.map((r) => [r.path, r]));
    expect(Object.keys(byPath).sort()).toEqual(['/gotify/message', '/ntfy/']);
    const n = byPath['/ntfy/']!;
    expect(n.headers['authorization']).toBe('Bearer tk_abc');
    expect(JSON.parse(n.rawBody)).toEqual({ topic: 'lk-alerts', title: 'Policy created: Kids', message: 'Olive Owner created the policy "Kids".', priority: 3, tags: ['latchkey', 'policy.changed'] });
    const g = byPath['/gotify/message']!;
    expect(g.headers['x-gotify-key']).toBe('AppTokenXYZ');
    expect(g.headers['host']).toBe(`localhost:${hooks.port}`);
    expect(JSON.parse(g.rawBody)).toEqual({ title: 'Policy created: Kids', message: 'Olive Owner created the policy "Kids".', priority: 5, extras: { 'latchkey::event': { id: expect.any(String), type: 'policy.changed' } } });
  });

  it('e-mails the owner through the SMTP server; emits lockout once per lockout and recovery-code use, from verification', async () => {
    const mail = await api('POST', '/notifications/channels', { kind: 'email', name: 'me', to: 'alerts@example.com', events: ['lockout', 'recovery_code.used'] });
    expect(mail.statusCode).toBe(201);
    const hook = await webhook('/security', ['lockout', 'recovery_code.used']);
    const serverKey = (await registerServer(t, admin)).apiKey;
    let me = await memberSession(t, serverKey, 'm-7', null);
    const as = (res: { cookies: { name: string; value: string }[]; json: () => { csrfToken?: string } }) => {
      const c = res.cookies.find((x) => x.name.endsWith('latchkey_member'));
      if (c) me = { cookie: `${c.name}=${c.value}`, csrfToken: res.json().csrfToken ?? me.csrfToken };
    };
    const start = (await t.request({ method: 'POST', url: '/api/v1/me/factors/totp', admin: me })).json();
    as(await t.request({ method: 'POST', url: `/api/v1/me/factors/totp/${start.factorId}/confirm`, admin: me, body: { code: totpCode(t, start.secret) } }));
    const { codes } = (await t.request({ method: 'POST', url: '/api/v1/me/factors/recovery-codes', admin: me })).json();

    const verify = async (method: string, code: string) => {
      const c = await t.request({ method: 'POST', url: '/api/v1/me/challenges', admin: me });
      const res = await t.request({ method: 'POST', url: `/api/v1/me/challenges/${c.json().id}/verify`, admin: me, body: { method, code } });
      if (res.statusCode === 200) as(res);
      return res.statusCode;
    };
    expect(await verify('recovery_code', codes[0])).toBe(200);
    // Threshold 3: the 4th consecutive failure locks; the attempts after it are refused by the lock.
    for (let i = 0; i < 6; i++) expect(await verify('totp', '000000')).toBe(400);
    await worker().drain();

    const events = hooks.received.map((r) => JSON.parse(r.rawBody));
    expect(events.map((e) => e.type)).toEqual(['recovery_code.used', 'lockout']);
    for (const r of hooks.received) expect(verifyWebhookSignature(hook.secret, r.headers['latchkey-signature'] as string, r.rawBody, t.clock.now().getTime() / 1000)).toBe(true);
    expect(events[0].data).toEqual({ memberId: expect.any(String), ip: '127.0.0.1', remaining: 9, member: { id: expect.any(String), username: 'user-m-7', displayName: 'Mia Member', serverId: expect.any(String) } });
    expect(events[1].data).toEqual(expect.objectContaining({ memberId: events[0].data.memberId, ip: '127.0.0.1', lockedUntil: new Date(t.clock.now().getTime() + 15 * 60_000).toISOString() }));

    const mails = smtp.mails.filter((m) => m.to.includes('alerts@example.com'));
    expect(mails.map((m) => /Subject: (.*)/.exec(m.raw)?.[1])).toEqual(['[Latchkey] Recovery code used: Mia Member', '[Latchkey] Lockout: Mia Member']);
    expect(mails[1]!.raw.replace(/=\r?\n/g, '')).toContain('Mia Member was locked out after too many failed verifications (from 127.0.0.1), until 2026-03-01T12:15:00.000Z.');
  });

  it('tests a channel on demand, and a test of a refused or unreachable target says why', async () => {
    const hook = await webhook('/test');
    const res = await api('POST', `/notifications/channels/${hook.id}/test`);
    expect(res.json()).toEqual({ ok: true, status: 200, error: null });
    expect(hooks.received[0]!.headers['latchkey-event']).toBe('test');
    expect(verifyWebhookSignature(hook.secret, hooks.received[0]!.headers['latchkey-signature'] as string, hooks.received[0]!.rawBody, t.clock.now().getTime() / 1000)).toBe(true);

    hooks.answer('/test', 302, 'http://169.254.169.254/latest/meta-data/');
    const refused = await api('POST', `/notifications/channels/${hook.id}/test`);
    expect(refused.json()).toEqual({ ok: false, status: null, error: 'refused: 169.254.169.254 is a link-local (cloud metadata) address' });
    expect((await audit('notification.test')).map((a) => a['outcome'])).toEqual(['success', 'denied']);
  });

  it('forgets pending deliveries of a deleted channel', async () => {
    const hook = await webhook('/gone');
    await emit().emit('policy.changed', { policyId: '7d1f4d2e-35c4-4c47-9a83-3c5b3c3b1a01', policyName: 'P', change: 'created', adminId: null });
    await api('DELETE', `/notifications/channels/${hook.id}`);
    await expect(worker().drain()).resolves.toBe(0);
    expect(hooks.received).toEqual([]);
  });
});

describe('e-mail channels without a mail server', () => {
  it('are refused with channel_unavailable', async () => {
    const t = await startTestApp();
    try {
      const admin = await setupOwner(t);
      const res = await t.request({ method: 'POST', url: '/api/v1/notifications/channels', admin, body: { kind: 'email', name: 'me', to: 'a@example.com', events: ['lockout'] } });
      expect({ status: res.statusCode, code: res.json().error.code }).toEqual({ status: 400, code: 'channel_unavailable' });
    } finally {
      await t.close();
    }
  });
});
