import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/** Prometheus metrics: process defaults plus request counts and latencies by route and status. */
export class Metrics {
  readonly registry = new Registry();
  private readonly requests: Histogram<'method' | 'route' | 'status'>;
  /** Forward-auth answers by status (they bypass Fastify, so the request histogram does not see them). */
  readonly forwardAuth: Counter<'status'>;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'latchkey_' });
    this.requests = new Histogram({
      name: 'latchkey_http_request_duration_seconds',
      help: 'HTTP requests by method, route template and status.',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers: [this.registry],
    });
    this.forwardAuth = new Counter({ name: 'latchkey_forward_auth_answers_total', help: 'Forward-auth answers by HTTP status.', labelNames: ['status'], registers: [this.registry] });
  }

  /** Counts a request answered outside Fastify's routing (the login hot path). */
  observe(method: string, route: string, status: number, seconds: number): void {
    this.requests.observe({ method, route, status: String(status) }, seconds);
  }

  register(fastify: FastifyInstance): void {
    fastify.addHook('onResponse', async (req, reply) => {
      // Route templates only (never raw URLs): bounded label sets, and no tokens from paths.
      const route = req.routeOptions.url ?? 'unmatched';
      this.requests.observe({ method: req.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    });
  }
}
