import type { Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { RequestMethod } from '@nestjs/common';
import { ErrorMessages } from '@latchkey/contracts';
import { z, ZodType } from 'zod';
import { AUTH_METADATA, AuthRequirement, ENDPOINT_METADATA, EndpointSpec, RAW_ROUTES_METADATA, RawRoute } from '../common/endpoint';

type JsonSchema = Record<string, unknown>;

export interface RouteInfo {
  method: string;
  path: string;
  controller: string;
  handler: string;
  spec: EndpointSpec | undefined;
  auth: AuthRequirement | undefined;
}

/** Paths served outside the /api/v1 prefix: probes, metrics and the API reference (/api/docs). */
export const UNPREFIXED_PATHS = ['healthz', 'readyz', 'metrics', 'api/docs', 'api/docs/openapi.json', 'api/docs/assets/:asset'];
export const API_PREFIX = '/api/v1';

export function isUnprefixed(rel: string): boolean {
  return UNPREFIXED_PATHS.includes(rel);
}

/** Every route of the given modules' controllers, with its spec and auth requirement. */
export function collectRoutes(modules: Type[]): RouteInfo[] {
  const routes: RouteInfo[] = [];
  for (const mod of modules) {
    for (const raw of (Reflect.getMetadata(RAW_ROUTES_METADATA, mod) ?? []) as RawRoute[]) {
      routes.push({ method: raw.method, path: raw.path, controller: `${raw.tag}Controller`, handler: raw.handler, spec: raw.spec, auth: raw.auth });
    }
    const controllers: Type[] = Reflect.getMetadata('controllers', mod) ?? [];
    for (const controller of controllers) {
      const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '').replace(/^\/|\/$/g, '');
      const proto = controller.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(proto)) {
        const handler = proto[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        const sub = Reflect.getMetadata(PATH_METADATA, handler) as string | undefined;
        if (method === undefined || sub === undefined) continue;
        const rel = [base, sub.replace(/^\/|\/$/g, '')].filter(Boolean).join('/');
        const path = isUnprefixed(rel) ? `/${rel}` : `${API_PREFIX}/${rel}`;
        routes.push({
          method: RequestMethod[method],
          path,
          controller: controller.name,
          handler: name,
          spec: Reflect.getMetadata(ENDPOINT_METADATA, handler),
          auth: Reflect.getMetadata(AUTH_METADATA, handler) ?? Reflect.getMetadata(AUTH_METADATA, controller),
        });
      }
    }
  }
  return routes.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
}

const GENERIC_ERRORS: Record<string, string[]> = {
  '400': ['validation_failed', 'malformed_json'],
  '401': ['unauthenticated'],
  '403': ['forbidden', 'csrf_failed'],
  '413': ['payload_too_large'],
  '415': ['unsupported_media_type'],
};

/** The OpenAPI 3.1 document, built from the same zod schemas that validate requests. */
export function buildOpenApi(modules: Type[], version: string): JsonSchema {
  const { schemas } = z.toJSONSchema(z.globalRegistry, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any', uri: (id) => `#/components/schemas/${id}` }) as { schemas: Record<string, JsonSchema> };
  for (const s of Object.values(schemas)) delete s['$schema'];
  const paths: Record<string, Record<string, unknown>> = {};
  const toSchema = (schema: ZodType): JsonSchema => {
    const id = z.globalRegistry.get(schema)?.id;
    if (id) return { $ref: `#/components/schemas/${id}` };
    const js = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as JsonSchema;
    delete js['$schema'];
    return js;
  };

  for (const r of collectRoutes(modules)) {
    if (!r.spec) continue;
    const oaPath = r.path.replace(/:(\w+)/g, '{$1}');
    const op: Record<string, unknown> = {
      operationId: `${r.controller.replace(/Controller$/, '')}_${r.handler}`,
      summary: r.spec.summary,
      ...(r.spec.description ? { description: r.spec.description } : {}),
      tags: [r.controller.replace(/Controller$/, '')],
      security: r.spec.security ? r.spec.security.map((name) => ({ [name]: [] })) : security(r.auth),
    };
    const parameters: unknown[] = [];
    for (const [where, schema] of [['path', r.spec.params], ['query', r.spec.query]] as const) {
      if (!schema) continue;
      const js = toSchema(schema);
      const props = (js['properties'] ?? {}) as Record<string, JsonSchema>;
      const required = new Set((js['required'] as string[] | undefined) ?? []);
      for (const [name, s] of Object.entries(props)) {
        parameters.push({ name, in: where, required: where === 'path' || (required.has(name) && !('default' in s)), schema: s });
      }
    }
    if (parameters.length) op['parameters'] = parameters;
    const json = (schema: ZodType) => {
      const js = toSchema(schema);
      return { schema: js, example: exampleOf(js, schemas) };
    };
    if (r.spec.body) op['requestBody'] = { required: true, content: { 'application/json': json(r.spec.body) } };
    const status = String(r.spec.status ?? 200);
    const headers = (h: Record<string, string> | undefined) =>
      h ? { headers: Object.fromEntries(Object.entries(h).map(([name, description]) => [name, { description, schema: { type: 'string' } }])) } : {};
    const responses: Record<string, unknown> = {
      [status]: r.spec.produces
        ? { description: 'Success', ...headers(r.spec.responseHeaders), content: Object.fromEntries(r.spec.produces.map((p) => [p.contentType, p.schema ? json(p.schema) : { schema: { type: 'string' } }])) }
        : r.spec.response
          ? { description: 'Success', ...headers(r.spec.responseHeaders), content: { 'application/json': json(r.spec.response) } }
          : { description: status === '204' ? 'Done; no content' : 'Success', ...headers(r.spec.responseHeaders) },
    };
    for (const [s, other] of Object.entries(r.spec.otherResponses ?? {})) responses[s] = { description: other.description, ...headers(other.headers) };
    const codesByStatus: Record<string, string[]> = {};
    const add = (s: string, c: string) => {
      const list = (codesByStatus[s] ??= []);
      if (!list.includes(c)) list.push(c);
    };
    for (const [s, codes] of Object.entries(GENERIC_ERRORS)) {
      if (r.auth?.kind === 'public' && (s === '401' || s === '403')) continue;
      if (s === '413' || s === '415') {
        if (!r.spec.body) continue;
      }
      codes.forEach((c) => add(s, c));
    }
    if (r.auth?.kind === 'admin' && r.auth.reauth) add('403', 'reauth_required');
    for (const c of r.spec.errors ?? []) add(String(statusOf(c)), c);
    for (const [s, codes] of Object.entries(codesByStatus)) {
      responses[s] = {
        description: codes.map((c) => `\`${c}\`: ${ErrorMessages[c as keyof typeof ErrorMessages] ?? ''}`).join('\n\n'),
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' }, example: { error: { code: codes[0], message: ErrorMessages[codes[0] as keyof typeof ErrorMessages] } } } },
      };
    }
    op['responses'] = responses;
    (paths[oaPath] ??= {})[r.method.toLowerCase()] = op;
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'Latchkey API',
      version,
      description:
        'Latchkey lets a media-server owner require multi-factor authentication of the people they share with. Media servers call it with their API key; admins with a session or an admin token. Every error has the shape {"error":{"code","message","details?"}}.',
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      schemas,
      securitySchemes: {
        serverApiKey: { type: 'http', scheme: 'bearer', description: 'A media server API key (lk_srv_…), shown once when the server is registered.' },
        adminToken: { type: 'http', scheme: 'bearer', description: 'A personal admin API token (lk_adm_…).' },
        adminSession: { type: 'apiKey', in: 'cookie', name: 'latchkey_admin', description: 'The console session cookie (__Host-latchkey_admin over https). State-changing requests also need the X-CSRF-Token header.' },
        memberSession: { type: 'apiKey', in: 'cookie', name: 'latchkey_member', description: 'The member pages session cookie (__Host-latchkey_member over https), started from a link the media server minted or a sign-in. State-changing requests also need the X-CSRF-Token header.' },
        forwardAuthSession: { type: 'apiKey', in: 'cookie', name: 'latchkey_proxy', description: 'The forward-auth session cookie (__Secure-latchkey_proxy over https; may be scoped to a parent domain), opened by a complete sign-in at /sign-in. Read only by GET /api/v1/forward-auth, which also believes X-Original-URL / X-Forwarded-* only from LATCHKEY_TRUSTED_PROXIES.' },
      },
    },
  };
}

const SAMPLE_STRINGS: Record<string, string> = {
  uuid: '3f0c2a9e-8b1d-4c6e-9a57-2d4b8e1f7c30',
  'date-time': '2026-03-01T12:00:00.000Z',
  email: 'alice@example.com',
  uri: 'https://media.example.com/',
  url: 'https://media.example.com/',
};

/**
 * An example value for a JSON schema: its own `examples` or `default` where it has them (written in the zod
 * schemas with `.meta({ examples })`), else one made from its shape — enum values, formats, minimums —
 * so that every request and response in the document shows what it looks like.
 */
export function exampleOf(schema: JsonSchema, components: Record<string, JsonSchema>, name = '', depth = 0): unknown {
  if (depth > 8) return null;
  const ref = schema['$ref'];
  if (typeof ref === 'string') {
    const target = components[ref.replace('#/components/schemas/', '')];
    return target ? exampleOf(target, components, name, depth + 1) : null;
  }
  const examples = schema['examples'];
  if (Array.isArray(examples) && examples.length) return examples[0];
  if ('default' in schema) return schema['default'];
  if ('const' in schema) return schema['const'];
  if (Array.isArray(schema['enum'])) return schema['enum'][0];
  const options = (schema['anyOf'] ?? schema['oneOf']) as JsonSchema[] | undefined;
  if (options) {
    const first = options.find((o) => o['type'] !== 'null') ?? options[0];
    return first ? exampleOf(first, components, name, depth + 1) : null;
  }
  const type = Array.isArray(schema['type']) ? (schema['type'] as string[]).find((x) => x !== 'null') : schema['type'];
  switch (type) {
    case 'object': {
      const props = (schema['properties'] ?? {}) as Record<string, JsonSchema>;
      return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, exampleOf(v, components, k, depth + 1)]));
    }
    case 'array': {
      const items = schema['items'] as JsonSchema | undefined;
      return items ? [exampleOf(items, components, name, depth + 1)] : [];
    }
    case 'string':
      return SAMPLE_STRINGS[String(schema['format'])] ?? (name ? `example ${name}` : 'example');
    case 'integer':
    case 'number':
      return typeof schema['minimum'] === 'number' ? schema['minimum'] : 1;
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return {};
  }
}

function security(auth: AuthRequirement | undefined): unknown[] {
  if (auth?.kind === 'public') return [];
  if (auth?.kind === 'server') return [{ serverApiKey: [] }];
  if (auth?.kind === 'member') return [{ memberSession: [] }];
  return [{ adminSession: [] }, { adminToken: [] }];
}

function statusOf(code: string): number {
  switch (code) {
    case 'unauthenticated':
    case 'invalid_credentials':
      return 401;
    case 'forbidden':
    case 'csrf_failed':
    case 'reauth_required':
      return 403;
    case 'server_not_found':
    case 'token_not_found':
    case 'channel_not_found':
    case 'not_found':
    case 'admin_not_found':
    case 'invite_not_found':
    case 'member_not_found':
    case 'challenge_not_found':
    case 'factor_not_found':
    case 'policy_not_found':
    case 'exemption_not_found':
      return 404;
    case 'verification_required':
    case 'mfa_required':
      return 403;
    case 'setup_already_done':
    case 'conflict':
    case 'last_owner':
      return 409;
    case 'payload_too_large':
      return 413;
    case 'rate_limited':
      return 429;
    case 'service_unavailable':
    case 'email_unavailable':
      return 503;
    default:
      return 400;
  }
}
