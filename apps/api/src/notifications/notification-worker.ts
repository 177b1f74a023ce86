import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock';
import { newId } from '../common/ids';
import { APP_CONFIG, AppConfig } from '../config/config';
import { Db } from '../database/db';
import { NotificationSender, SendResult } from './notification-sender';
import { ClaimedDelivery, DeliveryOutcome, NotificationsRepository } from './notifications.repository';

const BATCH = 20;
const POLL_MS = 2_000;
/** After an event is queued, how soon this instance looks for it (its transaction has committed by then). */
const KICK_MS = 50;
const FIRST_RETRY_MS = 30_000;
const MAX_RETRY_MS = 2 * 3600_000;
const KEEP_FINISHED_MS = 30 * 86_400_000;
const PRUNE_EVERY_MS = 3600_000;

/** Wait before attempt `n + 1` after `n` failed attempts: 30 s, 1 min, 2 min, … capped at 2 h. */
export function retryDelayMs(failedAttempts: number): number {
  return Math.min(FIRST_RETRY_MS * 2 ** Math.max(0, failedAttempts - 1), MAX_RETRY_MS);
}

/**
 * Sends what the outbox holds. Claims rows atomically (several instances may run one each), sends
 * them, records and audits every outcome, retries failures with exponential backoff on the injected
 * clock, and gives a delivery up after the configured number of attempts (or at once when its target
 * is refused). In production `start()` polls on an unref'd interval; tests call `drain()`.
 */
@Injectable()
export class NotificationWorker implements OnModuleDestroy {
  private readonly logger = new Logger('NotificationWorker');
  private readonly token = newId();
  private interval: NodeJS.Timeout | null = null;
  private kickTimer: NodeJS.Timeout | null = null;
  private running: Promise<number> = Promise.resolve(0);
  private lastPrune = 0;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly repo: NotificationsRepository,
    private readonly sender: NotificationSender,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Polls for due deliveries until `stop()` (called on shutdown). */
  start(): void {
    if (this.interval) return;
    this.interval = setInterval(() => void this.tick(), POLL_MS);
    this.interval.unref();
  }

  async stop(): Promise<void> {
    if (this.interval) clearInterval(this.interval);
    if (this.kickTimer) clearTimeout(this.kickTimer);
    this.interval = null;
    this.kickTimer = null;
    await this.running;
  }

  onModuleDestroy(): Promise<void> {
    return this.stop();
  }

  /** Something was queued: look soon rather than at the next poll (only when started). */
  kick(): void {
    if (!this.interval || this.kickTimer) return;
    this.kickTimer = setTimeout(() => {
      this.kickTimer = null;
      void this.tick();
    }, KICK_MS);
    this.kickTimer.unref();
  }

  /** One round: claims up to a batch of due deliveries and sends them. Rounds never overlap in one instance. */
  tick(): Promise<number> {
    this.running = this.running.then(() => this.round()).catch((e: unknown) => {
      this.logger.error(`Delivery round failed: ${(e as Error).message}`);
      return 0;
    });
    return this.running;
  }

  /** Rounds until nothing is due (for tests, and for a clean shutdown of a backlog). */
  async drain(maxRounds = 100): Promise<number> {
    let total = 0;
    for (let i = 0; i < maxRounds; i++) {
      const n = await this.tick();
      total += n;
      if (n === 0) break;
    }
    return total;
  }

  private async round(): Promise<number> {
    const now = this.clock.now();
    const lease = new Date(now.getTime() + this.config.notifications.timeoutMs * 4 + 60_000);
    const claimed = await this.db.write((m) => this.repo.claimDue(m, now, lease, this.token, BATCH));
    if (claimed.length) {
      const channels = new Map((await this.repo.channelsByIds([...new Set(claimed.map((c) => c.channelId))])).map((c) => [c.id, c]));
      await Promise.all(
        claimed.map(async (d) => {
          const channel = channels.get(d.channelId);
          const result: SendResult =
            channel && channel.enabled ? await this.sender.send(channel, d.id, d.payload) : { ok: false, status: null, error: 'channel disabled', refused: false, permanent: true };
          await this.record(d, channel?.kind ?? null, result);
        }),
      );
    }
    await this.pruneNow();
    return claimed.length;
  }

  private async record(d: ClaimedDelivery, kind: string | null, r: SendResult): Promise<void> {
    const at = this.clock.now();
    const giveUp = !r.ok && (r.permanent || d.attempts >= this.config.notifications.maxAttempts);
    const outcome: DeliveryOutcome = r.ok
      ? { status: 'delivered', at, lastStatus: r.status }
      : giveUp
        ? { status: 'failed', at, lastStatus: r.status, lastError: r.error ?? 'failed' }
        : { status: 'pending', at, nextAttemptAt: new Date(at.getTime() + retryDelayMs(d.attempts)), lastStatus: r.status, lastError: r.error ?? 'failed' };
    await this.db.write(async (m) => {
      if (!(await this.repo.recordOutcome(m, d.id, this.token, outcome))) return;
      await this.audit.record(
        {
          type: 'notification.delivery',
          outcome: r.ok ? 'success' : r.refused ? 'denied' : 'failure',
          details: {
            deliveryId: d.id,
            channelId: d.channelId,
            channelKind: kind,
            eventId: d.eventId,
            eventType: d.eventType,
            attempt: d.attempts,
            status: r.status,
            ...(r.ok ? {} : { error: r.error, gaveUp: giveUp }),
            ...(outcome.status === 'pending' ? { nextAttemptAt: outcome.nextAttemptAt.toISOString() } : {}),
          },
        },
        m,
      );
    });
  }

  private async pruneNow(): Promise<void> {
    const now = this.clock.now().getTime();
    if (now - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = now;
    await this.db.write((m) => this.repo.pruneFinished(m, new Date(now - KEEP_FINISHED_MS)));
  }
}
