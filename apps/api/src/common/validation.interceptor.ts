import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import type { ErrorIssue } from '@latchkey/contracts';
import type { ZodType } from 'zod';
import { AppException } from './app-exception';
import { ENDPOINT_METADATA, EndpointSpec } from './endpoint';

/**
 * Validates body, query and path parameters against the route's schemas before the handler runs, and
 * hands the handler the parsed values (defaults applied, strings trimmed). Runs after the auth guard,
 * so an unauthenticated caller learns nothing about the shape of a request.
 */
@Injectable()
export class ValidationInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(ctx: ExecutionContext, next: CallHandler) {
    const spec = this.reflector.get<EndpointSpec | undefined>(ENDPOINT_METADATA, ctx.getHandler());
    const req = ctx.switchToHttp().getRequest<FastifyRequest>();
    if (spec) {
      req.body = parse('body', spec.body, req.body);
      (req as { query: unknown }).query = parse('query', spec.query, req.query);
      (req as { params: unknown }).params = parse('params', spec.params, req.params);
    }
    return next.handle();
  }
}

function parse(where: 'body' | 'query' | 'params', schema: ZodType | undefined, value: unknown): unknown {
  if (!schema) {
    if (isEmpty(value)) return value;
    throw AppException.validation([{ path: '', message: `this endpoint takes no ${where === 'body' ? 'request body' : where === 'query' ? 'query parameters' : 'path parameters'}` }]);
  }
  if (where === 'body' && (value === undefined || value === null)) {
    throw AppException.validation([{ path: '', message: 'a JSON request body is required' }]);
  }
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const issues: ErrorIssue[] = result.error.issues.slice(0, 20).map((i) => ({
    path: [where === 'body' ? '' : where, ...i.path.map(String)].filter(Boolean).join('.'),
    message: i.message,
  }));
  throw AppException.validation(issues);
}

function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value === 'object') return Object.keys(value as object).length === 0;
  return false;
}
