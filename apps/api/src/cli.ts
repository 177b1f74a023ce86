import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { CreateServerRequest, ServerKinds } from '@latchkey/contracts';
import { AdminAuthService } from './admin-auth/admin-auth.service';
import { AppModule } from './app.module';
import { ConfigError, loadConfig } from './config/config';
import { KeyError } from './crypto/keys';
import { ServersService } from './servers/servers.service';
import { AppException } from './common/app-exception';

const USAGE = `Usage: npm run latchkey -- <command>

  setup                                  Print a new one-time link to create the owner account
  servers list                           List registered media servers
  servers add --name N --kind K --url U  Register a media server (K: ${ServerKinds.join('|')}); prints its API key once
  servers rotate-key <server-id>         Replace a server's API key; prints the new key once
  servers revoke-key <server-id>         Revoke a server's API key
  admins reset-mfa <email>               Remove an admin's second factors (lost phone); they enrol again at next sign-in

Uses the same configuration (LATCHKEY_DATA_DIR, DATABASE_URL, …) as the service.`;

function flags(args: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    if (a.startsWith('--')) {
      const [k, v] = a.slice(2).split('=', 2) as [string, string | undefined];
      out[k] = v ?? args[++i] ?? '';
    }
  }
  return out;
}

async function run(argv: string[]): Promise<number> {
  const [cmd, sub, ...rest] = argv;
  if (!cmd || cmd === 'help' || cmd === '--help') {
    process.stdout.write(`${USAGE}\n`);
    return cmd ? 0 : 2;
  }
  const config = loadConfig();
  const app = await NestFactory.createApplicationContext(AppModule.forRoot({ config }), { logger: ['error'] });
  try {
    if (cmd === 'setup') {
      const auth = app.get(AdminAuthService);
      if (await auth.ownerExists()) process.stdout.write('Note: an owner account already exists; this link will be refused.\n');
      const link = await auth.issueSetupLink();
      process.stdout.write(`Create the owner account here (single use, valid until ${link.expiresAt.toISOString()}):\n\n  ${link.url}\n\n`);
      return 0;
    }
    if (cmd === 'admins' && sub === 'reset-mfa' && rest[0]) {
      const ok = await app.get(AdminAuthService).resetMfa(rest[0]);
      process.stdout.write(ok ? `Second factors of ${rest[0]} removed and their sessions ended. They will set up a new one at their next sign-in.\n` : `No admin with the e-mail address ${rest[0]}.\n`);
      return ok ? 0 : 1;
    }
    if (cmd === 'servers') {
      const servers = app.get(ServersService);
      if (sub === 'list') {
        const list = await servers.list();
        if (list.length === 0) process.stdout.write('No media servers registered yet.\n');
        for (const s of list) {
          process.stdout.write(`${s.id}  ${s.kind.padEnd(8)} ${s.name}  ${s.baseUrl}  key: ${s.apiKey.active ? `${s.apiKey.prefix}…` : 'revoked'}\n`);
        }
        return 0;
      }
      if (sub === 'add') {
        const f = flags(rest);
        const parsed = CreateServerRequest.safeParse({ name: f['name'], kind: f['kind'], baseUrl: f['url'] });
        if (!parsed.success) {
          process.stderr.write(`Cannot add the server:\n${parsed.error.issues.map((i) => `  --${i.path[0] === 'baseUrl' ? 'url' : String(i.path[0])}: ${i.message}`).join('\n')}\n`);
          return 2;
        }
        const created = await servers.create(parsed.data);
        process.stdout.write(`Registered ${created.server.name} (${created.server.id}).\nAPI key (shown only now; put it in the media server's Latchkey settings):\n\n  ${created.apiKey}\n\n`);
        return 0;
      }
      if ((sub === 'rotate-key' || sub === 'revoke-key') && rest[0]) {
        if (sub === 'rotate-key') {
          const rotated = await servers.rotateApiKey(rest[0]);
          process.stdout.write(`New API key for ${rotated.server.name} (the old key no longer works):\n\n  ${rotated.apiKey}\n\n`);
        } else {
          await servers.revokeApiKey(rest[0]);
          process.stdout.write('API key revoked.\n');
        }
        return 0;
      }
    }
    process.stderr.write(`${USAGE}\n`);
    return 2;
  } finally {
    await app.close();
  }
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof ConfigError || e instanceof KeyError) process.stderr.write(`${e.message}\n`);
    else if (e instanceof AppException) process.stderr.write(`${e.message}\n`);
    else process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
