import { Module } from '@nestjs/common';
import { SchedulerModule } from '../scheduler/scheduler.module';
import { AuditQueryService } from './audit-query.service';
import { AuditRetentionJob } from './audit-retention.job';
import { AuditController } from './audit.controller';
import { AuditRepository } from './audit.repository';

/** The audit log's API and retention (the AuditService that writes entries is global, in the core module). */
@Module({ imports: [SchedulerModule], controllers: [AuditController], providers: [AuditRepository, AuditQueryService, AuditRetentionJob] })
export class AuditModule {}
