import { Injectable } from '@nestjs/common';
import { Db } from '../database/db';
import { JobLeaseEntity } from '../database/audit-entities';

/**
 * The lease table every instance shares. Taking a job is one conditional UPDATE: it succeeds for exactly
 * one caller while the job is due and nobody holds an unexpired lease on it.
 */
@Injectable()
export class JobLeasesRepository {
  constructor(private readonly db: Db) {}

  /** Takes the job if it is due and free; true for exactly one of several concurrent callers. */
  acquire(name: string, holder: string, now: Date, leaseUntil: Date): Promise<boolean> {
    return this.db.write(async (m) => {
      await m
        .createQueryBuilder()
        .insert()
        .into(JobLeaseEntity)
        .values({ name, holder: null, leaseUntil: null, nextRunAt: new Date(0), lastStartedAt: null, lastFinishedAt: null, lastError: null, runs: 0 })
        .orIgnore()
        .execute();
      const taken = await this.db.exec(
        m,
        'UPDATE job_leases SET holder = ?, lease_until = ?, last_started_at = ? WHERE name = ? AND next_run_at <= ? AND (lease_until IS NULL OR lease_until <= ?)',
        [holder, leaseUntil.getTime(), now.getTime(), name, now.getTime(), now.getTime()],
      );
      return taken === 1;
    });
  }

  /** Done: not due again before `nextRunAt`. */
  async complete(name: string, holder: string, now: Date, nextRunAt: Date): Promise<void> {
    await this.db.write((m) =>
      this.db.exec(m, 'UPDATE job_leases SET holder = NULL, lease_until = NULL, next_run_at = ?, last_finished_at = ?, last_error = NULL, runs = runs + 1 WHERE name = ? AND holder = ?', [
        nextRunAt.getTime(),
        now.getTime(),
        name,
        holder,
      ]),
    );
  }

  /** Failed: free the lease; the job is tried again at `retryAt`. */
  async fail(name: string, holder: string, retryAt: Date, error: string): Promise<void> {
    await this.db.write((m) =>
      this.db.exec(m, 'UPDATE job_leases SET holder = NULL, lease_until = NULL, next_run_at = ?, last_error = ? WHERE name = ? AND holder = ?', [retryAt.getTime(), error.slice(0, 500), name, holder]),
    );
  }

  find(name: string): Promise<JobLeaseEntity | null> {
    return this.db.manager.findOneBy(JobLeaseEntity, { name });
  }
}
