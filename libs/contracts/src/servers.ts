import { z } from 'zod';
import { Id, Timestamp, text } from './common';
import { WebOrigin } from './return-url';

export const ServerKinds = ['jellyfin', 'plex', 'emby', 'other'] as const;
export const ServerKind = z.enum(ServerKinds);
export type ServerKind = z.infer<typeof ServerKind>;

const BaseUrl = z
  .url({ protocol: /^https?$/, hostname: z.regexes.hostname })
  .max(2048)
  .meta({ description: 'Where the media server is reached, e.g. http://jellyfin.lan:8096.' });

export const CreateServerRequest = z
  .strictObject({
    name: text(100),
    kind: ServerKind,
    baseUrl: BaseUrl,
  })
  .meta({ id: 'CreateServerRequest' });
export type CreateServerRequest = z.infer<typeof CreateServerRequest>;

const ProxyAddress = z
  .string()
  .trim()
  .max(64)
  .regex(/^[0-9a-fA-F:.]+(\/\d{1,3})?$/, 'must be an IP address or CIDR range');

/** A host a reverse proxy protects with forward-auth: `media.example.com`, or with a port `media.example.com:8443`. */
export const ForwardAuthHost = z
  .string()
  .trim()
  .toLowerCase()
  .max(260)
  .regex(
    /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/,
    'must be a host name, optionally with a port (media.example.com or media.example.com:8443)',
  );

export const UpdateServerRequest = z
  .strictObject({
    name: text(100).optional(),
    kind: ServerKind.optional(),
    baseUrl: BaseUrl.optional(),
    trustedProxies: z
      .array(ProxyAddress)
      .max(50)
      .optional()
      .meta({ description: 'Reverse proxies in front of the media server: their X-Forwarded-For (sent as ip.forwardedFor) is believed.' }),
    forwardAuthHosts: z
      .array(ForwardAuthHost)
      .max(50)
      .optional()
      .meta({ description: 'Hosts a reverse proxy protects with forward-auth (GET /api/v1/forward-auth) for this server. A host belongs to one server.' }),
    webOrigins: z
      .array(WebOrigin)
      .max(20)
      .optional()
      .meta({ description: "Origins the server's web clients are served from besides `baseUrl`'s (e.g. a public https address): a login's `returnUrl` may lead to these." }),
  })
  .meta({ id: 'UpdateServerRequest', examples: [{ name: 'Living room', trustedProxies: ['192.168.1.2'], forwardAuthHosts: ['media.example.com'], webOrigins: ['https://media.example.com'] }] });
export type UpdateServerRequest = z.infer<typeof UpdateServerRequest>;

export const Server = z
  .object({
    id: Id,
    name: z.string(),
    kind: ServerKind,
    baseUrl: z.string(),
    apiKey: z.object({
      active: z.boolean(),
      prefix: z.string().nullable().meta({ description: 'First characters of the key, to recognise it.' }),
      createdAt: Timestamp.nullable(),
      lastUsedAt: Timestamp.nullable(),
    }),
    trustedProxies: z.array(z.string()),
    forwardAuthHosts: z.array(z.string()),
    webOrigins: z.array(z.string()).meta({ description: "Web-client origins besides `baseUrl`'s that a login's `returnUrl` may lead to." }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'Server' });
export type Server = z.infer<typeof Server>;

export const ServerList = z.object({ items: z.array(Server) }).meta({ id: 'ServerList' });
export type ServerList = z.infer<typeof ServerList>;

export const ServerWithApiKey = z
  .object({
    server: Server,
    apiKey: z.string().meta({ description: 'The API key. Shown only in this response; store it in the media server.' }),
  })
  .meta({ id: 'ServerWithApiKey' });
export type ServerWithApiKey = z.infer<typeof ServerWithApiKey>;

export const ServerIdParams = z.strictObject({ serverId: Id });
export type ServerIdParams = z.infer<typeof ServerIdParams>;

/** What a media server learns about itself from its own key. */
export const ServerSelf = z
  .object({ id: Id, name: z.string(), kind: ServerKind })
  .meta({ id: 'ServerSelf' });
export type ServerSelf = z.infer<typeof ServerSelf>;
