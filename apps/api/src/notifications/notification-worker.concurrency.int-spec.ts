import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { verifyWebhookSignature } from '@latchkey/contracts';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock';
import type { Env } from '../config/config';
import { Db } from '../database/db';
import { setupOwner, startTestApp, TestApp } from '../testing/harness';
import { createTestDatabase, postgresReachable } from '../testing/postgres';
import { Receiver, startReceiver } from '../testing/receiver';
import { NotificationSender } from './notification-sender';
import { NotificationWorker } from './notification-worker';
import { NotificationsRepository } from './notifications.repository';
import { NotificationsService } from './notifications.service';

const EVENTS = 60;

/**
 * Two delivery workers draining the same outbox at the same time: every delivery arrives exactly once.
 * On PostgreSQL they are two Latchkey instances on one database; SQLite serves one instance (one
 * writer), so there the second worker runs beside the first in the same instance.
 */
async function twoWorkersDeliverOnce(env: Env, instances: 1 | 2): Promise<void> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lk-workers-'));
  const hooks: Receiver = await startReceiver();
  const apps: TestApp[] = [];
  try {
    // Same data directory: the same keys, so either instance can decrypt the channel's secret.
    const env2 = { ...env, LATCHKEY_WEBHOOK_ALLOW_HOSTS: '127.0.0.1' };
    apps.push(await startTestApp(env2, { dataDir }));
    if (instances === 2) apps.push(await startTestApp(env2, { dataDir }));
    const a = apps[0] as TestApp;
    const b = apps[1] ?? a;
    const workerA = a.app.get(NotificationWorker);
    const workerB = instances === 2 ? b.app.get(NotificationWorker) : secondWorker(a);
    const admin = await setupOwner(a);
    const created = await a.request({ method: 'POST', url: '/api/v1/notifications/channels', admin, body: { kind: 'webhook', name: 'hook', url: `${hooks.url}/hook`, events: ['policy.changed'] } });
    expect(created.statusCode).toBe(201);
    const secret: string = created.json().secret;

    // Both instances emit, into the same outbox.
    await Promise.all(
      Array.from({ length: EVENTS }, (_, i) =>
        (i % 2 ? a : b).app.get(NotificationsService).emit('policy.changed', { policyId: '7d1f4d2e-35c4-4c47-9a83-3c5b3c3b1a01', policyName: `P${i}`, change: 'updated', adminId: null }),
      ),
    );
    // Catch both workers mid-send: answers are held until each has claimed and sent a full batch.
    hooks.hold();
    const drained = Promise.all([workerA.drain(), workerB.drain()]);
    await Promise.race([hooks.waitFor(40), drained]);
    hooks.release();
    const [sentByA, sentByB] = await drained;

    expect(Math.min(sentByA, sentByB)).toBeGreaterThanOrEqual(20);
    const ids = hooks.received.map((r) => r.headers['latchkey-delivery']);
    expect({ received: ids.length, distinct: new Set(ids).size, claimed: sentByA + sentByB }).toEqual({ received: EVENTS, distinct: EVENTS, claimed: EVENTS });
    const names = hooks.received.map((r) => JSON.parse(r.rawBody).data.policyName).sort();
    expect(names).toEqual(Array.from({ length: EVENTS }, (_, i) => `P${i}`).sort());
    for (const r of hooks.received) expect(verifyWebhookSignature(secret, r.headers['latchkey-signature'] as string, r.rawBody, a.clock.now().getTime() / 1000)).toBe(true);
    // Nothing is left for either worker.
    await expect(Promise.all([workerA.drain(), workerB.drain()])).resolves.toEqual([0, 0]);
  } finally {
    for (const t of apps) await t.close();
    await hooks.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Another worker (its own claim token) over the same database, sender and audit log. */
function secondWorker(t: TestApp): NotificationWorker {
  return new NotificationWorker(t.app.get(Db), t.app.get(Clock), t.app.get(NotificationsRepository), t.app.get(NotificationSender), t.app.get(AuditService), t.config);
}

describe('two delivery workers never deliver the same notification twice', () => {
  it('on SQLite (two workers in the one instance)', async () => {
    await twoWorkersDeliverOnce({}, 1);
  });

  it('on PostgreSQL (runs when PostgreSQL is reachable)', async () => {
    if (!(await postgresReachable())) {
      // Written reason: no PostgreSQL on this machine; the SQLite case above still ran.
      console.warn('PostgreSQL not reachable: the two-worker PostgreSQL test did not run.');
      return;
    }
    const db = await createTestDatabase();
    try {
      await twoWorkersDeliverOnce({ DATABASE_URL: db.url }, 2);
    } finally {
      await db.drop();
    }
  });
});
