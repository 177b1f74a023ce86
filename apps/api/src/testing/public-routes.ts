/**
 * Routes anyone may call, without credentials. Adding a public route means adding it here, on purpose:
 * the API conventions test (Nest metadata) and the hostile suite (Fastify's route table, called
 * anonymously) both fail on a public route missing from this list.
 */
export const PUBLIC_ROUTES = [
  'GET /api/docs',
  'GET /api/docs/assets/:asset',
  'GET /api/docs/openapi.json',
  'DELETE /api/v1/admin/session',
  'GET /api/v1/admin/session',
  'POST /api/v1/admin/session',
  'GET /api/v1/admin/setup',
  'POST /api/v1/admin/setup',
  'POST /api/v1/admin/invites/accept',
  'POST /api/v1/portal/session',
  'POST /api/v1/pairing',
  'GET /api/v1/forward-auth',
  'GET /api/v1/forward-auth/sign-in',
  'POST /api/v1/forward-auth/sign-in/password',
  'POST /api/v1/forward-auth/sign-in/passkey/options',
  'POST /api/v1/forward-auth/sign-in/passkey',
  'GET /healthz',
  'GET /metrics',
  'GET /readyz',
];
