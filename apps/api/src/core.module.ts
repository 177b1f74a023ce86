import { DynamicModule, Global, Inject, Module, OnApplicationShutdown, Provider } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock, SystemClock } from './common/clock';
import { APP_CONFIG, AppConfig } from './config/config';
import { CryptoService } from './crypto/crypto.service';
import { KeyRegistry, loadOrCreateKeys } from './crypto/keys';
import { openDatabase } from './database/database';
import { Db } from './database/db';
import { SystemSetting } from './database/entities';
import { Metrics } from './health/metrics';
import { SpaFallback } from './web/spa-fallback';
import { AuditService } from './audit/audit.service';
import { MailerService } from './notifications/mailer.service';
import { SettingsStore } from './settings/settings.store';
import { ThrottleService } from './verification/throttle.service';

export interface CoreOptions {
  config: AppConfig;
  clock?: Clock;
  metrics?: Metrics;
}

/** Process-wide services: configuration, clock, database, keys, crypto, metrics. */
@Global()
@Module({})
export class CoreModule implements OnApplicationShutdown {
  constructor(@Inject(DataSource) private readonly dataSource: DataSource) {}

  static forRoot(opts: CoreOptions, extra: { provide: unknown; useValue: unknown }[] = []): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: APP_CONFIG, useValue: opts.config },
        { provide: Clock, useValue: opts.clock ?? new SystemClock() },
        { provide: Metrics, useValue: opts.metrics ?? new Metrics() },
        { provide: DataSource, useFactory: () => openDatabase(opts.config) },
        { provide: Db, inject: [DataSource], useFactory: (ds: DataSource) => new Db(ds) },
        {
          provide: CryptoService,
          inject: [Db, Clock],
          useFactory: async (db: Db, clock: Clock) => new CryptoService(await loadOrCreateKeys(opts.config.dataDir, settingsRegistry(db, clock))),
        },
        SpaFallback,
        AuditService,
        SettingsStore,
        MailerService,
        ThrottleService,
        ...(extra as Provider[]),
      ],
      exports: [APP_CONFIG, Clock, Metrics, DataSource, Db, CryptoService, SpaFallback, AuditService, SettingsStore, MailerService, ThrottleService, ...extra.map((p) => p.provide as string)],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

/** Key fingerprints live in system_settings, so a lost or swapped key file is noticed at start. */
function settingsRegistry(db: Db, clock: Clock): KeyRegistry {
  return {
    get: async (name) => (await db.manager.findOneBy(SystemSetting, { name }))?.value ?? null,
    putIfAbsent: (name, value) =>
      db.write(async (m) => {
        await m.createQueryBuilder().insert().into(SystemSetting).values({ name, value, createdAt: clock.now() }).orIgnore().execute();
        return (await m.findOneByOrFail(SystemSetting, { name })).value;
      }),
  };
}
