import { Module } from '@nestjs/common';
import { JobLeasesRepository } from './job-leases.repository';
import { SchedulerService } from './scheduler.service';

/** The job runner; feature modules import it and register their jobs at init. */
@Module({ providers: [SchedulerService, JobLeasesRepository], exports: [SchedulerService] })
export class SchedulerModule {}
