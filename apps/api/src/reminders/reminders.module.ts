import { Injectable, Module, OnModuleInit } from '@nestjs/common';
import { PoliciesModule } from '../policies/policies.module';
import { PortalModule } from '../portal/portal.module';
import { SchedulerModule } from '../scheduler/scheduler.module';
import { SchedulerService } from '../scheduler/scheduler.service';
import { RemindersController } from './reminders.controller';
import { RemindersRepository } from './reminders.repository';
import { RemindersService } from './reminders.service';

/** Every 15 minutes: due reminders, exemption reminders, and retries of sends that failed. */
@Injectable()
export class RemindersJob implements OnModuleInit {
  constructor(
    private readonly scheduler: SchedulerService,
    private readonly reminders: RemindersService,
  ) {}

  onModuleInit(): void {
    this.scheduler.register({ name: 'reminders', everyMs: 15 * 60_000, run: (now) => this.reminders.runScheduled(now) });
  }
}

@Module({ imports: [PoliciesModule, PortalModule, SchedulerModule], controllers: [RemindersController], providers: [RemindersRepository, RemindersService, RemindersJob] })
export class RemindersModule {}
