import { createApp } from './bootstrap';
import { ConfigError, loadConfig } from './config/config';
import { KeyError } from './crypto/keys';
import { DatabaseOpenError } from './database/database';
import { AdminAuthService } from './admin-auth/admin-auth.service';
import { NotificationWorker } from './notifications/notification-worker';
import { SchedulerService } from './scheduler/scheduler.service';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createApp(config);
  await app.listen({ port: config.port, host: config.host });
  const address = await app.getUrl();
  // Owner notifications go out from every instance; deliveries are claimed, never sent twice at once.
  app.get(NotificationWorker).start();
  // Scheduled jobs (retention, adoption snapshots, reminders): every instance ticks, leases pick one.
  app.get(SchedulerService).start();
  const auth = app.get(AdminAuthService);
  const log = app.getHttpAdapter().getInstance().log;
  log.info(`Latchkey listening on ${address} (public URL ${config.publicUrl}, data in ${config.dataDir}, database ${config.database.kind})`);
  if (!(await auth.ownerExists())) {
    const link = await auth.issueSetupLink();
    // Printed to the console on purpose, for the person starting the service; it is single-use.
    process.stdout.write(
      `\n  Welcome to Latchkey. Create the owner account here (valid until ${link.expiresAt.toISOString()}):\n\n    ${link.url}\n\n` +
        `  Lost it? Run \`npm run latchkey -- setup\` for a new link.\n\n`,
    );
  }
}

main().catch((e: unknown) => {
  if (e instanceof ConfigError || e instanceof KeyError || e instanceof DatabaseOpenError) {
    process.stderr.write(`\nLatchkey cannot start.\n${e.message}\n\n`);
  } else {
    process.stderr.write(`\nLatchkey cannot start: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  }
  process.exit(1);
});
