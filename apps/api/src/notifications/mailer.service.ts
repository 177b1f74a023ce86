import { Inject, Injectable, Logger } from '@nestjs/common';
import nodemailer, { Transporter } from 'nodemailer';
import { AppException } from '../common/app-exception';
import { APP_CONFIG, AppConfig } from '../config/config';

export interface Mail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Sends mail over the configured SMTP server (host, port, TLS mode, auth, from). */
@Injectable()
export class MailerService {
  private readonly logger = new Logger('Mailer');
  private transport: Transporter | null = null;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  get available(): boolean {
    return this.config.smtp !== null;
  }

  async send(mail: Mail): Promise<void> {
    const smtp = this.config.smtp;
    if (!smtp) throw new Error('SMTP is not configured');
    this.transport ??= nodemailer.createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: smtp.security === 'tls',
      requireTLS: smtp.security === 'starttls',
      ignoreTLS: smtp.security === 'none',
      auth: smtp.user ? { user: smtp.user, pass: smtp.password ?? '' } : undefined,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 20_000,
    });
    try {
      await this.transport.sendMail({ from: smtp.from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html });
    } catch (e) {
      // The mail server is down or refuses: a clear, stable answer instead of a 500.
      this.logger.warn(`Could not send "${withoutCodes(mail.subject)}": ${(e as Error).message}`);
      throw new AppException(503, 'email_unavailable');
    }
    // The recipient's domain only; never the content (it may hold a code).
    this.logger.log(`Sent "${withoutCodes(mail.subject)}" to a recipient at ${mail.to.split('@')[1] ?? '?'}`);
  }

  /** Best effort, for notices: a failed notice must not fail the act it reports. */
  async sendQuietly(mail: Mail): Promise<void> {
    if (!this.available) return;
    await this.send(mail).catch(() => undefined); // send() has logged why
  }
}

/** Subjects carry the code (so it shows in the inbox list); logs must not. */
function withoutCodes(subject: string): string {
  return subject.replace(/\d{4,}/g, '••••••');
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

/** A plain, readable mail in both forms. */
export function composeMail(to: string, subject: string, paragraphs: string[], code?: string): Mail {
  const text = [...paragraphs.slice(0, 1), ...(code ? ['', `    ${code}`, ''] : []), ...paragraphs.slice(1)].join('\n\n') + '\n\n— Latchkey\n';
  const html =
    `<!doctype html><html><body style="font-family:system-ui,sans-serif;font-size:16px;line-height:1.5;color:#111">` +
    `<p>${escapeHtml(paragraphs[0] ?? '')}</p>` +
    (code ? `<p style="font-size:28px;font-weight:700;letter-spacing:4px;font-family:ui-monospace,monospace">${escapeHtml(code)}</p>` : '') +
    paragraphs.slice(1).map((p) => `<p>${escapeHtml(p)}</p>`).join('') +
    `<p style="color:#555">— Latchkey</p></body></html>`;
  return { to, subject, text, html };
}
