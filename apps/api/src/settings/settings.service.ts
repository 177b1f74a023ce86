import { Inject, Injectable } from '@nestjs/common';
import {
  EmailSettings,
  SecuritySettings,
  SendTestEmailRequest,
  Settings,
  TestEmailResult,
  UpdateEmailSettingsRequest,
  UpdateSecuritySettingsRequest,
} from '@latchkey/contracts';
import { AuditService } from '../audit/audit.service';
import { AppException } from '../common/app-exception';
import { Clock } from '../common/clock';
import { isoOrNull } from '../common/ids';
import { APP_CONFIG, AppConfig } from '../config/config';
import { Db } from '../database/db';
import { AdminEntity } from '../database/entities';
import { composeMail, MailerService } from '../notifications/mailer.service';
import { ThrottleService } from '../verification/throttle.service';
import { SettingsStore } from './settings.store';

/** Test e-mails an admin may send in 15 minutes. */
export const TEST_MAILS_PER_15_MIN = 10;

/**
 * What the console's Settings page shows and changes: the mail server, passkey RP ID and origins, and
 * how long a remembered browser stays trusted. Overrides are stored by SettingsStore and win over the
 * environment; every change is audited with before and after (never the SMTP password).
 */
@Injectable()
export class SettingsService {
  constructor(
    private readonly db: Db,
    private readonly store: SettingsStore,
    private readonly mailer: MailerService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly throttle: ThrottleService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async get(): Promise<Settings> {
    return { email: await this.email(), security: await this.security() };
  }

  async email(): Promise<EmailSettings> {
    const o = await this.store.override('smtp');
    const smtp = await this.store.smtp();
    return {
      source: o ? 'console' : smtp ? 'environment' : 'none',
      host: smtp?.host ?? null,
      port: smtp?.port ?? null,
      security: smtp?.security ?? 'starttls',
      user: smtp?.user ?? null,
      from: smtp?.from ?? this.config.smtp?.from ?? 'Latchkey <latchkey@localhost>',
      passwordSet: Boolean(o ? o.value.password : smtp?.password),
      updatedAt: isoOrNull(o?.updatedAt ?? null),
    };
  }

  async security(): Promise<SecuritySettings> {
    const webauthn = await this.store.override('webauthn');
    const trust = await this.store.override('device_trust');
    const effective = await this.store.webauthn();
    return {
      webauthn: { source: webauthn ? 'console' : 'environment', rpId: effective.rpId, rpName: effective.rpName, origins: effective.origins, updatedAt: isoOrNull(webauthn?.updatedAt ?? null) },
      deviceTrust: { source: trust ? 'console' : 'environment', trustDays: await this.store.trustDays(), updatedAt: isoOrNull(trust?.updatedAt ?? null) },
      trustedProxies: this.config.trustedProxies,
      reauthMinutes: this.config.adminSession.reauthMinutes,
    };
  }

  /** Saves a mail server over the environment's. An omitted password keeps the one in effect. */
  async updateEmail(input: UpdateEmailSettingsRequest, adminId: string): Promise<EmailSettings> {
    const before = await this.email();
    const current = await this.store.smtp();
    const password = input.password === undefined ? (current?.password ?? null) : input.password;
    await this.db.write((m) =>
      this.store.save(
        m,
        'smtp',
        { host: input.host, port: input.port, security: input.security, user: input.user, password: password && input.user ? this.store.encryptPassword(password) : null, from: input.from },
        adminId,
        this.clock.now(),
      ),
    );
    const after = await this.email();
    await this.audit.record({ type: 'settings.email_updated', outcome: 'success', adminId, details: { before: auditable(before), after: { ...auditable(after), passwordChanged: input.password !== undefined } } });
    return after;
  }

  /** Drops the console's mail server: the environment's applies again. */
  async resetEmail(adminId: string): Promise<EmailSettings> {
    const before = await this.email();
    await this.db.write(async (m) => {
      if (await this.store.remove(m, 'smtp')) {
        await this.audit.record({ type: 'settings.email_reset', outcome: 'success', adminId, details: { before: auditable(before) } }, m);
      }
    });
    return this.email();
  }

  /** Sends a test mail through the mail server in effect, to the admin (or `to`), and says how it went. */
  async testEmail(input: SendTestEmailRequest, adminId: string): Promise<TestEmailResult> {
    // The button is not a way to send mail to anyone, in bulk.
    if (!(await this.throttle.consume(`settings-test-mail:${adminId}`, { max: TEST_MAILS_PER_15_MIN, windowMs: 15 * 60_000 }))) {
      throw new AppException(429, 'rate_limited', 'Too many test e-mails. Wait a few minutes and try again.');
    }
    const to = input.to ?? (await this.db.manager.findOneByOrFail(AdminEntity, { id: adminId })).email;
    const error = await this.mailer.trySend(
      composeMail(to, 'Latchkey test e-mail', [
        'This is a test e-mail from Latchkey. If you can read it, Latchkey can send e-mail codes, reminders and notices.',
        `Sent at ${this.clock.now().toISOString()} from the Settings page.`,
      ]),
    );
    const email = await this.email();
    await this.audit.record({ type: 'settings.email_tested', outcome: error ? 'failure' : 'success', adminId, details: { to, host: email.host, port: email.port, ...(error ? { error } : {}) } });
    return { ok: error === null, to, error };
  }

  async updateSecurity(input: UpdateSecuritySettingsRequest, adminId: string): Promise<SecuritySettings> {
    const before = await this.security();
    const now = this.clock.now();
    await this.db.write(async (m) => {
      if (input.webauthn === null) await this.store.remove(m, 'webauthn');
      else if (input.webauthn) await this.store.save(m, 'webauthn', { rpId: input.webauthn.rpId, origins: [...new Set(input.webauthn.origins)] }, adminId, now);
      if (input.trustDays === null) await this.store.remove(m, 'device_trust');
      else if (input.trustDays !== undefined) await this.store.save(m, 'device_trust', { trustDays: input.trustDays }, adminId, now);
    });
    const after = await this.security();
    await this.audit.record({
      type: 'settings.security_updated',
      outcome: 'success',
      adminId,
      details: { before: securityAuditable(before), after: securityAuditable(after) },
    });
    return after;
  }
}

function auditable(e: EmailSettings): Record<string, unknown> {
  return { source: e.source, host: e.host, port: e.port, security: e.security, user: e.user, from: e.from, passwordSet: e.passwordSet };
}

function securityAuditable(s: SecuritySettings): Record<string, unknown> {
  return { rpId: s.webauthn.rpId, origins: s.webauthn.origins, webauthnSource: s.webauthn.source, trustDays: s.deviceTrust.trustDays, trustDaysSource: s.deviceTrust.source };
}
