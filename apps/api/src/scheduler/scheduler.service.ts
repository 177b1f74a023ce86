import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { Clock } from '../common/clock';
import { newId } from '../common/ids';
import { APP_CONFIG, AppConfig } from '../config/config';
import { JobLeasesRepository } from './job-leases.repository';

export interface ScheduledJob {
  /** Unique, stable: the lease row's key. */
  name: string;
  /**
   * Runs once per period of this length, periods aligned to the Unix epoch (a day starts at 00:00 UTC),
   * across every instance sharing the database.
   */
  everyMs: number;
  /** Longest a run may take before another instance may take the job over (default 10 minutes). */
  leaseMs?: number;
  /** Must be idempotent: a run that dies half-way is run again, by this or another instance. */
  run(now: Date): Promise<void>;
}

const DEFAULT_LEASE_MS = 10 * 60_000;
/** A failed run is tried again after this long (or at its next period, if sooner). */
const RETRY_MS = 5 * 60_000;

/**
 * A small job runner for one or several instances. Each tick, every due job is offered to the shared
 * lease table (`job_leases`); the one instance whose conditional update wins runs it, then marks the
 * period done. Time comes from the injected clock: tests call `tick()` after moving it; in production
 * `start()` ticks on an unref'd interval, stopped at shutdown.
 */
@Injectable()
export class SchedulerService implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Scheduler');
  private readonly jobs = new Map<string, ScheduledJob>();
  /** This instance, as lease holder. */
  readonly holder = newId();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<string[]> | null = null;
  private stopped = false;

  constructor(
    private readonly leases: JobLeasesRepository,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  register(job: ScheduledJob): void {
    if (this.jobs.has(job.name)) throw new Error(`Job ${job.name} is registered twice`);
    this.jobs.set(job.name, job);
  }

  get jobNames(): string[] {
    return [...this.jobs.keys()];
  }

  /** Ticks every LATCHKEY_SCHEDULER_TICK_SECONDS without keeping the process alive. */
  start(): void {
    if (this.timer || this.stopped) return;
    this.timer = setInterval(() => void this.tick().catch((e: unknown) => this.logger.error(`Scheduler tick failed: ${(e as Error).message}`)), this.config.schedulerTickSeconds * 1000);
    this.timer.unref();
  }

  /**
   * Runs, one after the other, every job that is due and that this instance wins. Resolves with the names
   * of the jobs it ran. A tick asked for while one is running joins it.
   */
  tick(): Promise<string[]> {
    if (this.stopped) return Promise.resolve([]);
    this.running ??= this.runDue().finally(() => (this.running = null));
    return this.running;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  private async runDue(): Promise<string[]> {
    const ran: string[] = [];
    for (const job of this.jobs.values()) {
      if (this.stopped) break;
      const now = this.clock.now();
      try {
        if (!(await this.leases.acquire(job.name, this.holder, now, new Date(now.getTime() + (job.leaseMs ?? DEFAULT_LEASE_MS))))) continue;
      } catch (e) {
        this.logger.warn(`Could not take job ${job.name}: ${(e as Error).message}`);
        continue;
      }
      ran.push(job.name);
      try {
        await job.run(now);
        await this.leases.complete(job.name, this.holder, this.clock.now(), new Date((Math.floor(now.getTime() / job.everyMs) + 1) * job.everyMs));
      } catch (e) {
        const message = (e as Error).message ?? String(e);
        this.logger.error(`Job ${job.name} failed: ${message}`);
        const retryAt = Math.min(now.getTime() + RETRY_MS, (Math.floor(now.getTime() / job.everyMs) + 1) * job.everyMs);
        await this.leases.fail(job.name, this.holder, new Date(retryAt), message).catch(() => undefined);
      }
    }
    return ran;
  }
}
