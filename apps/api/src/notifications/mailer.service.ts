import { Injectable, Logger } from '@nestjs/common';
import nodemailer, { Transporter } from 'nodemailer';
import { AppException } from '../common/app-exception';
import { SettingsStore, type SmtpConfig } from '../settings/settings.store';

export interface Mail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/** Sends mail over the SMTP server in effect (console override, else environment): host, port, TLS mode, auth, from. */
@Injectable()
export class MailerService {
  private readonly logger = new Logger('Mailer');
  /** One transport per distinct setting (a changed setting gets a new one; the old one is closed). */
  private transport: { key: string; transport: Transporter } | null = null;

  constructor(private readonly settings: SettingsStore) {}

  /** Whether a mail server is configured (e-mail codes, reminders and e-mail channels need one). */
  async isAvailable(): Promise<boolean> {
    return (await this.settings.smtp()) !== null;
  }

  async send(mail: Mail): Promise<void> {
    try {
      await this.deliver(mail);
    } catch (e) {
      if (e instanceof NoMailServer) throw new Error('SMTP is not configured');
      // The mail server is down or refuses: a clear, stable answer instead of a 500.
      this.logger.warn(`Could not send "${withoutCodes(mail.subject)}": ${(e as Error).message}`);
      throw new AppException(503, 'email_unavailable');
    }
  }

  /** Best effort, for notices: a failed notice must not fail the act it reports. */
  async sendQuietly(mail: Mail): Promise<void> {
    if (!(await this.isAvailable())) return;
    await this.send(mail).catch(() => undefined); // send() has logged why
  }

  /** Sends a mail and says what went wrong in plain words (null: it was accepted), for the console's test button. */
  async trySend(mail: Mail): Promise<string | null> {
    try {
      await this.deliver(mail);
      return null;
    } catch (e) {
      if (e instanceof NoMailServer) return 'No mail server is configured: set one here or with LATCHKEY_SMTP_HOST.';
      const smtp = await this.settings.smtp();
      this.logger.warn(`Test mail failed: ${(e as Error).message}`);
      return explainSmtpError(e as SmtpError, smtp);
    }
  }

  private async deliver(mail: Mail): Promise<void> {
    const smtp = await this.settings.smtp();
    if (!smtp) throw new NoMailServer();
    await this.transportFor(smtp).sendMail({ from: smtp.from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html });
    // The recipient's domain only; never the content (it may hold a code).
    this.logger.log(`Sent "${withoutCodes(mail.subject)}" to a recipient at ${mail.to.split('@')[1] ?? '?'}`);
  }

  private transportFor(smtp: SmtpConfig): Transporter {
    const key = JSON.stringify(smtp);
    if (this.transport?.key === key) return this.transport.transport;
    this.transport?.transport.close();
    const transport = nodemailer.createTransport({
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
    this.transport = { key, transport };
    return transport;
  }
}

class NoMailServer extends Error {}

interface SmtpError extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
}

/** A nodemailer error as a sentence an owner can act on; the password never appears in it. */
export function explainSmtpError(e: SmtpError, smtp: SmtpConfig | null): string {
  const where = smtp ? `${smtp.host}:${smtp.port}` : 'the mail server';
  const answer = (e.response ?? e.message ?? '').replace(/\s+/g, ' ').trim().slice(0, 300);
  let text: string;
  if (/ECONNREFUSED/.test(`${e.code} ${e.message}`)) text = `Could not connect to ${where}: the connection was refused. Check the host and port.`;
  else if (/ENOTFOUND|EAI_AGAIN|EDNS/.test(`${e.code} ${e.message}`)) text = `The host name ${smtp?.host ?? ''} could not be found. Check the host.`;
  else if (/ETIMEDOUT|ETIMEOUT|timeout/i.test(`${e.code} ${e.message}`)) text = `${where} did not answer in time. Check the host, the port and any firewall.`;
  else if (e.code === 'EAUTH') text = `The mail server refused the user name or password (${answer}).`;
  else if (e.code === 'ETLS' || /STARTTLS|TLS|SSL|certificate|wrong version/i.test(e.message)) text = `The secure connection to ${where} failed (${answer}). Check the security setting: STARTTLS usually uses port 587, TLS port 465.`;
  else if (e.code === 'EENVELOPE') text = `The mail server refused the sender or recipient (${answer}).`;
  else if (e.responseCode) text = `The mail server answered ${e.responseCode}: ${answer}`;
  else text = `Sending failed: ${answer || 'unknown error'}`;
  return smtp?.password ? text.split(smtp.password).join('••••') : text;
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
