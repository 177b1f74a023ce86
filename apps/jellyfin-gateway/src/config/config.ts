import path from 'node:path';
import { z } from 'zod';

/** The gateway's settings. `process.env` is read here and nowhere else. */
export interface GatewayConfig {
  /** Optional Jellyfin API key: pairing codes and grace reminders on the member's Jellyfin sessions, and the directory sync. */
  jellyfinApiKey: string | undefined;
  /** Where Jellyfin is reached from the gateway, e.g. http://jellyfin:8096 */
  jellyfinUrl: URL;
  /** Where Latchkey is reached from the gateway, e.g. http://latchkey:8080 */
  latchkeyUrl: string;
  /** The Latchkey server API key (lk_srv_…) of the Jellyfin server registered in Latchkey. */
  latchkeyApiKey: string;
  port: number;
  /** Where the gateway keeps the remembered-device tokens it holds for Jellyfin clients. */
  dataDir: string;
  /** Addresses or CIDR ranges of reverse proxies in front of the gateway whose X-Forwarded-For is believed. */
  trustedProxies: string[];
  /** When Latchkey cannot be reached: let devices holding a remembered/paired token in. Default: deny. */
  failOpenForTrustedDevices: boolean;
  /** How often Latchkey's revocation feed is read to end Jellyfin sessions of revoked devices; 0: never. */
  revocationPollSeconds: number;
  /** Inject Latchkey's helper script into Jellyfin's web client (`/web/index.html`). Default: on. */
  webClientScript: boolean;
  /** How often Jellyfin's users and libraries are copied into Latchkey's directory (needs the API key); 0: never. */
  directorySyncMinutes: number;
  /** A member in their grace period is told on their active Jellyfin sessions at most once per this many hours (needs the API key); 0: never. */
  graceReminderHours: number;
}

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .default('false')
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const httpUrl = z.url({ protocol: /^https?$/ });

const EnvSchema = z.object({
  JELLYFIN_URL: httpUrl,
  JELLYFIN_API_KEY: z.string().trim().optional(),
  LATCHKEY_URL: httpUrl,
  LATCHKEY_API_KEY: z.string().min(8, 'LATCHKEY_API_KEY: the server API key shown when Jellyfin was registered in Latchkey'),
  GATEWAY_PORT: z.coerce.number().int().min(0).max(65535).default(8097),
  GATEWAY_DATA_DIR: z.string().min(1).default('./data/gateway'),
  GATEWAY_TRUSTED_PROXIES: z.string().default(''),
  GATEWAY_FAIL_OPEN_FOR_TRUSTED_DEVICES: bool,
  GATEWAY_REVOCATION_POLL_SECONDS: z.coerce.number().int().min(0).max(3600).default(30),
  GATEWAY_WEB_CLIENT_SCRIPT: z
    .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
    .default('true')
    .transform((v) => v !== 'false' && v !== '0' && v !== 'no'),
  GATEWAY_DIRECTORY_SYNC_MINUTES: z.coerce.number().int().min(0).max(10_080).default(0),
  GATEWAY_GRACE_REMINDER_HOURS: z.coerce.number().int().min(0).max(720).default(24),
});

export type GatewayEnv = Partial<Record<keyof z.input<typeof EnvSchema>, string>>;

/** Validates the environment; throws one readable message listing every problem (fail fast at boot). */
export function loadGatewayConfig(env: GatewayEnv | NodeJS.ProcessEnv = process.env): GatewayConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || 'env'}: ${i.message}`).join('; ');
    throw new Error(`Invalid gateway configuration: ${problems}`);
  }
  const e = parsed.data;
  if (e.GATEWAY_DIRECTORY_SYNC_MINUTES > 0 && !e.JELLYFIN_API_KEY) throw new Error('Invalid gateway configuration: GATEWAY_DIRECTORY_SYNC_MINUTES: needs JELLYFIN_API_KEY (Jellyfin lists its users and libraries only to an API key)');
  return {
    jellyfinUrl: new URL(e.JELLYFIN_URL),
    jellyfinApiKey: e.JELLYFIN_API_KEY || undefined,
    latchkeyUrl: e.LATCHKEY_URL,
    latchkeyApiKey: e.LATCHKEY_API_KEY,
    port: e.GATEWAY_PORT,
    dataDir: path.resolve(e.GATEWAY_DATA_DIR),
    trustedProxies: e.GATEWAY_TRUSTED_PROXIES.split(',').map((s) => s.trim()).filter(Boolean),
    failOpenForTrustedDevices: e.GATEWAY_FAIL_OPEN_FOR_TRUSTED_DEVICES,
    revocationPollSeconds: e.GATEWAY_REVOCATION_POLL_SECONDS,
    webClientScript: e.GATEWAY_WEB_CLIENT_SCRIPT,
    directorySyncMinutes: e.GATEWAY_DIRECTORY_SYNC_MINUTES,
    graceReminderHours: e.GATEWAY_GRACE_REMINDER_HOURS,
  };
}
