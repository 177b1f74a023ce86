import { Injectable } from '@nestjs/common';
import { signWebhook, WebhookHeaders, type WebhookPayload } from '@latchkey/contracts';
import { Clock } from '../common/clock';
import { CryptoService } from '../crypto/crypto.service';
import { VERSION } from '../version';
import { composeMail, MailerService } from './mailer.service';
import { describeEvent } from './messages';
import { NotificationChannelEntity } from './notifications.entities';
import { OutboundHttp, OutboundRefused } from './outbound/outbound-http';

/** What one attempt came to. */
export interface SendResult {
  ok: boolean;
  /** HTTP status of the final response (webhook, ntfy, Gotify). */
  status: number | null;
  /** Why it failed; never a secret (no URLs, no tokens). */
  error: string | null;
  /** The target was refused (loopback, private, …). */
  refused: boolean;
  /** Trying again would not help (a refused target, a disabled channel): give the delivery up now. */
  permanent: boolean;
}

/** Channel settings that are not secret, as stored in `config`. */
export interface ChannelConfig {
  to?: string;
  url?: string;
  serverUrl?: string;
  topic?: string;
}

export const channelSecretContext = (channelId: string) => `notification-channel:${channelId}`;

/** Sends one event to one channel: a signed webhook, an ntfy push, a Gotify message or an e-mail. */
@Injectable()
export class NotificationSender {
  constructor(
    private readonly http: OutboundHttp,
    private readonly mailer: MailerService,
    private readonly crypto: CryptoService,
    private readonly clock: Clock,
  ) {}

  async send(channel: NotificationChannelEntity, deliveryId: string, payload: string): Promise<SendResult> {
    try {
      return await this.attempt(channel, deliveryId, payload);
    } catch (e) {
      const refused = e instanceof OutboundRefused;
      return { ok: false, status: null, error: `${refused ? 'refused: ' : ''}${(e as Error).message}`.slice(0, 500), refused, permanent: refused };
    }
  }

  private async attempt(channel: NotificationChannelEntity, deliveryId: string, payload: string): Promise<SendResult> {
    const config = JSON.parse(channel.config) as ChannelConfig;
    const secret = channel.secret ? this.crypto.decrypt(channel.secret, channelSecretContext(channel.id)).toString('utf8') : null;
    const event = JSON.parse(payload) as WebhookPayload;
    const text = describeEvent(event);
    const json = { 'content-type': 'application/json', 'user-agent': `Latchkey/${VERSION}` };
    switch (channel.kind) {
      case 'webhook': {
        const signature = signWebhook(secret ?? '', payload, this.clock.now().getTime() / 1000);
        const headers = { ...json, [WebhookHeaders.signature]: signature, [WebhookHeaders.event]: event.type, [WebhookHeaders.delivery]: deliveryId };
        return this.post(config.url ?? '', headers, payload);
      }
      case 'ntfy': {
        // ntfy's JSON publishing: POST to the server root with the topic in the body.
        const body = { topic: config.topic, title: text.title, message: text.message, priority: text.urgent ? 4 : 3, tags: ['latchkey', event.type] };
        return this.post(config.serverUrl ?? '', { ...json, ...(secret ? { authorization: `Bearer ${secret}` } : {}) }, JSON.stringify(body));
      }
      case 'gotify': {
        const body = { title: text.title, message: text.message, priority: text.urgent ? 8 : 5, extras: { 'latchkey::event': { id: event.id, type: event.type } } };
        return this.post(joinPath(config.serverUrl ?? '', 'message'), { ...json, 'x-gotify-key': secret ?? '' }, JSON.stringify(body));
      }
      case 'email': {
        const footer = `You get this because the notification channel "${channel.name}" in Latchkey subscribes to it.`;
        await this.mailer.send(composeMail(config.to ?? '', `[Latchkey] ${text.title}`, [text.message, footer]));
        return { ok: true, status: null, error: null, refused: false, permanent: false };
      }
    }
  }

  private async post(url: string, headers: Record<string, string>, body: string): Promise<SendResult> {
    const res = await this.http.request(url, { method: 'POST', headers, body });
    const ok = res.status >= 200 && res.status < 300;
    return { ok, status: res.status, error: ok ? null : `answered HTTP ${res.status}`, refused: false, permanent: false };
  }
}

function joinPath(base: string, segment: string): string {
  const u = new URL(base);
  u.pathname = `${u.pathname.replace(/\/+$/, '')}/${segment}`;
  return u.toString();
}
