import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorBody, ErrorCode, ErrorMessages } from '@latchkey/contracts';
import { AppException } from './app-exception';
import { SpaFallback } from '../web/spa-fallback';

interface FastifyishError {
  statusCode?: number;
  code?: string;
  message?: string;
  name?: string;
}

const FASTIFY_ERRORS: Record<string, [number, ErrorCode]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'payload_too_large'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported_media_type'],
  FST_ERR_CTP_INVALID_TYPE: [415, 'unsupported_media_type'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'malformed_json'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'malformed_json'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'validation_failed'],
  FST_ERR_CTP_INSTANCE_ALREADY_STARTED: [500, 'internal_error'],
};

const BY_STATUS: Record<number, ErrorCode> = {
  400: 'validation_failed',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  431: 'headers_too_large',
  503: 'service_unavailable',
};

/**
 * Every error leaves in one shape: `{ error: { code, message, details?, requestId } }`.
 * Client mistakes get their 4xx and a useful message; anything unexpected is logged with its stack and
 * answered with a bare 500 that reveals nothing.
 */
@Catch()
export class AppExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  constructor(private readonly spa: SpaFallback) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const reply = ctx.getResponse<FastifyReply>();
    const req = ctx.getRequest<FastifyRequest>();
    if (reply.sent) return;

    const { status, code, message, details } = this.describe(exception, req);
    if (status === 404 && this.spa.tryServe(req, reply)) return;
    const body: ErrorBody = { error: { code, message, ...(details ? { details } : {}), requestId: String(req.id) } };
    void reply.status(status).header('content-type', 'application/json; charset=utf-8').header('cache-control', 'no-store').send(body);
  }

  private describe(exception: unknown, req: FastifyRequest): { status: number; code: ErrorCode; message: string; details?: ErrorBody['error']['details'] } {
    if (exception instanceof AppException) {
      return { status: exception.status, code: exception.code, message: exception.message, details: exception.details };
    }
    if (databaseUnavailable(exception)) {
      // Locked longer than the busy timeout, read-only, full or gone: fail fast and closed, never a 500.
      this.logger.warn(`${req.method} ${pathOnly(req.url)}: database unavailable (request ${req.id}): ${(exception as Error).message}`);
      return { status: 503, code: 'service_unavailable', message: 'The database is busy or unavailable. Try again shortly.' };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      // Nest hands Fastify's body-parser errors over as plain HttpExceptions carrying Fastify's message.
      if (status === 400 && /json/i.test(exception.message)) {
        return { status, code: 'malformed_json', message: /empty/.test(exception.message) ? 'The request says it is JSON but has an empty body.' : ErrorMessages.malformed_json };
      }
      const code = BY_STATUS[status] ?? (status >= 500 ? 'internal_error' : 'validation_failed');
      if (status >= 500) this.logUnexpected(exception, req);
      return { status, code, message: status === 404 ? `Nothing was found at ${req.method} ${pathOnly(req.url)}.` : ErrorMessages[code] };
    }
    const e = (exception ?? {}) as FastifyishError;
    const known = e.code ? FASTIFY_ERRORS[e.code] : undefined;
    if (known && known[0] < 500) {
      return { status: known[0], code: known[1], message: fastifyMessage(known[1], e) };
    }
    if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
      const code = e.name === 'SyntaxError' ? 'malformed_json' : (BY_STATUS[e.statusCode] ?? 'validation_failed');
      return { status: e.statusCode, code, message: ErrorMessages[code] };
    }
    this.logUnexpected(exception, req);
    return { status: 500, code: 'internal_error', message: ErrorMessages.internal_error };
  }

  private logUnexpected(exception: unknown, req: FastifyRequest): void {
    const err = exception instanceof Error ? exception : new Error(String(exception));
    this.logger.error(`${req.method} ${pathOnly(req.url)} failed (request ${req.id}): ${err.message}`, err.stack);
  }
}

function fastifyMessage(code: ErrorCode, e: FastifyishError): string {
  if (code === 'malformed_json' && e.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    return 'The request says it is JSON but has an empty body.';
  }
  return ErrorMessages[code];
}

const DB_UNAVAILABLE = /^(SQLITE_(BUSY|LOCKED|READONLY|FULL|IOERR|CANTOPEN|PROTOCOL|NOTADB|CORRUPT)|ECONNREFUSED|ECONNRESET|57P0[123]|53300|08\d{3})/;

/** An error saying the database cannot serve right now (SQLite or PostgreSQL), possibly wrapped by TypeORM. */
function databaseUnavailable(e: unknown): boolean {
  const err = e as { code?: unknown; driverError?: { code?: unknown } } | null;
  const code = err?.driverError?.code ?? err?.code;
  return typeof code === 'string' && DB_UNAVAILABLE.test(code);
}

/** The path without the query string: query strings may carry tokens and must not reach logs. */
function pathOnly(url: string): string {
  const q = url.indexOf('?');
  return (q === -1 ? url : url.slice(0, q)).slice(0, 200);
}
