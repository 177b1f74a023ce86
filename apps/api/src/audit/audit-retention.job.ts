import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../config/config';
import { SchedulerService } from '../scheduler/scheduler.service';
import { AuditService } from './audit.service';

export const DAY_MS = 86_400_000;

/** Daily: prunes audit entries older than LATCHKEY_AUDIT_RETENTION_DAYS, keeping the chain verifiable. */
@Injectable()
export class AuditRetentionJob implements OnModuleInit {
  constructor(
    private readonly scheduler: SchedulerService,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.scheduler.register({
      name: 'audit.retention',
      everyMs: DAY_MS,
      run: async (now) => {
        await this.audit.prune(new Date(now.getTime() - this.config.auditRetentionDays * DAY_MS));
      },
    });
  }
}
