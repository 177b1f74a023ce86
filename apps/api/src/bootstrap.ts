import 'reflect-metadata';
import fs from 'node:fs';
import http, { IncomingMessage, ServerResponse } from 'node:http';
import { RequestMethod } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorBody } from '@latchkey/contracts';
import { AppModule, FEATURE_MODULES } from './app.module';
import { Clock } from './common/clock';
import { FastPath, requestIdOf } from './common/fast-path';
import { PinoNestLogger } from './common/nest-logger';
import type { AppConfig } from './config/config';
import { FastLogin } from './decisions/fast-login';
import { Metrics } from './health/metrics';
import { ForwardAuthRoute } from './forward-auth/forward-auth.route';
import { collectRoutes, UNPREFIXED_PATHS } from './openapi/openapi';
import { clientErrorHandler } from './web/client-errors';
import { applySecurityHeaders, registerSecurityHeaders } from './web/security-headers';
import { SpaFallback } from './web/spa-fallback';

export interface CreateAppOptions {
  clock?: Clock;
  /** Log level override (tests pass 'silent'). */
  logLevel?: AppConfig['logLevel'];
}

const HASHED_ASSET = /-[A-Z0-9]{8}\.(js|css)$/;

/** Builds the whole service (API, console, member pages) without listening; main.ts and tests share it. */
export async function createApp(config: AppConfig, opts: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  // Two hot paths sit in front of Fastify on the HTTP server: logins (FastLogin) and forward-auth (FastPath).
  let hotPath: ((req: IncomingMessage, res: ServerResponse) => boolean) | null = null;
  const fastPath = new FastPath();
  const headerOpts = { hsts: config.publicUrl.startsWith('https://') };
  const adapter = new FastifyAdapter({
    serverFactory: (handler: (req: IncomingMessage, res: ServerResponse) => void) => {
      // Fastify applies its timeouts only to a server it makes itself: the same ones here. A client that
      // stalls mid-request (slowloris) is cut off with a 408 instead of holding a socket forever.
      const server = http.createServer(
        {
          requestTimeout: config.requestTimeoutMs,
          headersTimeout: Math.min(60_000, config.requestTimeoutMs),
          connectionsCheckingInterval: Math.min(30_000, Math.max(250, config.requestTimeoutMs / 4)),
        },
        (req, res) => {
          if (!hotPath?.(req, res) && !fastPath.handles(req, res)) handler(req, res);
        },
      );
      // Fastify's own default (Node's 5 s closes media servers' pooled connections under their feet).
      server.keepAliveTimeout = 72_000;
      return server;
    },
    logger: {
      level: opts.logLevel ?? config.logLevel,
      // Never log secrets: no headers at all, and paths without their query strings.
      serializers: {
        req: (req: FastifyRequest) => ({ id: req.id, method: req.method, path: req.url.split('?')[0]?.slice(0, 200), ip: req.ip }),
      },
      redact: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers.cookie'],
    },
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustedProxies.length > 0 ? config.trustedProxies : false,
    genReqId: (req) => requestIdOf(req.headers['x-request-id']),
    return503OnClosing: true,
    clientErrorHandler,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 256 },
    // A URL the router cannot even read (broken percent-encoding, an over-long segment) is refused in
    // the one error shape, with the usual headers, before any route or hook runs.
    frameworkErrors: (error: { code?: string }, req: FastifyRequest, reply: FastifyReply) => {
      const message = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'A path segment of this URL is too long.' : 'The URL is not valid (check its percent-encoding).';
      const body: ErrorBody = { error: { code: 'validation_failed', message, requestId: String(req.id) } };
      void reply.status(400).header('content-type', 'application/json; charset=utf-8');
      applySecurityHeaders(req, reply, headerOpts);
      void reply.header('x-request-id', String(req.id)).send(body);
    },
  } as ConstructorParameters<typeof FastifyAdapter>[0]);
  const fastify = adapter.getInstance();

  // JSON only: anything else is refused with 415 before it reaches a handler.
  fastify.removeContentTypeParser(['text/plain']);
  // Routes that need a larger body than the default (a 100,000-member directory push).
  const large = new Set(collectRoutes(FEATURE_MODULES).filter((r) => r.spec?.bodyLimit === 'directory').map((r) => `${r.method} ${r.path}`));
  fastify.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (methods.some((m) => large.has(`${m} ${route.url}`))) route.bodyLimit = config.directoryBodyLimit;
  });
  fastify.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });
  registerSecurityHeaders(fastify as unknown as FastifyInstance, headerOpts);

  const metrics = new Metrics();
  metrics.register(fastify as unknown as FastifyInstance);
  const fastLogin = new FastLogin(fastify as unknown as FastifyInstance, { bodyLimit: config.bodyLimit, hsts: config.publicUrl.startsWith('https://'), metrics });
  hotPath = fastLogin.rawHandler;

  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot({ config, clock: opts.clock, metrics }), adapter, {
    logger: new PinoNestLogger(fastify.log),
    abortOnError: false,
    // No url-encoded form parser: JSON only.
    bodyParser: false,
  });
  await app.register(fastifyCookie as never);
  app.setGlobalPrefix('api/v1', { exclude: UNPREFIXED_PATHS.map((path) => ({ path, method: RequestMethod.ALL })) });
  app.enableShutdownHooks();

  for (const web of app.get(SpaFallback).apps) {
    if (!web.indexHtml || !fs.existsSync(web.root)) continue;
    await app.register(fastifyStatic as never, {
      root: web.root,
      prefix: web.prefix,
      wildcard: false,
      decorateReply: false,
      cacheControl: false,
      // @fastify/static hands over the Fastify reply.
      setHeaders: (reply: { header(n: string, v: string): void }, file: string) => {
        reply.header('cache-control', HASHED_ASSET.test(file) ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    } as never);
  }
  await app.init();
  fastLogin.enable(app);
  fastPath.install(app.get(ForwardAuthRoute).nodeHandler());
  return app;
}
