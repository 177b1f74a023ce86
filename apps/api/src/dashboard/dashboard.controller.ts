import { Controller, Get, Query } from '@nestjs/common';
import { AdoptionSummary, AdoptionTrend, DashboardQuery, EventCounts, Permissions } from '@latchkey/contracts';
import { AdminAuth, Endpoint } from '../common/endpoint';
import { DashboardService } from './dashboard.service';

@Controller('dashboard')
export class DashboardController {
  constructor(private readonly dashboard: DashboardService) {}

  @Get('adoption')
  @AdminAuth(Permissions.policiesRead)
  @Endpoint({
    summary: 'Adoption now: compliant, in grace, overdue and exempt overall, per policy and per group; deadlines of the next 30 days; factor mix; recent lockouts; overdue members',
    description: 'Computed from every member and enforced policy, then cached for 5 minutes and refreshed in the background (and by the hourly adoption snapshot): figures can be a few minutes old (see `computedAt`).',
    response: AdoptionSummary,
  })
  adoption(): Promise<AdoptionSummary> {
    return this.dashboard.adoptionSummary();
  }

  @Get('adoption-trend')
  @AdminAuth(Permissions.policiesRead)
  @Endpoint({ summary: 'Adoption per policy and day: compliant, in grace, overdue, exempt (from daily snapshots)', query: DashboardQuery, response: AdoptionTrend })
  adoptionTrend(@Query() q: DashboardQuery): Promise<AdoptionTrend> {
    return this.dashboard.adoptionTrend(q.days);
  }

  @Get('events')
  @AdminAuth(Permissions.auditRead)
  @Endpoint({ summary: 'Audit events per day, type and outcome (from daily counts, not the raw log)', query: DashboardQuery, response: EventCounts })
  events(@Query() q: DashboardQuery): Promise<EventCounts> {
    return this.dashboard.events(q.days);
  }
}
