import { Injectable, Module, OnModuleInit } from '@nestjs/common';
import { SchedulerModule } from '../scheduler/scheduler.module';
import { SchedulerService } from '../scheduler/scheduler.service';
import { AdoptionWorker } from './adoption-worker';
import { DashboardController } from './dashboard.controller';
import { DashboardRepository } from './dashboard.repository';
import { DashboardService } from './dashboard.service';

/** Hourly: refreshes today's adoption snapshot (past days keep their last one). */
@Injectable()
export class AdoptionSnapshotJob implements OnModuleInit {
  constructor(
    private readonly scheduler: SchedulerService,
    private readonly dashboard: DashboardService,
  ) {}

  onModuleInit(): void {
    this.scheduler.register({ name: 'dashboard.adoption-snapshot', everyMs: 3_600_000, run: (now) => this.dashboard.takeSnapshot(now) });
  }
}

@Module({ imports: [SchedulerModule], controllers: [DashboardController], providers: [DashboardRepository, DashboardService, AdoptionWorker, AdoptionSnapshotJob] })
export class DashboardModule {}
