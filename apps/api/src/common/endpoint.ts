import { applyDecorators, HttpCode, SetMetadata } from '@nestjs/common';
import type { ErrorCode, Permission } from '@latchkey/contracts';
import type { ZodType } from 'zod';

/** Who may call a route. Every route must say; the guard treats a route that does not as owner-only. */
export type AuthRequirement =
  | { kind: 'public' }
  | { kind: 'server' }
  | { kind: 'member'; pairing?: boolean }
  | { kind: 'admin'; permission: Permission; mfaPending?: boolean; reauth?: boolean };

export const AUTH_METADATA = 'latchkey:auth';
export const ENDPOINT_METADATA = 'latchkey:endpoint';

/** What a route takes and gives: validates input, types the handler, and writes the OpenAPI document. */
export interface EndpointSpec {
  summary: string;
  description?: string;
  body?: ZodType;
  query?: ZodType;
  params?: ZodType;
  /** Schema of the success body; none for 204. */
  response?: ZodType;
  /** A download instead of a JSON body: the content types it may come in (the handler streams it). */
  produces?: { contentType: string; schema?: ZodType }[];
  status?: number;
  /** Error codes this route may answer with, besides the generic ones. */
  errors?: ErrorCode[];
  /** Route-specific body limit in bytes, when larger than the global one. */
  bodyLimit?: 'directory';
  /** Security schemes of the OpenAPI document, when not the ones the auth marker implies. */
  security?: string[];
  /** Other non-error answers, by status (e.g. a redirect). */
  otherResponses?: Record<string, { description: string; headers?: Record<string, string> }>;
  /** Headers of the success answer, with what they mean. */
  responseHeaders?: Record<string, string>;
}

/**
 * A route Fastify serves directly, outside Nest's pipeline (guard, interceptors), because it must answer
 * in microseconds. It handles its own authentication and errors; declaring it here puts it in the OpenAPI
 * document and in the route tests like any other.
 */
export interface RawRoute {
  method: 'GET';
  path: string;
  /** OpenAPI tag and operation id prefix. */
  tag: string;
  handler: string;
  auth: AuthRequirement;
  spec: EndpointSpec;
}

export const RAW_ROUTES_METADATA = 'latchkey:raw-routes';

export const RawRoutes = (routes: RawRoute[]): ClassDecorator => SetMetadata(RAW_ROUTES_METADATA, routes);

export function Endpoint(spec: EndpointSpec): MethodDecorator {
  return applyDecorators(SetMetadata(ENDPOINT_METADATA, spec), HttpCode(spec.status ?? 200));
}

/** Anyone may call this route. The visible exception to deny-by-default. */
export const Public = () => SetMetadata(AUTH_METADATA, { kind: 'public' } satisfies AuthRequirement);

/** Only a registered media server, with its API key (`Authorization: Bearer lk_srv_…`). */
export const ServerAuth = () => SetMetadata(AUTH_METADATA, { kind: 'server' } satisfies AuthRequirement);

/**
 * Only a signed-in admin whose role has this permission and who passed their second factor. With
 * `{ reauth: true }` (routes that change security settings) a console session must also have passed it
 * within the last `LATCHKEY_ADMIN_REAUTH_MINUTES`, else 403 `reauth_required`; the console then asks for
 * the second factor again (`POST /admin/mfa/challenge` + `…/verify`) and retries. Admin API tokens are
 * exempt: a token is created by a re-verified session and is revocable.
 */
export const AdminAuth = (permission: Permission, opts: { reauth?: boolean } = {}) =>
  SetMetadata(AUTH_METADATA, { kind: 'admin', permission, ...(opts.reauth ? { reauth: true } : {}) } satisfies AuthRequirement);

/** A signed-in admin who may not have passed their second factor yet: only the MFA routes. */
export const AdminMfaPending = () =>
  SetMetadata(AUTH_METADATA, { kind: 'admin', permission: 'servers:read', mfaPending: true } satisfies AuthRequirement);

/**
 * Only a member with a member-pages session (cookie + CSRF), started from a link their server minted.
 * Sessions started from a TV code (`scope: pairing`) reach only routes marked `{ pairing: true }`: confirming
 * it is them, and answering that one request.
 */
export const MemberAuth = (opts: { pairing?: boolean } = {}) => SetMetadata(AUTH_METADATA, { kind: 'member', pairing: opts.pairing === true } satisfies AuthRequirement);
