import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DataSource } from 'typeorm';
import { Health } from '@latchkey/contracts';
import { Endpoint, Public } from '../common/endpoint';
import { Metrics } from './metrics';

@Controller()
export class HealthController {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(Metrics) private readonly metrics: Metrics,
  ) {}

  @Get('healthz')
  @Public()
  @Endpoint({ summary: 'Liveness: the process is up', response: Health })
  live(): Health {
    return { status: 'ok' };
  }

  @Get('readyz')
  @Public()
  @Endpoint({ summary: 'Readiness: the database answers', response: Health, errors: ['service_unavailable'] })
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<Health> {
    try {
      await this.dataSource.query('SELECT 1');
      return { status: 'ok', checks: { database: 'ok' } };
    } catch {
      void reply.status(503);
      return { status: 'unavailable', checks: { database: 'failed' } };
    }
  }

  @Get('metrics')
  @Public()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @Endpoint({ summary: 'Prometheus metrics' })
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
