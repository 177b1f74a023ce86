import { z } from 'zod';
import { Challenge, WebAuthnResponseJson } from './factors';
import { ServerKind } from './servers';

/**
 * Forward-auth: a reverse proxy (nginx `auth_request`, Traefik ForwardAuth, Caddy `forward_auth`) asks
 * Latchkey whether the member's browser session may reach a protected host, and sends members without
 * one to the sign-in page below.
 */

/** Where to send the member back after signing in: a URL on a host protected for one of the media servers. */
export const ReturnUrl = z
  .string()
  .min(8)
  .max(2048)
  .meta({ description: 'The page the member wanted (absolute http(s) URL on a protected host).', examples: ['https://media.example.com/web/index.html'] });

export const ForwardAuthMode = z.enum(['status', 'redirect']);
export type ForwardAuthMode = z.infer<typeof ForwardAuthMode>;

export const ForwardAuthQuery = z.strictObject({
  mode: ForwardAuthMode.default('status').meta({
    description: '`status` (nginx auth_request): 401 with a `Location` header to the sign-in page. `redirect` (Traefik, Caddy): 302 to it.',
  }),
});
export type ForwardAuthQuery = z.infer<typeof ForwardAuthQuery>;

export const ForwardAuthSignInQuery = z.strictObject({ rd: ReturnUrl });
export type ForwardAuthSignInQuery = z.infer<typeof ForwardAuthSignInQuery>;

export const ForwardAuthSignInInfo = z
  .object({
    server: z.object({ name: z.string(), kind: ServerKind }),
    password: z.boolean().meta({ description: 'Whether the media server can check its own password for Latchkey (Jellyfin and Emby can; Plex cannot).' }),
    returnTo: z.string(),
  })
  .meta({ id: 'ForwardAuthSignInInfo', examples: [{ server: { name: 'Family Jellyfin', kind: 'jellyfin' }, password: true, returnTo: 'https://media.example.com/web/index.html' }] });
export type ForwardAuthSignInInfo = z.infer<typeof ForwardAuthSignInInfo>;

export const PasswordSignInRequest = z
  .strictObject({
    rd: ReturnUrl,
    username: z.string().trim().min(1).max(200),
    password: z.string().max(1024).meta({ description: 'The media-server password. Checked by the media server itself; Latchkey never stores it.' }),
  })
  .meta({ id: 'PasswordSignInRequest', examples: [{ rd: 'https://media.example.com/', username: 'alice', password: 'her media-server password' }] });
export type PasswordSignInRequest = z.infer<typeof PasswordSignInRequest>;

export const PasswordSignInResult = z
  .object({
    csrfToken: z.string().meta({ description: 'For the member-pages calls that follow (X-CSRF-Token).' }),
    challenge: Challenge.nullable().meta({ description: 'The second factor to answer (POST /api/v1/me/challenges/{id}/verify); null when the member has none yet.' }),
  })
  .meta({ id: 'PasswordSignInResult' });
export type PasswordSignInResult = z.infer<typeof PasswordSignInResult>;

export const CompleteSignInRequest = z.strictObject({ rd: ReturnUrl }).meta({ id: 'CompleteSignInRequest' });
export type CompleteSignInRequest = z.infer<typeof CompleteSignInRequest>;

export const PasskeySignInRequest = z.strictObject({ rd: ReturnUrl, response: WebAuthnResponseJson }).meta({ id: 'PasskeySignInRequest' });
export type PasskeySignInRequest = z.infer<typeof PasskeySignInRequest>;

export const SignInDone = z
  .object({ returnTo: z.string().meta({ description: 'Where to send the browser now.' }) })
  .meta({ id: 'SignInDone', examples: [{ returnTo: 'https://media.example.com/web/index.html' }] });
export type SignInDone = z.infer<typeof SignInDone>;
