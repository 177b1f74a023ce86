import { LatchkeyClient } from '@latchkey/client';
import { DEMO, startStandIn } from './standin';

/**
 * Runs the stand-in against a Latchkey:
 *   LATCHKEY_URL=http://localhost:8080 LATCHKEY_API_KEY=lk_srv_… PORT=8096 \
 *     node -r ts-node/register/transpile-only -r tsconfig-paths/register examples/media-server-standin/src/main.ts
 * (with TS_NODE_PROJECT=examples/media-server-standin/tsconfig.json). Users: alice / alice-pw, bob / bob-pw.
 */
async function main(): Promise<void> {
  const baseUrl = process.env['LATCHKEY_URL'] ?? 'http://localhost:8080';
  const apiKey = process.env['LATCHKEY_API_KEY'];
  if (!apiKey) throw new Error('Set LATCHKEY_API_KEY to the key shown when you registered the server in Latchkey.');
  const standIn = await startStandIn({
    latchkey: new LatchkeyClient({ baseUrl, apiKey, userAgent: 'latchkey-media-server-standin/0.1' }),
    ...DEMO,
    port: Number(process.env['PORT'] ?? 8096),
  });
  await standIn.syncDirectory();
  process.stdout.write(`Media-server stand-in on ${standIn.url}, asking Latchkey at ${baseUrl}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
