import { execFileSync } from 'node:child_process';
import type { RunningService } from './service';

/** Debian's oathtool, an independent TOTP generator, as the member's phone; `ago` seconds in the past. */
export const oathtool = (secret: string, ago = 0) =>
  execFileSync('oathtool', ['--totp', '-b', secret, '-N', `@${Math.floor(Date.now() / 1000) - ago}`], { encoding: 'utf8' }).trim();

/**
 * A member adds an authenticator app from a link their media server minted (member pages API), confirming it
 * with the previous time step's code — still accepted — so that a sign-in right after can use the current
 * one (each step is accepted once). Returns the app's secret.
 */
export async function enrolTotp(svc: RunningService, link: string): Promise<string> {
  const started = await fetch(`${svc.base}/api/v1/portal/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ link }) });
  if (started.status !== 201) throw new Error(`member session failed: ${started.status} ${await started.text()}`);
  const me = { 'content-type': 'application/json', cookie: (started.headers.get('set-cookie') ?? '').split(';')[0] ?? '', 'x-csrf-token': ((await started.json()) as { csrfToken: string }).csrfToken };
  const totp = (await (await fetch(`${svc.base}/api/v1/me/factors/totp`, { method: 'POST', headers: me, body: '{}' })).json()) as { factorId: string; secret: string };
  const confirmed = await fetch(`${svc.base}/api/v1/me/factors/totp/${totp.factorId}/confirm`, { method: 'POST', headers: me, body: JSON.stringify({ code: oathtool(totp.secret, 30) }) });
  if (confirmed.status !== 200) throw new Error(`authenticator app not confirmed: ${confirmed.status} ${await confirmed.text()}`);
  return totp.secret;
}
