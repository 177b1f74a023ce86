import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { SmtpSecurity } from '@latchkey/contracts';
import { APP_CONFIG, AppConfig } from '../config/config';
import { CryptoService } from '../crypto/crypto.service';
import { AppSettingEntity } from '../database/console-entities';
import { Db } from '../database/db';

export type SmtpConfig = NonNullable<AppConfig['smtp']>;
export type WebAuthnConfig = AppConfig['webauthn'];

/** The stored shape of each overridable section. */
interface Stored {
  smtp: { host: string; port: number; security: SmtpSecurity; user: string | null; password: string | null; from: string };
  webauthn: { rpId: string; origins: string[] };
  device_trust: { trustDays: number };
}
export type SectionName = keyof Stored;

export interface Override<T> {
  value: T;
  updatedAt: Date;
  updatedBy: string | null;
}

/** The SMTP password is bound to its row and field: an envelope copied elsewhere does not decrypt. */
const PASSWORD_CONTEXT = 'app_settings:smtp:password';

/**
 * The settings in effect: a console override saved in the database wins over the environment. Read on
 * every use (a primary-key lookup), so a change applies at once on every instance; nothing is cached.
 */
@Injectable()
export class SettingsStore {
  constructor(
    private readonly db: Db,
    private readonly crypto: CryptoService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async override<K extends SectionName>(name: K, m: EntityManager = this.db.manager): Promise<Override<Stored[K]> | null> {
    const row = await m.findOneBy(AppSettingEntity, { name });
    if (!row) return null;
    return { value: JSON.parse(row.value) as Stored[K], updatedAt: row.updatedAt, updatedBy: row.updatedBy };
  }

  async save<K extends SectionName>(m: EntityManager, name: K, value: Stored[K], by: string, at: Date): Promise<void> {
    await m.upsert(AppSettingEntity, { name, value: JSON.stringify(value), updatedAt: at, updatedBy: by }, ['name']);
  }

  async remove(m: EntityManager, name: SectionName): Promise<boolean> {
    return ((await m.delete(AppSettingEntity, { name })).affected ?? 0) > 0;
  }

  encryptPassword(password: string): string {
    return this.crypto.encrypt(password, PASSWORD_CONTEXT);
  }

  /** The mail server in effect, with its password decrypted; null when none is configured. */
  async smtp(): Promise<SmtpConfig | null> {
    const o = await this.override('smtp');
    if (!o) return this.config.smtp;
    const { user, password, ...rest } = o.value;
    return {
      ...rest,
      ...(user ? { user } : {}),
      ...(password ? { password: this.crypto.decrypt(password, PASSWORD_CONTEXT).toString('utf8') } : {}),
    };
  }

  async webauthn(): Promise<WebAuthnConfig> {
    const o = await this.override('webauthn');
    return o ? { ...this.config.webauthn, rpId: o.value.rpId, origins: o.value.origins } : this.config.webauthn;
  }

  /** Days a remembered browser stays trusted; `m` when asked inside a transaction. */
  async trustDays(m?: EntityManager): Promise<number> {
    return (await this.override('device_trust', m))?.value.trustDays ?? this.config.devices.trustDays;
  }
}
